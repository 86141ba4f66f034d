/**
 * Packets captured twice (src/decoders/net/duplicates.ts): the copies ctiscope leaves out are the ones Wireshark's
 * own `editcap -D` removes, on every public capture, but for the differences listed below, each for a reason; and a
 * capture of a sample in which every packet was captured twice (a SPAN session mirroring both ports) is analysed as
 * the sample itself, with one warning.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import { PcapngWriter } from '../src/capture/writer.js';
import { createFlowTracker } from '../src/decoders/net/index.js';
import type { AnalysisDocument } from '../src/timeline/model.js';
import { packetsOf } from './sample-packets.js';
import { udpFrame } from './decoders/net/packets.js';

const dir = join(import.meta.dirname, 'fixtures', 'public');
const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
const bin = join(import.meta.dirname, '..', 'bin', 'ctiscope.js');
const hasTools = spawnSync('editcap', ['--version']).status === 0 && spawnSync('tshark', ['--version']).status === 0;

/**
 * Where editcap and ctiscope differ, and why. editcap compares whole frames within its window of frames; ctiscope
 * compares IP packets (from the IP header on, whatever the link layer) within 50 ms.
 */
const DIFFERENCES: Record<string, { why: string; editcapOnly?: number[]; oursOnly?: number[]; renumber?: Record<number, number> }> = {
  'ndpi__dns_fragmented.pcap': { why: 'the DNS query asked again 5 s later is a retry, not a copy', editcapOnly: [37] },
  'zeek__ipv6-fragmented-dns.pcap': { why: 'the DNS query asked again 5 s later is a retry, not a copy', editcapOnly: [5] },
  'pcapplusplus__many_interfaces-1.pcapng': { why: 'the broadcasts of frames 1 and 2 again on lo0, under another link layer: the same IP packets', oursOnly: [3, 4] },
  // tshark and editcap number the 3 custom blocks (frames 1, 7, 10) as frames; ctiscope does not: its 8 is their 11.
  'pcapng-testgen__le_test202.pcapng': { why: 'custom blocks counted as frames', renumber: { 8: 11 } },
  'pcapng-testgen__be_test202.pcapng': { why: 'custom blocks counted as frames', renumber: { 8: 11 } },
};

/** The frames `editcap -D 16` skips as duplicates, IP packets only (ctiscope reads nothing else). */
function editcapCopies(file: string): number[] {
  const r = spawnSync('editcap', ['-V', '-D', '16', join(dir, file), join(mkdtempSync(join(tmpdir(), 'ctiscope-dup-')), 'out.pcap')], { encoding: 'utf8' });
  const skipped = [...(r.stdout + r.stderr).matchAll(/^Skipped: (\d+)/gm)].map((m) => Number(m[1]));
  if (skipped.length === 0) return [];
  const protocols = spawnSync('tshark', ['-n', '-r', join(dir, file), '-T', 'fields', '-e', 'frame.number', '-e', 'frame.protocols'], { encoding: 'utf8' }).stdout;
  const ip = new Set(
    protocols
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([, p]) => /(^|:)ipv?6?(:|$)/.test(p ?? ''))
      .map(([n]) => Number(n)),
  );
  return skipped.filter((n) => ip.has(n));
}

function ourCopies(bytes: Uint8Array): { copies: [number, number][]; frames: number } {
  const copies: [number, number][] = [];
  const tracker = createFlowTracker({ onCopy: (frame, of) => copies.push([frame, of]), idleTimeout: Infinity });
  let frames = 0;
  try {
    readCaptureBytes(bytes, { packet: (p) => (frames++, tracker.packet(p)) });
  } catch {
    // A fuzzed file's unreadable tail: the frames before it count.
  }
  tracker.finish();
  return { copies, frames };
}

describe('the copies left out are those editcap -D removes', () => {
  for (const file of files) {
    it(file, () => {
      if (!hasTools) return expect.fail('editcap and tshark are not installed (scripts/ensure-system-deps.mjs installs them)');
      const d = DIFFERENCES[file];
      const ours = ourCopies(new Uint8Array(readFileSync(join(dir, file)))).copies.map(([f]) => d?.renumber?.[f] ?? f);
      const theirs = editcapCopies(file).filter((f) => !d?.editcapOnly?.includes(f));
      expect(ours.filter((f) => !d?.oursOnly?.includes(f)), d?.why).toEqual(theirs);
      for (const f of d?.oursOnly ?? []) expect(ours).toContain(f);
    });
  }

  it('finds copies in several of them (psiphon3 recorded every segment twice)', () => {
    const found = files.filter((f) => ourCopies(new Uint8Array(readFileSync(join(dir, f)))).copies.length > 0);
    expect(found).toEqual(expect.arrayContaining(['ndpi__psiphon3.pcap', 'ndpi__skinny.pcap', 'pcapplusplus__ldap.pcapng']));
  });

  it('two segments with the same IP ID, sequence number and length but another port are no copies (soap: frames 5 and 6)', () => {
    expect(ourCopies(new Uint8Array(readFileSync(join(dir, 'ndpi__soap.pcap')))).copies).toEqual([]);
  });

  it('a datagram with IP ID 0 is a copy only when every byte is the same (corba: ten GIOP datagrams alike but for their bodies)', () => {
    const { copies } = ourCopies(new Uint8Array(readFileSync(join(dir, 'ndpi__corba.pcap'))));
    expect(copies).toEqual([]);
  });
});

describe('a sample captured twice over (every packet mirrored from two ports)', () => {
  const work = mkdtempSync(join(tmpdir(), 'ctiscope-dup-'));
  /** Every packet of the sample, then its copy 3 µs later; the copy's Ethernet header with a VLAN tag (another port). */
  function doubled(sample: string): string {
    const w = new PcapngWriter({ tsResolution: 'us' });
    const iface = w.addInterface(1, { snaplen: 65535 });
    for (const p of packetsOf(`${sample}.pcapng`)) {
      w.writePacket(iface, p.time, p.data);
      const tagged = new Uint8Array(p.data.length + 4);
      tagged.set(p.data.subarray(0, 12), 0);
      tagged.set([0x81, 0x00, 0x00, 0x64], 12);
      tagged.set(p.data.subarray(12), 16);
      w.writePacket(iface, p.time + 0.000003, tagged);
    }
    const file = join(work, `${sample}-doubled.pcapng`);
    writeFileSync(file, w.toBytes());
    return file;
  }
  const analyze = (file: string) => JSON.parse(spawnSync(process.execPath, [bin, 'analyze', '--json', file], { encoding: 'utf8' }).stdout) as AnalysisDocument;
  /** Step and finding sentences, frame numbers taken out (the copies shift them). */
  const sentences = (d: AnalysisDocument) => d.workstations.flatMap((w) => [...w.steps.map((s) => s.summary), ...w.findings.map((f) => f.message)]).map((t) => t.replace(/frames? [\d–, ]+/g, 'frames'));

  for (const sample of ['stale-ldap-failover', 'cad-login-ok-noisy', 'licensing-timeout']) {
    it(`${sample}: the same steps and findings as the sample (3 SYNs, not 6), and a warning naming the first copy`, () => {
      const file = doubled(sample);
      const a = analyze(file);
      const b = analyze(join(import.meta.dirname, '..', 'samples', `${sample}.pcapng`));
      expect(sentences(a)).toEqual(sentences(b));
      expect(a.workstations.map((w) => [w.host, w.outcome, w.failedPhase])).toEqual(b.workstations.map((w) => [w.host, w.outcome, w.failedPhase]));
      // Every IP packet was copied; the ARP and other frames are not analysed, so not counted.
      const n = packetsOf(`${sample}.pcapng`).filter((p) => (p.data[12] === 0x08 && p.data[13] === 0x00) || (p.data[12] === 0x86 && p.data[13] === 0xdd)).length;
      expect(a.source.warnings.filter((w) => w.code === 'duplicate-frames')).toEqual([
        {
          code: 'duplicate-frames',
          frame: 2,
          message: `${n.toLocaleString('en-US')} frames are copies of a packet captured just before them (the first, frame 2, of frame 1): the same packet captured twice (a SPAN session mirroring both ports, Windows pktmon at several layers, two interfaces); each packet was analysed once (editcap -D removes the copies from the file)`,
        },
      ]);
    });
  }

  it('--threads 2 gives the same document, byte for byte, its warning included', () => {
    const file = doubled('ctios-server');
    const one = spawnSync(process.execPath, [bin, 'analyze', '--json', file], { encoding: 'utf8' }).stdout;
    const two = spawnSync(process.execPath, [bin, 'analyze', '--json', '--threads', '2', file], { encoding: 'utf8' }).stdout;
    expect(one).toContain('"duplicate-frames"');
    expect(two).toBe(one);
  });

  it('stale-ldap-failover: the unanswered directory host is 3 SYNs over 9.0 s, as Windows sends them', () => {
    const a = analyze(doubled('stale-ldap-failover'));
    expect(a.workstations[0].findings.find((f) => f.kind === 'server-unreachable')!.message).toContain('never answered: 3 SYNs over 9.0 s');
  });
});

describe('copies are looked for where they can start: the first 20,000 IP packets, then a window of every 65,536', () => {
  /** `clean` distinct datagrams, then `doubled` more each captured twice, 10 µs apart. */
  function run(clean: number, doubled: number) {
    const copies: number[] = [];
    const tracker = createFlowTracker({ onCopy: (frame) => copies.push(frame) });
    let frame = 0;
    const send = (i: number, times: number) => {
      const p = udpFrame(0, 1000 + i * 0.001, '10.0.0.1', '10.0.0.2', 40000 + (i % 500), 53, new TextEncoder().encode(`query ${i}`));
      for (let k = 0; k < times; k++) tracker.packet({ ...p, frame: ++frame, time: p.time + k * 0.00001 });
    };
    for (let i = 0; i < clean; i++) send(i, 1);
    for (let i = clean; i < clean + doubled; i++) send(i, 2);
    return { copies, stats: tracker.finish() };
  }

  it('doubled from the start: every copy left out', () => {
    const { copies, stats } = run(0, 30_000);
    expect([copies.length, stats.duplicates, stats.firstDuplicate, stats.firstDuplicateOf]).toEqual([30_000, 30_000, 2, 1]);
  });

  it('doubled only from the 30,000th packet on (after the first look): found at the next window, every copy left out from then on', () => {
    const { copies } = run(30_000, 50_000);
    // The 65,536th IP packet opens the window; each packet from 30,000 on is doubled, so that is the copy of packet 47,768.
    expect(copies[0]).toBeGreaterThanOrEqual(65_536);
    expect(copies[0]).toBeLessThanOrEqual(65_538);
    const missed = (30_000 + 50_000 * 2 - copies[0]) / 2;
    expect(copies.length).toBeGreaterThanOrEqual(Math.floor(missed));
  });

  it('a capture without copies: none found, in any window', () => {
    expect(run(140_000, 0).copies).toEqual([]);
  });

  it('each copy 8 packets behind its original (a mirrored port with a queue): every one found, though packets of other flows came between and shared its bucket', () => {
    // With one packet per bucket, a packet remembered in between that shares the copy's bucket hides it, and the copy,
    // remembered in its turn, may hide another's original: 356 of these 20,000 copies were missed so (with two per
    // bucket, 3). Four per bucket, the oldest giving way, miss none.
    const copies: number[] = [];
    const tracker = createFlowTracker({ onCopy: (frame) => copies.push(frame) });
    const n = 20_000;
    const lag = 8;
    // Made once each: the helper gives every datagram it makes an IP ID of its own.
    const datagrams = Array.from({ length: n }, (_, i) => udpFrame(0, 1000 + i * 0.00002, '10.0.0.1', '10.0.0.2', 40000 + (i % 500), 53, new TextEncoder().encode(`query ${i}`)));
    let frame = 0;
    for (let i = 0; i < n + lag; i++) {
      if (i < n) tracker.packet({ ...datagrams[i], frame: ++frame });
      if (i >= lag) {
        const p = datagrams[i - lag];
        tracker.packet({ ...p, frame: ++frame, time: p.time + lag * 0.00002 });
      }
    }
    const stats = tracker.finish();
    expect([copies.length, stats.duplicates]).toEqual([n, n]);
  });
});
