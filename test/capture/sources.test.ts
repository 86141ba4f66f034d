import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile, readCaptureFiles, readCaptureStream, type CaptureErrorWithSummary } from '../../src/capture/source-node.js';
import { readCaptureBlob } from '../../src/capture/source-web.js';
import { CaptureError } from '../../src/capture/types.js';
import { collector, readAll } from './vectors.js';

const DIR = join(import.meta.dirname, '../fixtures/public');
const tmp = mkdtempSync(join(tmpdir(), 'ctiscope-capture-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fixtureBytes = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));

async function rejection(p: Promise<unknown>): Promise<CaptureError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    return e as CaptureError;
  }
  throw new Error('expected a rejection');
}

describe('readCaptureFile', () => {
  it('reads a file in small chunks with progress, same as an in-memory read', async () => {
    const f = 'ndpi__log4j-webapp-exploit.pcap';
    const expected = readAll(fixtureBytes(f), join(DIR, f));
    const c = collector();
    const progress: [number, number | undefined][] = [];
    const summary = await readCaptureFile(join(DIR, f), c.sink, { highWaterMark: 1000, onProgress: (a, b) => progress.push([a, b]) });
    expect(summary).toEqual(expected.summary);
    expect(c.packets).toEqual(expected.packets);
    const size = fixtureBytes(f).length;
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toEqual([size, size]);
    expect(progress.every(([, t]) => t === size)).toBe(true);
  });

  it('detects gzip by magic, whatever the name, and reads multi-member gzip', async () => {
    const f = 'pcapplusplus__many_interfaces-1.pcapng';
    const raw = fixtureBytes(f);
    const gzPath = join(tmp, 'renamed.pcap'); // no .gz on purpose
    writeFileSync(gzPath, gzipSync(raw));
    const expected = readAll(raw, gzPath);
    const c = collector();
    const summary = await readCaptureFile(gzPath, c.sink, { highWaterMark: 700 });
    expect(summary).toEqual(expected.summary);
    expect(c.packets).toEqual(expected.packets);
    // `cat a.gz b.gz`: two members inflate to the two parts back to back.
    const half = 3000;
    const twoMembers = join(tmp, 'two.pcapng.gz');
    writeFileSync(twoMembers, Buffer.concat([gzipSync(raw.subarray(0, half)), gzipSync(raw.subarray(half))]));
    const c2 = collector();
    await readCaptureFile(twoMembers, c2.sink);
    expect(c2.packets).toEqual(expected.packets);
  });

  it('reports a gzip stream that ends early as truncation, after the packets it held', async () => {
    const raw = fixtureBytes('ndpi__skinny.pcap');
    const gz = gzipSync(raw);
    const path = join(tmp, 'cut.pcap.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const c = collector();
    const summary = await readCaptureFile(path, c.sink);
    expect(summary.truncated).toBe(true);
    expect(summary.packets).toBeGreaterThan(0);
    expect(summary.packets).toBeLessThan(200);
    expect(summary.warnings.map((w) => w.code)).toContain('truncated-gzip');
    expect(c.packets).toEqual(readAll(raw).packets.slice(0, summary.packets));
  });

  it('names the file for a missing file, a directory, and bad content; keeps how far it got', async () => {
    const missing = await rejection(readCaptureFile(join(tmp, 'nope.pcap'), collector().sink));
    expect(missing.code).toBe('file-not-found');
    expect(missing.message).toContain('nope.pcap');
    expect((await rejection(readCaptureFile(tmp, collector().sink))).code).toBe('io-error');
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'hello world\n');
    const bad = await rejection(readCaptureFile(text, collector().sink));
    expect(bad.code).toBe('not-a-capture');
    expect(bad.message).toContain('notes.txt');

    // A garbage block length after the first block: packets before it delivered, summary attached.
    const raw = fixtureBytes('ndpi__tls_alert.pcap');
    const broken = raw.slice();
    const shbLen = new DataView(broken.buffer).getUint32(4, true);
    const idbLen = new DataView(broken.buffer).getUint32(shbLen + 4, true);
    const firstEpb = shbLen + idbLen;
    const secondEpb = firstEpb + new DataView(broken.buffer).getUint32(firstEpb + 4, true);
    new DataView(broken.buffer).setUint32(secondEpb + 4, 7, true);
    const path = join(tmp, 'broken.pcapng');
    writeFileSync(path, broken);
    const c = collector();
    const err = (await rejection(readCaptureFile(path, c.sink))) as CaptureErrorWithSummary;
    expect(err.message).toBe(`${path}: bad block length 7 at byte ${secondEpb}`);
    expect(c.packets).toHaveLength(1);
    expect(err.summary?.packets).toBe(1);
  });
});

describe('readCaptureStream (standard input and pipes)', () => {
  it('reads a gzip pipe delivered in tiny chunks', async () => {
    const raw = fixtureBytes('zeek__sip_wireshark.pcap');
    const gz = gzipSync(raw);
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < gz.length; at += 1) pieces.push(gz.subarray(at, at + 1));
    const c = collector();
    const summary = await readCaptureStream(Readable.from(pieces), c.sink, { file: 'stdin' });
    expect(summary.packets).toBe(81);
    expect(c.packets).toEqual(readAll(raw, 'stdin').packets);
  });

  it('rejects empty input as not a capture', async () => {
    const err = await rejection(readCaptureStream(Readable.from([]), collector().sink, { file: 'stdin' }));
    expect(err.code).toBe('not-a-capture');
    expect(err.message).toContain('stdin');
  });
});

describe('readCaptureFiles', () => {
  it('reads files in order, frame numbers per file, telling the sink which file is current', async () => {
    const files = ['pcapplusplus__one_tcp_rst.pcap', 'tcpdump__tcp-handshake-nano.pcap'].map((f) => join(DIR, f));
    const seen: [number, number][] = [];
    let current = -1;
    const ended: number[] = [];
    const summaries = await readCaptureFiles(files, {
      beginFile: (i) => (current = i),
      packet: (p) => seen.push([current, p.frame]),
      endFile: (i, _path, s) => ended.push(i, s.packets),
    });
    expect(seen).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    expect(ended).toEqual([0, 2, 1, 3]);
    expect(summaries.map((s) => s.file)).toEqual(files);
  });

  it('goes on after a bad file when asked, recording the error as a warning', async () => {
    const bad = join(tmp, 'bad.txt');
    writeFileSync(bad, 'not a capture at all');
    const good = join(DIR, 'pcapplusplus__one_tcp_rst.pcap');
    await expect(readCaptureFiles([bad, good], { packet: () => {} })).rejects.toBeInstanceOf(CaptureError);
    const progress: number[] = [];
    const summaries = await readCaptureFiles([bad, good], { packet: () => {} }, { continueOnError: true, onProgress: (n) => progress.push(n) });
    expect(summaries[0].warnings.map((w) => w.code)).toEqual(['not-a-capture']);
    expect(summaries[1].packets).toBe(2);
    expect(progress.at(-1)).toBe(20 + fixtureBytes('pcapplusplus__one_tcp_rst.pcap').length);
  });
});

describe('readCaptureBlob (browser)', () => {
  it('reads a plain and a gzip blob with progress', async () => {
    const raw = fixtureBytes('pcapplusplus__ldap.pcapng');
    const expected = readAll(raw, 'ldap.pcapng');
    for (const body of [raw, new Uint8Array(gzipSync(raw))]) {
      const c = collector();
      const progress: number[] = [];
      const summary = await readCaptureBlob(new Blob([body]), c.sink, { file: 'ldap.pcapng', onProgress: (n) => progress.push(n) });
      expect(summary).toEqual(expected.summary);
      expect(c.packets).toEqual(expected.packets);
      expect(progress.at(-1)).toBe(body.length);
    }
  });

  it('names the file on bad gzip and on bad content', async () => {
    const gz = gzipSync(fixtureBytes('ndpi__skinny.pcap'));
    const cut = new Blob([gz.subarray(0, gz.length >> 1)]);
    const err = await rejection(readCaptureBlob(cut, collector().sink, { file: 'cut.pcap.gz' }));
    expect(err.code).toBe('bad-gzip');
    expect(err.message).toContain('cut.pcap.gz');
    const notCap = await rejection(readCaptureBlob(new Blob(['hello there']), collector().sink, { file: 'x.pcap' }));
    expect(notCap.code).toBe('not-a-capture');
  });
});
