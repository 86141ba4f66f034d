/**
 * Microsoft Network Monitor captures (.cap), the format of NetMon 2.x and 3.x and of Message Analyzer's NetMon
 * export, found on older Windows agent PCs: a 128-byte file header ("GMBU", or "RTSS" for NetMon 1.x), the frame
 * records, then a frame table (the file offset of each record) and, from 2.2, comment and process tables.
 *
 * Read as a stream, like pcap: records one after another from byte 128 up to the frame table, whose entries are
 * then checked against the records read (a count and a checksum of their offsets, so memory stays flat). NetMon
 * writes its records in sequence; a file whose table places them elsewhere is said so in a warning, with how many
 * frames were not read, and everything read before stays.
 *
 * Little-endian throughout. Record header: 2.x, time since the capture start in µs (64 bits) and the original and
 * captured lengths (32 bits each); 1.x, ms (32 bits) and 16-bit lengths. From 2.1 a trailer follows the bytes: the
 * frame's media type (2.1), a process index (2.2), and the frame's own UTC time as a FILETIME and a time-zone
 * index (2.3). The start time of 2.0–2.2 files is a SYSTEMTIME in the capturing PC's local time, which the file
 * does not name: read as UTC, as tshark reads it with TZ=UTC, and said in a warning.
 */
import { LinkType } from './types.js';
import { normalizeLinkType, type RecordParser, type ReadState } from './record-parser.js';

/** "GMBU" and "RTSS" read big-endian. */
export const NETMON_2_MAGIC = 0x474d4255;
export const NETMON_1_MAGIC = 0x52545353;

const FILE_HEADER = 128;
/** The same bound as pcap's: larger is garbage, not a frame. */
const MAX_CAPLEN = 256 * 1024;
/** Seconds between 1601-01-01 (FILETIME's epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET = 11_644_473_600n;

/**
 * NetMon media types (the header's, and from 2.1 each frame's) as pcap link types. 0 is found on Ethernet frames
 * of NetMon 3.4 VPN captures; 7–9 (tunnel, wireless WAN, raw IP) carry raw IP.
 */
const MEDIA_LINK_TYPES: Record<number, number> = { 0: LinkType.ETHERNET, 1: LinkType.ETHERNET, 2: 6, 3: 10, 7: LinkType.RAW, 8: LinkType.RAW, 9: LinkType.RAW };
/** Frames converted from a pcap file: the link type is the media type less this. */
const PCAP_MEDIA_BASE = 0xe000;
/** Metadata records that tshark shows as frames (an ETW event, the adapter list, the capture filter): counted, never decoded. */
const METADATA_FRAMES = new Set([0xffe0, 0xfffb, 0xffff]);
/** Metadata records that are no frame at all (a reassembled payload's header, the old adapter list, the DNS cache). */
const METADATA_RECORDS = new Set([0xfffc, 0xfffd, 0xfffe]);

type Region = 'header' | 'records' | 'table' | 'rest';

export class NetmonParser implements RecordParser {
  private major = 0;
  private minor = 0;
  private headerLinkType: number = LinkType.ETHERNET;
  /** Capture start, µs since the epoch (the header's SYSTEMTIME, read as UTC): whole, so times add up exactly. */
  private startUs = 0;
  private tableOffset = 0;
  private tableLength = 0;
  private recordHeader = 16;
  private trailer = 0;
  /** Count and checksum of the offsets of the records read, then of the frame table's entries. */
  private records = 0;
  private recordSum = 0;
  private entries = 0;
  private entrySum = 0;
  private readonly interfaceOf = new Map<number, number>();
  private warnedUnknownMedia = false;

  constructor(private readonly state: ReadState) {
    state.format = 'netmon';
  }

  private region(offset: number): Region {
    if (offset < FILE_HEADER) return 'header';
    if (this.tableOffset === 0 || offset < this.tableOffset) return 'records';
    if (offset < this.tableOffset + this.tableLength) return 'table';
    return 'rest';
  }

  pastRecords(offset: number): boolean {
    const r = this.region(offset);
    return r === 'table' || r === 'rest';
  }

  recordLength(view: DataView, start: number, avail: number, base: number): number {
    const offset = base + start;
    switch (this.region(offset)) {
      case 'header':
        return FILE_HEADER - offset;
      case 'records':
        if (avail < this.recordHeader) return this.recordHeader;
        return this.recordHeader + this.capturedLength(view, start, offset) + this.trailer;
      case 'table':
        return 4;
      default:
        return 1;
    }
  }

  parse(bytes: Uint8Array, view: DataView, start: number, end: number, base: number): number {
    let p = start;
    if (base + p < FILE_HEADER) {
      if (end - p < FILE_HEADER) return p;
      this.readFileHeader(view, p, base + p);
      p += FILE_HEADER;
    }
    const pkt = this.state.packet;
    while (p < end) {
      const offset = base + p;
      const region = this.region(offset);
      if (region === 'rest') return end;
      if (region === 'table') {
        if (end - p < 4) return p;
        const entry = view.getUint32(p, true);
        this.entries++;
        this.entrySum = (this.entrySum + entry) % 0x7fffffff;
        p += 4;
        continue;
      }
      if (end - p < this.recordHeader) return p;
      const caplen = this.capturedLength(view, p, offset);
      const next = p + this.recordHeader + caplen + this.trailer;
      if (next > end) return p;
      if (this.tableOffset !== 0 && base + next > this.tableOffset) {
        throw this.state.error('bad-record-length', `NetMon record of ${caplen} captured bytes runs past the frame table at byte ${this.tableOffset}`, offset);
      }
      this.records++;
      this.recordSum = (this.recordSum + offset) % 0x7fffffff;
      const rec = p;
      const data = rec + this.recordHeader;
      p = next;
      const media = this.trailer >= 2 ? view.getUint16(data + caplen, true) : -1;
      if (media >= 0 && METADATA_RECORDS.has(media)) continue;
      pkt.linkType = media < 0 ? this.headerLinkType : this.linkTypeOf(media, offset);
      pkt.interfaceId = this.interfaceFor(pkt.linkType);
      pkt.time = this.timeOf(view, rec, data + caplen);
      pkt.caplen = caplen;
      pkt.origLen = this.major === 1 ? view.getUint16(rec + 4, true) : view.getUint32(rec + 8, true);
      pkt.at(bytes, data, data + caplen);
      pkt.comment = undefined;
      this.state.deliver(pkt, true);
    }
    return p;
  }

  /**
   * At the end of the input (`endOffset` bytes read, none left over): checks the frame table against the records
   * read. True when the input ended before the table did: the file was cut short.
   */
  finish(endOffset: number): boolean {
    if (this.major === 0 || this.tableOffset === 0) return false;
    const tableEnd = this.tableOffset + this.tableLength;
    if (endOffset < tableEnd) {
      this.state.warn(
        'truncated-record',
        `${this.state.where}: input ends at byte ${endOffset}, before the end of the NetMon frame table at byte ${tableEnd} (after ${this.state.frames} packets): ` +
          (endOffset < this.tableOffset ? 'the file was cut short, and the frames after the cut are missing' : 'the file was cut short inside the frame table; every frame was read'),
        endOffset,
        this.state.frames || undefined,
      );
      return endOffset < this.tableOffset;
    }
    if (this.entries === this.records && this.entrySum === this.recordSum) return false;
    const missing = Math.max(0, this.entries - this.records);
    this.state.warn(
      'netmon-frame-table',
      `${this.state.where}: the NetMon frame table (at byte ${this.tableOffset}) lists ${this.entries} records, ${this.records} were read in sequence from byte ${FILE_HEADER}` +
        `${missing ? `: ${missing} records placed out of sequence were not read` : ': the table places records elsewhere than in sequence, so frames may be out of order or missing'}; ` +
        'open the file in Wireshark and save it as pcapng (File > Save As) to read every frame',
      this.tableOffset,
    );
    return false;
  }

  private readFileHeader(view: DataView, p: number, offset: number): void {
    const magic = view.getUint32(p, false);
    this.minor = view.getUint8(p + 4);
    this.major = view.getUint8(p + 5);
    if (magic === NETMON_1_MAGIC ? this.major !== 1 : this.major !== 2) {
      throw this.state.error('unsupported-version', `unsupported NetMon file version ${this.major}.${this.minor}`, offset + 4);
    }
    const media = view.getUint16(p + 6, true);
    const link = MEDIA_LINK_TYPES[media];
    // From 2.1 each frame names its own media; the header's is then 1 (Ethernet) for older readers.
    if (link === undefined && !(this.major === 2 && this.minor >= 1)) {
      throw this.state.error('unsupported-link-type', `NetMon network type ${media} is not one ctiscope reads`, offset + 6);
    }
    this.headerLinkType = link ?? LinkType.ETHERNET;
    const u16 = (at: number) => view.getUint16(p + at, true);
    const startMs = Date.UTC(u16(8), u16(10) - 1, u16(14), u16(16), u16(18), u16(20), u16(22));
    this.startUs = Number.isFinite(startMs) ? startMs * 1000 : 0;
    this.tableOffset = view.getUint32(p + 24, true);
    this.tableLength = view.getUint32(p + 28, true);
    if (this.tableLength % 4 !== 0) {
      throw this.state.error('malformed', `NetMon frame table length ${this.tableLength} is not a whole number of 4-byte entries`, offset + 28);
    }
    if (this.tableOffset !== 0 && this.tableOffset < FILE_HEADER) {
      throw this.state.error('malformed', `NetMon frame table offset ${this.tableOffset} lies inside the file header`, offset + 24);
    }
    this.recordHeader = this.major === 1 ? 8 : 16;
    this.trailer = this.major === 1 || this.minor === 0 ? 0 : this.minor === 1 ? 2 : this.minor === 2 ? 6 : 15;
    this.state.sections = 1;
    if (this.tableOffset === 0) {
      this.state.warn(
        'netmon-no-frame-table',
        `${this.state.where}: the NetMon file has no frame table (the capture was not closed?): records are read in sequence to the end`,
        offset + 24,
      );
    }
    if (this.major === 1 || this.minor < 3) {
      this.state.warn(
        'netmon-local-time',
        `${this.state.where}: NetMon ${this.major}.${this.minor} stores the capture's start in the capturing PC's local time, without its time zone: times are shown as if it were UTC`,
        offset + 8,
      );
    }
  }

  private capturedLength(view: DataView, p: number, offset: number): number {
    const caplen = this.major === 1 ? view.getUint16(p + 6, true) : view.getUint32(p + 12, true);
    if (caplen > MAX_CAPLEN) {
      throw this.state.error('bad-record-length', `NetMon record claims ${caplen} captured bytes (limit ${MAX_CAPLEN}), not a valid record`, offset);
    }
    return caplen;
  }

  /** The frame's time: 2.3's own UTC FILETIME, else the start plus the record's offset from it. */
  private timeOf(view: DataView, header: number, trailer: number): number {
    if (this.trailer === 15) {
      const ft = view.getBigUint64(trailer + 6, true);
      return Number(ft / 10_000_000n - FILETIME_EPOCH_OFFSET) + Number(ft % 10_000_000n) / 1e7;
    }
    let us: number;
    if (this.major === 1) us = view.getUint32(header, true) * 1000;
    else {
      const lo = view.getUint32(header, true);
      const hi = view.getUint32(header + 4, true);
      // Microsoft's µs count, taken (as NetMon does) as ten times it in signed 100 ns units, so a frame may
      // precede the start; below 2^53 µs (285 years) a double holds it exactly.
      us = hi < 0x200000 ? hi * 4294967296 + lo : Math.round(Number(BigInt.asIntN(64, view.getBigUint64(header, true) * 10n)) / 10);
    }
    // Seconds and a fraction, as a pcap's time is made: the same instant gives the same number.
    const total = this.startUs + us;
    const seconds = Math.floor(total / 1e6);
    return seconds + (total - seconds * 1e6) / 1e6;
  }

  private linkTypeOf(media: number, offset: number): number {
    if (METADATA_FRAMES.has(media)) return LinkType.NON_PACKET;
    if ((media & 0xf000) === PCAP_MEDIA_BASE && !(media >= 0xe080 && media <= 0xe08a)) return normalizeLinkType(media & 0x0fff);
    const link = MEDIA_LINK_TYPES[media];
    if (link !== undefined) return link;
    if (!this.warnedUnknownMedia) {
      this.warnedUnknownMedia = true;
      this.state.warn('netmon-media-type', `${this.state.where}: NetMon record at byte ${offset} has media type ${media}, which ctiscope does not read (counted, not decoded)`, offset, this.state.frames + 1);
    }
    return LinkType.NON_PACKET;
  }

  /** One interface per link type met, in order of first use. */
  private interfaceFor(linkType: number): number {
    let id = this.interfaceOf.get(linkType);
    if (id === undefined) {
      id = this.state.interfaces.length;
      this.interfaceOf.set(linkType, id);
      this.state.interfaces.push({ linkType, snaplen: 0, tsUnit: this.trailer === 15 ? 1e-7 : this.major === 1 ? 1e-3 : 1e-6 });
    }
    return id;
  }
}
