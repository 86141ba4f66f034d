/**
 * The synthetic reference captures (src/lab/synth, samples/): deterministic, readable by our capture reader,
 * correct on the wire (checksums, TCP sequence/ack bookkeeping), and carrying the protocol messages each
 * scenario of samples/SCENARIOS.md describes, as our own decoders read them.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import type { CapturedPacket } from '../src/capture/types.js';
import { decodeDnsMessage } from '../src/decoders/dns/message.js';
import { decodeGed188Message, type Ged188Message } from '../src/decoders/ged188/decode.js';
import { decodeGiopMessage, type GiopMessage } from '../src/decoders/giop/decode.js';
import { decodeLdapMessage, type LdapMessage } from '../src/decoders/ldap/decode.js';
import { NO_LICENSE_EXCEPTION } from '../src/lab/synth/desktop.js';
import { SCENARIOS, type ExpectedWorkstation, type ScenarioOutput } from '../src/lab/synth/scenarios.js';
import { SERVER_SIDE_SCENARIOS } from '../src/lab/synth/server-side.js';
import { buildSpanCapture } from '../src/lab/synth/span.js';
import { SynthNet } from '../src/lab/synth/tcp.js';
import { expectedJson, scenarioToPcapng } from '../src/lab/synth/write-samples.js';

const SAMPLES = join(__dirname, '..', 'samples');

// ------------------------------------------------------------------------------------------ frame parsing

/** Ones' complement 16-bit sum, written here independently of the generator's. */
function onesSum(bytes: Uint8Array, from: number, to: number, start = 0): number {
  let sum = start;
  for (let i = from; i < to; i += 2) sum += (bytes[i] << 8) | (i + 1 < to ? bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

interface Frame {
  time: number;
  frame: number;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  payload: Uint8Array;
  ipChecksumOk: boolean;
  l4ChecksumOk: boolean;
}

const SYN = 2;
const FIN = 1;
const RST = 4;
const ACK = 16;

function ip(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function parseFrame(p: { data: Uint8Array; time: number; frame: number }): Frame {
  const b = p.data;
  expect((b[12] << 8) | b[13]).toBe(0x0800);
  const o = 14;
  expect(b[o] >> 4).toBe(4);
  const ihl = (b[o] & 15) * 4;
  const total = (b[o + 2] << 8) | b[o + 3];
  expect(total + 14).toBeLessThanOrEqual(b.length);
  const proto = b[o + 9];
  const l4 = o + ihl;
  const l4len = total - ihl;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pseudo =
    onesSum(b, o + 12, o + 20) + proto + l4len;
  const f: Frame = {
    time: p.time,
    frame: p.frame,
    src: ip(b, o + 12),
    dst: ip(b, o + 16),
    proto,
    sport: dv.getUint16(l4),
    dport: dv.getUint16(l4 + 2),
    seq: 0,
    ack: 0,
    flags: 0,
    payload: new Uint8Array(0),
    ipChecksumOk: onesSum(b, o, o + ihl) === 0xffff,
    l4ChecksumOk: onesSum(b, l4, l4 + l4len, pseudo) === 0xffff,
  };
  if (proto === 6) {
    f.seq = dv.getUint32(l4 + 4);
    f.ack = dv.getUint32(l4 + 8);
    f.flags = b[l4 + 13];
    f.payload = b.subarray(l4 + (b[l4 + 12] >> 4) * 4, o + total);
  } else if (proto === 17) {
    f.payload = b.subarray(l4 + 8, o + total);
  }
  return f;
}

function readBack(bytes: Uint8Array): { frames: Frame[]; names: Map<string, string[]>; comments: string[]; packets: number } {
  const frames: Frame[] = [];
  const names = new Map<string, string[]>();
  const summary = readCaptureBytes(bytes, {
    packet(p: CapturedPacket) {
      frames.push(parseFrame({ data: p.data.slice(), time: p.time, frame: p.frame }));
    },
    names(address, list) {
      names.set(address, list);
    },
  });
  expect(summary.warnings).toEqual([]);
  expect(summary.truncated).toBe(false);
  return { frames, names, comments: summary.comments, packets: summary.packets };
}

// ------------------------------------------------------------------------------------------ TCP bookkeeping

interface DirState {
  isn: number | undefined;
  /** Relative sequence number of the next new byte. */
  next: number;
  /** Highest relative ack the peer has sent for this direction. */
  acked: number;
  /** Stream bytes in order (first copies only). */
  chunks: Uint8Array[];
  frames: number[];
}

interface Conn {
  client: string;
  server: string;
  clientPort: number;
  serverPort: number;
  c2s: DirState;
  s2c: DirState;
  synFrames: Frame[];
  synAck: boolean;
  rst: 'c2s' | 's2c' | undefined;
  retransmissions: number;
  fins: number;
}

const dirState = (): DirState => ({ isn: undefined, next: 0, acked: 0, chunks: [], frames: [] });

/**
 * Follows every TCP connection in frame order and checks the bookkeeping a real stack keeps: every segment
 * starts where the previous one ended unless it repeats bytes already sent (a retransmission, counted); an ACK
 * never acknowledges bytes not yet sent and never goes backwards.
 */
function followTcp(frames: Frame[]): Conn[] {
  const conns = new Map<string, Conn>();
  const out: Conn[] = [];
  for (const f of frames) {
    if (f.proto !== 6) continue;
    const k1 = `${f.src}:${f.sport}>${f.dst}:${f.dport}`;
    const k2 = `${f.dst}:${f.dport}>${f.src}:${f.sport}`;
    let conn = conns.get(k1) ?? conns.get(k2);
    if (!conn) {
      expect(f.flags & SYN, `frame ${f.frame}: a connection starts with a SYN`).toBe(SYN);
      conn = { client: f.src, server: f.dst, clientPort: f.sport, serverPort: f.dport, c2s: dirState(), s2c: dirState(), synFrames: [], synAck: false, rst: undefined, retransmissions: 0, fins: 0 };
      conns.set(k1, conn);
      out.push(conn);
    }
    const dir = f.src === conn.client && f.sport === conn.clientPort ? 'c2s' : 's2c';
    const me = conn[dir];
    const peer = conn[dir === 'c2s' ? 's2c' : 'c2s'];
    if (f.flags & SYN) {
      if (dir === 'c2s') conn.synFrames.push(f);
      else conn.synAck = true;
      if (me.isn === undefined) {
        me.isn = f.seq;
        me.next = 1;
      } else {
        expect(f.seq, `frame ${f.frame}: SYN repeats the ISN`).toBe(me.isn);
        conn.retransmissions++;
      }
    } else if (f.flags & RST) {
      conn.rst = dir;
      if (me.isn !== undefined) expect((f.seq - me.isn) >>> 0, `frame ${f.frame}: RST at the next sequence number`).toBe(me.next);
      else expect((f.ack - peer.isn!) >>> 0, `frame ${f.frame}: RST answers the SYN`).toBe(1);
      continue;
    } else {
      expect(me.isn, `frame ${f.frame}: data only after the handshake`).not.toBeUndefined();
      const rel = (f.seq - me.isn!) >>> 0;
      const len = f.payload.length + (f.flags & FIN ? 1 : 0);
      if (f.flags & FIN) conn.fins++;
      if (len > 0) {
        if (rel === me.next) {
          if (f.payload.length) {
            me.chunks.push(f.payload);
            me.frames.push(f.frame);
          }
          me.next += len;
        } else {
          expect(rel + len, `frame ${f.frame}: segment neither new nor a repeat (gap or overlap)`).toBeLessThanOrEqual(me.next);
          conn.retransmissions++;
        }
      } else {
        expect(rel, `frame ${f.frame}: pure ACK at the next sequence number`).toBe(me.next);
      }
    }
    if (f.flags & ACK) {
      const relAck = (f.ack - peer.isn!) >>> 0;
      expect(relAck, `frame ${f.frame}: ACK of bytes not yet sent`).toBeLessThanOrEqual(peer.next);
      expect(relAck, `frame ${f.frame}: ACK went backwards`).toBeGreaterThanOrEqual(peer.acked);
      peer.acked = relAck;
    }
  }
  return out;
}

function stream(d: DirState): Uint8Array {
  let n = 0;
  for (const c of d.chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of d.chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// ------------------------------------------------------------------------------------------ message splitting

function splitGed188(b: Uint8Array): Ged188Message[] {
  const out: Ged188Message[] = [];
  let o = 0;
  while (o + 8 <= b.length) {
    const len = 8 + (((b[o] << 24) >>> 0) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]));
    expect(o + len, 'GED-188 message inside the stream').toBeLessThanOrEqual(b.length);
    const m = decodeGed188Message(b.subarray(o, o + len), { version: 14 });
    expect(m.anomalies, `${m.name}: ${m.summary}`).toEqual([]);
    out.push(m);
    o += len;
  }
  expect(o).toBe(b.length);
  return out;
}

function splitGiop(b: Uint8Array): GiopMessage[] {
  const out: GiopMessage[] = [];
  let o = 0;
  while (o + 12 <= b.length) {
    const le = (b[o + 6] & 1) === 1;
    const size = new DataView(b.buffer, b.byteOffset + o + 8, 4).getUint32(0, le);
    const m = decodeGiopMessage(b.subarray(o, o + 12 + size));
    expect(m.anomalies, m.summary).toEqual([]);
    out.push(m);
    o += 12 + size;
  }
  expect(o).toBe(b.length);
  return out;
}

function splitLdap(b: Uint8Array): LdapMessage[] {
  const out: LdapMessage[] = [];
  let o = 0;
  while (o < b.length) {
    const m = decodeLdapMessage(b.subarray(o));
    expect(m.anomalies, m.summary).toEqual([]);
    expect(m.length).toBeGreaterThan(0);
    out.push(m);
    o += m.length;
  }
  return out;
}

// ------------------------------------------------------------------------------------------ scenarios

const built = new Map<string, { s: ScenarioOutput; bytes: Uint8Array; frames: Frame[]; conns: Conn[] }>();
function scenario(name: string) {
  let b = built.get(name);
  if (!b) {
    const s = SCENARIOS[name]();
    const bytes = scenarioToPcapng(s);
    const { frames } = readBack(bytes);
    b = { s, bytes, frames, conns: followTcp(frames) };
    built.set(name, b);
  }
  return b;
}

const to = (c: Conn, host: string, port: number) => c.server === host && c.serverPort === port;
const UCCX_A = '192.168.100.1';
const UCCX_B = '192.168.100.2';

function ctiMessages(c: Conn) {
  return { c2s: splitGed188(stream(c.c2s)), s2c: splitGed188(stream(c.s2c)) };
}

describe('reference samples: files', () => {
  it.each(Object.keys(SCENARIOS))('%s is deterministic and matches the committed sample', (name) => {
    const again = scenarioToPcapng(SCENARIOS[name]());
    const { bytes, s } = scenario(name);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(readFileSync(join(SAMPLES, `${name}.pcapng`))).equals(Buffer.from(bytes))).toBe(true);
    expect(readFileSync(join(SAMPLES, `${name}.expected.json`), 'utf8')).toBe(expectedJson(s));
  });

  it.each(Object.keys(SCENARIOS))('%s reads back with every frame, the server names and the section comment', (name) => {
    const { bytes, s } = scenario(name);
    const r = readBack(bytes);
    expect(r.packets).toBe(s.packets.length);
    expect(r.names.get(UCCX_A)).toEqual(['uccx-a.example.com']);
    expect(r.comments.join(' ')).toMatch(/Synthetic ctiscope reference scenario/);
    for (let i = 1; i < r.frames.length; i++) expect(r.frames[i].time).toBeGreaterThanOrEqual(r.frames[i - 1].time);
  });

  it.each(Object.keys(SCENARIOS))('%s: IPv4, TCP and UDP checksums verify; TCP bookkeeping is consistent', (name) => {
    const { frames, conns } = scenario(name);
    for (const f of frames) {
      expect(f.ipChecksumOk, `frame ${f.frame} IPv4 checksum`).toBe(true);
      expect(f.l4ChecksumOk, `frame ${f.frame} ${f.proto === 6 ? 'TCP' : 'UDP'} checksum`).toBe(true);
    }
    for (const c of conns) {
      if (!c.synAck || c.rst) continue;
      // Every byte (and FIN) sent was acknowledged by the end of the capture.
      expect(c.c2s.acked, `${c.client}:${c.clientPort} → ${c.server}:${c.serverPort} c2s acknowledged`).toBe(c.c2s.next);
      expect(c.s2c.acked, `${c.client}:${c.clientPort} → ${c.server}:${c.serverPort} s2c acknowledged`).toBe(c.s2c.next);
    }
  });

  it('expected results follow the scenario table of samples/SCENARIOS.md', () => {
    const table = readFileSync(join(SAMPLES, 'SCENARIOS.md'), 'utf8');
    const rows = new Map<string, { outcome: string; failedPhase: string; findings: string[] }>();
    for (const line of table.split('\n')) {
      const m = /^\| `([a-z-]+)` \|[^|]*\|([^|]*)\|([^|]*)\|([^|]*)\|$/.exec(line);
      if (!m) continue;
      const findings = m[4].trim();
      rows.set(m[1], {
        outcome: m[2].trim(),
        failedPhase: m[3].trim(),
        findings: findings === '(none)' ? [] : findings.split(',').map((x) => x.trim()),
      });
    }
    // Server-side captures have a table of their own (agents and CTI clients; test/samples-server-side.test.ts).
    expect([...rows.keys()].sort()).toEqual(Object.keys(SCENARIOS).filter((n) => !(n in SERVER_SIDE_SCENARIOS)).sort());
    const serverSideRows = [...table.matchAll(/^\| `([a-z0-9-]+)` \|(?:[^|]*\|){5}$/gm)].map((m) => m[1]);
    expect(serverSideRows.sort()).toEqual(Object.keys(SERVER_SIDE_SCENARIOS).sort());
    const single = (name: string): ExpectedWorkstation => {
      const ws = scenario(name).s.expected.workstations;
      expect(ws).toHaveLength(1);
      return ws[0];
    };
    for (const [name, row] of rows) {
      if (name === 'span-many-agents') continue;
      const ws = single(name);
      expect(ws.outcome, name).toBe(row.outcome);
      expect(ws.failedPhase ?? '', name).toBe(row.failedPhase);
      expect([...ws.findings].sort(), name).toEqual([...row.findings].sort());
      expect(ws.desktop).toBe(name.startsWith('ctios') ? 'ctios' : 'cad');
    }
    // SPAN: per PC as in the single scenarios.
    const span = scenario('span-many-agents').s.expected.workstations;
    expect(span).toHaveLength(40);
    const like = (name: string) => {
      const { host: _h, ...rest } = single(name);
      return rest;
    };
    for (const ws of span) {
      const { host, ...rest } = ws;
      const n = Number(host.split('.')[3]);
      const as = n >= 101 && n <= 103 ? 'licence-refused' : n === 104 ? 'agent-login-refused' : n === 105 ? 'stale-ldap-failover' : 'cad-login-ok';
      expect(rest, host).toEqual(like(as));
    }
  });
});

describe('the checks above can fail', () => {
  it('a flipped payload byte breaks the TCP checksum; a dropped data segment breaks the sequence bookkeeping', () => {
    const s = SCENARIOS['cad-login-ok']();
    const frames = s.packets.map((p, i) => ({ data: p.data.slice(), time: p.time, frame: i + 1 }));
    const dataIdx = frames.findIndex((f) => parseFrame(f).payload.length > 100 && parseFrame(f).proto === 6);
    const flipped = frames[dataIdx].data.slice();
    flipped[flipped.length - 1] ^= 0x20;
    expect(parseFrame({ ...frames[dataIdx], data: flipped }).l4ChecksumOk).toBe(false);
    expect(parseFrame(frames[dataIdx]).l4ChecksumOk).toBe(true);
    const parsed = frames.map(parseFrame);
    expect(() => followTcp(parsed.filter((_, i) => i !== dataIdx))).toThrow(/gap or overlap|not yet sent/);
  });
});

describe('reference samples: what is on the wire', () => {
  it('cad-login-ok: DNS, LDAP with a multi-segment result, licensing, GED-188 login, services, heartbeats', () => {
    const { frames, conns } = scenario('cad-login-ok');
    const dns = frames.filter((f) => f.proto === 17).map((f) => decodeDnsMessage(f.payload));
    expect(dns.map((d) => d.questions[0]?.name)).toEqual(['uccx-a.example.com', 'uccx-a.example.com', 'uccx-b.example.com', 'uccx-b.example.com']);

    const ldap = conns.find((c) => to(c, UCCX_A, 38983))!;
    const lc = splitLdap(stream(ldap.c2s));
    const ls = splitLdap(stream(ldap.s2c));
    expect(lc.map((m) => m.type)).toEqual(['bindRequest', 'searchRequest', 'searchRequest', 'searchRequest', 'unbindRequest']);
    expect(lc[0].fields.name).toBe('cn=Directory Manager,o=Spanlink Communications');
    expect(ls.map((m) => m.type)).toEqual(['bindResponse', 'searchResEntry', 'searchResDone', 'searchResEntry', 'searchResDone', 'searchResEntry', 'searchResDone']);
    expect(ls.every((m) => m.type === 'searchResEntry' || m.fields.resultCode === 0)).toBe(true);
    // One entry is larger than the MSS: it took more than one segment.
    expect(Math.max(...ls.map((m) => m.length))).toBeGreaterThan(1460);
    expect(ldap.s2c.frames.length).toBeGreaterThan(ls.length - 3);
    expect(ldap.fins).toBe(2);

    const lic = conns.find((c) => to(c, UCCX_A, 3000))!;
    const [req] = splitGiop(stream(lic.c2s));
    const [rep] = splitGiop(stream(lic.s2c));
    expect(req.fields).toMatchObject({ version: '1.2', operation: 'acquireLicense', objectKey: 'LRM/LicenseManager' });
    expect(rep.fields).toMatchObject({ replyStatusName: 'NO_EXCEPTION' });
    expect(rep.requestId).toBe(req.requestId);

    const cti = ctiMessages(conns.find((c) => to(c, UCCX_A, 12028))!);
    expect(cti.c2s.map((m) => m.name)).toEqual(['OPEN_REQ', 'QUERY_AGENT_STATE_REQ', 'SET_AGENT_STATE_REQ', 'HEARTBEAT_REQ', 'HEARTBEAT_REQ']);
    expect(cti.s2c.map((m) => m.name)).toEqual(['OPEN_CONF', 'QUERY_AGENT_STATE_CONF', 'SET_AGENT_STATE_CONF', 'AGENT_STATE_EVENT', 'HEARTBEAT_CONF', 'HEARTBEAT_CONF']);
    const open = cti.c2s[0];
    expect(open.fields).toMatchObject({ versionNumber: 14, agentId: '1031', agentExtension: '2031', agentInstrument: '2031', tagWidth: 1 });
    expect(open.fields.servicesRequestedNames).toEqual(expect.arrayContaining(['CLIENT_EVENTS', 'CLIENT_CONTROL']));
    expect(open.floating.map((f) => f.tag)).toContain(194);
    const login = cti.c2s[2];
    expect(login.fields).toMatchObject({ agentStateName: 'LOGIN', agentId: '1031', invokeId: 3 });
    expect(login.floating.map((f) => f.tag)).toEqual(expect.arrayContaining([49, 194]));
    expect(cti.s2c[3].fields).toMatchObject({ agentStateName: 'NOT_READY' });
    // SET_AGENT_STATE_CONF and the AGENT_STATE_EVENT left the server in one segment.
    const cs = conns.find((c) => to(c, UCCX_A, 12028))!.s2c;
    expect(cs.chunks.some((ch) => ch.length === cti.s2c[2].bodyLength + 8 + cti.s2c[3].bodyLength + 8)).toBe(true);
    // The second heartbeat request was lost after the capture point and retransmitted.
    expect(conns.find((c) => to(c, UCCX_A, 12028))!.retransmissions).toBe(1);
    expect(conns.reduce((n, c) => n + c.retransmissions, 0)).toBe(1);

    for (const [port, op] of [[59000, 'registerAgent'], [59003, 'subscribe'], [59004, 'subscribe']] as const) {
      const c = conns.find((x) => to(x, UCCX_A, port))!;
      expect(splitGiop(stream(c.c2s))[0].fields.operation).toBe(op);
      expect(splitGiop(stream(c.s2c))[0].fields.replyStatusName).toBe('NO_EXCEPTION');
    }
  });

  it('stale-ldap-failover: three unanswered SYNs at 0, 3, 9 s, then node B at 21 s', () => {
    const { conns } = scenario('stale-ldap-failover');
    const stale = conns.find((c) => to(c, '192.168.100.9', 38983))!;
    expect(stale.synAck).toBe(false);
    const t0 = stale.synFrames[0].time;
    expect(stale.synFrames.map((f) => Math.round((f.time - t0) * 1000) / 1000)).toEqual([0, 3, 9]);
    const b = conns.find((c) => to(c, UCCX_B, 38983))!;
    expect(b.synFrames[0].time - t0).toBeCloseTo(21, 0);
    expect(splitLdap(stream(b.s2c))[0].fields.resultCode).toBe(0);
    expect(ctiMessages(conns.find((c) => to(c, UCCX_A, 12028))!).s2c.map((m) => m.name)).toContain('AGENT_STATE_EVENT');
  });

  it('licence-refused: USER_EXCEPTION NoLicenseAvailable, the desktop closes, no CTI', () => {
    const { conns } = scenario('licence-refused');
    const lic = conns.find((c) => to(c, UCCX_A, 3000))!;
    const [rep] = splitGiop(stream(lic.s2c));
    expect(rep.fields).toMatchObject({ replyStatusName: 'USER_EXCEPTION', exceptionId: NO_LICENSE_EXCEPTION });
    expect(lic.fins).toBe(2);
    expect(conns.some((c) => c.serverPort === 12028)).toBe(false);
  });

  it('licensing-down: RST from 3000 on both nodes, no CTI', () => {
    const { conns } = scenario('licensing-down');
    const lic = conns.filter((c) => c.serverPort === 3000);
    expect(lic.map((c) => [c.server, c.rst, c.synAck])).toEqual([
      [UCCX_A, 's2c', false],
      [UCCX_B, 's2c', false],
    ]);
    expect(conns.some((c) => c.serverPort === 12028)).toBe(false);
  });

  it('licensing-timeout: request acknowledged but never answered; FIN 30 s later; no CTI', () => {
    const { conns, frames } = scenario('licensing-timeout');
    const lic = conns.find((c) => to(c, UCCX_A, 3000))!;
    expect(splitGiop(stream(lic.c2s)).map((m) => m.fields.operation)).toEqual(['acquireLicense']);
    expect(stream(lic.s2c).length).toBe(0);
    const reqFrame = frames.find((f) => f.frame === lic.c2s.frames[0])!;
    const fin = frames.find((f) => f.sport === lic.clientPort && f.dport === 3000 && f.flags & FIN)!;
    expect(fin.time - reqFrame.time).toBeCloseTo(30, 1);
    expect(conns.some((c) => c.serverPort === 12028)).toBe(false);
  });

  it('cti-standby-failover: FAILURE_CONF E_CTI_SERVER_NOT_MASTER from node B, login through node A', () => {
    const { conns } = scenario('cti-standby-failover');
    const cti = conns.filter((c) => c.serverPort === 12028);
    expect(cti.map((c) => c.server)).toEqual([UCCX_B, UCCX_A]);
    const b = ctiMessages(cti[0]);
    expect(b.c2s.map((m) => m.name)).toEqual(['OPEN_REQ']);
    expect(b.s2c.map((m) => m.name)).toEqual(['FAILURE_CONF']);
    expect(b.s2c[0].fields).toMatchObject({ status: 92, statusName: 'E_CTI_SERVER_NOT_MASTER', invokeId: 1 });
    expect(cti[0].fins).toBe(2);
    expect(ctiMessages(cti[1]).s2c.map((m) => m.name)).toContain('AGENT_STATE_EVENT');
  });

  it('agent-login-refused: CONTROL_FAILURE_CONF 88004, CLOSE_REQ/CONF', () => {
    const { conns } = scenario('agent-login-refused');
    const cti = ctiMessages(conns.find((c) => to(c, UCCX_A, 12028))!);
    expect(cti.c2s.map((m) => m.name)).toEqual(['OPEN_REQ', 'QUERY_AGENT_STATE_REQ', 'SET_AGENT_STATE_REQ', 'CLOSE_REQ']);
    expect(cti.s2c.map((m) => m.name)).toEqual(['OPEN_CONF', 'QUERY_AGENT_STATE_CONF', 'CONTROL_FAILURE_CONF', 'CLOSE_CONF']);
    expect(cti.s2c[2].fields).toMatchObject({ invokeId: 3, failureCode: 0, peripheralErrorCode: 88004 });
    expect(conns.some((c) => c.serverPort >= 59000)).toBe(false);
  });

  it('ldap-bind-refused: invalidCredentials with a diagnostic message, unbind, nothing else', () => {
    const { conns } = scenario('ldap-bind-refused');
    expect(conns).toHaveLength(1);
    const ls = splitLdap(stream(conns[0].s2c));
    expect(ls).toHaveLength(1);
    expect(ls[0].fields).toMatchObject({ resultCode: 49, resultCodeName: 'invalidCredentials' });
    expect(String(ls[0].fields.diagnosticMessage)).toMatch(/invalid credentials/);
    expect(splitLdap(stream(conns[0].c2s)).map((m) => m.type)).toEqual(['bindRequest', 'unbindRequest']);
  });

  it('ctios-side-down: two RSTs from CTIOSA 5 s apart, then 60 s of data both ways with CTIOSB', () => {
    const { conns } = scenario('ctios-side-down');
    expect(conns.map((c) => [c.server, c.serverPort, c.rst ?? 'open'])).toEqual([
      ['10.1.1.10', 42028, 's2c'],
      ['10.1.1.10', 42028, 's2c'],
      ['10.1.1.11', 42028, 'open'],
    ]);
    expect(conns[1].synFrames[0].time - conns[0].synFrames[0].time).toBeCloseTo(5, 1);
    const b = conns[2];
    expect(b.c2s.next).toBeGreaterThan(500);
    expect(b.s2c.next).toBeGreaterThan(3000);
  });

  it('span-many-agents: 40 PCs, each with its own agent, failures where the table puts them', () => {
    const { conns } = scenario('span-many-agents');
    const logins = new Map<string, string>();
    for (const c of conns.filter((x) => x.serverPort === 12028)) {
      const m = ctiMessages(c);
      const req = m.c2s.find((x) => x.name === 'SET_AGENT_STATE_REQ');
      if (req) logins.set(c.client, String(req.fields.agentId));
      const n = Number(c.client.split('.')[3]);
      if (n === 104) expect(m.s2c.find((x) => x.name === 'CONTROL_FAILURE_CONF')?.fields.peripheralErrorCode).toBe(88004);
      else if (req) expect(m.s2c.map((x) => x.name)).toContain('AGENT_STATE_EVENT');
    }
    expect(logins.size).toBe(37); // 35 normal, the stale-LDAP PC, and 104 (refused, but it sent its LOGIN)
    for (const [host, agent] of logins) if (host !== '10.10.20.104') expect(agent).toBe(String(1000 + Number(host.split('.')[3])));
    const refused = conns.filter((c) => c.serverPort === 3000).filter((c) => splitGiop(stream(c.s2c))[0]?.fields.replyStatusName === 'USER_EXCEPTION');
    expect(refused.map((c) => c.client).sort()).toEqual(['10.10.20.101', '10.10.20.102', '10.10.20.103']);
    expect(conns.filter((c) => c.server === '192.168.100.9').map((c) => [c.client, c.synFrames.length])).toEqual([['10.10.20.105', 3]]);
  });
});

describe('SynthNet', () => {
  const bytes = (n: number, v = 0x41) => new Uint8Array(n).fill(v);

  function run(script: (net: SynthNet) => void) {
    const net = new SynthNet({ seed: 3 });
    script(net);
    const frames = net.collect().map((p, i) => parseFrame({ data: p.data, time: p.time, frame: i + 1 }));
    return { frames, conns: followTcp(frames) };
  }

  it('splits a send at the MSS and ACKs every second segment', () => {
    const { frames, conns } = run((net) => {
      const c = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 80, mss: 536 });
      c.connect();
      c.send('s2c', bytes(536 * 4 + 10));
    });
    const data = frames.filter((f) => f.payload.length > 0);
    expect(data.map((f) => f.payload.length)).toEqual([536, 536, 536, 536, 10]);
    const acks = frames.filter((f) => f.src === '10.0.0.1' && f.payload.length === 0 && !(f.flags & SYN));
    // handshake ACK, after segments 2 and 4, and the delayed ACK for the fifth
    expect(acks).toHaveLength(4);
    expect(conns[0].s2c.acked).toBe(conns[0].s2c.next);
  });

  it('piggybacks the ACK on a reply sent before the delayed-ACK timer', () => {
    const { frames } = run((net) => {
      const c = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 80 });
      c.connect();
      c.send('c2s', bytes(100));
      c.send('s2c', bytes(50), { delay: 0.005 });
    });
    expect(frames.filter((f) => f.src === '10.0.0.2' && f.payload.length === 0 && !(f.flags & SYN))).toHaveLength(0);
  });

  it('coalesces messages into one segment on request, one push each otherwise', () => {
    const one = run((net) => {
      const c = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 80 });
      c.connect();
      c.send('s2c', [bytes(20), bytes(30)], { coalesce: true });
    });
    expect(one.frames.filter((f) => f.payload.length).map((f) => f.payload.length)).toEqual([50]);
    const two = run((net) => {
      const c = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 80 });
      c.connect();
      c.send('s2c', [bytes(20), bytes(30)]);
    });
    expect(two.frames.filter((f) => f.payload.length).map((f) => f.payload.length)).toEqual([20, 30]);
  });

  it('retransmits a lost segment after the RTO, from either end', () => {
    for (const dir of ['c2s', 's2c'] as const) {
      const { frames, conns } = run((net) => {
        const c = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 80, rto: 0.3 });
        c.connect();
        c.send(dir, bytes(100), { retransmit: true });
        c.close('c2s');
      });
      const data = frames.filter((f) => f.payload.length);
      expect(data).toHaveLength(2);
      expect(data[1].seq).toBe(data[0].seq);
      expect(data[1].time - data[0].time).toBeCloseTo(0.3, 3);
      expect(conns[0].retransmissions).toBe(1);
      expect(conns[0][dir].acked).toBe(conns[0][dir].next);
    }
  });

  it('a connection captured at its server end (a CTI OS server\'s 42028) sees the server\'s frames as sent', () => {
    const net = new SynthNet({ seed: 5, vantage: 'client' });
    const out = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 42027 });
    const inbound = net.tcp({ client: '10.0.0.9', server: '10.0.0.1', serverPort: 42028, capturedAt: 'server' });
    for (const c of [out, inbound]) {
      c.connect();
      c.send('c2s', bytes(10));
      c.send('s2c', bytes(10));
    }
    const frames = net.collect();
    // TTL as captured, and whether the frame was padded to the Ethernet minimum (60 bytes).
    const seen = (src: string, sport: number) =>
      frames
        .map((p, i) => ({ p, f: parseFrame({ data: p.data, time: p.time, frame: i + 1 }) }))
        .filter(({ f }) => f.src === src && f.sport === sport)
        .map(({ p }) => ({ ttl: p.data[22], padded: p.data.length === 60 && parseFrame({ data: p.data, time: 0, frame: 0 }).payload.length === 0 }));
    // 10.0.0.1 is the capture host: its frames leave with its own TTL, the peers' arrive two hops lower.
    expect(new Set(seen('10.0.0.1', out.clientPort).map((x) => x.ttl))).toEqual(new Set([128]));
    expect(new Set(seen('10.0.0.1', 42028).map((x) => x.ttl))).toEqual(new Set([128]));
    expect(new Set(seen('10.0.0.9', inbound.clientPort).map((x) => x.ttl))).toEqual(new Set([126]));
    expect(new Set(seen('10.0.0.2', 42027).map((x) => x.ttl))).toEqual(new Set([62]));
    expect(seen('10.0.0.9', inbound.clientPort).some((x) => x.padded)).toBe(true);
    expect(seen('10.0.0.1', 42028).some((x) => x.padded)).toBe(false);
  });

  it('ephemeral ports count up from 49152 or above, per client', () => {
    const net = new SynthNet({ seed: 9 });
    const a = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 80 });
    const b = net.tcp({ client: '10.0.0.1', server: '10.0.0.2', serverPort: 80 });
    expect(a.clientPort).toBeGreaterThanOrEqual(49152);
    expect(b.clientPort).toBe(a.clientPort + 1);
  });
});

describe('buildSpanCapture', () => {
  it('streams a capture of the requested size, deterministically, that reads back whole', () => {
    const make = () => {
      const chunks: Uint8Array[] = [];
      const r = buildSpanCapture({ workstations: 60, failureRate: 0.2, seed: 11, targetPackets: 8000, chunkSize: 65536, onChunk: (c) => chunks.push(c.slice()) });
      return { r, bytes: Buffer.concat(chunks) };
    };
    const a = make();
    const b = make();
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.length).toBe(a.r.bytes);
    expect(a.r.packets).toBeGreaterThanOrEqual(8000);
    expect(a.r.packets).toBeLessThan(8500);
    expect(a.r.expected.workstations).toHaveLength(60);
    const failing = a.r.expected.workstations.filter((w) => w.findings.length > 0).length;
    expect(failing).toBeGreaterThan(3);
    expect(failing).toBeLessThan(25);
    const back = readBack(new Uint8Array(a.bytes));
    expect(back.packets).toBe(a.r.packets);
    for (const f of back.frames.slice(0, 3000)) expect(f.l4ChecksumOk).toBe(true);
    followTcp(back.frames);
  });
});
