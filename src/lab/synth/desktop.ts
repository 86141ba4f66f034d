/**
 * Desktop scripts: what a Cisco Agent Desktop (CAD, with UCCX) or a CTI OS desktop puts on the wire when it
 * starts, step by step, including the failure variants of samples/SCENARIOS.md.
 *
 * Each script is a generator that yields between steps, so a scheduler can interleave many desktops in time
 * order (a SPAN capture of hundreds of PCs) while one desktop alone simply runs to the end.
 * The CAD licensing and desktop-service operation names and object keys are illustrative: Cisco has not
 * published that IDL. The GED-188 messages follow the public protocol reference.
 */

import { CdrWriter } from '../../decoders/giop/cdr.js';
import { encodeGiopReply, encodeGiopRequest } from '../../decoders/giop/encode.js';
import {
  encodeLdapBindRequest,
  encodeLdapBindResponse,
  encodeLdapSearchRequest,
  encodeLdapSearchResDone,
  encodeLdapSearchResEntry,
  encodeLdapUnbindRequest,
} from '../../decoders/ldap/encode.js';
import { encodeDnsQueryA, encodeDnsResponseA } from './dns.js';
import { cti } from './ged.js';
export type { AgentSpec } from './desktop-types.js';
import type { AgentSpec } from './desktop-types.js';
import type { Rng } from './prng.js';
import type { Clock, SynthNet, TcpConversation } from './tcp.js';

/** Addresses of the reference network (samples/SCENARIOS.md). */
export const ADDR = {
  uccxA: '192.168.100.1',
  uccxB: '192.168.100.2',
  stale: '192.168.100.9',
  dns: '192.168.100.53',
  ctiosA: '10.1.1.10',
  ctiosB: '10.1.1.11',
} as const;

export const NAMES: Record<string, string> = {
  [ADDR.uccxA]: 'uccx-a.example.com',
  [ADDR.uccxB]: 'uccx-b.example.com',
  [ADDR.dns]: 'dns.example.com',
  [ADDR.ctiosA]: 'ctiosa.example.com',
  [ADDR.ctiosB]: 'ctiosb.example.com',
};

export const PORT = { ldap: 38983, licensing: 3000, cti: 12028, chat: 59000, recording: 59003, enterprise: 59004, ctios: 42028, dns: 53 } as const;

export const LDAP_BIND_DN = 'cn=Directory Manager,o=Spanlink Communications';
export const LDAP_ROOT = 'ou=Company,o=Spanlink Communications';

/** An agent's entry in the CAD directory: what the lab's LDAP server stores and what the synthetic directory answers. */
export function agentDirectoryEntry(a: { agentId: string; extension: string; teamId: number }): { dn: string; attributes: Record<string, string[]> } {
  return {
    dn: `cn=${a.agentId},ou=Agents,${LDAP_ROOT}`,
    attributes: {
      objectClass: ['top', 'spanAgent'],
      cn: [a.agentId],
      agentId: [a.agentId],
      displayName: [`Agent ${a.agentId}`],
      extension: [a.extension],
      teamId: [String(a.teamId)],
      workflowGroup: ['default'],
    },
  };
}
export const LICENSE_OBJECT_KEY = 'LRM/LicenseManager';
export const NO_LICENSE_EXCEPTION = 'IDL:com/cisco/cad/LRM/NoLicenseAvailable:1.0';
/** GED-188 status E_CTI_SERVER_NOT_MASTER. */
export const E_CTI_SERVER_NOT_MASTER = 92;
/** Peripheral error: agent device out of service. */
export const AGENT_DEVICE_OFF = 88004;

/**
 * The agent of PC 10.10.20.n: agent 1000+n, extension 2000+n (10.10.20.31 → agent 1031, ext 2031).
 * Big SPAN captures use further /24s (10.10.21.x, …): there k = 256·(third octet − 20) + n gives agent 1000+k
 * and extension 20000+k, still distinct per PC.
 */
export function agentFor(host: string): AgentSpec {
  const [, , third, fourth] = host.split('.').map(Number);
  const k = 256 * (third - 20) + fourth;
  return {
    host,
    pcName: `AGENTPC-${String(k).padStart(3, '0')}`,
    agentId: String(1000 + k),
    extension: String(third === 20 ? 2000 + fourth : 20000 + k),
    instrument: String(third === 20 ? 2000 + fourth : 20000 + k),
    password: `Pw${(k * 7919) % 10000}!`,
    teamId: 1 + (k % 4),
  };
}

/** How a CAD start-up goes. Every field left out is the normal case. */
export interface CadVariant {
  /** LDAP hosts tried in order: unanswered SYNs to the first ones (0, 3, 9 s), then success. */
  ldapHosts?: string[];
  ldapBind?: 'ok' | 'invalid-credentials';
  /** `missing`: the agent's team is not in the directory (its search answered success, no entries), and the desktop stops. */
  team?: 'found' | 'missing';
  licensing?: 'ok' | 'refused' | 'down' | 'timeout';
  /** CTI hosts tried in order: FAILURE_CONF E_CTI_SERVER_NOT_MASTER from all but the last. */
  ctiHosts?: string[];
  login?: 'ok' | 'refused';
  /** The request of this heartbeat (1 = first) is lost after the capture point and retransmitted after the RTO. */
  lostHeartbeat?: number;
  /**
   * A desktop at a remote site: every connection to the servers over a path of `rtt` seconds, and a configuration
   * download of `configSearches` more searches (reason codes, wrap-up data, phone book entries).
   */
  remote?: { rtt: number; configSearches: number };
}

/** What a desktop script needs from its surroundings. */
export interface DesktopContext {
  net: SynthNet;
  clock: Clock;
  rng: Rng;
  agent: AgentSpec;
  /** Heartbeats go on until this time (seconds since time 0), or until `stop()` says so. */
  endTime: number;
  stop?: () => boolean;
  /** The round trip to the servers, when it is one (a remote site); else each connection's own, 0.8–3 ms. */
  rtt?: number;
}

/** Client think time between steps: 50–300 ms. */
function think(ctx: DesktopContext): number {
  return ctx.rng.between(0.05, 0.3);
}

/** Server reply time: 1–20 ms. */
function serverTime(ctx: DesktopContext): number {
  return ctx.rng.between(0.001, 0.02);
}

/** A client-side pause between two back-to-back requests: 0.2–3 ms. */
function quick(ctx: DesktopContext): number {
  return ctx.rng.between(0.0002, 0.003);
}

function tcp(ctx: DesktopContext, server: string, serverPort: number): TcpConversation {
  return ctx.net.tcp({ client: ctx.agent.host, server, serverPort, clock: ctx.clock, rtt: ctx.rtt ?? ctx.rng.between(0.0008, 0.003) });
}

// ---------------------------------------------------------------------------------------------- DNS

function* resolve(ctx: DesktopContext, names: string[], addresses: Record<string, string>): Generator<void> {
  const udp = ctx.net.udp({ client: ctx.agent.host, server: ADDR.dns, serverPort: PORT.dns, clock: ctx.clock, rtt: 0.0012 });
  for (const name of names) {
    const id = ctx.rng.int(1, 0xffff);
    udp.send('c2s', encodeDnsQueryA(id, name), { delay: quick(ctx) });
    udp.send('s2c', encodeDnsResponseA(id, name, [addresses[name]], 3600), { delay: ctx.rng.between(0.0002, 0.001) });
  }
  yield;
}

// ---------------------------------------------------------------------------------------------- LDAP

/** A desktop-layout document of a few KB: CAD keeps its layout in the directory, and it spans several segments. */
function desktopLayoutXml(agent: AgentSpec): string {
  const buttons: string[] = [];
  for (let i = 1; i <= 40; i++) {
    buttons.push(`<button id="${i}" action="${['answer', 'release', 'hold', 'transfer', 'conference', 'ready', 'notready', 'wrapup'][i % 8]}" visible="true"/>`);
  }
  return `<?xml version="1.0"?><layout team="${agent.teamId}" version="8.0.2"><toolbar>${buttons.join('')}</toolbar><enterprise fields="ANI,DNIS,CallVar1,CallVar2,CallVar3,CallVar4,CallVar5"/></layout>`;
}

type LdapEnd = 'ok' | 'bind-refused' | 'no-team';

/** What else a desktop reads of its configuration, one entry a search: `n` of them, cycling through the kinds. */
function moreConfigSearches(n: number): { base: string; scope: 'baseObject'; filter: string; attrs: string[]; entries: { dn: string; attributes: Record<string, string[]> }[] }[] {
  const kinds = [
    { ou: 'ReasonCodes', attr: 'reasonCode' },
    { ou: 'WrapupData', attr: 'wrapupText' },
    { ou: 'PhoneBook', attr: 'telephoneNumber' },
  ];
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = kinds[i % kinds.length];
    const dn = `cn=${k.attr}${i},ou=${k.ou},${LDAP_ROOT}`;
    out.push({ base: dn, scope: 'baseObject' as const, filter: '(objectClass=*)', attrs: ['cn', k.attr], entries: [{ dn, attributes: { cn: [`${k.attr}${i}`], [k.attr]: [String(1000 + i)] } }] });
  }
  return out;
}

function* ldapConfig(ctx: DesktopContext, server: string, bind: 'ok' | 'invalid-credentials', extraSearches = 0, team: 'found' | 'missing' = 'found'): Generator<void, LdapEnd> {
  const a = ctx.agent;
  const c = tcp(ctx, server, PORT.ldap);
  c.connect({ delay: think(ctx) });
  c.send('c2s', encodeLdapBindRequest({ messageId: 1, name: LDAP_BIND_DN, password: 'ciscocisco' }), { delay: quick(ctx) });
  if (bind === 'invalid-credentials') {
    c.send(
      's2c',
      encodeLdapBindResponse({
        messageId: 1,
        resultCode: 'invalidCredentials',
        diagnosticMessage: 'invalid credentials for cn=Directory Manager: password does not match',
      }),
      { delay: serverTime(ctx) },
    );
    c.send('c2s', encodeLdapUnbindRequest({ messageId: 2 }), { delay: quick(ctx) });
    c.close('c2s', { delay: 0.0003 });
    yield;
    return 'bind-refused';
  }
  c.send('s2c', encodeLdapBindResponse({ messageId: 1, resultCode: 'success' }), { delay: serverTime(ctx) });
  yield;

  const searches: { base: string; scope: 'baseObject' | 'singleLevel'; filter: string; attrs: string[]; entries: { dn: string; attributes: Record<string, string[]> }[] }[] = [
    {
      base: `cn=${a.agentId},ou=Agents,${LDAP_ROOT}`,
      scope: 'baseObject',
      filter: '(objectClass=*)',
      attrs: ['cn', 'agentId', 'displayName', 'extension', 'teamId', 'workflowGroup'],
      entries: [
        agentDirectoryEntry(a),
      ],
    },
    {
      base: `ou=Teams,${LDAP_ROOT}`,
      scope: 'singleLevel',
      filter: `(&(objectClass=spanTeam)(teamId=${a.teamId}))`,
      attrs: ['teamId', 'teamName', 'supervisor', 'desktopLayout'],
      entries: team === 'missing' ? [] : [
        {
          dn: `cn=team${a.teamId},ou=Teams,${LDAP_ROOT}`,
          attributes: {
            teamId: [String(a.teamId)],
            teamName: [`Team ${a.teamId}`],
            supervisor: ['1000'],
            desktopLayout: [desktopLayoutXml(a)],
          },
        },
      ],
    },
    {
      base: `ou=CTI,${LDAP_ROOT}`,
      scope: 'singleLevel',
      filter: '(cn=CTIServerConfig)',
      attrs: ['ctiServerA', 'ctiServerB', 'ctiPort', 'heartbeatInterval'],
      entries: [
        {
          dn: `cn=CTIServerConfig,ou=CTI,${LDAP_ROOT}`,
          attributes: {
            ctiServerA: [NAMES[ADDR.uccxA]],
            ctiServerB: [NAMES[ADDR.uccxB]],
            ctiPort: [String(PORT.cti)],
            heartbeatInterval: ['30'],
          },
        },
      ],
    },
  ];
  for (const x of moreConfigSearches(extraSearches)) searches.push(x);
  // With no team the desktop cannot build its layout: it shows "No team found for agent" and reads no further.
  if (team === 'missing') searches.length = 2;
  let id = 2;
  for (const s of searches) {
    const messageId = id++;
    c.send(
      'c2s',
      encodeLdapSearchRequest({ messageId, baseObject: s.base, scope: s.scope, filter: s.filter, attributes: s.attrs }),
      { delay: quick(ctx) },
    );
    const reply = s.entries.map((e) => encodeLdapSearchResEntry({ messageId, objectName: e.dn, attributes: e.attributes }));
    reply.push(encodeLdapSearchResDone({ messageId, resultCode: 'success' }));
    c.send('s2c', reply, { delay: serverTime(ctx), coalesce: true });
    yield;
  }
  c.send('c2s', encodeLdapUnbindRequest({ messageId: id }), { delay: quick(ctx) });
  c.close('c2s', { delay: 0.0002 });
  yield;
  return team === 'missing' ? 'no-team' : 'ok';
}

// ---------------------------------------------------------------------------------------------- GIOP

function cdrStrings(littleEndian: boolean, values: (string | number)[]): Uint8Array {
  const w = new CdrWriter(littleEndian);
  for (const v of values) {
    if (typeof v === 'string') w.string(v);
    else w.ulong(v);
  }
  return w.finish();
}

/** The desktop's ORB runs on x86 Windows (little-endian); the services' Java ORB answers big-endian. */
const CLIENT_LE = true;
const SERVER_LE = false;

type LicenceEnd = 'ok' | 'refused' | 'down' | 'timeout';

function* licensing(ctx: DesktopContext, variant: 'ok' | 'refused' | 'down' | 'timeout'): Generator<void, { end: LicenceEnd; conn?: TcpConversation }> {
  const a = ctx.agent;
  if (variant === 'down') {
    tcp(ctx, ADDR.uccxA, PORT.licensing).refuse({ delay: think(ctx) });
    yield;
    tcp(ctx, ADDR.uccxB, PORT.licensing).refuse({ delay: ctx.rng.between(0.5, 1.0) });
    yield;
    return { end: 'down' };
  }
  const c = tcp(ctx, ADDR.uccxA, PORT.licensing);
  c.connect({ delay: think(ctx) });
  c.send(
    'c2s',
    encodeGiopRequest({
      version: '1.2',
      littleEndian: CLIENT_LE,
      requestId: 1,
      responseExpected: true,
      objectKey: LICENSE_OBJECT_KEY,
      operation: 'acquireLicense',
      body: cdrStrings(CLIENT_LE, [a.agentId, a.pcName, 1]),
    }),
    { delay: quick(ctx) },
  );
  if (variant === 'timeout') {
    // The request is acknowledged but never answered; the desktop gives up after 30 s.
    ctx.clock.wait(30);
    yield;
    c.close('c2s');
    yield;
    return { end: 'timeout' };
  }
  if (variant === 'refused') {
    c.send(
      's2c',
      encodeGiopReply({
        version: '1.2',
        littleEndian: SERVER_LE,
        requestId: 1,
        replyStatus: 'USER_EXCEPTION',
        exceptionId: NO_LICENSE_EXCEPTION,
        body: cdrStrings(SERVER_LE, ['all agent seat licences are in use']),
      }),
      { delay: serverTime(ctx) },
    );
    yield;
    c.close('c2s', { delay: think(ctx) });
    yield;
    return { end: 'refused' };
  }
  c.send(
    's2c',
    encodeGiopReply({
      version: '1.2',
      littleEndian: SERVER_LE,
      requestId: 1,
      replyStatus: 'NO_EXCEPTION',
      body: cdrStrings(SERVER_LE, [`LIC-${a.agentId}-${ctx.rng.int(100000, 999999)}`]),
    }),
    { delay: serverTime(ctx) },
  );
  yield;
  return { end: 'ok', conn: c };
}

const SERVICES: { port: number; objectKey: string; operation: string }[] = [
  { port: PORT.chat, objectKey: 'ChatService/AgentRegistry', operation: 'registerAgent' },
  { port: PORT.recording, objectKey: 'RecordingStatsService/EventChannel', operation: 'subscribe' },
  { port: PORT.enterprise, objectKey: 'EnterpriseService/EventChannel', operation: 'subscribe' },
];

function* desktopServices(ctx: DesktopContext): Generator<void, TcpConversation[]> {
  const a = ctx.agent;
  const conns: TcpConversation[] = [];
  for (const svc of SERVICES) {
    const c = tcp(ctx, ADDR.uccxA, svc.port);
    c.connect({ delay: ctx.rng.between(0.01, 0.08) });
    c.send(
      'c2s',
      encodeGiopRequest({
        version: '1.2',
        littleEndian: CLIENT_LE,
        requestId: 1,
        responseExpected: true,
        objectKey: svc.objectKey,
        operation: svc.operation,
        body: cdrStrings(CLIENT_LE, [a.agentId, a.extension, a.pcName]),
      }),
      { delay: quick(ctx) },
    );
    c.send(
      's2c',
      encodeGiopReply({ version: '1.2', littleEndian: SERVER_LE, requestId: 1, replyStatus: 'NO_EXCEPTION', body: cdrStrings(SERVER_LE, [1]) }),
      { delay: serverTime(ctx) },
    );
    conns.push(c);
    yield;
  }
  return conns;
}

// ---------------------------------------------------------------------------------------------- GED-188

type CtiEnd = 'ok' | 'login-refused';

function* ctiSession(ctx: DesktopContext, hosts: string[], login: 'ok' | 'refused'): Generator<void, { end: CtiEnd; conn?: TcpConversation; invoke: number }> {
  const a = ctx.agent;
  let c: TcpConversation | undefined;
  for (let i = 0; i < hosts.length; i++) {
    c = tcp(ctx, hosts[i], PORT.cti);
    c.connect({ delay: i === 0 ? think(ctx) : ctx.rng.between(0.2, 0.6) });
    c.send('c2s', cti.openReq(1, a), { delay: quick(ctx) });
    if (i < hosts.length - 1) {
      c.send('s2c', cti.failureConf(1, E_CTI_SERVER_NOT_MASTER), { delay: serverTime(ctx) });
      yield;
      c.close('c2s', { delay: ctx.rng.between(0.005, 0.02) });
      yield;
      continue;
    }
    c.send('s2c', cti.openConf(1, a), { delay: serverTime(ctx) });
    yield;
  }
  const conn = c!;
  conn.send('c2s', cti.queryAgentStateReq(2, a), { delay: think(ctx) });
  conn.send('s2c', cti.queryAgentStateConf(2, a), { delay: serverTime(ctx) });
  yield;
  conn.send('c2s', cti.setAgentStateLoginReq(3, a), { delay: think(ctx) });
  if (login === 'refused') {
    conn.send('s2c', cti.controlFailureConf(3, 0, AGENT_DEVICE_OFF), { delay: serverTime(ctx) });
    yield;
    conn.send('c2s', cti.closeReq(4), { delay: think(ctx) });
    conn.send('s2c', cti.closeConf(4), { delay: serverTime(ctx) });
    conn.close('c2s', { delay: 0.002 });
    yield;
    return { end: 'login-refused', invoke: 4 };
  }
  // The confirmation and the first state event leave the server together, in one segment.
  conn.send('s2c', [cti.setAgentStateConf(3), cti.agentStateEvent(a, 'NOT_READY')], { delay: serverTime(ctx), coalesce: true });
  yield;
  return { end: 'ok', conn, invoke: 4 };
}

function* heartbeats(ctx: DesktopContext, conn: TcpConversation, firstInvoke: number, lost?: number): Generator<void> {
  let invoke = firstInvoke;
  for (let n = 1; ctx.clock.now + 30 <= ctx.endTime && !(ctx.stop && ctx.stop()); n++) {
    ctx.clock.wait(30 + ctx.rng.between(-0.002, 0.002));
    conn.send('c2s', cti.heartbeatReq(invoke), { retransmit: n === lost });
    conn.send('s2c', cti.heartbeatConf(invoke), { delay: ctx.rng.between(0.0005, 0.004) });
    invoke++;
    yield;
  }
}

// ---------------------------------------------------------------------------------------------- scripts

/** A CAD start-up from DNS to desktop services and heartbeats, or up to the failure the variant asks for. */
export function* cadDesktop(ctx: DesktopContext, variant: CadVariant = {}): Generator<void> {
  if (variant.remote) ctx = { ...ctx, rtt: variant.remote.rtt };
  yield* resolve(ctx, [NAMES[ADDR.uccxA], NAMES[ADDR.uccxB]], { [NAMES[ADDR.uccxA]]: ADDR.uccxA, [NAMES[ADDR.uccxB]]: ADDR.uccxB });

  const ldapHosts = variant.ldapHosts ?? [ADDR.uccxA];
  for (let i = 0; i < ldapHosts.length - 1; i++) {
    // A host that no longer exists: Windows retransmits the SYN after 3 and 6 more seconds, then gives up.
    const first = think(ctx);
    tcp(ctx, ldapHosts[i], PORT.ldap).synUnanswered([first, first + 3, first + 9]);
    yield;
    ctx.clock.wait(12);
    yield;
  }
  const ldapEnd = yield* ldapConfig(ctx, ldapHosts[ldapHosts.length - 1], variant.ldapBind ?? 'ok', variant.remote?.configSearches ?? 0, variant.team);
  if (ldapEnd !== 'ok') return;

  const lic = yield* licensing(ctx, variant.licensing ?? 'ok');
  if (lic.end !== 'ok') return;

  const session = yield* ctiSession(ctx, variant.ctiHosts ?? [ADDR.uccxA], variant.login ?? 'ok');
  if (session.end !== 'ok') {
    // The desktop exits: it releases its licensing connection too.
    lic.conn?.close('c2s', { delay: ctx.rng.between(0.01, 0.05) });
    yield;
    return;
  }
  yield* desktopServices(ctx);
  yield* heartbeats(ctx, session.conn!, session.invoke, variant.lostHeartbeat);
}

/**
 * A CTI OS desktop whose side A refuses connections (RST, and again after 5 s) and which then works with
 * side B, exchanging opaque CTI OS messages for `exchangeSeconds`.
 */
export function* ctiosDesktopSideDown(ctx: DesktopContext, exchangeSeconds = 60): Generator<void> {
  yield* resolve(ctx, [NAMES[ADDR.ctiosA], NAMES[ADDR.ctiosB]], { [NAMES[ADDR.ctiosA]]: ADDR.ctiosA, [NAMES[ADDR.ctiosB]]: ADDR.ctiosB });
  tcp(ctx, ADDR.ctiosA, PORT.ctios).refuse({ delay: think(ctx) });
  yield;
  ctx.clock.wait(5);
  tcp(ctx, ADDR.ctiosA, PORT.ctios).refuse();
  yield;
  const c = tcp(ctx, ADDR.ctiosB, PORT.ctios);
  c.connect({ delay: ctx.rng.between(0.2, 0.5) });
  const until = ctx.clock.now + exchangeSeconds;
  // The CTI OS format is not public: the bytes are arbitrary, only sizes and timing are plausible.
  c.send('c2s', opaque(ctx.rng, 180), { delay: quick(ctx) });
  c.send('s2c', opaque(ctx.rng, 900), { delay: serverTime(ctx) });
  c.send('c2s', opaque(ctx.rng, 260), { delay: think(ctx) });
  c.send('s2c', opaque(ctx.rng, 2400), { delay: serverTime(ctx) });
  yield;
  while (ctx.clock.now < until - 8) {
    ctx.clock.wait(ctx.rng.between(2, 8));
    if (ctx.rng.next() < 0.5) {
      c.send('s2c', opaque(ctx.rng, ctx.rng.int(60, 400)));
    } else {
      c.send('c2s', opaque(ctx.rng, ctx.rng.int(40, 120)));
      c.send('s2c', opaque(ctx.rng, ctx.rng.int(40, 300)), { delay: serverTime(ctx) });
    }
    yield;
  }
}

/**
 * A CTI OS desktop flipping between side A and side B: each session works for about `life` seconds, then its
 * server resets it and the desktop connects to the other side at once; the last one works to the end.
 */
export function* ctiosDesktopFlipping(ctx: DesktopContext, sessions = 6, life = 20): Generator<void> {
  yield* resolve(ctx, [NAMES[ADDR.ctiosA], NAMES[ADDR.ctiosB]], { [NAMES[ADDR.ctiosA]]: ADDR.ctiosA, [NAMES[ADDR.ctiosB]]: ADDR.ctiosB });
  for (let i = 0; i < sessions; i++) {
    const c = tcp(ctx, i % 2 === 0 ? ADDR.ctiosA : ADDR.ctiosB, PORT.ctios);
    c.connect({ delay: i === 0 ? think(ctx) : ctx.rng.between(0.2, 0.5) });
    const until = i === sessions - 1 ? ctx.endTime - 8 : ctx.clock.now + ctx.rng.between(life - 1, life + 1);
    c.send('c2s', opaque(ctx.rng, 180), { delay: quick(ctx) });
    c.send('s2c', opaque(ctx.rng, 900), { delay: serverTime(ctx) });
    yield;
    while (ctx.clock.now < until - 5) {
      ctx.clock.wait(ctx.rng.between(3, 5));
      c.send('c2s', opaque(ctx.rng, ctx.rng.int(40, 120)));
      c.send('s2c', opaque(ctx.rng, ctx.rng.int(40, 300)), { delay: serverTime(ctx) });
      yield;
    }
    if (i < sessions - 1) {
      c.reset('s2c', { delay: ctx.rng.between(1, 3) });
      yield;
    }
  }
}

function opaque(rng: Rng, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = rng.nextUint32() & 0xff;
  // A length word in front, as most binary protocols have; the rest is noise.
  b[0] = (length >>> 24) & 0xff;
  b[1] = (length >>> 16) & 0xff;
  b[2] = (length >>> 8) & 0xff;
  b[3] = length & 0xff;
  return b;
}

