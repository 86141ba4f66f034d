/**
 * Real traffic from public captures on an agent PC. Each public capture's packets are moved onto the PC of a
 * reference scenario: the address its first IPv4 packet came from becomes the PC's (one with no IPv4 goes in as it
 * is), and its times are shifted to a second into the scenario, inside its window. The merged capture must analyse as the scenario alone: the same
 * workstations, outcomes, failed phases and failures, and no error or warning the scenario lacks. The synthetic
 * Windows background (samples-noisy*.test.ts) is what we wrote; this is what other projects captured: a browser
 * refused by a web server, another program's CORBA, SIP, Skinny, SMB, LDAP binds that fail, scans. The same on
 * captures taken on the servers, with the public traffic on a server or on its first client: the same CTI clients
 * and agents too.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import { PcapngWriter } from '../src/capture/writer.js';
import { decodeLink, LinkLayer, LinkStatus } from '../src/decoders/net/link.js';
import { createPipeline, sourceInfo } from '../src/pipeline.js';
import type { AnalysisDocument, Finding, Workstation } from '../src/timeline/model.js';

const SAMPLES = join(__dirname, '..', 'samples');
const PUBLIC = join(__dirname, 'fixtures', 'public');

/** A failure of each kind the desktop has, and a login that worked. */
const SCENARIOS = ['cad-login-ok', 'licensing-timeout', 'agent-login-refused', 'stale-ldap-failover', 'ctios-side-down'];

interface Packet {
  time: number;
  linkType: number;
  data: Uint8Array;
  origLen: number;
}

function packetsOf(bytes: Uint8Array, file: string): Packet[] {
  const out: Packet[] = [];
  readCaptureBytes(bytes, { packet: (p) => void out.push({ time: p.time, linkType: p.linkType, data: p.data.slice(), origLen: p.origLen }) }, { file });
  return out;
}

const link = new LinkLayer();
/** Where the IPv4 header of a frame starts, or -1. */
function ipv4At(p: Packet): number {
  return decodeLink(p.linkType, p.data, link) === LinkStatus.IPV4 ? link.offset : -1;
}

const sameAddress = (d: Uint8Array, at: number, a: Uint8Array): boolean => d[at] === a[0] && d[at + 1] === a[1] && d[at + 2] === a[2] && d[at + 3] === a[3];

/** The IPv4 header checksum, written again after an address changed (TCP and UDP ones are left: nothing checks them). */
function fixIpChecksum(d: Uint8Array, at: number): void {
  const len = (d[at] & 0x0f) * 4;
  d[at + 10] = d[at + 11] = 0;
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (d[at + i] << 8) | d[at + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  sum = ~sum & 0xffff;
  d[at + 10] = sum >>> 8;
  d[at + 11] = sum & 0xff;
}

/**
 * The scenario's frames with the public capture's moved onto the scenario's PC (the first IPv4 frame's source; or
 * its destination, a server of a server-side capture),
 * from a second after the scenario's first frame to its last.
 */
function merged(scenario: Packet[], pub: Packet[], onto: 'source' | 'destination' = 'source'): { bytes: Uint8Array; moved: number } {
  const pcFrame = scenario.find((p) => ipv4At(p) >= 0)!;
  const pcAt = ipv4At(pcFrame) + (onto === 'source' ? 12 : 16);
  const pc = pcFrame.data.slice(pcAt, pcAt + 4);
  // A capture with no IPv4 to move (IPv6 only, or no IP at all) goes in as it is.
  const first = pub.find((p) => ipv4At(p) >= 0);
  const firstAt = first ? ipv4At(first) : -1;
  const theirs = first ? first.data.slice(firstAt + 12, firstAt + 16) : new Uint8Array(4).fill(0xff);
  const shift = scenario[0].time + 1 - pub[0].time;
  const end = scenario[scenario.length - 1].time;
  const moved: Packet[] = [];
  for (const p of pub) {
    const time = p.time + shift;
    if (time > end) break;
    const q = { ...p, time, data: p.data.slice() };
    const at = ipv4At(q);
    if (at >= 0) {
      for (const o of [at + 12, at + 16]) if (sameAddress(q.data, o, theirs)) q.data.set(pc, o);
      fixIpChecksum(q.data, at);
    }
    moved.push(q);
  }
  const all = [...scenario.map((p) => ({ p, from: 0 })), ...moved.map((p) => ({ p, from: 1 }))].sort((a, b) => a.p.time - b.p.time || a.from - b.from);
  const w = new PcapngWriter({ tsResolution: 'us' });
  const interfaces = new Map<number, number>();
  for (const { p } of all) {
    let i = interfaces.get(p.linkType);
    if (i === undefined) interfaces.set(p.linkType, (i = w.addInterface(p.linkType, { snaplen: 262144 })));
    w.writePacket(i, p.time, p.data, { origLen: p.origLen });
  }
  return { bytes: w.toBytes(), moved: moved.length };
}

function analyze(bytes: Uint8Array, file: string): AnalysisDocument {
  const pipeline = createPipeline({ analyze: true });
  const summary = readCaptureBytes(bytes, pipeline.sink, { file });
  return pipeline.finish(sourceInfo([file], [summary])).doc!;
}

/** What a workstation's analysis says: outcome, failed phase and failure, and its errors and warnings by kind. */
function verdict(w: Workstation): string {
  return `${w.host} ${w.outcome} ${w.failedPhase ?? '-'} ${w.failure?.kind ?? '-'} [${judged(w.findings)}]`;
}

function judged(findings: readonly Finding[]): string {
  return [...new Set(findings.filter((f) => f.severity !== 'info').map((f) => `${f.kind}:${f.severity}`))].sort().join(', ');
}

/** Every subject of a server-side capture: workstations, CTI clients and agents, with their verdicts. */
function subjects(d: AnalysisDocument): string[] {
  return [
    ...d.workstations.map((w) => `workstation ${verdict(w)}`),
    ...d.ctiClients.map((c) => `CTI client ${c.host} ${c.outcome} [${judged(c.findings)}]`),
    ...d.agents.map((a) => `agent ${a.id} ${a.outcome} [${judged(a.findings)}]`),
  ];
}

const publicCaptures = readdirSync(PUBLIC)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .map((f) => ({ name: f, packets: packetsOf(new Uint8Array(readFileSync(join(PUBLIC, f))), f) }));

describe('public captures on an agent PC', () => {
  it('most public captures have IPv4 traffic to move', () => {
    expect(publicCaptures.length).toBeGreaterThanOrEqual(45);
    expect(publicCaptures.filter((c) => c.packets.some((p) => ipv4At(p) >= 0)).length).toBeGreaterThanOrEqual(40);
  });

  for (const name of SCENARIOS) {
    it(`${name}: with each public capture's traffic on its PC, the same analysis`, () => {
      const file = `${name}.pcapng`;
      const scenario = packetsOf(new Uint8Array(readFileSync(join(SAMPLES, file))), file);
      const clean = analyze(new Uint8Array(readFileSync(join(SAMPLES, file))), file).workstations.map(verdict);
      expect(clean.length).toBeGreaterThan(0);
      const differ: string[] = [];
      let moved = 0;
      for (const pub of publicCaptures) {
        const m = merged(scenario, pub.packets);
        moved += m.moved;
        const got = analyze(m.bytes, `${name}+${pub.name}`).workstations.map(verdict);
        if (got.join(' | ') !== clean.join(' | ')) differ.push(`${pub.name}: ${got.join(' | ')}`);
      }
      // Hundreds of public frames went in, thousands in the longer scenarios (none may be taken for the desktop's).
      expect(moved).toBeGreaterThan(150);
      expect(differ, `clean: ${clean.join(' | ')}`).toEqual([]);
    });
  }
});

/** Captures taken on the servers: a CTI OS server's, and a PG's CTI server with a client that fails over. */
const SERVER_SIDE = ['ctios-server', 'cti-failover'];

describe('public captures on a server-side capture', () => {
  for (const name of SERVER_SIDE) {
    for (const onto of ['source', 'destination'] as const) {
      it(`${name}: with each public capture's traffic on its first frame's ${onto}, the same subjects`, () => {
        const file = `${name}.pcapng`;
        const bytes = new Uint8Array(readFileSync(join(SAMPLES, file)));
        const scenario = packetsOf(bytes, file);
        const clean = subjects(analyze(bytes, file));
        expect(clean.filter((x) => x.startsWith('agent ')).length).toBeGreaterThan(2);
        const differ: string[] = [];
        for (const pub of publicCaptures) {
          const m = merged(scenario, pub.packets, onto);
          const got = subjects(analyze(m.bytes, `${name}+${pub.name}`));
          if (got.join(' | ') !== clean.join(' | ')) differ.push(`${pub.name}: ${got.join(' | ')}`);
        }
        expect(differ, `clean: ${clean.join(' | ')}`).toEqual([]);
      });
    }
  }
});
