import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/capture/types.js';
import { readCaptureBytes } from '../../src/capture/reader.js';
import {
  ascii,
  block,
  comment,
  concat,
  epb,
  idb,
  nrb,
  opb,
  payload,
  readAll,
  readChunked,
  shb,
  split64,
  spb,
} from './vectors.js';

const T0 = 1_700_000_000n;

function errorOf(fn: () => unknown): CaptureError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    return e as CaptureError;
  }
  throw new Error('expected a CaptureError');
}

describe('pcapng', () => {
  for (const le of [true, false]) {
    it(`reads a ${le ? 'little' : 'big'}-endian section with if_tsresol 6, 9 and 2^-20, names and comments`, () => {
      const [uh, ul] = split64(T0 * 1_000_000n + 250_000n);
      const [nh, nl] = split64(T0 * 1_000_000_000n + 123_456_789n);
      const [bh, bl] = split64((T0 << 20n) + (1n << 19n)); // 2^-20 s units: +0.5 s
      const bytes = concat(
        shb(le, [comment('section one'), { code: 4, value: ascii('maker') }]),
        idb(le, 1, 65535, [{ code: 2, value: ascii('eth0') }, { code: 3, value: ascii('first port') }]),
        idb(le, 113, 262144, [{ code: 9, value: [9] }]),
        idb(le, 101, 0, [{ code: 9, value: [0x80 | 20] }]),
        epb(le, 0, uh, ul, payload(1, 61), 61, [comment('first packet')]),
        epb(le, 1, nh, nl, payload(2, 40), 1500),
        epb(le, 2, bh, bl, payload(3, 20)),
      );
      const r = readAll(bytes, 'a.pcapng');
      expect(r.summary.format).toBe('pcapng');
      expect(r.summary.sections).toBe(1);
      expect(r.summary.comments).toEqual(['section one']);
      expect(r.summary.interfaces).toEqual([
        { linkType: 1, snaplen: 65535, tsUnit: 1e-6, name: 'eth0', description: 'first port' },
        { linkType: 113, snaplen: 262144, tsUnit: 1e-9 },
        { linkType: 101, snaplen: 0, tsUnit: 2 ** -20 },
      ]);
      expect(r.packets.map((p) => [p.frame, p.interfaceId, p.linkType, p.caplen, p.origLen])).toEqual([
        [1, 0, 1, 61, 61],
        [2, 1, 113, 40, 1500],
        [3, 2, 101, 20, 20],
      ]);
      expect(r.packets[0].time).toBe(1_700_000_000.25);
      // Nanoseconds since 1970 exceed 2^53: the reader must still land on the nearest double.
      expect(r.packets[1].time).toBe(1_700_000_000 + 0.123456789);
      expect(r.packets[2].time).toBe(1_700_000_000.5);
      expect(r.packets[0].comment).toBe('first packet');
      expect(r.packets[1].comment).toBeUndefined();
      expect(r.packets[0].data).toEqual(Array.from(payload(1, 61)));
      expect(r.warnings).toEqual([]);
    });
  }

  it('applies if_tsoffset (seconds) to every timestamp of the interface', () => {
    const [h, l] = split64(5_000_000n);
    const le = true;
    const offset = new Array<number>(8);
    for (let i = 0; i < 8; i++) offset[i] = Number((1_600_000_000n >> BigInt(8 * i)) & 0xffn); // int64, little-endian
    const r = readAll(concat(shb(le), idb(le, 1, 0, [{ code: 14, value: offset }]), epb(le, 0, h, l, payload(1, 8))));
    expect(r.packets[0].time).toBe(1_600_000_005);
  });

  it('restarts interface numbering in each section and follows each section byte order', () => {
    const [h, l] = split64(T0 * 1_000_000n);
    const bytes = concat(
      shb(true, [comment('s1')]),
      idb(true, 1, 0),
      idb(true, 0, 0),
      epb(true, 1, h, l, payload(1, 10)),
      shb(false, [comment('s2')]),
      idb(false, 101, 0),
      epb(false, 0, h, l + 1, payload(2, 10)),
      // interface 1 existed in section 1 only
      epb(false, 1, h, l + 2, payload(3, 10)),
      shb(true),
      idb(true, 113, 0),
      epb(true, 0, h, l + 3, payload(4, 10)),
    );
    const r = readAll(bytes, 'multi.pcapng');
    expect(r.summary.sections).toBe(3);
    expect(r.summary.comments).toEqual(['s1', 's2']);
    expect(r.summary.interfaces.map((i) => i.linkType)).toEqual([1, 0, 101, 113]);
    expect(r.packets.map((p) => [p.frame, p.interfaceId, p.linkType, p.data[0]])).toEqual([
      [1, 1, 0, payload(1, 1)[0]],
      [2, 0, 101, payload(2, 1)[0]],
      [3, 0, 113, payload(4, 1)[0]],
    ]);
    expect(r.warnings.map((w) => w.code)).toEqual(['unknown-interface']);
    expect(r.warnings[0].message).toContain('multi.pcapng');
    expect(r.warnings[0].message).toContain('interface 1');
  });

  it('reads SPB with interface 0 and caplen = min(origLen, snaplen, block space)', () => {
    const [h, l] = split64(T0 * 1_000_000n + 7n);
    const bytes = concat(
      shb(true),
      idb(true, 1, 64),
      epb(true, 0, h, l, payload(1, 30)),
      spb(true, 1500, payload(2, 100)), // snaplen 64 cuts
      spb(true, 10, payload(3, 12)), // origLen 10 < 12 bytes present (padding)
      spb(true, 3000, payload(4, 40)), // block holds only 40
    );
    const r = readAll(bytes);
    expect(r.packets.map((p) => [p.caplen, p.origLen, p.interfaceId])).toEqual([
      [30, 30, 0],
      [64, 1500, 0],
      [10, 10, 0],
      [40, 3000, 0],
    ]);
    expect(r.packets[1].data).toEqual(Array.from(payload(2, 64)));
    // SPB has no timestamp: it carries the previous packet's time and does not move first/last time.
    expect(r.packets[1].time).toBe(r.packets[0].time);
    expect(r.summary.firstTime).toBe(r.packets[0].time);
  });

  it('reads the obsolete packet block (OPB) with its comment', () => {
    const [h, l] = split64(T0 * 1_000_000n);
    const r = readAll(concat(shb(false), idb(false, 1, 0), opb(false, 0, h, l, payload(1, 33), 99, [comment('old')])));
    expect(r.packets).toHaveLength(1);
    expect(r.packets[0]).toMatchObject({ caplen: 33, origLen: 99, time: 1_700_000_000, comment: 'old' });
  });

  it('hands NRB IPv4 and IPv6 records to sink.names and skips unknown record types', () => {
    for (const le of [true, false]) {
      const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
      const bytes = concat(
        shb(le),
        nrb(le, [
          { type: 1, value: [192, 0, 2, 1, ...ascii('a.example'), 0, ...ascii('b.example'), 0] },
          { type: 0x99, value: ascii('ignored') },
          { type: 2, value: [...v6, ...ascii('six.example'), 0] },
          { type: 1, value: [10, 0, 0, 1] }, // no names: nothing to report
        ]),
        idb(le, 1, 0),
      );
      const r = readAll(bytes);
      expect(r.names).toEqual([
        ['192.0.2.1', ['a.example', 'b.example']],
        ['2001:db8::1', ['six.example']],
      ]);
    }
  });

  it('skips custom (0x00000BAD, 0x40000BAD), ISB, DSB and unknown blocks without counting them', () => {
    const [h, l] = split64(1n);
    const bytes = concat(
      shb(true),
      idb(true, 1, 0),
      block(true, 0x00000bad, (b) => b.u32(32473).raw(ascii('custom data'))),
      epb(true, 0, h, l, payload(1, 8)),
      block(true, 0x40000bad, (b) => b.u32(32473).raw(ascii('more'))),
      block(true, 5, (b) => b.u32(0).u32(0).u32(0)),
      block(true, 10, (b) => b.u32(0x544c534b).u32(4).raw([1, 2, 3, 4])),
      block(true, 0x12345678, (b) => b.raw(payload(9, 20))),
      epb(true, 0, h, l, payload(2, 8)),
    );
    const r = readAll(bytes);
    expect(r.packets.map((p) => p.frame)).toEqual([1, 2]);
    expect(r.warnings).toEqual([]);
  });

  it('joins several packet comments and keeps SHB comments of every section', () => {
    const [h, l] = split64(1n);
    const r = readAll(concat(shb(true, [comment('one'), comment('two')]), idb(true, 1, 0), epb(true, 0, h, l, payload(1, 4), 4, [comment('x'), comment('y')])));
    expect(r.summary.comments).toEqual(['one', 'two']);
    expect(r.packets[0].comment).toBe('x\ny');
  });
});

describe('hostile pcapng', () => {
  const good = () => {
    const [h, l] = split64(T0 * 1_000_000n);
    return concat(shb(true), idb(true, 1, 0), epb(true, 0, h, l, payload(1, 16)));
  };

  for (const [what, len] of [
    ['zero', 0],
    ['below 12', 8],
    ['not a multiple of 4', 30],
    ['huge', 0x7ffffff0],
  ] as const) {
    it(`fails on a ${what} block length with file and offset, after earlier packets`, () => {
      const bad = block(true, 6, (b) => b.raw(payload(2, 20)), { head: len });
      const bytes = concat(good(), bad, new Uint8Array(64));
      const seen: number[] = [];
      const start = good().length;
      let err: CaptureError | undefined;
      try {
        readCaptureBytes(bytes, { packet: (p) => seen.push(p.frame) }, { file: 'capture.pcapng' });
      } catch (e) {
        err = e as CaptureError;
      }
      expect(err).toBeInstanceOf(CaptureError);
      expect(err!.code).toBe('bad-block-length');
      expect(err!.offset).toBe(start);
      expect(err!.message).toBe(`capture.pcapng: bad block length ${len} at byte ${start}`);
      expect(seen).toEqual([1]);
    });
  }

  it('fails on a trailing length that does not match', () => {
    const err = errorOf(() => readAll(concat(good(), block(true, 6, (b) => b.raw(payload(2, 20)), { tail: 36 }))));
    expect(err.code).toBe('bad-block-length');
    expect(err.message).toContain('trailing length 36');
  });

  it('skips with a warning a packet whose interface is out of range, and goes on', () => {
    // Stamped a second after the first packet: in time order, so the interface is the only thing wrong.
    const [h, l] = split64((T0 + 1n) * 1_000_000n);
    const r = readAll(concat(good(), epb(true, 7, h, l, payload(2, 8)), epb(true, 0, h, l, payload(3, 8))));
    expect(r.packets.map((p) => p.data[0])).toEqual([payload(1, 1)[0], payload(3, 1)[0]]);
    expect(r.packets.map((p) => p.frame)).toEqual([1, 2]);
    expect(r.warnings.map((w) => w.code)).toEqual(['unknown-interface']);
  });

  it('skips with a warning a packet whose caplen exceeds its block', () => {
    const lying = block(true, 6, (b) => b.u32(0).u32(0).u32(0).u32(5000).u32(5000).raw(payload(2, 8)));
    const r = readAll(concat(good(), lying));
    expect(r.summary.packets).toBe(1);
    expect(r.warnings.map((w) => w.code)).toEqual(['bad-packet-length']);
  });

  it('stops reading options that overrun their block, with a warning', () => {
    const idbBad = block(true, 1, (b) => b.u16(1).u16(0).u32(0).u16(2).u16(200).raw(ascii('eth')));
    const r = readAll(concat(shb(true), idbBad));
    expect(r.summary.interfaces).toHaveLength(1);
    expect(r.warnings.map((w) => w.code)).toEqual(['bad-option']);
  });

  it('rejects a section header without byte-order magic and an unknown major version', () => {
    const bad = shb(true);
    bad[8] = 0x11;
    expect(errorOf(() => readAll(bad)).code).toBe('bad-byte-order');
    expect(errorOf(() => readAll(shb(true, [], [2, 0]))).code).toBe('unsupported-version');
  });

  it('reports input cut inside a block as truncation at the block start', () => {
    const full = good();
    const cutAt = full.length - 5;
    const r = readAll(full.subarray(0, cutAt), 'cut.pcapng');
    const epbStart = shb(true).length + idb(true, 1, 0).length;
    expect(r.summary.truncated).toBe(true);
    expect(r.summary.packets).toBe(0);
    expect(r.warnings[0].code).toBe('truncated-record');
    expect(r.warnings[0].offset).toBe(epbStart);
    expect(r.warnings[0].message).toContain('cut.pcapng');
    expect(r.warnings[0].message).toContain(`byte ${epbStart}`);
  });

  it('gives the same errors when the bad block arrives in pieces', () => {
    const bytes = concat(good(), block(true, 6, (b) => b.raw(payload(2, 20)), { head: 30 }));
    const err = errorOf(() => readChunked(bytes, [1]));
    expect(err.code).toBe('bad-block-length');
    expect(err.offset).toBe(good().length);
  });
});
