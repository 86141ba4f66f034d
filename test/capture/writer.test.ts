import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapngWriter, PcapWriter, parseIPv6 } from '../../src/capture/writer.js';
import { LinkType } from '../../src/capture/types.js';
import { concat, payload, readAll, readChunked } from './vectors.js';

describe('PcapngWriter', () => {
  for (const tsResolution of ['us', 'ns'] as const) {
    it(`round-trips packets, interfaces, comments and names (${tsResolution})`, () => {
      const w = new PcapngWriter({ tsResolution, comment: 'made by the test', application: 'ctiscope' });
      const eth = w.addInterface(LinkType.ETHERNET, { snaplen: 65535, name: 'eth0', description: 'first' });
      const raw = w.addInterface(LinkType.RAW, { name: 'tun0' });
      const times = [1_700_000_000.000001, 1_700_000_000.5, 1_700_000_123.999999, 0.25];
      w.writePacket(eth, times[0], payload(1, 60), { comment: 'hello' });
      w.writePacket(raw, times[1], payload(2, 41), { origLen: 1500 });
      w.writeNames([
        { address: '192.0.2.7', names: ['cti.example', 'cti-alias.example'] },
        { address: '2001:db8:0:0:1::9', names: ['v6.example'] },
      ]);
      w.writePacket(eth, times[2], payload(3, 3));
      w.writePacket(raw, times[3], payload(4, 0));
      const bytes = w.toBytes();
      expect(w.bytesWritten).toBe(bytes.length);
      const r = readAll(bytes);
      expect(r.summary.format).toBe('pcapng');
      expect(r.summary.comments).toEqual(['made by the test']);
      const unit = tsResolution === 'ns' ? 1e-9 : 1e-6;
      expect(r.summary.interfaces).toEqual([
        { linkType: 1, snaplen: 65535, tsUnit: unit, name: 'eth0', description: 'first' },
        { linkType: 101, snaplen: 262144, tsUnit: unit, name: 'tun0' },
      ]);
      expect(r.packets.map((p) => [p.interfaceId, p.linkType, p.caplen, p.origLen, p.comment])).toEqual([
        [0, 1, 60, 60, 'hello'],
        [1, 101, 41, 1500, undefined],
        [0, 1, 3, 3, undefined],
        [1, 101, 0, 0, undefined],
      ]);
      r.packets.forEach((p, i) => expect(Math.abs(p.time - times[i])).toBeLessThan(tsResolution === 'ns' ? 3e-7 : 1e-6));
      expect(r.packets[0].data).toEqual(Array.from(payload(1, 60)));
      expect(r.packets[1].data).toEqual(Array.from(payload(2, 41)));
      expect(r.names).toEqual([
        ['192.0.2.7', ['cti.example', 'cti-alias.example']],
        ['2001:db8::1:0:0:9', ['v6.example']], // RFC 5952: the first of two equal zero runs is compressed,
      ]);
    });
  }

  it('keeps exact nanoseconds of a timestamp (no loss above 2^53 units)', () => {
    const w = new PcapngWriter({ tsResolution: 'ns' });
    const i = w.addInterface(1);
    w.writePacket(i, 1_700_000_000.123456789, payload(1, 1));
    const bytes = w.toBytes();
    // EPB starts after the SHB (28) and IDB (20 + if_tsresol 8 + end 4 = 32): timestamp at +12.
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    const count = (BigInt(dv.getUint32(28 + 32 + 12, true)) << 32n) | BigInt(dv.getUint32(28 + 32 + 16, true));
    const expected = 1_700_000_000n * 1_000_000_000n + BigInt(Math.round((1_700_000_000.123456789 - 1_700_000_000) * 1e9));
    expect(count).toBe(expected);
  });

  it('streams chunks to a callback, and those chunks read back as the same file', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapngWriter({ chunkSize: 4096, onChunk: (c) => chunks.push(c) });
    const i = w.addInterface(1);
    for (let n = 0; n < 500; n++) w.writePacket(i, 1000 + n, payload(n, 50 + (n % 90)));
    w.writePacket(i, 2000, payload(9, 10_000)); // larger than one chunk
    w.end();
    expect(chunks.length).toBeGreaterThan(10);
    expect(() => w.toBytes()).toThrow();
    const bytes = concat(...chunks);
    expect(bytes.length).toBe(w.bytesWritten);
    const r = readAll(bytes);
    expect(r.summary.packets).toBe(501);
    expect(r.packets[500].caplen).toBe(10_000);
    expect(readChunked(bytes, [4096]).packets).toEqual(r.packets);
  });

  it('rejects a bad interface id and a bad address', () => {
    const w = new PcapngWriter();
    expect(() => w.writePacket(0, 1, payload(1, 1))).toThrow(RangeError);
    expect(() => w.writeNames([{ address: 'cti.example', names: ['x'] }])).toThrow(RangeError);
  });

  it('parses IPv6 text forms', () => {
    expect(Array.from(parseIPv6('::1')!)).toEqual([...new Array(15).fill(0), 1]);
    expect(Array.from(parseIPv6('::ffff:192.0.2.1')!.subarray(10))).toEqual([0xff, 0xff, 192, 0, 2, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('1::2::3')).toBeUndefined();
  });
});

describe('PcapWriter', () => {
  for (const tsResolution of ['us', 'ns'] as const) {
    it(`round-trips classic pcap (${tsResolution})`, () => {
      const w = new PcapWriter(LinkType.LINUX_SLL, { tsResolution, snaplen: 1000 });
      w.writePacket(1_600_000_000.75, payload(1, 30), { origLen: 90 });
      w.writePacket(1_600_000_001, payload(2, 20));
      const r = readAll(w.toBytes());
      expect(r.summary.interfaces).toEqual([{ linkType: 113, snaplen: 1000, tsUnit: tsResolution === 'ns' ? 1e-9 : 1e-6 }]);
      expect(r.packets.map((p) => [p.time, p.caplen, p.origLen])).toEqual([
        [1_600_000_000.75, 30, 90],
        [1_600_000_001, 20, 20],
      ]);
    });
  }

  it('rewrites a public capture packet for packet', () => {
    const src = new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures/public/tcpdump__tcp-handshake-nano.pcap')));
    const orig = readAll(src);
    const w = new PcapWriter(orig.summary.interfaces[0].linkType, { tsResolution: 'ns', snaplen: orig.summary.interfaces[0].snaplen });
    for (const p of orig.packets) w.writePacket(p.time, Uint8Array.from(p.data), { origLen: p.origLen });
    const copy = readAll(w.toBytes());
    expect(copy.packets.map((p) => [p.caplen, p.origLen, p.data])).toEqual(orig.packets.map((p) => [p.caplen, p.origLen, p.data]));
    copy.packets.forEach((p, i) => expect(Math.abs(p.time - orig.packets[i].time)).toBeLessThan(1e-6));
  });
});
