/**
 * Connection-level steps, from a flow's record when it ends: failed attempts (never answered, refused),
 * server resets, CTI sessions the server closed unasked, or a session whose payload no decoder read. Retries to one server fold into one step.
 */

import type { FlowRecord } from '../../decoders/types.js';
import type { Phase } from '../../decoders/profile.js';
import type { ConnFailure, StepState } from '../state.js';
import type { FlowState, StepContext } from './context.js';
import { portOf } from '../format.js';
import { closedByServerUnasked, openRequestSeen } from './ged188.js';

/** Refused or unanswered attempts to one server within this many seconds fold into one step. */
const RETRY_WINDOW = 60;
/**
 * A SYN this close to the end of the capture (or to its flow's early end in the flow table) may yet be answered:
 * a server answers within a round trip, and a client's first SYN retry comes after 1 s (Linux) or 3 s (Windows),
 * so a capture that ends sooner shows neither an answer's absence nor a retry. Such an attempt is no step.
 */
const SYN_SETTLE = 1;
const MAX_CONNECTING = 16;

/** A Windows client's first SYN retry comes this long after its SYN (Linux's, after 1 s, would show by then too). */
const FIRST_SYN_RETRY = 3;

/**
 * When a client's next SYN, or its giving up, is due after its last, had it gone on backing off: each wait twice the
 * one before (Windows 3 then 6 s, then gives up 12 s later; Linux 1, 2, 4, 8… s). After k SYNs over `span` (waits a,
 * 2a, …, 2^(k-2)a), the next comes 2^(k-1)a later: span × 2^(k-1) / (2^(k-1) − 1); after one, FIRST_SYN_RETRY.
 */
function nextSynDue(syns: number, span: number): number {
  if (syns <= 1 || span <= 0) return FIRST_SYN_RETRY;
  const next = 2 ** Math.min(syns - 1, 30);
  return (span * next) / (next - 1);
}

/**
 * How long past the last unanswered SYN the capture (or the flow table) went on, when that was too soon for the client
 * to have retried or given up (nextSynDue): what it did next is not in the capture. Undefined for an attempt that
 * ended in the capture, or that the capture outlasted.
 */
function stillTryingFor(r: FlowRecord, seenUntil: number | undefined): number | undefined {
  if (seenUntil === undefined) return undefined;
  const after = Math.max(0, seenUntil - r.end);
  return after < nextSynDue(r.syns, r.synSpan) ? after : undefined;
}

/** A connection its host was still opening when the capture ended (HostState.connecting, capped). */
function noteConnecting(flow: FlowState, r: FlowRecord): void {
  const list = (flow.host!.connecting ??= []);
  if (list.length < MAX_CONNECTING) list.push({ server: flow.info.server, service: flow.cls?.service ?? flow.info.server, label: flow.cls?.label ?? `service on port ${flow.info.serverPort}`, frame: r.firstFrame, time: r.start });
}

/** The client's FIN or RST came before the server's (Zeek history: upper case is the client's). */
function clientClosedFirst(history: string): boolean {
  for (const c of history) {
    if (c === 'F' || c === 'R') return true;
    if (c === 'f' || c === 'r') return false;
  }
  return false;
}

/** Seconds of a CTI session's silence before its end that make an unknown IdleTimeout worth naming (ConnFacts.silentFor). */
const SILENT_BEFORE_END = 60;

/** Different server ports reached, with no byte of data anywhere, that make a host's attempts a port scan. */
const SCAN_PORTS = 3;

/** Phases no desktop starts with: CAD reaches licensing and its services only after its directory and CTI server. */
const LATER_PHASES: ReadonlySet<string> = new Set(['licensing', 'services']);

/**
 * True when a host's connections toward the desktop services show no desktop, so that it is no workstation (nor a
 * CTI client): none carried a byte of data, and
 * - they were port checks only: opened and closed again by the host, as a monitor or a load balancer does (a
 *   desktop sends its bind, request or OPEN_REQ as soon as it is connected);
 * - or they reached SCAN_PORTS different ports or more: a scan (a desktop that gets nowhere retries its one
 *   service, on the other node, and goes on to the next only once this one answered);
 * - or they reached only services a desktop comes to later (LATER_PHASES): with no directory, CTI or web-desktop
 *   attempt before them they are another program's on a port the desktop also uses (3000 is a common web port).
 * The PC's own lookups (the dns phase) do not count either way; any other step makes the host a workstation.
 */
export function noDesktopInConnections(steps: readonly StepState[]): boolean {
  let checksOnly = true;
  let laterOnly = true;
  let ports: Set<number | null> | undefined;
  for (const s of steps) {
    if (s.phase === 'dns') continue;
    const c = s.facts.conn;
    if (s.kind !== 'connection' || !c || c.bytes.c2s > 0 || c.bytes.s2c > 0) return false;
    if (!c.portCheck) checksOnly = false;
    if (!LATER_PHASES.has(s.phase)) laterOnly = false;
    (ports ??= new Set()).add(portOf(s.server));
  }
  return ports !== undefined && (checksOnly || laterOnly || ports.size >= SCAN_PORTS);
}

/** `seenUntil`: for a flow still open when it was reported, how far the capture (or the flow table) went on. */
export function connectionStep(ctx: StepContext, flow: FlowState, r: FlowRecord, phase: Phase, force = false, seenUntil?: number): StepState | undefined {
  const host = flow.host!;
  // A server whose only packet is a RST, with no SYN-ACK, did not accept the connection: its SYN may simply not be in
  // the capture (RST-ACK Seq=1 Ack=1 answers a SYN), which makes it refused, never "reset after 0 ms".
  const onlyRst = r.synAckFrame === undefined && r.rstBy === 's2c' && r.packets.s2c === 1 && r.payloadBytes.s2c === 0 && r.payloadBytes.c2s === 0;
  // A client that acknowledged or sent data after its SYN had the SYN-ACK: the capture lost the server's packets
  // (history "SAD": no server packet in it), the server did answer.
  const clientWentOn = r.syns > 0 && /[AD]/.test(r.history);
  const answered = !onlyRst && (r.synAckFrame !== undefined || r.packets.s2c > 0 || clientWentOn);
  const icmp = r.icmpErrors.find((e) => e.kind === 'destination-unreachable') ?? r.icmpErrors[0];
  let failure: ConnFailure | undefined;
  if (r.state === 'REJ' || onlyRst) failure = 'refused';
  else if (!answered && !icmp && r.state === 'S0' && seenUntil !== undefined && seenUntil - r.start < SYN_SETTLE) {
    noteConnecting(flow, r);
    return undefined;
  }
  else if (!answered && (r.state === 'S0' || r.state === 'RSTOS0' || r.state === 'SH' || icmp)) failure = 'unreachable';
  else if (icmp && r.packets.s2c === 0) failure = 'unreachable';
  else if (r.rstBy === 's2c' && answered) {
    const clientFin = r.finFrames.length > 0 && r.rstFrame !== undefined && r.finFrames[0] < r.rstFrame && /F/.test(r.history);
    if (!clientFin) failure = 'reset';
  } else if (answered && flow.ged !== undefined && r.finFrames.length > 0 && !clientClosedFirst(r.history) && closedByServerUnasked(flow.ged, flow.steps)) {
    failure = 'closed';
  }
  if (!failure && flow.steps.length > 0 && !force) return undefined;
  if (!failure && !answered) return undefined;
  const portCheck = !failure && r.synAckFrame !== undefined && r.payloadBytes.c2s === 0 && r.payloadBytes.s2c === 0 && clientClosedFirst(r.history);
  const stillTrying = failure === 'unreachable' && !icmp ? stillTryingFor(r, seenUntil) : undefined;
  // The host was still opening this connection when the capture ended (for the rules that ask: rules/common.ts): its
  // SYNs unanswered so far, or the handshake done and nothing sent yet (a CTI client's OPEN_REQ comes next).
  if (stillTrying !== undefined || (!failure && answered && r.openAtEnd && r.payloadBytes.c2s + r.payloadBytes.s2c === 0)) noteConnecting(flow, r);

  const bytes = { c2s: r.payloadBytes.c2s, s2c: r.payloadBytes.s2c };
  if (failure === 'unreachable' || failure === 'refused') {
    // Retries to the same server fold into the previous attempt's step.
    for (let i = host.steps.length - 1; i >= 0 && i >= host.steps.length - 20; i--) {
      const s = host.steps[i];
      const c = s.facts.conn;
      if (!c || c.failure !== failure || s.server !== flow.info.server) continue;
      if (r.start - s.end > RETRY_WINDOW || s.start - r.end > RETRY_WINDOW) continue;
      c.attempts++;
      c.syns += r.syns;
      c.synSpan += r.synSpan;
      for (const f of r.synFrames) if (c.synFrames.length < 25) c.synFrames.push(f);
      s.start = Math.min(s.start, r.start);
      s.flowStart = Math.min(s.flowStart, r.start);
      s.end = Math.max(s.end, r.end);
      c.span = s.end - s.start;
      // The latest attempt says whether the host was still at it when the capture ended.
      if (stillTrying !== undefined) c.stillTrying = stillTrying;
      else delete c.stillTrying;
      s.count++;
      s.frames.addAll(r.synFrames);
      if (r.rstFrame !== undefined) s.frames.add(r.rstFrame);
      if (icmp) s.frames.add(icmp.frame);
      return s;
    }
  }
  // A reset or close is a moment, at the connection's end.
  const ending = failure === 'reset' || failure === 'closed';
  const start = ending ? r.end : r.start;
  const s = ctx.newStep(flow, 'connection', start, phase);
  if (!s) return undefined;
  if (!ending) s.flowStart = r.start;
  s.end = failure === 'unreachable' ? Math.max(r.start + r.synSpan, icmp?.time ?? 0, r.end) : r.end;
  if (ending) s.start = s.end;
  s.count = 1;
  s.lastOk = failure === undefined;
  s.facts.conn = {
    state: r.state,
    failure,
    attempts: 1,
    syns: r.syns,
    synSpan: r.synSpan,
    span: r.end - r.start,
    synFrames: r.synFrames.slice(0, 25),
    rstFrame: r.rstFrame,
    rstBy: r.rstBy,
    finFrame: failure === 'closed' ? r.finFrames[0] : undefined,
    icmp: icmp ? { codeName: icmp.codeName, from: icmp.from, frame: icmp.frame } : undefined,
    duration: r.end - r.start,
    bytes,
  };
  if (portCheck) s.facts.conn.portCheck = true;
  if (stillTrying !== undefined) s.facts.conn.stillTrying = stillTrying;
  const g = flow.ged;
  if (ending && g !== undefined && !openRequestSeen(g) && r.end - g.lastMessage >= SILENT_BEFORE_END) {
    s.facts.conn.silentFor = r.end - g.lastMessage;
  }
  if (r.syns === 0 && r.synAckFrame === undefined) s.facts.conn.midStream = true;
  if (failure === 'reset') s.frames.add(r.rstFrame ?? r.lastFrame);
  else if (failure === 'closed') s.frames.add(r.finFrames[0]);
  else {
    s.frames.addAll(r.synFrames);
    if (r.synAckFrame !== undefined) s.frames.add(r.synAckFrame);
    if (r.rstFrame !== undefined) s.frames.add(r.rstFrame);
    if (icmp) s.frames.add(icmp.frame);
    if (!failure) {
      s.frames.add(r.firstFrame);
      s.frames.add(r.lastFrame);
    }
  }
  return s;
}
