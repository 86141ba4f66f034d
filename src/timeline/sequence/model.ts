/**
 * The sequence diagram (message sequence chart) of one subject: a lifeline per party (the desktop, and each
 * server named by its role), one row per message in time order, plus the rows a trainer needs to read a
 * start-up: unanswered SYNs and RSTs as their own arrows, connections opening and closing, runs of heartbeats and long idle
 * stretches folded into one labelled row, failures marked with the finding that names them.
 *
 * Plain data, built from the subject's steps and findings, its decoded messages and (when the caller has them)
 * its flow records; every renderer (SVG, Mermaid, PlantUML, text, the web UI) draws this and nothing else.
 */

import type { DecodedMessage, Direction, FlowRecord } from '../../decoders/types.js';
import { defaultServiceLabel } from '../../decoders/profile.js';
import type { Finding, Severity, Step } from '../model.js';
import { formatDuration, hostOf } from '../format.js';
import { agentMessageFilter, isSubjectFlow, isSubjectMessage, subjectFlowKeys, type SequenceSubject } from './subject.js';

export interface SequenceParty {
  /** "P0", "P1", … (safe as an identifier in Mermaid and PlantUML). */
  id: string;
  /** What a person calls it: "desktop", "CAD LDAP directory", "licensing service (LRM)". */
  role: string;
  /** "10.10.20.31" for the subject's hosts, "ip:port" for servers. */
  address: string;
  side: 'subject' | 'server';
}

export type SequenceRowKind = 'message' | 'connect' | 'syn' | 'rst' | 'fin' | 'heartbeats' | 'idle' | 'note';

export interface RowFinding {
  kind: string;
  severity: Severity;
  message: string;
}

export interface SequenceRow {
  kind: SequenceRowKind;
  /** Seconds since the epoch (first message of a folded run). */
  time: number;
  /** Last message of a folded run, or the end of an idle stretch. */
  end?: number;
  /** Party indexes; equal for rows that span no arrow (idle). */
  from: number;
  to: number;
  /** Message name and key fields: "bindRequest cn=Directory Manager,o=…", "SYN ×3 over 9.0 s: no answer". */
  label: string;
  frames: number[];
  /** Red: a finding cites the row's frames, or its step failed. */
  failed: boolean;
  /** Findings shown under this row (each finding once, on the first row it cites). */
  findings: RowFinding[];
  step: string | null;
  /** Index of the message in the messages the diagram was built from (message rows). */
  message?: number;
  /** Messages folded into the row (heartbeats). */
  count?: number;
}

export interface SequenceDiagram {
  title: string;
  /** Time zero of the "+s" column. */
  origin: number;
  parties: SequenceParty[];
  rows: SequenceRow[];
  /** Messages of the subject that were given (before folding). */
  messages: number;
}

export interface SequenceOptions {
  /** Idle stretches longer than this many seconds get their own row (default 5). */
  idleAfter?: number;
  /** Runs of at least this many heartbeat messages are folded into one row (default 4). */
  foldHeartbeats?: number;
  /** Longest label, in characters (default 96). */
  maxLabel?: number;
}

/** A service id as a person names it ("licensing" → "licensing service (LRM)"), on its server's port when given (UCCE's CTI server is not UCCX's). */
export function serviceRole(service: string, protocol?: string, server?: string): string {
  return defaultServiceLabel(service, server) ?? (service.startsWith('unknown') || service === '' ? `${protocol ?? 'other'} server` : service);
}

const HEARTBEAT = /HEARTBEAT|keepalive|keep-alive/i;

/** What the connection rows need of a flow (a flow record, or a step about a connection that carried nothing). */
interface Connection extends Pick<FlowRecord, 'server' | 'client' | 'start' | 'end' | 'syns' | 'synSpan' | 'synFrames' | 'rstFrame' | 'rstBy' | 'finFrames'> {
  state: string;
  /** A SYN-ACK was seen. */
  answered: boolean;
  /** Who sent the first FIN (closed the connection), when it is known. */
  finBy?: Direction;
  /** Only the connection's end is known (a step about its reset or close): no connect row. */
  endOnly?: boolean;
}

/** Who sent a flow's first FIN, from its history (upper case letters are the client's). */
function firstFinBy(history: string): Direction | undefined {
  for (let i = 0; i < history.length; i++) {
    if (history[i] === 'F') return 'c2s';
    if (history[i] === 'f') return 's2c';
  }
  return undefined;
}

/** A row's time from the diagram's origin, signed: "+0.152s", or "-0.003s" for a connection opened before it. */
export function offsetText(t: number, origin: number, digits = 3): string {
  const d = t - origin;
  return `${d < 0 ? '-' : '+'}${Math.abs(d).toFixed(digits)}s`;
}

/** A message summary cut to its name and key fields: invoke ids, message ids and reply times go. */
export function messageLabel(m: Pick<DecodedMessage, 'summary' | 'type'>, maxLabel = 96): string {
  let s = (m.summary || m.type)
    .replace(/\s+(invoke|id)=(0x)?[0-9a-f]+\b/gi, '')
    .replace(/\s+\((?:[^()]*,\s*)?(?:<?[\d.]+ (?:ms|s|µs))\)\s*$/u, (all) => (/,/.test(all) ? all.replace(/,\s*<?[\d.]+ (?:ms|s|µs)\)/u, ')') : ''))
    .replace(/\bop=/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (s.length > maxLabel) s = `${s.slice(0, maxLabel - 1)}…`;
  return s;
}

/** Connection states (Zeek's) in which the server never sent a SYN-ACK. */
const UNANSWERED_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'SH']);
/** Who reset an answered connection, by its state (its last frame is the RST). */
const RESET_BY: Partial<Record<string, Direction>> = { RSTO: 'c2s', RSTR: 's2c', RSTRH: 's2c' };
/**
 * Who closed a connection nobody answered the close of, by its state (its last frame is the FIN). SF (closed both
 * ways) does not say who began, so without the flow's history no close is drawn for it.
 */
const CLOSED_BY: Partial<Record<string, Direction>> = { S2: 'c2s', S3: 's2c' };

/** What the diagram takes of a flow record: its connection's rows, and whether it is the subject's (isSubjectFlow). */
export type SequenceFlow = Pick<
  FlowRecord,
  'transport' | 'id' | 'server' | 'client' | 'clientIp' | 'start' | 'end' | 'state' | 'history' | 'syns' | 'synSpan' | 'synFrames' | 'synAckFrame' | 'rstFrame' | 'rstBy' | 'finFrames'
>;

/** A TCP flow record cut to what the diagram takes (the page keeps these per host, src/message-store.ts). */
export function sequenceFlowOf(f: FlowRecord): SequenceFlow {
  const out: SequenceFlow = {
    transport: f.transport,
    id: f.id,
    server: f.server,
    client: f.client,
    clientIp: f.clientIp,
    start: f.start,
    end: f.end,
    state: f.state,
    history: f.history,
    syns: f.syns,
    synSpan: f.synSpan,
    synFrames: f.synFrames,
    finFrames: f.finFrames,
  };
  if (f.synAckFrame !== undefined) out.synAckFrame = f.synAckFrame;
  if (f.rstFrame !== undefined) out.rstFrame = f.rstFrame;
  if (f.rstBy !== undefined) out.rstBy = f.rstBy;
  return out;
}

/**
 * The subject's sequence diagram. Without `flows` (a page given an analysis JSON, a live capture), the connection
 * rows come from the steps: only connections that carried no message, and no close both sides agreed on.
 */
export function buildSequence(subject: SequenceSubject, messages: readonly DecodedMessage[], flows?: readonly SequenceFlow[], opts: SequenceOptions = {}): SequenceDiagram {
  const idleAfter = opts.idleAfter ?? 5;
  const foldAt = opts.foldHeartbeats ?? 4;
  const maxLabel = opts.maxLabel ?? 96;
  const keys = subjectFlowKeys(subject);
  const stepByServer = new Map<string, Step>();
  for (const s of subject.steps) if (!stepByServer.has(s.server)) stepByServer.set(s.server, s);

  // Parties: the subject's hosts first, then servers in order of first appearance.
  const parties: SequenceParty[] = [];
  const partyIndex = new Map<string, number>();
  const party = (address: string, side: SequenceParty['side'], role: string): number => {
    let i = partyIndex.get(address);
    if (i === undefined) {
      i = parties.length;
      parties.push({ id: `P${i}`, role, address, side });
      partyIndex.set(address, i);
    }
    return i;
  };
  const subjectRole = subject.kind === 'workstation' ? 'desktop' : 'CTI client';
  const roleOfHost = (h: string): string => (h === subject.desktop ? 'desktop' : subject.previousDesktops?.includes(h) ? 'earlier desktop' : subjectRole);
  for (const h of subject.hosts) party(h, 'subject', roleOfHost(h));
  const serverParty = (server: string, protocol?: string): number => {
    const step = stepByServer.get(server);
    return party(server, 'server', serviceRole(step?.service ?? '', step?.protocol ?? protocol, server));
  };
  const clientParty = (client: string): number => party(hostOf(client), 'subject', roleOfHost(hostOf(client)));

  /** A row before folding, with what folding and party placement need. */
  interface Raw extends SequenceRow {
    order: number;
    server: string;
    heartbeat: boolean;
    request: boolean;
  }
  const raw: Raw[] = [];
  let order = 0;
  const own: { m: DecodedMessage; index: number }[] = [];
  // An agent's flows are often a session shared with every other agent: only its own exchanges are drawn.
  const agentOwns = subject.kind === 'agent' ? agentMessageFilter(subject) : undefined;
  messages.forEach((m, index) => {
    if (isSubjectMessage(subject, keys, m) && (!agentOwns || agentOwns(m))) own.push({ m, index });
  });
  // Parties in order of first appearance in time.
  const firstUse: { time: number; server: string; protocol: string }[] = [];
  const stepOfFrame = new Map<number, Step>();
  for (const s of subject.steps) for (const f of s.frames) if (!stepOfFrame.has(f)) stepOfFrame.set(f, s);

  for (const { m, index } of own) {
    firstUse.push({ time: m.time, server: m.server, protocol: m.protocol });
    const c = clientParty(m.client);
    raw.push({
      kind: 'message',
      time: m.time,
      from: m.direction === 'c2s' ? c : -1,
      to: m.direction === 'c2s' ? -1 : c,
      label: messageLabel(m, maxLabel),
      frames: [m.frame],
      failed: false,
      findings: [],
      step: stepOfFrame.get(m.frame)?.id ?? null,
      message: index,
      order: order++,
      // The server's party (-1 until then) is resolved below, once every server's first use is known.
      server: m.server,
      heartbeat: HEARTBEAT.test(m.type),
      request: m.direction === 'c2s',
    });
  }

  const connectionRows = (c: Connection): void => {
    const { server, client, start: at, end, state, syns, synSpan, synFrames, answered, rstFrame, rstBy, finFrames, finBy, endOnly } = c;
    firstUse.push({ time: at, server, protocol: '' });
    // A fresh findings list per row: rows must not share one.
    const base = (): Pick<Raw, 'failed' | 'findings' | 'step' | 'server' | 'heartbeat' | 'request'> => ({ failed: false, findings: [], step: null, server, heartbeat: false, request: false });
    if (answered && !endOnly) {
      raw.push({ ...base(), kind: 'connect', time: at, from: clientParty(client), to: -1, label: 'TCP connect', frames: synFrames.slice(0, 1), order: order++ });
    } else if (!answered && syns > 0) {
      const refused = state === 'REJ' || rstFrame !== undefined;
      const label = syns > 1 ? `SYN ×${syns} over ${formatDuration(synSpan)}${refused ? '' : ': no answer'}` : refused ? 'SYN' : 'SYN: no answer';
      raw.push({ ...base(), kind: 'syn', time: at, from: clientParty(client), to: -1, label, frames: synFrames, order: order++ });
    }
    // The connection's end, at the flow's last packet, as an arrow from the side that ended it.
    const endRow = (kind: 'rst' | 'fin', fromServer: boolean, label: string, frames: number[]): void => {
      const c = clientParty(client);
      raw.push({ ...base(), kind, time: end, from: fromServer ? -1 : c, to: fromServer ? c : -1, label, frames, order: order++ });
    };
    const ender = (fromServer: boolean): string => (fromServer ? 'the server' : `the ${roleOfHost(hostOf(client))}`);
    if (rstFrame !== undefined || state === 'REJ') {
      const fromServer = rstBy !== 'c2s';
      endRow('rst', fromServer, !answered ? 'RST: connection refused' : `RST: reset by ${ender(fromServer)}`, rstFrame !== undefined ? [rstFrame] : []);
    } else if (finBy !== undefined) {
      // A clean close (the last FIN or its ACK): a trainer sees which side ended the session.
      endRow('fin', finBy === 's2c', `FIN: closed by ${ender(finBy === 's2c')}`, finFrames.slice(0, 2));
    }
  };

  if (flows) {
    for (const f of flows) {
      if (f.transport !== 'tcp' || !isSubjectFlow(subject, keys, f)) continue;
      connectionRows({ ...f, answered: f.synAckFrame !== undefined, finBy: firstFinBy(f.history) });
    }
  } else {
    // Without flow records, the steps about connections that never carried a message say what happened.
    for (const s of subject.steps) {
      const st = s.detail?.connState;
      if (!st || (s.detail?.messages ?? 0) > 0) continue;
      const client = subject.hosts[0] ?? 'client';
      const refused = st === 'REJ';
      // The SYN-ACK came (Zeek's states): a connection that was answered, then reset or left silent, is no
      // unanswered SYN; one picked up mid-stream (no SYN in the step) gets no connect row at all.
      const answered = !UNANSWERED_STATES.has(st);
      const syns = s.detail?.syns ?? (answered ? 0 : 1);
      const synFrames = refused ? s.frames.filter((_, i) => i % 2 === 0) : answered ? s.frames.slice(0, syns > 0 ? 1 : 0) : s.frames;
      const resetBy = refused ? 's2c' : RESET_BY[st];
      // A failed step about an answered connection's end is the end alone (its frame the RST or the server's FIN):
      // no connect row at that moment. The only failure an SF or S3 connection has is the server's close.
      const closedByServer = !s.ok && (st === 'SF' || st === 'S3');
      const ending = !s.ok && answered && (resetBy !== undefined || closedByServer);
      const closedBy = closedByServer ? 's2c' : CLOSED_BY[st];
      const attempts = s.detail?.count ?? 1;
      if (refused && attempts > 1 && syns === attempts && s.frames.length === 2 * attempts) {
        // Several refused connects folded into one step, one SYN and its RST each: a SYN and an RST row per attempt,
        // as the flows would give them (the step keeps only the first and last time: the others are spread between).
        for (let i = 0; i < attempts; i++) {
          const at = s.start + ((s.end - s.start) * i) / (attempts - 1);
          connectionRows({ server: s.server, client, start: at, end: at, state: st, syns: 1, synSpan: 0, synFrames: [s.frames[2 * i]], answered: false, rstFrame: s.frames[2 * i + 1], rstBy: 's2c', finFrames: [] });
        }
        continue;
      }
      connectionRows({
        server: s.server,
        client,
        start: s.start,
        end: s.end,
        state: st,
        syns: answered ? 0 : syns,
        synSpan: s.detail?.synSpan ?? 0,
        synFrames,
        answered: answered && syns > 0,
        endOnly: ending,
        rstFrame: resetBy !== undefined ? s.frames[s.frames.length - 1] : undefined,
        rstBy: resetBy,
        finFrames: closedBy !== undefined ? s.frames.slice(-1) : [],
        finBy: closedBy,
      });
    }
  }

  for (const r of raw) if (r.kind !== 'message' && r.frames.length) r.step = stepOfFrame.get(r.frames[0])?.id ?? null;
  // Servers get their lifelines in order of first appearance.
  firstUse.sort((a, b) => a.time - b.time);
  for (const u of firstUse) serverParty(u.server, u.protocol || undefined);
  for (const r of raw) {
    const p = serverParty(r.server);
    if (r.from === -1) r.from = p;
    if (r.to === -1) r.to = p;
  }
  raw.sort((a, b) => a.time - b.time || a.order - b.order);

  // Failures: rows whose frames a finding cites; each finding is written under the first such row.
  const errorFindings = subject.findings.filter((f) => f.severity !== 'info');
  const placed = new Set<Finding>();
  const failedSteps = new Set(subject.steps.filter((s) => !s.ok).map((s) => s.id));
  for (const r of raw) {
    for (const f of errorFindings) {
      if (!f.frames.some((fr) => r.frames.includes(fr))) continue;
      if (f.severity === 'error') r.failed = true;
      if (!placed.has(f)) {
        placed.add(f);
        r.findings.push({ kind: f.kind, severity: f.severity, message: f.message });
      }
    }
    if (r.step && failedSteps.has(r.step) && r.kind !== 'connect' && !r.heartbeat) {
      // Only the reply (or the unanswered request) of a failed step is red, not every message of it.
      const step = subject.steps.find((s) => s.id === r.step)!;
      if (step.frames[step.frames.length - 1] === r.frames[0] || r.findings.length > 0) r.failed = true;
    }
  }

  // Fold runs of heartbeats (not cited by a finding) and mark idle stretches.
  const rows: SequenceRow[] = [];
  const strip = (r: Raw): SequenceRow => {
    const row: SequenceRow = { kind: r.kind, time: r.time, from: r.from, to: r.to, label: r.label, frames: r.frames, failed: r.failed, findings: r.findings, step: r.step };
    if (r.message !== undefined) row.message = r.message;
    return row;
  };
  const isBeat = (r: Raw): boolean => r.kind === 'message' && r.heartbeat && r.findings.length === 0 && !r.failed;
  let lastTime: number | null = null;
  const pushIdle = (from: number, to: number): void => {
    if (lastTime !== null && to - from > idleAfter) {
      rows.push({ kind: 'idle', time: from, end: to, from: 0, to: 0, label: `${formatDuration(to - from)} without a message`, frames: [], failed: false, findings: [], step: null });
    }
  };
  for (let i = 0; i < raw.length; ) {
    const r = raw[i];
    if (isBeat(r)) {
      // One run is one pair of parties: two desktops' sessions heartbeating in turn are two runs, not one.
      const lane = (x: Raw): string => `${Math.min(x.from, x.to)}-${Math.max(x.from, x.to)}`;
      let j = i;
      while (j < raw.length && isBeat(raw[j]) && lane(raw[j]) === lane(r)) j++;
      if (j - i >= foldAt) {
        const run = raw.slice(i, j);
        const requests = run.filter((x) => x.request);
        // Pairing marks the reply (the request does not know its answer): count the replies.
        const unanswered = Math.max(0, requests.length - (run.length - requests.length));
        const span = run[run.length - 1].time - run[0].time;
        const every = requests.length > 1 ? (requests[requests.length - 1].time - requests[0].time) / (requests.length - 1) : 0;
        const name = run[0].label.split(' ')[0].replace(/_(REQ|CONF)$/, '');
        if (lastTime !== null) pushIdle(lastTime, run[0].time);
        const a = Math.min(run[0].from, run[0].to);
        const b = Math.max(run[0].from, run[0].to);
        rows.push({
          kind: 'heartbeats',
          time: run[0].time,
          end: run[run.length - 1].time,
          from: a,
          to: b,
          label: `${name} ×${requests.length}${every > 0 ? ` every ${formatDuration(every)}` : ''}, ${unanswered === 0 ? 'all answered' : `${unanswered} unanswered`} (${run.length} messages over ${formatDuration(span)})`,
          frames: [run[0].frames[0], run[run.length - 1].frames[0]],
          failed: false,
          findings: [],
          step: run[0].step,
          count: run.length,
          message: run[0].message,
        });
        lastTime = run[run.length - 1].time;
        i = j;
        continue;
      }
    }
    if (lastTime !== null) pushIdle(lastTime, r.time);
    rows.push(strip(r));
    lastTime = r.time;
    i++;
  }

  // Findings that cite no drawn frame still belong in the picture: a note at their step's time, or at the time of
  // the login attempt they cite (a CTI OS desktop's refusal is on the CTI OS server's session, in none of the
  // desktop's flows), else at the start.
  for (const f of errorFindings) {
    if (placed.has(f)) continue;
    const step = subject.steps.find((s) => s.id === f.step);
    const attempt = step ? undefined : subject.attempts.find((a) => a.frames.some((fr) => f.frames.includes(fr)));
    const time = step?.start ?? attempt?.time ?? subject.start;
    const p = step ? (partyIndex.get(step.server) ?? 0) : 0;
    const note: SequenceRow = { kind: 'note', time, from: 0, to: p, label: `${f.kind}`, frames: f.frames, failed: f.severity === 'error', findings: [{ kind: f.kind, severity: f.severity, message: f.message }], step: f.step };
    let at = rows.findIndex((r) => r.time > time);
    if (at < 0) at = rows.length;
    rows.splice(at, 0, note);
  }

  // Time zero is what every caller has: the subject's first step or own message. A connection's SYN before them is
  // known from flow records only (a page given an analysis JSON has none): starting there put such a page's times
  // a handshake (about 2 ms) behind the CLI's. Such a row reads as before zero ("-0.003s").
  const origin = own.reduce((t, { m }) => Math.min(t, m.time), subject.start);
  return { title: subject.title, origin, ...withoutIdleParties(parties, rows), messages: own.length };
}

/**
 * Leaves out the lifelines no message touches (an agent's desktop whose own traffic the capture does not hold drew
 * an empty line), renumbering the rest in order; idle stretches and notes about no drawn server go over the first.
 */
function withoutIdleParties(parties: SequenceParty[], rows: SequenceRow[]): { parties: SequenceParty[]; rows: SequenceRow[] } {
  const used = new Set<number>();
  for (const r of rows) if (r.kind !== 'idle' && r.kind !== 'note') used.add(r.from).add(r.to);
  for (const r of rows) if (r.kind === 'note' && r.to !== 0) used.add(r.to);
  if (used.size === 0 || used.size === parties.length) return { parties, rows };
  const index = new Map<number, number>();
  const kept: SequenceParty[] = [];
  parties.forEach((p, i) => {
    if (!used.has(i)) return;
    index.set(i, kept.length);
    kept.push({ ...p, id: `P${kept.length}` });
  });
  return { parties: kept, rows: rows.map((r) => ({ ...r, from: index.get(r.from) ?? 0, to: index.get(r.to) ?? 0 })) };
}
