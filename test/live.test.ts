import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/pipeline-node.js';
import { createCaptureReader } from '../src/capture/reader.js';
import type { CapturedPacket } from '../src/capture/types.js';
import { CaptureFileWriter, createLivePrinter, createLiveSession } from '../src/cli/live.js';
import type { AnalysisDocument, AnalyzerUpdate } from '../src/timeline/model.js';
import { renderTextReport } from '../src/timeline/report-text.js';

const samplesDir = join(import.meta.dirname, '..', 'samples');
const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.pcapng')).sort();
const tmp = mkdtempSync(join(tmpdir(), 'ctiscope-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A small deterministic generator, so a failing chunking can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

function withoutFiles(doc: AnalysisDocument): unknown {
  return { ...doc, source: { ...doc.source, files: [] } };
}

/** Every packet of a file, copied (the reader reuses its packet object). */
function readPackets(bytes: Uint8Array): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  const reader = createCaptureReader({ packet: (p) => out.push({ ...p, data: p.data.slice() }) });
  reader.push(bytes);
  reader.end();
  return out;
}

/** The name records of a file (pcapng NRB), in order: a live capture written with them hands them on too. */
function readNames(bytes: Uint8Array): [string, string[]][] {
  const out: [string, string[]][] = [];
  const reader = createCaptureReader({ packet: () => undefined, names: (address, list) => out.push([address, [...list]]) });
  reader.push(bytes);
  reader.end();
  return out;
}

describe('live analysis is the file analysis', () => {
  it('has samples to check', () => {
    expect(samples.length).toBeGreaterThanOrEqual(8);
  });

  for (const name of samples) {
    it(`${name}: packet by packet with snapshots in between gives the file's document`, async () => {
      const path = join(samplesDir, name);
      const file = await analyzeFiles([path], { analyze: true });
      const packets = readPackets(new Uint8Array(readFileSync(path)));
      const updates: AnalyzerUpdate[] = [];
      const session = createLiveSession({ label: 'live:replay', onUpdate: (u) => updates.push(u) });
      // The samples' NRB comes before their first packet; some (the server-side ones) name servers only there.
      for (const [address, list] of readNames(new Uint8Array(readFileSync(path)))) session.sink.names?.(address, list);
      const next = lcg(name.length * 7919);
      let snapshots = 0;
      for (const p of packets) {
        session.sink.packet(p);
        // Snapshots at irregular points (about one packet in eight) must not disturb the state.
        if (next() < 0.125) {
          const snap = session.snapshot();
          expect(snap?.source.packets).toBe(session.packets);
          snapshots++;
        }
      }
      expect(snapshots).toBeGreaterThan(0);
      const live = session.finish();
      expect(live.source.files).toEqual(['live:replay']);
      expect(withoutFiles(live.doc!)).toEqual(withoutFiles(file.doc!));
      // What was printed live agrees with the final document: every finding kind was announced as it was found.
      const announced = new Set(updates.filter((u) => u.kind === 'finding').map((u) => `${u.workstation}|${u.finding!.kind}`));
      for (const ws of live.doc!.workstations) for (const f of ws.findings) expect(announced, `${ws.host} ${f.kind}`).toContain(`${ws.host}|${f.kind}`);
    });
  }

  it('bytes pushed in odd chunks (as tcpdump pipes them) give the same document', async () => {
    const path = join(samplesDir, 'span-many-agents.pcapng');
    const bytes = new Uint8Array(readFileSync(path));
    const file = await analyzeFiles([path], { analyze: true });
    const session = createLiveSession({ label: 'live:chunks' });
    const reader = createCaptureReader(session.sink, { file: 'tcpdump on lo' });
    const next = lcg(42);
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(next() * 3000);
      reader.push(bytes.subarray(at, at + n));
      at += n;
      if (next() < 0.2) session.snapshot();
    }
    reader.end();
    expect(withoutFiles(session.finish().doc!)).toEqual(withoutFiles(file.doc!));
  });

  it('kernel drops become a source warning and a capture-gap finding that the report shows', () => {
    const session = createLiveSession({ label: 'live:lo' });
    for (const p of readPackets(new Uint8Array(readFileSync(join(samplesDir, 'cad-login-ok.pcapng'))))) session.sink.packet(p);
    expect(session.noteCaptureStats({ backend: 'tcpdump', packets: 10, dropped: 0 })).toBeUndefined();
    const w = session.noteCaptureStats({ backend: 'tcpdump', packets: 10, received: 17, dropped: 7 });
    expect(w?.code).toBe('capture-dropped');
    const doc = session.finish().doc!;
    expect(doc.source.warnings.map((x) => x.code)).toContain('capture-dropped');
    expect(renderTextReport(doc, { color: false })).toContain('7 dropped by the kernel');
    const ws = doc.workstations[0];
    expect(ws.findings.filter((f) => f.kind === 'capture-gap' && f.step === null).map((f) => f.message)).toEqual([expect.stringContaining('7 dropped by the kernel')]);
  });
});

describe('live printing', () => {
  it('prints each step and finding in the words of the report', async () => {
    const path = join(samplesDir, 'licence-refused.pcapng');
    let text = '';
    const print = createLivePrinter({ color: false, width: 160, write: (t) => (text += t) });
    const session = createLiveSession({ label: 'live:replay', onUpdate: print });
    for (const p of readPackets(new Uint8Array(readFileSync(path)))) session.sink.packet(p);
    const doc = session.finish().doc!;
    const report = renderTextReport(doc, { color: false, width: 160 - 16 });
    const ws = doc.workstations[0];
    // The licensing step and its finding are printed with the report's wording, behind the workstation address.
    const failed = ws.steps.find((s) => !s.ok)!;
    expect(text).toContain(failed.summary);
    expect(report).toContain(failed.summary);
    expect(text).toMatch(new RegExp(`^${ws.host.replace(/\./g, '\\.')}\\s+.*✗ FAILED`, 'm'));
    expect(text).toContain('▲ ERROR licensing-failed:');
    expect(report).toContain('▲ ERROR licensing-failed:');
  });
});

describe('capture file writer', () => {
  function packetsOf(sample: string): CapturedPacket[] {
    return readPackets(new Uint8Array(readFileSync(join(samplesDir, sample))));
  }

  it('writes a pcapng that reads back to the same packets', async () => {
    const packets = packetsOf('cad-login-ok.pcapng');
    const path = join(tmp, 'one.pcapng');
    const w = new CaptureFileWriter({ path, interfaceName: 'lo' });
    for (const p of packets) w.write(p);
    w.close();
    const back = readPackets(new Uint8Array(readFileSync(path)));
    expect(back.length).toBe(packets.length);
    expect(back.map((p) => [p.time.toFixed(6), Buffer.from(p.data).toString('hex')])).toEqual(packets.map((p) => [p.time.toFixed(6), Buffer.from(p.data).toString('hex')]));
    const a = await analyzeFiles([path], { analyze: true });
    const b = await analyzeFiles([join(samplesDir, 'cad-login-ok.pcapng')], { analyze: true });
    expect(a.doc!.workstations.map((x) => x.outcome)).toEqual(b.doc!.workstations.map((x) => x.outcome));
  });

  it('stops writing at --max-size with a notice', () => {
    const packets = packetsOf('span-many-agents.pcapng');
    const path = join(tmp, 'capped.pcapng');
    const notices: string[] = [];
    const w = new CaptureFileWriter({ path, maxBytes: 20_000, onNotice: (m) => notices.push(m) });
    for (const p of packets) w.write(p);
    w.close();
    expect(statSync(path).size).toBeLessThanOrEqual(20_000);
    expect(statSync(path).size).toBeGreaterThan(15_000);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('no more packets are written');
    const back = readPackets(new Uint8Array(readFileSync(path)));
    expect(back.length).toBe(w.packets);
    expect(back.length).toBeLessThan(packets.length);
  });

  it('keeps a ring of N files of at most the size, oldest deleted', () => {
    const packets = packetsOf('span-many-agents.pcapng');
    const dir = mkdtempSync(join(tmp, 'ring-'));
    const w = new CaptureFileWriter({ path: join(dir, 'out.pcapng'), maxBytes: 30_000, ring: 3 });
    for (const p of packets) w.write(p);
    w.close();
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(3);
    for (const n of names) {
      expect(n).toMatch(/^out_\d{5}_\d{14}\.pcapng$/);
      expect(statSync(join(dir, n)).size).toBeLessThanOrEqual(30_000);
    }
    expect(names.map((n) => join(dir, n))).toEqual(w.files);
    // The last files hold the last packets, in order.
    const tail = names.flatMap((n) => readPackets(new Uint8Array(readFileSync(join(dir, n)))));
    const last = packets.slice(packets.length - tail.length);
    expect(tail.map((p) => p.time)).toEqual(last.map((p) => p.time));
    expect(tail.length).toBeLessThan(packets.length);
  });
});
