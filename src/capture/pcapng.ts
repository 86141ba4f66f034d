/**
 * pcapng blocks (IETF draft-ietf-opsawg-pcapng): every block is type(4) length(4) body length(4).
 *
 * Each Section Header Block sets the byte order of its section and restarts interface numbering.
 * Packets come from EPB, SPB and the obsolete OPB; IDBs give each interface its link type, snaplen and
 * timestamp resolution (if_tsresol, power of 10 or of 2) and offset (if_tsoffset); NRBs give names.
 * ISB, DSB, custom and unknown blocks are skipped whole, which the length framing makes safe.
 */
import {
  decodeText,
  formatIPv4,
  formatIPv6,
  normalizeLinkType,
  type RecordParser,
  type ReadState,
} from './record-parser.js';
import type { CaptureInterface } from './types.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BT_IDB = 1;
const BT_OPB = 2;
const BT_SPB = 3;
const BT_NRB = 4;
const BT_EPB = 6;

const MIN_BLOCK = 12;
/** Wireshark's bound on one block; bigger is taken as garbage rather than buffered. */
export const MAX_BLOCK = 16 * 1024 * 1024;
const TWO_32 = 0x1_0000_0000;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

interface SectionInterface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second when an integer (10^k, 2^k), else 0 and tsUnit is used. */
  unitsPerSecond: number;
  tsUnit: number;
  tsOffset: number;
  /** Cache for exact 64-bit timestamp conversion: the high word last seen and hi·2^32 split as sec·U + rem. */
  cachedHi: number;
  cachedSec: number;
  cachedRem: number;
}

export class PcapngParser implements RecordParser {
  private le = true;
  private ifaces: SectionInterface[] = [];
  private lastTime = 0;
  private readonly warnedMissingIface = new Set<number>();

  constructor(private readonly state: ReadState) {
    state.format = 'pcapng';
  }

  recordLength(view: DataView, start: number, avail: number, base: number): number {
    if (avail < MIN_BLOCK) return MIN_BLOCK;
    let le = this.le;
    if (view.getUint32(start, true) === PCAPNG_SHB) le = this.sectionByteOrder(view, start, base);
    return this.checkLength(view.getUint32(start + 4, le), base + start);
  }

  parse(bytes: Uint8Array, view: DataView, start: number, end: number, base: number): number {
    let p = start;
    while (end - p >= MIN_BLOCK) {
      const type = view.getUint32(p, this.le);
      if (type === PCAPNG_SHB) {
        // The SHB type reads the same in both byte orders; its byte-order magic says which one follows.
        const le = this.sectionByteOrder(view, p, base);
        const len = this.checkLength(view.getUint32(p + 4, le), base + p);
        if (end - p < len) break;
        this.le = le;
        this.checkTrailer(view, p, len, base);
        this.readSectionHeader(bytes, view, p, len, base);
        p += len;
        continue;
      }
      const le = this.le;
      const len = this.checkLength(view.getUint32(p + 4, le), base + p);
      if (end - p < len) break;
      this.checkTrailer(view, p, len, base);
      if (type === BT_EPB) this.readEnhancedPacket(bytes, view, p, len, base);
      else if (type === BT_SPB) this.readSimplePacket(bytes, view, p, len, base);
      else if (type === BT_IDB) this.readInterface(bytes, view, p, len, base);
      else if (type === BT_NRB) this.readNames(bytes, view, p, len, base);
      else if (type === BT_OPB) this.readObsoletePacket(bytes, view, p, len, base);
      // ISB (5), DSB (10), custom blocks (0x00000BAD, 0x40000BAD) and unknown types: skipped whole.
      p += len;
    }
    return p;
  }

  private sectionByteOrder(view: DataView, p: number, base: number): boolean {
    const bom = view.getUint32(p + 8, true);
    if (bom === BYTE_ORDER_MAGIC) return true;
    if (bom === 0x4d3c2b1a) return false;
    throw this.state.error('bad-byte-order', `pcapng section header has no byte-order magic (0x${bom.toString(16)})`, base + p + 8);
  }

  private checkLength(len: number, offset: number): number {
    if (len < MIN_BLOCK || (len & 3) !== 0 || len > MAX_BLOCK) {
      throw this.state.error('bad-block-length', `bad block length ${len}`, offset);
    }
    return len;
  }

  private checkTrailer(view: DataView, p: number, len: number, base: number): void {
    const trailer = view.getUint32(p + len - 4, this.le);
    if (trailer !== len) {
      throw this.state.error(
        'bad-block-length',
        `block length ${len} does not match its trailing length ${trailer}`,
        base + p,
      );
    }
  }

  private readSectionHeader(bytes: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const state = this.state;
    if (len < 28) throw state.error('bad-block-length', `section header block too short (${len} bytes)`, base + p);
    const major = view.getUint16(p + 12, this.le);
    const minor = view.getUint16(p + 14, this.le);
    if (major !== 1) {
      throw state.error('unsupported-version', `unsupported pcapng version ${major}.${minor}`, base + p + 12);
    }
    state.sections++;
    this.ifaces = [];
    this.warnedMissingIface.clear();
    this.forEachOption(view, p + 24, p + len - 4, base, (code, at, olen) => {
      if (code === OPT_COMMENT) state.comments.push(decodeText(bytes.subarray(at, at + olen)));
    });
  }

  private readInterface(bytes: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const state = this.state;
    if (len < 20) {
      state.warn('bad-block', `${state.where}: interface block too short (${len} bytes) at byte ${base + p}`, base + p);
      // Keep numbering aligned with the file: the interface exists, its link type is unknown.
    }
    const le = this.le;
    const linkType = len >= 20 ? normalizeLinkType(view.getUint16(p + 8, le)) : 0xffff;
    const snaplen = len >= 20 ? view.getUint32(p + 12, le) : 0;
    const info: CaptureInterface = { linkType, snaplen, tsUnit: 1e-6 };
    const iface: SectionInterface = {
      linkType,
      snaplen,
      unitsPerSecond: 1e6,
      tsUnit: 1e-6,
      tsOffset: 0,
      cachedHi: -1,
      cachedSec: 0,
      cachedRem: 0,
    };
    if (len >= 20) {
      this.forEachOption(view, p + 16, p + len - 4, base, (code, at, olen) => {
        if (code === IF_NAME) info.name = decodeText(bytes.subarray(at, at + olen));
        else if (code === IF_DESCRIPTION) info.description = decodeText(bytes.subarray(at, at + olen));
        else if (code === IF_TSRESOL && olen >= 1) {
          const v = bytes[at];
          const exp = v & 0x7f;
          if (v & 0x80) {
            iface.unitsPerSecond = exp <= 53 ? 2 ** exp : 0;
            iface.tsUnit = 2 ** -exp;
          } else {
            iface.unitsPerSecond = exp <= 15 ? 10 ** exp : 0;
            iface.tsUnit = 10 ** -exp;
          }
        } else if (code === IF_TSOFFSET && olen >= 8) {
          iface.tsOffset = Number(view.getBigInt64(at, le));
        }
      });
    }
    info.tsUnit = iface.tsUnit;
    this.ifaces.push(iface);
    state.interfaces.push(info);
  }

  /** Seconds since the epoch from a 64-bit count of the interface's units, exact to the last digit for 10^k/2^k units. */
  private timeOf(iface: SectionInterface, hi: number, lo: number): number {
    const ups = iface.unitsPerSecond;
    if (ups === 0) return (hi * TWO_32 + lo) * iface.tsUnit + iface.tsOffset;
    if (hi !== iface.cachedHi) {
      // hi·2^32 can exceed 2^53 (nanoseconds since 1970 do): split it exactly once per high word.
      const whole = BigInt(hi) << 32n;
      const u = BigInt(ups);
      iface.cachedSec = Number(whole / u);
      iface.cachedRem = Number(whole % u);
      iface.cachedHi = hi;
    }
    let rem = iface.cachedRem + lo;
    let sec = iface.cachedSec;
    if (rem >= ups) {
      const carry = Math.floor(rem / ups);
      sec += carry;
      rem -= carry * ups;
    }
    return sec + iface.tsOffset + rem / ups;
  }

  private lookupInterface(id: number, p: number, base: number): SectionInterface | undefined {
    const iface = this.ifaces[id];
    if (iface === undefined && !this.warnedMissingIface.has(id)) {
      this.warnedMissingIface.add(id);
      const state = this.state;
      state.warn(
        'unknown-interface',
        `${state.where}: packet at byte ${base + p} names interface ${id}, but the section has ${this.ifaces.length}; packet skipped`,
        base + p,
      );
    }
    return iface;
  }

  private readEnhancedPacket(bytes: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const state = this.state;
    if (len < 32) {
      state.warn('bad-block', `${state.where}: packet block too short (${len} bytes) at byte ${base + p}; skipped`, base + p);
      return;
    }
    const le = this.le;
    const id = view.getUint32(p + 8, le);
    const iface = this.ifaces[id] ?? this.lookupInterface(id, p, base);
    if (iface === undefined) return;
    this.deliverBlockPacket(bytes, view, p, len, base, iface, id);
  }

  /** EPB and OPB share their layout from the timestamp on: time at +12, lengths at +20/+24, data at +28, options. */
  private deliverBlockPacket(bytes: Uint8Array, view: DataView, p: number, len: number, base: number, iface: SectionInterface, id: number): void {
    const le = this.le;
    const state = this.state;
    const caplen = view.getUint32(p + 20, le);
    if (caplen > len - 32) {
      state.warn(
        'bad-packet-length',
        `${state.where}: packet block at byte ${base + p} claims ${caplen} captured bytes in a ${len}-byte block; skipped`,
        base + p,
      );
      return;
    }
    const pkt = state.packet;
    pkt.time = this.lastTime = this.timeOf(iface, view.getUint32(p + 12, le), view.getUint32(p + 16, le));
    pkt.linkType = iface.linkType;
    pkt.interfaceId = id;
    pkt.caplen = caplen;
    pkt.origLen = view.getUint32(p + 24, le);
    pkt.at(bytes, p + 28, p + 28 + caplen);
    const optStart = p + 28 + ((caplen + 3) & ~3); // padding is relative to the block, not to the buffer
    pkt.comment = optStart < p + len - 4 ? this.packetComment(bytes, view, optStart, p + len - 4, base) : undefined;
    state.deliver(pkt, true);
  }

  private readObsoletePacket(bytes: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const state = this.state;
    if (len < 32) {
      state.warn('bad-block', `${state.where}: packet block too short (${len} bytes) at byte ${base + p}; skipped`, base + p);
      return;
    }
    const le = this.le;
    const id = view.getUint16(p + 8, le);
    const iface = this.lookupInterface(id, p, base);
    if (iface === undefined) return;
    this.deliverBlockPacket(bytes, view, p, len, base, iface, id);
  }

  /**
   * SPB: no interface id (always the section's interface 0) and no timestamp. The packet gets the time
   * of the packet before it so that time-ordered consumers keep it in place; it does not count towards
   * the summary's first/last time (tshark shows no time for it).
   */
  private readSimplePacket(bytes: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const state = this.state;
    if (len < 16) {
      state.warn('bad-block', `${state.where}: simple packet block too short (${len} bytes) at byte ${base + p}; skipped`, base + p);
      return;
    }
    const iface = this.lookupInterface(0, p, base);
    if (iface === undefined) return;
    const origLen = view.getUint32(p + 8, this.le);
    let caplen = Math.min(origLen, len - 16);
    if (iface.snaplen > 0 && iface.snaplen < caplen) caplen = iface.snaplen;
    const pkt = state.packet;
    pkt.time = this.lastTime;
    pkt.linkType = iface.linkType;
    pkt.interfaceId = 0;
    pkt.caplen = caplen;
    pkt.origLen = origLen;
    pkt.at(bytes, p + 12, p + 12 + caplen);
    pkt.comment = undefined;
    state.deliver(pkt, false);
  }

  private readNames(bytes: Uint8Array, view: DataView, p: number, len: number, base: number): void {
    const state = this.state;
    const sink = state.sink;
    const le = this.le;
    const end = p + len - 4;
    let r = p + 8;
    while (r + 4 <= end) {
      const type = view.getUint16(r, le);
      const rlen = view.getUint16(r + 2, le);
      if (type === 0) break; // nrb_record_end; options may follow
      const value = r + 4;
      if (value + rlen > end) {
        state.warn('bad-name-record', `${state.where}: name record at byte ${base + r} runs past its block; rest skipped`, base + r);
        return;
      }
      const addrLen = type === 1 ? 4 : type === 2 ? 16 : 0;
      if (addrLen > 0 && rlen >= addrLen && sink.names) {
        const address = addrLen === 4 ? formatIPv4(bytes, value) : formatIPv6(bytes, value);
        const names: string[] = [];
        let s = value + addrLen;
        const stop = value + rlen;
        while (s < stop) {
          let z = s;
          while (z < stop && bytes[z] !== 0) z++;
          if (z > s) names.push(decodeText(bytes.subarray(s, z)));
          s = z + 1;
        }
        if (names.length > 0) sink.names(address, names);
      }
      // Unknown record types are skipped by their length.
      r = value + ((rlen + 3) & ~3);
    }
  }

  /** Packet options are rare; read without a closure since this runs per packet when present. */
  private packetComment(bytes: Uint8Array, view: DataView, start: number, end: number, base: number): string | undefined {
    const le = this.le;
    let comment: string | undefined;
    let o = start;
    while (o + 4 <= end) {
      const code = view.getUint16(o, le);
      const olen = view.getUint16(o + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (o + 4 + olen > end) {
        const state = this.state;
        state.warn('bad-option', `${state.where}: option ${code} at byte ${base + o} runs past its block; ignored`, base + o);
        break;
      }
      if (code === OPT_COMMENT) {
        const text = decodeText(bytes.subarray(o + 4, o + 4 + olen));
        comment = comment === undefined ? text : `${comment}\n${text}`;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    return comment;
  }

  /** Walks options in [start, end); stops at opt_endofopt or at an option that overruns the block (warning). */
  private forEachOption(
    view: DataView,
    start: number,
    end: number,
    base: number,
    visit: (code: number, at: number, len: number) => void,
  ): void {
    const le = this.le;
    let o = start;
    while (o + 4 <= end) {
      const code = view.getUint16(o, le);
      const olen = view.getUint16(o + 2, le);
      if (code === OPT_ENDOFOPT) return;
      if (o + 4 + olen > end) {
        const state = this.state;
        state.warn('bad-option', `${state.where}: option ${code} at byte ${base + o} runs past its block; ignored`, base + o);
        return;
      }
      visit(code, o + 4, olen);
      o += 4 + ((olen + 3) & ~3);
    }
  }
}
