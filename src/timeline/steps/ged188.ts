/**
 * GED-188 (CTI Server protocol): per session the open, heartbeats and other events (the CTI client's steps),
 * and per agent its state queries, login attempts and state events (the agent's steps). Replies are paired
 * with their requests by InvokeID, events with their agent by AgentID or instrument, so the requests of many
 * agents interleaved on one session never mix.
 *
 * A session that names one agent (CAD's agent-mode session) is the desktop's own: its steps are also the
 * workstation's, as they always were. A session that speaks for a second agent is a server's (CTI OS server,
 * Finesse, a recorder): from then on its agent steps are kept by the agents only, and its host is not a
 * workstation.
 */

import type { DecodedMessage, FieldValue, HeartbeatEvent } from '../../decoders/types.js';
import type { Phase } from '../../decoders/profile.js';
import { isUntabulatedName } from '../../decoders/ged188/constants.js';
import { PendingRequests, type PendingHeartbeat } from '../pending-requests.js';
import type { StepKind, StepState } from '../state.js';
import { addClientSession, addClientStep, ctiClientKey, MAX_CTI_CLIENTS, newCtiClient, type CtiClientState, type CtiSessionState } from '../subjects/cti-clients.js';
import { addAgentStep, addAttempt, agentKey, MAX_AGENTS, newAgent, noteStateReport, startStateReports, type AgentState } from '../subjects/agents.js';
import { absorb, bump, num, str, type FlowState, type MessagePlace, type StepBuilder, type StepContext } from './context.js';
import { pushLatest } from '../../array-loops.js';

const NO_PERIPHERAL = 0xffffffff;
/** Heartbeats awaiting their reply per session (those past the reply timeout are judged missed long before). */
const MAX_PENDING_HEARTBEATS = 256;

/** One agent's steps on one session. */
interface SessionAgent {
  agent: AgentState;
  login?: StepState;
  query?: StepState;
  events?: StepState;
}

export interface GedFlowState {
  open?: StepState;
  /** Queries that name no agent. */
  query?: StepState;
  heartbeat?: StepState;
  events?: StepState;
  /** Made on the session's first heartbeat. */
  heartbeatPending?: PendingRequests<PendingHeartbeat>;
  /** The last heartbeat answered, whose entry the next one sent takes over (heartbeatSent). */
  spareHeartbeat?: PendingHeartbeat;
  idleTimeout?: number;
  lastMessage: number;
  client?: CtiClientState;
  session: CtiSessionState;
  /** The first agent the session names; the others by agent, made with the second (a desktop's session has one). */
  firstAgent?: SessionAgent;
  otherAgents?: Map<AgentState, SessionAgent>;
  /** The agent of the latest request: events that name no agent belong to it while the session has one. */
  lastAgent?: SessionAgent;
  /** The session spoke for more than one agent: a server's session, not a desktop's. */
  multiAgent: boolean;
  peripheralId?: number;
}

function isLoginRequest(m: DecodedMessage): boolean {
  const name = str(m.fields.agentStateName);
  if (name !== undefined) return /(^|_)LOGIN$/.test(name);
  return num(m.fields.agentState) === 0;
}

export function stateName(m: DecodedMessage): string | undefined {
  const name = str(m.fields.agentStateName);
  if (name !== undefined) return name.replace(/^AGENT_STATE_/, '');
  const n = num(m.fields.agentState);
  return n === undefined ? undefined : `state ${n}`;
}

function sessionOf(ctx: StepContext, flow: FlowState, m: DecodedMessage): GedFlowState {
  let g = flow.ged;
  if (g) return g;
  const session: CtiSessionState = { client: flow.info.client, server: flow.info.server, flowId: flow.info.id, start: flow.info.start, end: null, opened: null };
  g = { lastMessage: m.time, session, multiAgent: false };
  flow.ged = g;
  // The server of a CTI session is a server, whoever its client is.
  ctx.serverIps.add(flow.info.serverIp);
  // The client is known by its OPEN_REQ's ClientID; a session caught after its open, by its endpoint.
  attachClient(ctx, flow, g, m.type === 'OPEN_REQ' && m.direction === 'c2s' ? str(m.fields.clientId) : undefined, m.time);
  return g;
}

function attachClient(ctx: StepContext, flow: FlowState, g: GedFlowState, clientId: string | undefined, time: number): void {
  const key = ctiClientKey(flow.info.clientIp, clientId, flow.info.client);
  let c = ctx.ctiClients.get(key);
  if (!c) {
    if (ctx.ctiClients.size >= MAX_CTI_CLIENTS) return;
    c = newCtiClient(key, flow.info.clientIp, clientId, time);
    ctx.ctiClients.set(key, c);
  }
  g.client = c;
  addClientSession(c, g.session);
}

function gedStep(ctx: StepContext, flow: FlowState, m: DecodedMessage, kind: StepKind, phase: Phase, detached = false): StepState | undefined {
  const s = ctx.newStep(flow, kind, m.time, phase, detached);
  if (s) s.protocol = 'ged188';
  return s;
}

/** A session-level step: it belongs to the CTI client (and, through the host, to a desktop's timeline). */
function sessionStep(ctx: StepContext, flow: FlowState, g: GedFlowState, m: DecodedMessage, kind: StepKind, phase: Phase): StepState | undefined {
  const s = gedStep(ctx, flow, m, kind, phase);
  if (s && g.client) addClientStep(g.client, s);
  return s;
}

/** The message counted, by its type, in the session's catch-all step (made on first need). */
function countedEvent(ctx: StepContext, flow: FlowState, g: GedFlowState, m: DecodedMessage): StepState | undefined {
  const e = gedEvents(ctx, flow, g, m);
  if (!e) return undefined;
  absorb(e, m);
  bump(e.facts.events!.counts, m.type);
  return e;
}

/** The session's catch-all step for events and requests outside the login steps. */
function gedEvents(ctx: StepContext, flow: FlowState, g: GedFlowState, m: DecodedMessage): StepState | undefined {
  if (!g.events) {
    g.events = sessionStep(ctx, flow, g, m, 'cti-events', 'cti-session');
    if (g.events) g.events.facts.events = { counts: new Map() };
  }
  return g.events;
}

function peripheralOf(g: GedFlowState, m: DecodedMessage): number | null {
  const p = num(m.fields.peripheralId);
  if (p !== undefined && p !== NO_PERIPHERAL) return p;
  return g.peripheralId ?? null;
}

/** The agent a message is about (by AgentID, else by instrument or extension), made on first sight. */
function agentOf(ctx: StepContext, flow: FlowState, g: GedFlowState, m: DecodedMessage): SessionAgent | undefined {
  const id = str(m.fields.agentId) || undefined;
  const instrument = str(m.fields.agentInstrument) || str(m.fields.agentExtension) || undefined;
  const periph = peripheralOf(g, m);
  let key = agentKey(periph, id, undefined);
  let agent = key ? ctx.agents.get(key) : undefined;
  const byInstrument = instrument ? agentKey(periph, undefined, instrument) : undefined;
  if (!agent && byInstrument) {
    const known = ctx.agents.get(byInstrument);
    // An instrument-only record learns its AgentID, or an AgentID-keyed record is found through its instrument.
    if (known && (!id || known.id === null || known.id === id)) agent = known;
  }
  if (!agent) {
    key ??= byInstrument;
    if (!key || ctx.agents.size >= MAX_AGENTS) return undefined;
    agent = newAgent(key, periph, id, m.time);
    ctx.agents.set(key, agent);
    if (byInstrument && byInstrument !== key && !ctx.agents.has(byInstrument)) ctx.agents.set(byInstrument, agent);
  }
  if (id && agent.id === null) agent.id = id;
  // Known under both keys from now on (the document lists each agent once).
  if (id && agent.key !== key) {
    const idKey = agentKey(periph, id, undefined)!;
    if (!ctx.agents.has(idKey)) ctx.agents.set(idKey, agent);
  }
  if (instrument) agent.instrument ??= instrument;
  const ext = str(m.fields.agentExtension);
  if (ext) agent.extension ??= ext;
  if (m.time > agent.lastTime) agent.lastTime = m.time;
  let sa = g.firstAgent !== undefined && g.firstAgent.agent === agent ? g.firstAgent : g.otherAgents?.get(agent);
  if (!sa) {
    sa = { agent };
    if (g.firstAgent === undefined) g.firstAgent = sa;
    else (g.otherAgents ??= new Map()).set(agent, sa);
    if (g.otherAgents !== undefined && !g.multiAgent) {
      g.multiAgent = true;
      flow.host!.serverSideCti = true;
    }
    if (g.client) {
      // An ALL_EVENTS client names no peripheral in its open; its agents' requests do.
      if (g.client.peripheralId === null && periph !== null) g.client.peripheralId = periph;
      // Counted once per client: after a failover the client's second session speaks for the same agents.
      if (!agent.clients.includes(g.client)) {
        agent.clients.push(g.client);
        g.client.agents++;
      }
    }
    if (!g.multiAgent) noteDesktopSession(agent, flow.info.clientIp);
  }
  agent.via = { client: flow.info.client, server: flow.info.server, clientId: g.client?.clientId ?? null, host: flow.info.clientIp };
  return sa;
}

/**
 * The desktops whose own sessions carried the agent, the latest last: an agent whose login moved to another desktop
 * (a second desktop taking it over, the agent moving PCs) is at the latest one.
 */
function noteDesktopSession(agent: AgentState, host: string): void {
  const list = (agent.desktopSessions ??= []);
  if (list.at(-1) !== host) pushLatest(list, host);
}

/** An agent-mode session (or one request for one agent) shows the host is a desktop. */
function noteDesktop(flow: FlowState, g: GedFlowState): void {
  if (!g.multiAgent) flow.host!.desktopClient = true;
}

function noteAgentOnHost(flow: FlowState, m: DecodedMessage): void {
  const host = flow.host!;
  const id = str(m.fields.agentId);
  const ext = str(m.fields.agentExtension) ?? str(m.fields.agentInstrument);
  if (m.direction === 'c2s') {
    if (id) host.agentId = id;
    if (ext) host.extension = ext;
  } else {
    if (id) host.eventAgentId = id;
    if (ext) host.eventExtension = ext;
  }
}

/** A step of one agent: on a desktop's session also the desktop's; on a server's, the agent's alone. */
function agentStep(ctx: StepContext, flow: FlowState, g: GedFlowState, sa: SessionAgent, m: DecodedMessage, kind: StepKind, phase: Phase): StepState | undefined {
  const s = gedStep(ctx, flow, m, kind, phase, g.multiAgent);
  if (s) {
    addAgentStep(sa.agent, s);
    ctx.agentOfStep.set(s, sa.agent);
  }
  return s;
}

function agentEvents(ctx: StepContext, flow: FlowState, g: GedFlowState, sa: SessionAgent | undefined, m: DecodedMessage): StepState | undefined {
  if (!sa || !g.multiAgent) {
    const e = gedEvents(ctx, flow, g, m);
    if (e && sa) addAgentStep(sa.agent, e);
    return e;
  }
  if (!sa.events) {
    sa.events = agentStep(ctx, flow, g, sa, m, 'cti-events', 'login');
    if (sa.events) sa.events.facts.events = { counts: new Map() };
  }
  return sa.events;
}

/** A heartbeat with no reply captured: missed, unless its reply was due in bytes the capture lost. */
function unansweredHeartbeat(h: NonNullable<StepState['facts']['heartbeat']>, p: PendingHeartbeat): void {
  if (p.gapFrame !== undefined) h.uncaptured = (h.uncaptured ?? 0) + 1;
  else missHeartbeat(h, p.frame);
}

function missHeartbeat(h: NonNullable<StepState['facts']['heartbeat']>, frame: number): void {
  h.missed++;
  h.consecutive++;
  if (h.consecutive > h.maxConsecutive) h.maxConsecutive = h.consecutive;
  if (h.missedFrames.length < 10) h.missedFrames.push(frame);
}

function namesOf(v: unknown): string[] {
  // slice sizes the copy exactly (filter grows it as it goes): a CTI client holds it to the end.
  if (!Array.isArray(v)) return [];
  return v.every((x) => typeof x === 'string') ? (v.slice() as string[]) : v.filter((x): x is string => typeof x === 'string');
}

/**
 * A code's name, or none when the decoder's tables lack the code (it names it UNKNOWN_<n>): UCCE's peripheral
 * errors are not tabulated, so a refusal by a PG names only the number, not "unknown 10140".
 */
function tabulatedName(v: FieldValue | undefined): string | undefined {
  const name = str(v);
  return name === undefined || isUntabulatedName(name) ? undefined : name;
}

export const ged188Steps: StepBuilder = {
  message(ctx, flow, m) {
    const g = sessionOf(ctx, flow, m);
    g.lastMessage = m.time;
    // The client's last time is taken when its session ends (endGedSession), not per message: heartbeats are most messages.
    const c = g.client;
    // Heartbeats name no agent (their body is the InvokeID alone), and they are most of a long capture's messages:
    // not looking for agent fields in each saves 1% of the instructions of analysing a capture of idle desktops.
    if (!g.multiAgent && m.type !== 'HEARTBEAT_REQ' && m.type !== 'HEARTBEAT_CONF') noteAgentOnHost(flow, m);
    const invoke = num(m.fields.invokeId);
    switch (m.type) {
      case 'OPEN_REQ': {
        const s = sessionStep(ctx, flow, g, m, 'cti-open', 'cti-session');
        if (!s) return undefined;
        g.open = s;
        absorb(s, m);
        s.count++;
        const idle = num(m.fields.idleTimeout);
        if (idle !== undefined && idle > 0 && idle < 86400) g.idleTimeout = idle;
        s.facts.open = { confirmed: false, idleTimeout: g.idleTimeout };
        const p = num(m.fields.peripheralId);
        if (p !== undefined && p !== NO_PERIPHERAL) g.peripheralId = p;
        if (c) {
          c.version = num(m.fields.versionNumber) ?? c.version;
          c.servicesRequested = namesOf(m.fields.servicesRequestedNames);
          if (g.peripheralId !== undefined) c.peripheralId = g.peripheralId;
        }
        // CLIENT_EVENTS (agent mode) names its agent in the open: a desktop's own session.
        if (str(m.fields.agentId) || str(m.fields.agentExtension) || str(m.fields.agentInstrument)) {
          const sa = agentOf(ctx, flow, g, m);
          if (sa) g.lastAgent = sa;
          noteDesktop(flow, g);
        }
        ctx.addPending(flow, invoke, s, 'OPEN_REQ', m);
        return s;
      }
      case 'OPEN_CONF': {
        const p = ctx.resolve(flow, invoke, m);
        let s = p?.step ?? g.open;
        if (!s) {
          // Its OPEN_REQ is not in the capture (lost, or sent just before the capture began): the session opened all
          // the same, and a failover to this server worked.
          s = sessionStep(ctx, flow, g, m, 'cti-open', 'cti-session');
          if (!s) return undefined;
          g.open = s;
          s.count++;
          s.facts.open = { confirmed: false, requestUnseen: true, idleTimeout: g.idleTimeout };
        }
        if (!s.facts.open) return gedEvents(ctx, flow, g, m);
        absorb(s, m);
        s.lastOk = true;
        s.facts.open.confirmed = true;
        g.session.opened = true;
        if (typeof m.fields.peripheralOnline === 'boolean') {
          s.facts.open.peripheralOnline = m.fields.peripheralOnline;
          if (c) c.peripheralOnline = m.fields.peripheralOnline;
        }
        if (c) c.servicesGranted = namesOf(m.fields.servicesGrantedNames);
        const st = stateName(m);
        if (st) s.facts.open.agentStateName = st;
        // A desktop's own session (its OPEN_REQ named the agent): the open's agent state is the server's word on it.
        if (st && !g.multiAgent && g.lastAgent) noteStateReport(g.lastAgent.agent, { server: flow.info.server, client: flow.info.client, flowId: flow.info.id, state: st, message: 'OPEN_CONF', frame: m.frame, time: m.time });
        return s;
      }
      case 'FAILURE_CONF':
      case 'CONTROL_FAILURE_CONF': {
        const p = ctx.resolve(flow, invoke, m);
        // An OPEN_REQ is refused with FAILURE_CONF; a CONTROL_FAILURE_CONF answers a control request (a login whose
        // request the capture lost), never the open, even while the open is unconfirmed (its OPEN_CONF lost too).
        const s = p?.step ?? (g.open && !g.open.facts.open?.confirmed && m.type === 'FAILURE_CONF' ? g.open : gedEvents(ctx, flow, g, m));
        if (!s) return undefined;
        absorb(s, m);
        if (s.kind === 'cti-heartbeat') {
          s.facts.heartbeat!.answered++;
          return s;
        }
        s.lastOk = false;
        if (s === g.open) g.session.opened = false;
        if (!s.facts.ged) {
          s.facts.ged = {
            request: p?.name ?? (s.kind === 'cti-open' ? 'OPEN_REQ' : 'request'),
            reply: m.type,
            status: num(m.fields.status),
            statusName: str(m.fields.statusName),
            failureCode: num(m.fields.failureCode),
            failureCodeName: str(m.fields.failureCodeName),
            peripheralErrorCode: num(m.fields.peripheralErrorCode),
            peripheralErrorCodeName: tabulatedName(m.fields.peripheralErrorCodeName),
            frame: m.frame,
            time: m.time,
          };
        }
        if (s.facts.events) bump(s.facts.events.counts, m.type);
        return s;
      }
      case 'SET_AGENT_STATE_REQ': {
        const sa = agentOf(ctx, flow, g, m);
        if (sa) g.lastAgent = sa;
        noteDesktop(flow, g);
        const cil = str(m.fields.ctiosCilClientId) || undefined;
        if (sa && cil) sa.agent.cilClientId ??= cil;
        // A login or a logout ends the agent's state queries so far: the queries before each login (an agent that
        // logged out and in again) are a step each, not one "×2" spanning both, and a desktop's polls after its
        // login are one step of their own.
        if (sa && (isLoginRequest(m) || stateName(m) === 'LOGOUT')) sa.query = undefined;
        if (sa && isLoginRequest(m)) startStateReports(sa.agent);
        else if (sa && stateName(m) === 'LOGOUT') sa.agent.logoutAsked = m.time;
        if (isLoginRequest(m)) {
          const s = sa ? agentStep(ctx, flow, g, sa, m, 'cti-login', 'login') : gedStep(ctx, flow, m, 'cti-login', 'login');
          if (!s) return undefined;
          absorb(s, m);
          s.count++;
          const id = str(m.fields.agentId);
          const ext = str(m.fields.agentExtension) || str(m.fields.agentInstrument);
          s.facts.login = { requested: stateName(m) ?? 'LOGIN', confirmed: false, ...(id ? { agentId: id } : {}), ...(id && ext ? { extension: ext } : {}) };
          if (sa) {
            sa.login = s;
            if (c) {
              addAttempt(sa.agent, {
                step: s,
                client: c,
                clientEndpoint: flow.info.client,
                server: flow.info.server,
                instrument: str(m.fields.agentInstrument) || undefined,
                extension: str(m.fields.agentExtension) || undefined,
                cilClientId: cil,
                time: m.time,
              });
            }
          }
          ctx.addPending(flow, invoke, s, 'SET_AGENT_STATE_REQ', m);
          return s;
        }
        const e = agentEvents(ctx, flow, g, sa, m);
        if (!e) return undefined;
        absorb(e, m);
        bump(e.facts.events!.counts, `SET_AGENT_STATE_REQ ${stateName(m) ?? ''}`.trim());
        ctx.addPending(flow, invoke, e, 'SET_AGENT_STATE_REQ', m);
        return e;
      }
      case 'SET_AGENT_STATE_CONF': {
        const p = ctx.resolve(flow, invoke, m);
        const s = p?.step ?? gedEvents(ctx, flow, g, m);
        if (!s) return undefined;
        absorb(s, m);
        if (s.facts.login) {
          s.facts.login.confirmed = true;
          s.facts.login.confirmTime = m.time;
          s.lastOk = true;
        } else if (s.facts.events) bump(s.facts.events.counts, m.type);
        return s;
      }
      case 'AGENT_STATE_EVENT': {
        const named = str(m.fields.agentId) || str(m.fields.agentInstrument) || str(m.fields.agentExtension);
        const sa = named ? agentOf(ctx, flow, g, m) : g.multiAgent ? undefined : g.lastAgent;
        const st = stateName(m);
        if (sa && st) {
          const code = num(m.fields.eventReasonCode);
          const reason = code ? { code, ...(str(m.fields.eventReasonCodeName) ? { name: str(m.fields.eventReasonCodeName) } : {}) } : undefined;
          noteStateReport(sa.agent, { server: flow.info.server, client: flow.info.client, flowId: flow.info.id, state: st, message: 'AGENT_STATE_EVENT', frame: m.frame, time: m.time, ...(reason ? { reason } : {}) });
        }
        const l = sa?.login;
        if (l && l.facts.login && !l.facts.login.event && !l.facts.ged && st !== 'LOGOUT') {
          absorb(l, m);
          l.facts.login.event = { time: m.time, frame: m.frame, stateName: st };
          return l;
        }
        const e = agentEvents(ctx, flow, g, sa, m);
        if (!e) return undefined;
        absorb(e, m);
        bump(e.facts.events!.counts, m.type);
        return e;
      }
      case 'QUERY_AGENT_STATE_REQ': {
        const named = str(m.fields.agentId) || str(m.fields.agentInstrument) || str(m.fields.agentExtension);
        const sa = named ? agentOf(ctx, flow, g, m) : undefined;
        if (sa) {
          g.lastAgent = sa;
          noteDesktop(flow, g);
          const cil = str(m.fields.ctiosCilClientId) || undefined;
          if (cil) sa.agent.cilClientId ??= cil;
        }
        let q = sa ? sa.query : g.query;
        if (!q) {
          q = sa ? agentStep(ctx, flow, g, sa, m, 'cti-query', 'login') : gedStep(ctx, flow, m, 'cti-query', 'login');
          if (!q) return undefined;
          q.facts.query = {};
          if (sa) sa.query = q;
          else g.query = q;
        }
        absorb(q, m);
        q.count++;
        ctx.addPending(flow, invoke, q, 'QUERY_AGENT_STATE_REQ', m);
        return q;
      }
      case 'QUERY_AGENT_STATE_CONF': {
        const p = ctx.resolve(flow, invoke, m);
        const s = p?.step ?? g.query ?? g.lastAgent?.query;
        if (!s) return undefined;
        absorb(s, m);
        s.lastOk = true;
        const st = stateName(m);
        if (s.facts.query) s.facts.query.stateName = st;
        // The agent its query was for (a reply learns nothing new about who the agent is).
        const agent = ctx.agentOfStep.get(s);
        if (agent && st) noteStateReport(agent, { server: flow.info.server, client: flow.info.client, flowId: flow.info.id, state: st, message: 'QUERY_AGENT_STATE_CONF', frame: m.frame, time: m.time });
        return s;
      }
      case 'HEARTBEAT_REQ': {
        if (!g.heartbeat) {
          g.heartbeat = sessionStep(ctx, flow, g, m, 'cti-heartbeat', 'cti-session');
          if (!g.heartbeat) return undefined;
          g.heartbeat.facts.heartbeat = { sent: 0, answered: 0, missed: 0, consecutive: 0, maxConsecutive: 0, missedFrames: [], firstSent: m.time, lastSent: m.time };
        }
        heartbeatSent(g, g.heartbeat, invoke, m);
        return g.heartbeat;
      }
      case 'HEARTBEAT_CONF': {
        const s = g.heartbeat;
        // A reply whose request is not in the capture (a session caught mid-stream): a message like any other.
        if (!s) return countedEvent(ctx, flow, g, m);
        heartbeatAnswered(ctx, g, s, invoke, m);
        return s;
      }
      case 'CLOSE_REQ': {
        const e = countedEvent(ctx, flow, g, m);
        if (!e) return undefined;
        e.facts.events!.closeBy = m.direction;
        e.facts.events!.closeStatusName = str(m.fields.statusName);
        ctx.addPending(flow, invoke, e, 'CLOSE_REQ', m);
        return e;
      }
      default: {
        if (m.type === 'CLOSE_CONF') ctx.resolve(flow, invoke, m);
        const e = countedEvent(ctx, flow, g, m);
        if (!e) return undefined;
        const ev = e.facts.events!;
        // A CLOSE_CONF answers its peer's CLOSE_REQ: that side asked to close, whether or not the request was captured.
        if (m.type === 'CLOSE_CONF' && ev.closeBy === undefined) ev.closeBy = m.direction === 's2c' ? 'c2s' : 's2c';
        if (m.type === 'FAILURE_EVENT' && !ev.failureEvent) {
          ev.failureEvent = { status: num(m.fields.status), statusName: str(m.fields.statusName), frame: m.frame, time: m.time };
        }
        if (m.type === 'SYSTEM_EVENT') {
          const id = str(m.fields.systemEventIdName) ?? `SYS ${str(m.fields.systemEventId) ?? '?'}`;
          ev.system ??= [];
          if (ev.system.length < 20) ev.system.push({ name: id, frame: m.frame, time: m.time });
          if (c && /PERIPHERAL_ONLINE$|CCX_ONLINE$/.test(id)) c.peripheralOnline = true;
          if (c && /PERIPHERAL_OFFLINE$|CCX_OFFLINE$/.test(id)) c.peripheralOnline = false;
        }
        return e;
      }
    }
  },
};

/**
 * The server ended the session with its FIN of its own accord: the session was not refused at its open, nobody
 * sent CLOSE_REQ, it was not silent past its IdleTimeout (heartbeat-lost says that) and the server gave no word of
 * its side going away first (a FAILURE_EVENT or an OFFLINE SYSTEM_EVENT, which its own findings name). `steps`: the
 * flow's steps, endGedSession having run.
 */
/**
 * A heartbeat of a session whose heartbeat step exists, given as an event (HeartbeatEvent, no message made): what
 * message() does with its HEARTBEAT_REQ or HEARTBEAT_CONF. False, and nothing done, for any other session: its
 * message then comes to message(). The caller (the analyzer) has done the per-message part of a known flow.
 */
export function heartbeatEvent(ctx: StepContext, g: GedFlowState | undefined, h: HeartbeatEvent): boolean {
  const s = g?.heartbeat;
  if (s === undefined) return false;
  g!.lastMessage = h.time;
  if (h.reply) heartbeatAnswered(ctx, g!, s, h.invokeId, h);
  else heartbeatSent(g!, s, h.invokeId, h);
  return true;
}

function heartbeatSent(g: GedFlowState, s: StepState, invoke: number | undefined, m: MessagePlace): void {
  const h = s.facts.heartbeat!;
  const limit = s.replyTimeout ?? 10;
  // Heartbeats still unanswered past the reply timeout when the next one goes out are missed.
  if (g.heartbeatPending?.size) g.heartbeatPending.expire(m.time, limit, (p) => unansweredHeartbeat(h, p));
  absorb(s, m);
  s.count++;
  h.sent++;
  h.lastSent = m.time;
  if (invoke === undefined || (g.heartbeatPending ??= new PendingRequests()).size >= MAX_PENDING_HEARTBEATS) return;
  // The last one answered is taken again: one pair of objects per session, not per heartbeat.
  const p = g.spareHeartbeat;
  if (p === undefined) {
    g.heartbeatPending.set(invoke, { frame: m.frame, time: m.time });
    return;
  }
  g.spareHeartbeat = undefined;
  p.frame = m.frame;
  p.time = m.time;
  g.heartbeatPending.set(invoke, p);
}

function heartbeatAnswered(ctx: StepContext, g: GedFlowState, s: StepState, invoke: number | undefined, m: MessagePlace): void {
  absorb(s, m);
  const h = s.facts.heartbeat!;
  const p = invoke !== undefined ? g.heartbeatPending?.get(invoke) : undefined;
  if (p && invoke !== undefined) {
    g.heartbeatPending!.delete(invoke);
    if (m.time < p.time) ctx.replyFirst(m.frame, p.frame, p.time - m.time);
    if (s.firstResponseTime === undefined) s.firstResponseTime = Math.max(0, m.time - p.time);
    // Nothing else holds it now (a heartbeat judged missed or lost is never answered, and is not taken again).
    if (p.gapFrame === undefined) g.spareHeartbeat = p;
  }
  h.answered++;
  s.answered++;
  h.consecutive = 0;
  s.lastOk = true;
}

export function closedByServerUnasked(g: GedFlowState, steps: readonly StepState[]): boolean {
  if (g.session.opened === false) return false;
  const ev = g.events?.facts.events;
  if (ev && (ev.closeBy !== undefined || ev.failureEvent !== undefined || ev.system?.some((x) => /OFFLINE$/.test(x.name)))) return false;
  return !steps.some((s) => s.facts.idle !== undefined);
}

/** The session's OPEN_REQ is in the capture (and with it the IdleTimeout the client asked for). */
export function openRequestSeen(g: GedFlowState): boolean {
  return g.open !== undefined && g.open.facts.open?.requestUnseen !== true;
}

/** Heartbeats and silence judged when the session's connection ends. */
export function endGedSession(g: GedFlowState, end: number, openAtEnd: boolean, endState: string, endFrame: number, fallback: StepState | undefined): void {
  g.session.end = end;
  if (g.client && end > g.client.lastTime) g.client.lastTime = end;
  g.session.endState = endState;
  const h = g.heartbeat?.facts.heartbeat;
  if (h && g.heartbeatPending) {
    for (const p of g.heartbeatPending.values()) {
      if (p.gapFrame !== undefined || !openAtEnd || end - p.time >= (g.heartbeat!.replyTimeout ?? 10)) unansweredHeartbeat(h, p);
    }
  }
  // A CTI session that fell silent for its IdleTimeout and was then torn down.
  if (g.idleTimeout !== undefined && !openAtEnd) {
    const silence = end - g.lastMessage;
    const target = g.heartbeat ?? g.open ?? g.events ?? fallback;
    if (silence >= g.idleTimeout && target) target.facts.idle = { idleTimeout: g.idleTimeout, silence, endState, frame: endFrame };
  }
}
