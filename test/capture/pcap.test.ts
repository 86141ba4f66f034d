import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/capture/types.js';
import { readCaptureBytes } from '../../src/capture/reader.js';
import { concat, payload, pcapHeader, pcapRecord, readAll } from './vectors.js';

function expectCaptureError(fn: () => unknown, code: string, offset?: number): CaptureError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    const err = e as CaptureError;
    expect(err.code).toBe(code);
    if (offset !== undefined) expect(err.offset).toBe(offset);
    return err;
  }
  throw new Error('expected a CaptureError');
}

describe('classic pcap', () => {
  for (const le of [true, false]) {
    for (const ns of [false, true]) {
      it(`reads ${le ? 'little' : 'big'}-endian ${ns ? 'nanosecond' : 'microsecond'} records`, () => {
        const frac = ns ? 123_456_789 : 123_456;
        const bytes = concat(
          pcapHeader({ le, ns, linkType: 113, snaplen: 262144 }),
          pcapRecord(le, 1_700_000_000, frac, payload(1, 60)),
          pcapRecord(le, 1_700_000_001, 0, payload(2, 42), 1514),
          pcapRecord(le, 1_700_000_002, ns ? 999_999_999 : 999_999, payload(3, 0)),
        );
        const r = readAll(bytes);
        expect(r.summary.format).toBe('pcap');
        expect(r.summary.packets).toBe(3);
        expect(r.summary.interfaces).toEqual([{ linkType: 113, snaplen: 262144, tsUnit: ns ? 1e-9 : 1e-6 }]);
        expect(r.packets.map((p) => p.frame)).toEqual([1, 2, 3]);
        expect(r.packets[0].time).toBeCloseTo(1_700_000_000 + (ns ? 0.123456789 : 0.123456), 6);
        expect(Math.abs(r.packets[0].time - (1_700_000_000 + frac / (ns ? 1e9 : 1e6)))).toBeLessThan(3e-7);
        expect(r.packets[1].time).toBe(1_700_000_001);
        expect(r.packets[0].data).toEqual(Array.from(payload(1, 60)));
        expect(r.packets[1]).toMatchObject({ caplen: 42, origLen: 1514, linkType: 113, interfaceId: 0 });
        expect(r.packets[2].caplen).toBe(0);
        expect(r.summary.bytes).toBe(102);
        expect(r.summary.firstTime).toBe(r.packets[0].time);
        expect(r.summary.lastTime).toBe(r.packets[2].time);
        expect(r.summary.truncated).toBe(false);
        expect(r.warnings).toEqual([]);
      });
    }
  }

  it('keeps a snaplen-truncated record (caplen < origLen) as is', () => {
    const r = readAll(concat(pcapHeader({ le: true, snaplen: 96 }), pcapRecord(true, 1, 0, payload(1, 96), 1500)));
    expect(r.packets[0]).toMatchObject({ caplen: 96, origLen: 1500 });
    expect(r.packets[0].data.length).toBe(96);
  });

  it('tolerates caplen > snaplen with one warning naming the record', () => {
    const r = readAll(
      concat(
        pcapHeader({ le: true, snaplen: 64 }),
        pcapRecord(true, 1, 0, payload(1, 100)),
        pcapRecord(true, 2, 0, payload(2, 100)),
      ),
      'snap.pcap',
    );
    expect(r.summary.packets).toBe(2);
    expect(r.warnings.map((w) => w.code)).toEqual(['caplen-over-snaplen']);
    expect(r.warnings[0].offset).toBe(24);
    expect(r.warnings[0].message).toContain('snap.pcap');
    expect(r.warnings[0].message).toContain('byte 24');
  });

  it('masks the FCS bits out of the link-type field and maps DLT_RAW 12 to LINKTYPE_RAW', () => {
    expect(readAll(concat(pcapHeader({ le: true, linkType: 0x40000000 | 1 }), pcapRecord(true, 1, 0, payload(1, 4)))).packets[0].linkType).toBe(1);
    expect(readAll(concat(pcapHeader({ le: false, linkType: 12 }), pcapRecord(false, 1, 0, payload(1, 4)))).packets[0].linkType).toBe(101);
  });

  it('swaps incl_len and orig_len in files older than format 2.3, as libpcap does', () => {
    // Old header order: orig_len first. Written here as (incl=1500 slot, orig=60 slot) reversed.
    const rec = pcapRecord(true, 1, 0, payload(1, 60), 1500);
    const swapped = rec.slice();
    swapped.set(rec.subarray(12, 16), 8);
    swapped.set(rec.subarray(8, 12), 12);
    const r = readAll(concat(pcapHeader({ le: true, minor: 2 }), swapped));
    expect(r.packets[0]).toMatchObject({ caplen: 60, origLen: 1500 });
    // 2.3: swapped only where orig < incl.
    const r3 = readAll(concat(pcapHeader({ le: true, minor: 3 }), swapped, rec));
    expect(r3.packets.map((p) => [p.caplen, p.origLen])).toEqual([
      [60, 1500],
      [60, 1500],
    ]);
  });

  it('fails on an absurd caplen with the file and byte offset, after delivering earlier packets', () => {
    const bytes = concat(
      pcapHeader({ le: true }),
      pcapRecord(true, 1, 0, payload(1, 20)),
      new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0x10, 0, 0, 0]),
      new Uint8Array(100),
    );
    const seen: number[] = [];
    const err = expectCaptureError(() => readCaptureBytes(bytes, { packet: (p) => seen.push(p.frame) }, { file: 'evil.pcap' }), 'bad-record-length', 60);
    expect(err.message).toMatch(/^evil\.pcap: .* at byte 60$/);
    expect(err.file).toBe('evil.pcap');
    expect(seen).toEqual([1]);
  });

  it('rejects an unknown major version', () => {
    const err = expectCaptureError(() => readAll(concat(pcapHeader({ le: true, major: 3 }), pcapRecord(true, 1, 0, payload(1, 4)))), 'unsupported-version');
    expect(err.message).toContain('3.4');
  });

  it('rejects a file cut inside its file header (no packet can follow), naming the file and the header size', () => {
    const err = expectCaptureError(() => readAll(pcapHeader({ le: true }).subarray(0, 10), 'short.pcap'), 'truncated-header', 0);
    expect(err.message).toBe('short.pcap: input ends inside the file header of 24 bytes (10 bytes present), no packets');
  });
});

describe('not a capture', () => {
  it('rejects wrong magic, naming the file', () => {
    const err = expectCaptureError(() => readAll(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), 'page.pcap'), 'not-a-capture', 0);
    expect(err.message).toContain('page.pcap');
    expect(err.message).toContain('47 45 54 20');
  });

  it('recognises gzip and says to decompress', () => {
    const err = expectCaptureError(() => readAll(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])), 'not-a-capture');
    expect(err.message).toContain('gzip');
  });

  it('rejects empty and 3-byte inputs at end()', () => {
    expectCaptureError(() => readAll(new Uint8Array(0)), 'not-a-capture');
    expectCaptureError(() => readAll(new Uint8Array([0xd4, 0xc3, 0xb2])), 'not-a-capture');
  });
});

describe('sink exceptions', () => {
  it('pass through unchanged and stop the reader', async () => {
    const { createCaptureReader } = await import('../../src/capture/reader.js');
    const boom = new TypeError('consumer bug');
    const reader = createCaptureReader({
      packet: () => {
        throw boom;
      },
    });
    const bytes = concat(pcapHeader({ le: true }), pcapRecord(true, 1, 0, payload(1, 8)));
    expect(() => reader.push(bytes)).toThrow(boom);
    expect(() => reader.push(bytes)).toThrow(boom);
  });
});
