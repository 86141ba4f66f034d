/**
 * Microsoft Network Monitor captures (.cap). Versions 1.x and 2.0 as Wireshark's own writer makes them (editcap -F
 * netmon1 / netmon2); 2.1–2.3, with per-frame media types, NetMon's metadata records and 2.3's UTC times, built
 * field by field below, since no writer on this machine makes them. Each is read by tshark as well (TZ=UTC: the
 * start time of 1.x–2.2 is local time without a zone), and ctiscope must agree with it frame by frame, then give
 * the analysis the same capture gives as pcapng.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CapturedPacket } from '../../src/capture/types.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { packetsOf } from '../sample-packets.js';
import { Bytes, readAll, readChunked } from './vectors.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'ctiscope.js');
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-netmon-'));
const hasTshark = spawnSync('tshark', ['--version']).status === 0;
const needTshark = () => {
  if (!hasTshark) expect.fail('tshark is not installed (scripts/ensure-system-deps.mjs installs it)');
};

/** NetMon media types of the metadata records: a frame for tshark (adapter list, filter), or none (a payload header). */
const NETWORK_INFO_EX = 0xfffb;
const NETMON_FILTER = 0xffff;
const PAYLOAD_HEADER = 0xfffc;

interface NetmonRecord {
  time: number;
  data: Uint8Array;
  media: number;
  origLen?: number;
}

/** A NetMon 2.`minor` file of `records`: header, records in sequence, then the frame table (`table` may change it). */
function netmon2(minor: 1 | 2 | 3, records: NetmonRecord[], table: (offsets: number[]) => number[] = (o) => o): Uint8Array {
  const startMs = Math.floor(records[0].time * 1000);
  const d = new Date(startMs);
  const body = new Bytes(true);
  const offsets: number[] = [];
  for (const r of records) {
    offsets.push(128 + body.length);
    const us = Math.round(r.time * 1e6) - startMs * 1000;
    body.u64(Math.floor(us / 2 ** 32), us >>> 0).u32(r.origLen ?? r.data.length).u32(r.data.length).raw(r.data).u16(r.media);
    if (minor >= 2) body.u32(0);
    if (minor >= 3) {
      // FILETIME: 100 ns units since 1601-01-01 UTC.
      const ft = (BigInt(Math.round(r.time * 1e6)) + 11_644_473_600_000_000n) * 10n;
      body.u64(Number(ft >> 32n), Number(ft & 0xffffffffn)).u8(0);
    }
  }
  const entries = table(offsets);
  const head = new Bytes(true)
    .raw([0x47, 0x4d, 0x42, 0x55])
    .u8(minor, 2)
    .u16(1)
    .u16(d.getUTCFullYear())
    .u16(d.getUTCMonth() + 1)
    .u16(d.getUTCDay())
    .u16(d.getUTCDate())
    .u16(d.getUTCHours())
    .u16(d.getUTCMinutes())
    .u16(d.getUTCSeconds())
    .u16(d.getUTCMilliseconds())
    .u32(128 + body.length)
    .u32(entries.length * 4);
  while (head.length < 128) head.u8(0);
  const tail = new Bytes(true);
  for (const o of entries) tail.u32(o);
  const out = new Uint8Array(128 + body.length + tail.length);
  out.set(head.bytes(), 0);
  out.set(body.bytes(), 128);
  out.set(tail.bytes(), 128 + body.length);
  return out;
}

function write(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** The pcapng sample as Wireshark writes it in a NetMon format (`netmon1`, `netmon2`). */
function editcap(sample: string, format: 'netmon1' | 'netmon2'): string {
  const out = join(dir, `${sample}.${format}.cap`);
  const r = spawnSync('editcap', ['-F', format, join(root, 'samples', `${sample}.pcapng`), out], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return out;
}

/** tshark's frames: number, time (seconds), length, captured length. */
function tsharkFrames(file: string): number[][] {
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len'], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split('\t').map(Number));
}

function ours(file: string): number[][] {
  return readAll(new Uint8Array(readFileSync(file)), file).packets.map((p) => [p.frame, p.time, p.origLen, p.caplen]);
}

/** Frame numbers and lengths exactly, times to tshark's printed nanoseconds. */
function expectSameFrames(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  expect(a.map(([n, , l, c]) => [n, l, c])).toEqual(b.map(([n, , l, c]) => [n, l, c]));
  const off = a.map(([, t], i) => Math.abs(t - b[i][1]));
  expect(Math.max(...off)).toBeLessThan(1e-6);
}

function analyze(file: string, ...args: string[]): { status: number | null; doc: AnalysisDocument; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'analyze', '--json', file, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, doc: JSON.parse(r.stdout) as AnalysisDocument, stderr: r.stderr };
}

/** The document without what names the input (file names, the reader's warnings). */
const body = (d: AnalysisDocument) => ({ ...d, source: { ...d.source, files: [], warnings: [] } });

const toRecords = (packets: CapturedPacket[]): NetmonRecord[] => packets.map((p) => ({ time: p.time, data: p.data, media: 1, origLen: p.origLen }));

describe('NetMon 2.0 as Wireshark writes it', () => {
  for (const sample of ['cad-login-ok-noisy', 'licence-refused', 'stale-ldap-failover-noisy']) {
    it(`${sample}: every frame as tshark reads it, and the same analysis as the pcapng`, () => {
      needTshark();
      const cap = editcap(sample, 'netmon2');
      expectSameFrames(ours(cap), tsharkFrames(cap));
      const a = analyze(cap);
      const b = analyze(join(root, 'samples', `${sample}.pcapng`));
      expect(a.status).toBe(b.status);
      expect(body(a.doc)).toEqual(body(b.doc));
      // The one thing the file cannot say is said once.
      expect(a.doc.source.warnings.map((w) => w.code)).toEqual(['netmon-local-time']);
      expect(a.doc.source.files).toEqual([cap]);
    });
  }

  it('read in chunks of any size (records, header and frame table cut across chunks), the same packets', () => {
    needTshark();
    const bytes = new Uint8Array(readFileSync(editcap('cad-login-ok', 'netmon2')));
    const whole = readAll(bytes).packets.map((p) => [p.frame, p.time, p.caplen, Buffer.from(p.data).toString('hex')]);
    for (const sizes of [[1], [7, 13], [127, 129], [4096]]) {
      const r = readChunked(bytes, sizes);
      expect(r.packets.map((p) => [p.frame, p.time, p.caplen, Buffer.from(p.data).toString('hex')])).toEqual(whole);
      expect(r.summary).toMatchObject({ format: 'netmon', truncated: false });
      expect(r.warnings.map((w) => w.code)).toEqual(['netmon-local-time']);
    }
  });
});

describe('NetMon 1.x as Wireshark writes it', () => {
  it('every frame as tshark reads it (milliseconds), and the same outcome as the pcapng', () => {
    needTshark();
    const cap = editcap('licence-refused', 'netmon1');
    expectSameFrames(ours(cap), tsharkFrames(cap));
    const a = analyze(cap).doc;
    expect(a.workstations.map((w) => [w.host, w.outcome, w.failedPhase, w.failure?.kind])).toEqual(
      analyze(join(root, 'samples', 'licence-refused.pcapng')).doc.workstations.map((w) => [w.host, w.outcome, w.failedPhase, w.failure?.kind]),
    );
  });
});

describe('NetMon 2.1–2.3 (per-frame media types, metadata records, 2.3 UTC times)', () => {
  const packets = packetsOf('licence-refused.pcapng');
  // As NetMon 3 writes a capture: the adapter list first, the capture filter, a reassembled payload's header (no
  // frame), and some frames converted from pcap (media 0xE000 + link type 1).
  const records: NetmonRecord[] = [
    { time: packets[0].time - 0.5, data: new Uint8Array(40).fill(1), media: NETWORK_INFO_EX },
    { time: packets[0].time - 0.4, data: new TextEncoder().encode('\0'), media: NETMON_FILTER },
    ...toRecords(packets).map((r, i) => (i % 3 === 1 ? { ...r, media: 0xe001 } : r)),
  ];
  records.splice(5, 0, { time: records[4].time, data: new Uint8Array(16), media: PAYLOAD_HEADER });

  for (const minor of [1, 2, 3] as const) {
    it(`2.${minor}: every frame as tshark reads it; the metadata counted as tshark counts it, never decoded; the same outcome`, () => {
      needTshark();
      const cap = write(`licence-refused-2${minor}.cap`, netmon2(minor, records));
      const mine = ours(cap);
      expectSameFrames(mine, tsharkFrames(cap));
      // The two metadata frames and every packet; the payload header is no frame.
      expect(mine.length).toBe(packets.length + 2);
      const r = analyze(cap);
      expect(r.doc.workstations.map((w) => [w.host, w.outcome, w.failedPhase, w.failure?.kind])).toEqual([['10.10.20.33', 'failed', 'licensing', 'licensing-failed']]);
      // Frames are tshark's numbers: the failure's frames are the pcapng's two further on.
      const pcapng = analyze(join(root, 'samples', 'licence-refused.pcapng')).doc;
      expect(r.doc.workstations[0].findings.map((f) => f.frames)).toEqual(pcapng.workstations[0].findings.map((f) => f.frames.map((n) => n + 2)));
      // Only 2.3 has UTC times; the metadata frames raise no "link type not read" warning.
      expect(r.doc.source.warnings.map((w) => w.code)).toEqual(minor === 3 ? [] : ['netmon-local-time']);
    });
  }
});

describe('damaged NetMon files', () => {
  const packets = packetsOf('licence-refused.pcapng');
  const bytes = netmon2(3, toRecords(packets));
  const view = new DataView(bytes.buffer);
  const tableOffset = view.getUint32(24, true);

  it('cut among the records: the frames before the cut analysed, the cut named with its byte offset', () => {
    const cutAt = 128 + Math.floor((tableOffset - 128) * 0.6);
    const cap = write('cut.cap', bytes.subarray(0, cutAt));
    const r = readAll(bytes.subarray(0, cutAt), cap);
    expect(r.summary.truncated).toBe(true);
    expect(r.packets.length).toBeGreaterThan(10);
    expect(r.packets.length).toBeLessThan(packets.length);
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringMatching(new RegExp(`^${cap}: input ends inside a record of \\d+ bytes that starts at byte \\d+ \\(\\d+ bytes present, after ${r.packets.length} packets\\)$`))]);
    const a = analyze(cap);
    expect(a.doc.source.truncated).toBe(true);
    expect(a.stderr).toContain(`ctiscope: warning: ${cap}: input ends inside a record`);
  });

  it('cut exactly between two records, before the frame table: still a cut, with the frames after it missing', () => {
    const second = view.getUint32(tableOffset + 4 * 5, true);
    const r = readAll(bytes.subarray(0, second), 'between.cap');
    expect(r.packets.length).toBe(5);
    expect(r.summary.truncated).toBe(true);
    expect(r.warnings.map((w) => w.message)).toEqual([`between.cap: input ends at byte ${second}, before the end of the NetMon frame table at byte ${bytes.length} (after 5 packets): the file was cut short, and the frames after the cut are missing`]);
  });

  it('cut inside the frame table: every frame read, said so, not truncated', () => {
    const r = readAll(bytes.subarray(0, tableOffset + 10), 'table.cap');
    expect(r.packets.length).toBe(packets.length);
    expect(r.summary.truncated).toBe(false);
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/the file was cut short inside the frame table; every frame was read$/)]);
  });

  it('a record whose length is impossible: an error naming the file and the byte, the frames before it kept', () => {
    const bad = bytes.slice();
    const at = new DataView(bad.buffer).getUint32(tableOffset + 4 * 7, true);
    new DataView(bad.buffer).setUint32(at + 12, 0x7fffffff, true);
    const cap = write('bad-length.cap', bad);
    const a = analyze(cap);
    expect(a.doc.source.packets).toBe(7);
    expect(a.doc.source.warnings.map((w) => w.message)).toContain(
      `${cap} could not be read past byte ${at} (${(bad.length - at).toLocaleString('en-US')} more bytes not read): NetMon record claims 2147483647 captured bytes (limit 262144), not a valid record at byte ${at}`,
    );
  });

  it('a frame table that lists records the sequence does not hold: a warning saying how many frames were not read', () => {
    const holey = netmon2(3, toRecords(packets), (o) => [...o, o.at(-1)! + 100_000]);
    const r = readAll(holey, 'holes.cap');
    expect(r.packets.length).toBe(packets.length);
    expect(r.warnings.map((w) => w.code)).toEqual(['netmon-frame-table']);
    expect(r.warnings[0].message).toContain(`lists ${packets.length + 1} records, ${packets.length} were read in sequence from byte 128: 1 records placed out of sequence were not read`);
  });

  it('an unsupported version: an error, nothing made up', () => {
    const v3 = bytes.slice();
    v3[5] = 3;
    expect(() => readAll(v3, 'v3.cap')).toThrow('v3.cap: unsupported NetMon file version 3.3 at byte 4');
  });
});

describe('a Windows event trace given instead of a capture', () => {
  it('exit 3, the file named, and how to convert it', () => {
    const etl = write('NetTrace.ETL', Uint8Array.from([0, 0, 1, 0, 1, 2, 3, 4, 0, 0, 0, 0]));
    const r = spawnSync(process.execPath, [bin, 'analyze', etl], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe(`ctiscope: ${etl}: a Windows event trace (netsh trace, pktmon), not a packet capture: convert it first (pktmon etl2pcap FILE.etl, or etl2pcapng)\n`);
  });
});
