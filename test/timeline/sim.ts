/**
 * Builds analyzer input the way the pipeline emits it: FlowInfo at the first packet, DecodedMessages with the
 * field names of docs/messages.md, and a FlowRecord with Zeek-style state when the flow ends. Frame numbers
 * and times advance as a capture's would.
 */

import type { DecodedMessage, Direction, FieldValue, FlowInfo, FlowRecord, ConnState, ProtocolName } from '../../src/decoders/types.js';
import { PortMap, type FlowClassification } from '../../src/decoders/profile.js';
import { createAnalyzer, type Analyzer, type AnalyzerOptions } from '../../src/timeline/analyzer.js';

export const T0 = 1_700_000_000;
const ports = new PortMap();

export function classify(flowId: number, port: number): FlowClassification | undefined {
  const s = ports.lookup(port);
  if (!s) return undefined;
  return { flowId, service: s.service, label: s.label, protocol: s.protocol, phase: s.phase, detectedBy: s.detectedBy, desktop: s.desktop, replyTimeout: s.replyTimeout };
}

export class Sim {
  readonly an: Analyzer;
  frame = 0;
  private tcpIds = 0;
  private udpIds = 0;
  private nextPort = 50000;

  constructor(an?: Analyzer, opts?: AnalyzerOptions) {
    this.an = an ?? createAnalyzer(opts);
  }

  nextFrame(): number {
    return ++this.frame;
  }

  /** A TCP connection whose handshake completes at `at` (seconds after T0). */
  connect(clientIp: string, serverIp: string, serverPort: number, at: number, cls?: FlowClassification | null): SimFlow {
    const id = this.tcpIds++;
    const clientPort = this.nextPort++;
    const info: FlowInfo = {
      id,
      transport: 'tcp',
      clientIp,
      clientPort,
      serverIp,
      serverPort,
      client: `${clientIp}:${clientPort}`,
      server: `${serverIp}:${serverPort}`,
      roleBy: 'syn',
      firstFrame: this.frame + 1,
      start: T0 + at,
    };
    const flow = new SimFlow(this, info, cls === null ? undefined : cls ?? classify(id, serverPort));
    flow.synFrames.push(this.nextFrame());
    this.an.flowStart(info, flow.cls);
    flow.synAckFrame = this.nextFrame();
    flow.packets.s2c++;
    this.nextFrame(); // ACK
    flow.packets.c2s += 2;
    return flow;
  }

  /**
   * A connection attempt that fails: SYNs at `synAt` (seconds after T0), never answered (S0) or answered by RST (REJ).
   * `openAtEnd`: still open when the capture ended (its end then told by analyzer.captureEndsAt).
   */
  failedConnect(clientIp: string, serverIp: string, serverPort: number, synAt: number[], state: 'S0' | 'REJ', icmp?: { codeName: string; from: string }, openAtEnd = false): void {
    const id = this.tcpIds++;
    const clientPort = this.nextPort++;
    const info: FlowInfo = {
      id,
      transport: 'tcp',
      clientIp,
      clientPort,
      serverIp,
      serverPort,
      client: `${clientIp}:${clientPort}`,
      server: `${serverIp}:${serverPort}`,
      roleBy: 'syn',
      firstFrame: this.frame + 1,
      start: T0 + synAt[0],
    };
    const cls = classify(id, serverPort);
    const synFrames: number[] = [];
    for (let i = 0; i < synAt.length; i++) {
      synFrames.push(this.nextFrame());
      if (i === 0) this.an.flowStart(info, cls);
    }
    const rstFrame = state === 'REJ' ? this.nextFrame() : undefined;
    const icmpFrame = icmp ? this.nextFrame() : undefined;
    const last = synAt[synAt.length - 1];
    const record: FlowRecord = {
      ...info,
      state,
      history: state === 'REJ' ? 'Sr' : 'S',
      packets: { c2s: synAt.length, s2c: state === 'REJ' ? 1 : 0 },
      payloadBytes: { c2s: 0, s2c: 0 },
      lastFrame: this.frame,
      end: T0 + last + (state === 'REJ' ? 0.0004 : 0),
      syns: synAt.length,
      synSpan: last - synAt[0],
      synFrames,
      rstFrame,
      rstBy: state === 'REJ' ? 's2c' : undefined,
      finFrames: [],
      retransmissions: synAt.length - 1,
      gapBytes: { c2s: 0, s2c: 0 },
      icmpErrors: icmp ? [{ frame: icmpFrame!, time: T0 + last + 0.001, kind: 'destination-unreachable', type: 3, code: 1, codeName: icmp.codeName, from: icmp.from }] : [],
      openAtEnd,
      evictedAt: undefined,
    };
    this.an.flowEnd(record, cls);
  }

  /** A DNS query and, unless `answer` is null, its response, on its own UDP flow. */
  dns(clientIp: string, serverIp: string, qname: string, at: number, answer: { addresses?: string[]; rcode?: number; rcodeName?: string; after?: number } | null, qtype: 'A' | 'AAAA' = 'A'): void {
    const qt = qtype === 'A' ? 1 : 28;
    const id = this.udpIds++;
    const clientPort = this.nextPort++;
    const info: FlowInfo = {
      id,
      transport: 'udp',
      clientIp,
      clientPort,
      serverIp,
      serverPort: 53,
      client: `${clientIp}:${clientPort}`,
      server: `${serverIp}:53`,
      roleBy: 'port',
      firstFrame: this.frame + 1,
      start: T0 + at,
    };
    const flow = new SimFlow(this, info, classify(id, 53));
    this.an.flowStart(info, flow.cls);
    const qid = 0x1000 + id;
    flow.send('c2s', 'dns', 'query', { id: qid, qname, qtype: qt, qtypeName: qtype }, at);
    if (answer) {
      const rcode = answer.rcode ?? 0;
      const addresses = answer.addresses ?? [];
      flow.send(
        's2c',
        'dns',
        'response',
        {
          id: qid,
          qname,
          qtype: qt,
          qtypeName: qtype,
          rcode,
          rcodeName: answer.rcodeName ?? (rcode === 0 ? 'NOERROR' : rcode === 3 ? 'NXDOMAIN' : rcode === 2 ? 'SERVFAIL' : `RCODE${rcode}`),
          answers: addresses.map((a) => ({ name: qname, type: qt, typeName: qtype, ttl: 300, data: a })),
          addresses,
        },
        at + (answer.after ?? 0.002),
      );
    }
    flow.endUdp(at + 1);
  }
}

export class SimFlow {
  packets = { c2s: 0, s2c: 0 };
  bytes = { c2s: 0, s2c: 0 };
  synFrames: number[] = [];
  synAckFrame?: number;
  lastTime: number;
  lastFrame = 0;

  constructor(
    readonly sim: Sim,
    readonly info: FlowInfo,
    readonly cls: FlowClassification | undefined,
  ) {
    this.lastTime = info.start;
  }

  /** One decoded message at `at` seconds after T0, carried by one (or `segments`) new frames. */
  send(dir: Direction, protocol: ProtocolName, type: string, fields: Record<string, FieldValue>, at: number, segments = 1, length = 64): DecodedMessage {
    const frames: number[] = [];
    for (let i = 0; i < segments; i++) frames.push(this.sim.nextFrame());
    this.packets[dir] += segments;
    this.bytes[dir] += length;
    this.lastTime = T0 + at;
    this.lastFrame = frames[frames.length - 1];
    const m: DecodedMessage = {
      protocol,
      flowId: this.info.id,
      transport: this.info.transport,
      client: this.info.client,
      server: this.info.server,
      direction: dir,
      frame: this.lastFrame,
      frames,
      time: T0 + at,
      type,
      fields,
      summary: `${type}`,
      offset: 0,
      length,
    };
    this.sim.an.message(m);
    return m;
  }

  /** Ends the TCP connection at `at`: 'SF' (FIN both ways), 'RSTR' (server reset), 'RSTO', 'S1' (open at the end). */
  close(at: number, state: ConnState = 'SF', opts: { gapBytes?: { c2s: number; s2c: number } } = {}): FlowRecord {
    const finFrames: number[] = [];
    let rstFrame: number | undefined;
    let rstBy: Direction | undefined;
    if (state === 'SF') {
      finFrames.push(this.sim.nextFrame(), this.sim.nextFrame());
      this.sim.nextFrame();
    } else if (state === 'RSTR' || state === 'RSTO') {
      rstFrame = this.sim.nextFrame();
      rstBy = state === 'RSTR' ? 's2c' : 'c2s';
    }
    const record: FlowRecord = {
      ...this.info,
      state,
      history: state === 'SF' ? 'ShAdDaFf' : state === 'RSTR' ? 'ShAdDar' : state === 'RSTO' ? 'ShAdDaR' : 'ShAdDa',
      packets: { ...this.packets },
      payloadBytes: { ...this.bytes },
      lastFrame: this.sim.frame,
      end: T0 + at,
      syns: this.synFrames.length,
      synSpan: 0,
      synFrames: this.synFrames,
      synAckFrame: this.synAckFrame,
      rstFrame,
      rstBy,
      finFrames,
      retransmissions: 0,
      gapBytes: opts.gapBytes ?? { c2s: 0, s2c: 0 },
      icmpErrors: [],
      openAtEnd: state === 'S1',
      evictedAt: undefined,
    };
    this.sim.an.flowEnd(record, this.cls);
    return record;
  }

  endUdp(at: number): void {
    const record: FlowRecord = {
      ...this.info,
      state: 'OTH',
      history: 'Dd',
      packets: { ...this.packets },
      payloadBytes: { ...this.bytes },
      lastFrame: this.lastFrame,
      end: T0 + at,
      syns: 0,
      synSpan: 0,
      synFrames: [],
      finFrames: [],
      retransmissions: 0,
      gapBytes: { c2s: 0, s2c: 0 },
      icmpErrors: [],
      openAtEnd: false,
      evictedAt: undefined,
    };
    this.sim.an.flowEnd(record, this.cls);
  }
}

// ------------------------------------------------------------------ the reference scenarios, as messages

export const NODE_A = '192.168.100.1';
export const NODE_B = '192.168.100.2';
export const STALE = '192.168.100.9';
export const DNS_SERVER = '192.168.100.53';
const BIND_DN = 'cn=Directory Manager,o=Spanlink Communications';

export interface CadOptions {
  agent?: string;
  ext?: string;
  ldap?: string;
  licensing?: string;
  cti?: string;
}

/** DNS for both nodes. Returns the time after it. */
export function dnsStep(sim: Sim, pc: string, at: number): number {
  sim.dns(pc, DNS_SERVER, 'uccx-a.example.com', at, { addresses: [NODE_A] });
  sim.dns(pc, DNS_SERVER, 'uccx-b.example.com', at + 0.01, { addresses: [NODE_B] });
  return at + 0.02;
}

/** LDAP on 38983: bind, three searches, unbind. `bindResult` other than 0 stops after the bind. */
export function ldapStep(sim: Sim, pc: string, server: string, at: number, bindResult: { code: number; name: string; diagnostic?: string } = { code: 0, name: 'success' }): number {
  const f = sim.connect(pc, server, 38983, at);
  let t = at + 0.001;
  f.send('c2s', 'ldap', 'bindRequest', { messageId: 1, version: 3, name: BIND_DN, authentication: 'simple', password: '<redacted>' }, t);
  t += 0.003;
  f.send('s2c', 'ldap', 'bindResponse', { messageId: 1, resultCode: bindResult.code, resultCodeName: bindResult.name, matchedDN: '', diagnosticMessage: bindResult.diagnostic ?? '' }, t);
  if (bindResult.code === 0) {
    const bases = ['ou=Agents,ou=Company,o=Spanlink Communications', 'ou=Teams,ou=Company,o=Spanlink Communications', 'ou=CTI,ou=Server Data,o=Spanlink Communications'];
    bases.forEach((base, i) => {
      const id = i + 2;
      t += 0.001;
      f.send('c2s', 'ldap', 'searchRequest', { messageId: id, baseObject: base, scope: 2, scopeName: 'wholeSubtree', filter: '(objectClass=*)', attributes: [] }, t);
      const entries = i === 0 ? 3 : 1;
      for (let e = 0; e < entries; e++) {
        t += 0.001;
        f.send('s2c', 'ldap', 'searchResEntry', { messageId: id, objectName: `cn=entry${e},${base}`, attributes: {} }, t, i === 0 && e === 0 ? 2 : 1, 1800);
      }
      t += 0.001;
      f.send('s2c', 'ldap', 'searchResDone', { messageId: id, resultCode: 0, resultCodeName: 'success', matchedDN: '', diagnosticMessage: '' }, t);
    });
  }
  t += 0.001;
  f.send('c2s', 'ldap', 'unbindRequest', { messageId: 9 }, t);
  t += 0.001;
  f.close(t);
  return t + 0.01;
}

/** GIOP acquireLicense; reply 'ok', 'no-licence', or 'none' (no reply; the desktop closes after 30 s). */
export function licensingStep(sim: Sim, pc: string, server: string, at: number, reply: 'ok' | 'no-licence' | 'none' = 'ok'): number {
  const f = sim.connect(pc, server, 3000, at);
  let t = at + 0.001;
  f.send('c2s', 'giop', 'Request', { version: '1.2', littleEndian: false, requestId: 1, responseExpected: true, objectKey: 'LRM/LicenseManager', operation: 'acquireLicense' }, t);
  if (reply === 'none') {
    t += 30;
    f.close(t);
    return t + 0.01;
  }
  t += 0.004;
  if (reply === 'ok') f.send('s2c', 'giop', 'Reply', { version: '1.2', requestId: 1, replyStatus: 0, replyStatusName: 'NO_EXCEPTION', operation: 'acquireLicense' }, t);
  else
    f.send(
      's2c',
      'giop',
      'Reply',
      { version: '1.2', requestId: 1, replyStatus: 1, replyStatusName: 'USER_EXCEPTION', exceptionId: 'IDL:com/cisco/cad/LRM/NoLicenseAvailable:1.0', operation: 'acquireLicense' },
      t,
    );
  if (reply === 'ok') return t + 0.001; // the licence connection stays open for the session
  t += 0.001;
  f.close(t);
  return t + 0.01;
}

export interface CtiResult {
  flow: SimFlow;
  t: number;
}

/** GED-188 OPEN_REQ/OPEN_CONF (or FAILURE_CONF with `openStatus`), then the login exchange. */
export function ctiSession(
  sim: Sim,
  pc: string,
  server: string,
  at: number,
  opts: CadOptions & { openStatus?: { status: number; statusName: string }; login?: 'ok' | 'device-off' | 'none'; heartbeats?: number; heartbeatReplies?: boolean; end?: ConnState },
): CtiResult {
  const agent = opts.agent ?? '1031';
  const ext = opts.ext ?? '2031';
  const f = sim.connect(pc, server, 12028, at);
  let t = at + 0.001;
  f.send(
    'c2s',
    'ged188',
    'OPEN_REQ',
    { messageType: 3, invokeId: 1, versionNumber: 14, idleTimeout: 120, peripheralId: 1, servicesRequested: 0x12, servicesRequestedNames: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], agentExtension: ext, agentId: agent, agentInstrument: ext, clientId: 'CAD', tagWidth: 1 },
    t,
  );
  t += 0.012;
  if (opts.openStatus) {
    f.send('s2c', 'ged188', 'FAILURE_CONF', { messageType: 1, invokeId: 1, status: opts.openStatus.status, statusName: opts.openStatus.statusName }, t);
    t += 0.002;
    f.close(t);
    return { flow: f, t: t + 0.01 };
  }
  f.send('s2c', 'ged188', 'OPEN_CONF', { messageType: 4, invokeId: 1, servicesGranted: 0x12, peripheralOnline: true, agentState: 1, agentStateName: 'LOGOUT' }, t);
  if (opts.login === 'none') return { flow: f, t };
  t += 0.002;
  f.send('c2s', 'ged188', 'QUERY_AGENT_STATE_REQ', { messageType: 36, invokeId: 2, agentId: agent }, t);
  t += 0.003;
  f.send('s2c', 'ged188', 'QUERY_AGENT_STATE_CONF', { messageType: 37, invokeId: 2, agentState: 1, agentStateName: 'LOGOUT', agentId: agent }, t);
  t += 0.002;
  const loginAt = t;
  f.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { messageType: 38, invokeId: 3, agentState: 0, agentStateName: 'LOGIN', agentId: agent, agentInstrument: ext, agentPassword: '<redacted>' }, t);
  if (opts.login === 'device-off') {
    t += 0.007;
    f.send('s2c', 'ged188', 'CONTROL_FAILURE_CONF', { messageType: 35, invokeId: 3, failureCode: 0, failureCodeName: 'GENERIC_UNSPECIFIED', peripheralErrorCode: 88004, peripheralErrorCodeName: 'AGENT_DEVICE_OFF' }, t);
    t += 0.002;
    f.send('c2s', 'ged188', 'CLOSE_REQ', { messageType: 7, invokeId: 4, status: 0, statusName: 'E_CTI_NO_ERROR' }, t);
    t += 0.002;
    f.send('s2c', 'ged188', 'CLOSE_CONF', { messageType: 8, invokeId: 4 }, t);
    t += 0.001;
    f.close(t);
    return { flow: f, t: t + 0.01 };
  }
  t += 0.15;
  f.send('s2c', 'ged188', 'SET_AGENT_STATE_CONF', { messageType: 39, invokeId: 3 }, t);
  t = loginAt + 0.212;
  f.send('s2c', 'ged188', 'AGENT_STATE_EVENT', { messageType: 30, agentState: 2, agentStateName: 'NOT_READY', agentId: agent, agentExtension: ext, agentInstrument: ext }, t);
  for (let i = 0; i < (opts.heartbeats ?? 0); i++) {
    const hb = t + 30 * (i + 1);
    f.send('c2s', 'ged188', 'HEARTBEAT_REQ', { messageType: 5, invokeId: 100 + i }, hb);
    if (opts.heartbeatReplies !== false) f.send('s2c', 'ged188', 'HEARTBEAT_CONF', { messageType: 6, invokeId: 100 + i }, hb + 0.002);
  }
  return { flow: f, t: t + 30 * (opts.heartbeats ?? 0) + 0.01 };
}

/** registerAgent / subscribe to the desktop services. */
export function servicesStep(sim: Sim, pc: string, server: string, at: number): number {
  let t = at;
  for (const [port, op] of [
    [59000, 'registerAgent'],
    [59003, 'subscribe'],
    [59004, 'subscribe'],
  ] as const) {
    const f = sim.connect(pc, server, port, t);
    f.send('c2s', 'giop', 'Request', { version: '1.2', requestId: 7, responseExpected: true, objectKey: `CAD/${port}`, operation: op }, t + 0.001);
    f.send('s2c', 'giop', 'Reply', { version: '1.2', requestId: 7, replyStatus: 0, replyStatusName: 'NO_EXCEPTION', operation: op }, t + 0.004);
    t += 0.01;
  }
  return t;
}

/** The normal CAD start-up of SCENARIOS.md, from `at`. */
export function cadLoginOk(sim: Sim, pc: string, at: number, opts: CadOptions & { heartbeats?: number } = {}): CtiResult {
  let t = dnsStep(sim, pc, at);
  t = ldapStep(sim, pc, opts.ldap ?? NODE_A, t);
  t = licensingStep(sim, pc, opts.licensing ?? NODE_A, t);
  const cti = ctiSession(sim, pc, opts.cti ?? NODE_A, t, { ...opts, login: 'ok' });
  servicesStep(sim, pc, NODE_A, cti.t);
  return cti;
}
