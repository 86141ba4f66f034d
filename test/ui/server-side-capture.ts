/**
 * A server-side capture for the UI tests, made with the project's synthetic network and GED-188 encoder: taken
 * on a CTI OS server (10.1.1.10), it holds the server's one GED-188 session with the CTI server
 * (10.20.0.10:42027, ClientID "CTIOSServer", protocol version 15, or 20 with 2-byte tags) carrying the logins of
 * several agents, and the agent desktops' own CTI OS connections (42028) just before the requests made for them.
 *
 * Requests for different agents interleave on the session (all queries of a batch, their replies in reverse
 * order, then all logins), so a UI that mixed up agents would show it. Some logins are refused with
 * CONTROL_FAILURE_CONF; a desktop is named in CTIOS_CIL_CLIENT_ID (tag 217) unless `tag217` is false for it,
 * which leaves the link to timing (or to nothing when desktops are left out).
 */

import { writeFileSync } from 'node:fs';
import { LinkType } from '../../src/capture/types.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import {
  agentStateEvent,
  controlFailureConf,
  heartbeatConf,
  heartbeatReq,
  openConf,
  openReq,
  queryAgentStateConf,
  queryAgentStateReq,
  setAgentStateConf,
  setAgentStateReq,
  type BuilderOptions,
} from '../../src/decoders/ged188/encode.js';
import { Rng } from '../../src/lab/synth/prng.js';
import { SynthNet, type TcpConversation } from '../../src/lab/synth/tcp.js';

export const CTIOS_SERVER = '10.1.1.10';
export const CTI_SERVER = '10.20.0.10';
export const CTI_PORT = 42027;
export const CTIOS_PORT = 42028;
export const CLIENT_ID = 'CTIOSServer';
export const PERIPHERAL_ID = 5000;
/** PeripheralErrorCode of the refused logins (a UCCE device error; decoded as a number). */
export const REFUSED_CODE = 10140;
const SERVICES = ['CLIENT_EVENTS', 'CLIENT_CONTROL', 'ALL_EVENTS', 'PERIPHERAL_MONITOR'] as const;

export interface ServerSideAgent {
  agentId: string;
  extension: string;
  instrument: string;
  /** The agent's desktop PC, when the capture holds its CTI OS connection. */
  desktop: string | null;
  refused: boolean;
  /** The CTI OS server names the desktop in tag 217 on its requests. */
  tag217: boolean;
}

export interface ServerSideOptions {
  agents: number;
  /** Indexes (0-based) of the agents whose login is refused. */
  refused: readonly number[];
  /** Write the desktops' 42028 connections (default true). */
  desktops?: boolean;
  /** Indexes of agents whose requests carry no tag 217 (their link can only be made by timing). */
  withoutTag217?: readonly number[];
  /** GED-188 protocol version: 15 (1-byte tags) or 20+ (2-byte tags). Default 15. */
  version?: number;
  /** Agents whose requests go out together (interleaved). Default 3. */
  batch?: number;
  seed?: number;
}

/** Agent k: id 5000+k, extension 7000+k, desktop 10.30.(k / 250).(k % 250 + 1). */
export function serverSideAgents(o: ServerSideOptions): ServerSideAgent[] {
  const refused = new Set(o.refused);
  const noTag = new Set(o.withoutTag217 ?? []);
  return Array.from({ length: o.agents }, (_, k) => ({
    agentId: String(5001 + k),
    extension: String(7001 + k),
    instrument: String(7001 + k),
    desktop: o.desktops === false ? null : `10.30.${Math.floor(k / 250)}.${(k % 250) + 1}`,
    refused: refused.has(k),
    tag217: !noTag.has(k),
  }));
}

function opaque(rng: Rng, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = rng.nextUint32() & 0xff;
  b[0] = (length >>> 24) & 0xff;
  b[1] = (length >>> 16) & 0xff;
  b[2] = (length >>> 8) & 0xff;
  b[3] = length & 0xff;
  return b;
}

/** Builds the capture's frames; returns them with the agents they carry. */
export function buildServerSideCapture(o: ServerSideOptions): { agents: ServerSideAgent[]; packets: { time: number; data: Uint8Array }[] } {
  const agents = serverSideAgents(o);
  const seed = o.seed ?? 188;
  const version = o.version ?? 15;
  const width: BuilderOptions = { tagWidth: version >= 20 ? 2 : 1 };
  const rng = new Rng(seed);
  const net = new SynthNet({ seed, vantage: 'client' });
  const clock = net.clock;
  const agentFields = (a: ServerSideAgent): { agentId: string; agentExtension: string; agentInstrument: string } => ({
    agentId: a.agentId,
    agentExtension: a.extension,
    agentInstrument: a.instrument,
  });
  const cil = (a: ServerSideAgent) => (a.desktop && a.tag217 ? [{ tag: 217, value: `CTIOS-CIL ${a.desktop}` }] : []);

  const session = net.tcp({ client: CTIOS_SERVER, server: CTI_SERVER, serverPort: CTI_PORT, clock, rtt: 0.0006 });
  session.connect({ delay: 0.1 });
  session.send('c2s', openReq({ invokeId: 1, versionNumber: version, idleTimeout: 90, peripheralId: 0xffffffff, servicesRequested: SERVICES, callMsgMask: 0x0003ffff, agentStateMask: 0x3ff, configMsgMask: 0, clientId: CLIENT_ID, clientPassword: '' }), { delay: 0.001 });
  session.send('s2c', openConf({ invokeId: 1, servicesGranted: SERVICES, monitorId: 0, pgStatus: 0, icmCentralControllerTime: 1710230400, peripheralOnline: true, peripheralType: 'PT_ENTERPRISE_AGENT', agentState: 'LOGOUT', peripherals: [{ peripheralId: PERIPHERAL_ID }] }, width), { delay: 0.004 });

  let invoke = 2;
  const desktopConns = new Map<ServerSideAgent, TcpConversation>();
  const batch = Math.max(1, o.batch ?? 3);
  for (let first = 0; first < agents.length; first += batch) {
    const group = agents.slice(first, first + batch);
    clock.wait(0.8 + rng.between(0, 0.2));
    // The desktops connect to the CTI OS server and ask for the login, a few hundred ms apart.
    for (const a of group) {
      if (!a.desktop) continue;
      clock.wait(0.3);
      const c = net.tcp({ client: a.desktop, server: CTIOS_SERVER, serverPort: CTIOS_PORT, clock, rtt: 0.0015 });
      c.connect();
      c.send('c2s', opaque(rng, 220), { delay: 0.002 });
      desktopConns.set(a, c);
    }
    clock.wait(0.02);
    const q = new Map<ServerSideAgent, number>();
    for (const a of group) {
      q.set(a, invoke);
      session.send('c2s', queryAgentStateReq({ invokeId: invoke++, peripheralId: PERIPHERAL_ID, mrdId: 1, icmAgentId: 0, ...agentFields(a), floating: cil(a) }, width), { delay: 0.0004 });
    }
    for (const a of [...group].reverse()) {
      session.send('s2c', queryAgentStateConf({ invokeId: q.get(a)!, agentState: 'LOGOUT', numSkillGroups: 0, mrdId: 1, agentAvailabilityStatus: 0, ...agentFields(a) }, width), { delay: 0.002 });
    }
    const l = new Map<ServerSideAgent, number>();
    for (const a of group) {
      l.set(a, invoke);
      session.send('c2s', setAgentStateReq({ invokeId: invoke++, peripheralId: PERIPHERAL_ID, agentState: 'LOGIN', ...agentFields(a), agentPassword: 'secret', floating: cil(a) }, width), { delay: 0.0006 });
    }
    for (const a of [...group].reverse()) {
      const id = l.get(a)!;
      if (a.refused) {
        session.send('s2c', controlFailureConf({ invokeId: id, failureCode: 0, peripheralErrorCode: REFUSED_CODE }, width), { delay: 0.01 });
      } else {
        session.send('s2c', [setAgentStateConf({ invokeId: id }, width), agentStateEvent({ monitorId: 0, peripheralId: PERIPHERAL_ID, sessionId: 0, peripheralType: 'PT_ENTERPRISE_AGENT', skillGroupId: 0xffffffff, agentState: 'NOT_READY', mrdId: 1, agentAvailabilityStatus: 1, ...agentFields(a) }, width)], { delay: 0.008, coalesce: true });
      }
    }
    // The CTI OS server answers each desktop.
    for (const a of group) desktopConns.get(a)?.send('s2c', opaque(rng, a.refused ? 300 : 900), { delay: 0.001 });
  }
  // A couple of heartbeats keep the session alive after the logins.
  for (let n = 0; n < 2; n++) {
    clock.wait(30);
    session.send('c2s', heartbeatReq({ invokeId: invoke }, width));
    session.send('s2c', heartbeatConf({ invokeId: invoke++ }, width), { delay: 0.002 });
  }
  return { agents, packets: net.collect() };
}

/** Writes the capture to `path` as pcapng; returns the agents it carries. */
export function writeServerSideCapture(path: string, o: ServerSideOptions): ServerSideAgent[] {
  const { agents, packets } = buildServerSideCapture(o);
  const w = new PcapngWriter({ tsResolution: 'us', comment: 'ctiscope UI test: CTI OS server side', application: 'ctiscope tests' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 262144, name: 'eth0' });
  w.writeNames([
    { address: CTIOS_SERVER, names: ['ctiosa.example.com'] },
    { address: CTI_SERVER, names: ['pg1a.example.com'] },
  ]);
  for (const p of packets) w.writePacket(iface, p.time, p.data);
  writeFileSync(path, w.toBytes());
  return agents;
}
