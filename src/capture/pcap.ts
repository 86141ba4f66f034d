/**
 * Classic pcap (libpcap) records: a 24-byte file header, then 16-byte record headers each followed by
 * the captured bytes. Byte order and timestamp resolution come from the magic number:
 * a1b2c3d4 microseconds, a1b23c4d nanoseconds, each in either byte order.
 */
import { normalizeLinkType, type RecordParser, type ReadState } from './record-parser.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's own bound on a record (MAXIMUM_SNAPLEN); larger is taken as garbage, not a packet. */
const MAX_CAPLEN_DEFAULT = 256 * 1024;
/** Some writers (D-Bus, USB) declare bigger snaplens; honour them up to this. */
const MAX_CAPLEN_HARD = 16 * 1024 * 1024;

/** True when the first 4 bytes (read big-endian) are a classic pcap magic in either byte order. */
export function isPcapMagic(be32: number): boolean {
  return be32 === 0xa1b2c3d4 || be32 === 0xd4c3b2a1 || be32 === 0xa1b23c4d || be32 === 0x4d3cb2a1;
}

export class PcapParser implements RecordParser {
  private headerRead = false;
  private le = true;
  /** Fraction units per second: 1e6 or 1e9. */
  private unitsPerSecond = 1e6;
  private snaplen = 0;
  private linkType = 0;
  private maxCaplen = MAX_CAPLEN_DEFAULT;
  private warnedOverSnaplen = false;
  /**
   * Before format 2.3 the record header had orig_len before incl_len; in 2.3 files either order is
   * found. Like libpcap and Wireshark: always swap below 2.3, swap in 2.3 when orig_len < incl_len.
   */
  private lengthOrder: 'normal' | 'swapped' | 'maybe-swapped' = 'normal';

  constructor(private readonly state: ReadState) {
    state.format = 'pcap';
  }

  recordLength(view: DataView, start: number, avail: number, base: number): number {
    if (!this.headerRead) return FILE_HEADER;
    if (avail < RECORD_HEADER) return RECORD_HEADER;
    const caplen = this.capturedLength(view, start);
    if (caplen > this.maxCaplen) throw this.absurd(caplen, base + start);
    return RECORD_HEADER + caplen;
  }

  parse(bytes: Uint8Array, view: DataView, start: number, end: number, base: number): number {
    let p = start;
    if (!this.headerRead) {
      if (end - p < FILE_HEADER) return p;
      this.readFileHeader(view, p, base);
      p += FILE_HEADER;
    }
    const le = this.le;
    const ups = this.unitsPerSecond;
    const maxCaplen = this.maxCaplen;
    const snaplen = this.snaplen;
    const state = this.state;
    const pkt = state.packet;
    pkt.linkType = this.linkType;
    pkt.interfaceId = 0;
    const plainLengths = this.lengthOrder === 'normal';
    while (end - p >= RECORD_HEADER) {
      const caplen = plainLengths ? view.getUint32(p + 8, le) : this.capturedLength(view, p);
      if (caplen > maxCaplen) throw this.absurd(caplen, base + p);
      const next = p + RECORD_HEADER + caplen;
      if (next > end) break;
      if (caplen > snaplen && snaplen > 0 && !this.warnedOverSnaplen) {
        this.warnedOverSnaplen = true;
        state.warn(
          'caplen-over-snaplen',
          `${state.where}: record at byte ${base + p} has ${caplen} captured bytes, more than the file's snaplen ${snaplen} (kept)`,
          base + p,
          state.frames + 1,
        );
      }
      pkt.time = view.getUint32(p, le) + view.getUint32(p + 4, le) / ups;
      pkt.caplen = caplen;
      pkt.origLen = plainLengths ? view.getUint32(p + 12, le) : this.originalLength(view, p);
      pkt.at(bytes, p + RECORD_HEADER, next);
      pkt.comment = undefined;
      state.deliver(pkt, true);
      p = next;
    }
    return p;
  }

  private readFileHeader(view: DataView, p: number, base: number): void {
    const magicBE = view.getUint32(p, false);
    this.le = magicBE === 0xd4c3b2a1 || magicBE === 0x4d3cb2a1;
    this.unitsPerSecond = magicBE === 0xa1b23c4d || magicBE === 0x4d3cb2a1 ? 1e9 : 1e6;
    const le = this.le;
    const major = view.getUint16(p + 4, le);
    const minor = view.getUint16(p + 6, le);
    if (major !== 2) {
      throw this.state.error('unsupported-version', `unsupported pcap version ${major}.${minor}`, base + p + 4);
    }
    if (minor < 3) this.lengthOrder = 'swapped';
    else if (minor === 3) this.lengthOrder = 'maybe-swapped';
    this.snaplen = view.getUint32(p + 16, le);
    // The upper bits of the link-type field carry FCS information; the link type is the low 16 bits.
    this.linkType = normalizeLinkType(view.getUint32(p + 20, le) & 0xffff);
    this.maxCaplen = Math.max(MAX_CAPLEN_DEFAULT, Math.min(this.snaplen, MAX_CAPLEN_HARD));
    this.headerRead = true;
    this.state.sections = 1;
    this.state.interfaces.push({ linkType: this.linkType, snaplen: this.snaplen, tsUnit: 1 / this.unitsPerSecond });
  }

  private lengthsSwapped(view: DataView, p: number): boolean {
    if (this.lengthOrder === 'normal') return false;
    if (this.lengthOrder === 'swapped') return true;
    return view.getUint32(p + 12, this.le) < view.getUint32(p + 8, this.le);
  }

  private capturedLength(view: DataView, p: number): number {
    return view.getUint32(this.lengthsSwapped(view, p) ? p + 12 : p + 8, this.le);
  }

  private originalLength(view: DataView, p: number): number {
    return view.getUint32(this.lengthsSwapped(view, p) ? p + 8 : p + 12, this.le);
  }

  private absurd(caplen: number, offset: number) {
    return this.state.error(
      'bad-record-length',
      `pcap record claims ${caplen} captured bytes (limit ${this.maxCaplen}), not a valid record`,
      offset,
    );
  }
}
