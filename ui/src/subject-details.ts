/**
 * The details pane with nothing on the timeline selected: the subject at a glance. A workstation's facts; an
 * agent's login attempts (by which CTI client, on which instrument, with what result) and the tie to its
 * desktop with its basis and evidence; a CTI client's sessions, services, version and peripheral state. The
 * findings are listed, each opening on the timeline.
 *
 * Built with createElement/textContent only: packet strings never become markup.
 */

import { formatDuration, otherStartupsText } from '../../src/timeline/format.js';
import { sessionEndText } from '../../src/decoders/net/conn-states.js';
import type { Agent, CtiClient, Finding, LoginAttempt, Step, Workstation } from '../../src/timeline/model.js';
import { el, fill, findingSentence, formatClock, keyValues, type Child } from './details.js';
import { PHASE_LABELS } from './lanes.js';
import { outcomeBadge } from './outcome.js';
import { viaText, type SubjectRef } from './subjects.js';

export interface OverviewActions {
  openFinding(finding: Finding, index: number): void;
  /** A step of the subject's own lanes. */
  openStep(step: Step): void;
  openSubject(ref: SubjectRef): void;
}

function findingList(findings: readonly Finding[], actions: OverviewActions): Node[] {
  if (!findings.length) return [];
  const out: Node[] = [el('h4', { text: 'Findings' })];
  findings.forEach((f, index) => {
    const p = findingSentence(f);
    p.tabIndex = 0;
    p.style.cursor = 'pointer';
    p.dataset.findingKind = f.kind;
    p.addEventListener('click', () => actions.openFinding(f, index));
    p.addEventListener('keydown', (e) => e.key === 'Enter' && actions.openFinding(f, index));
    out.push(p);
  });
  return out;
}

function linkButton(text: string, title: string, onClick: () => void, cls = 'link-step'): HTMLButtonElement {
  const b = el('button', { text, title });
  b.type = 'button';
  b.className = cls;
  b.addEventListener('click', onClick);
  return b;
}

const hint = (): HTMLParagraphElement => el('p', { class: 'muted', text: 'Click a step, a message or a finding on the timeline for its details.' });

/** A workstation's facts; `agents`: those tied to it (its own CAD login, or logins a CTI OS server made for it). */
export function renderWorkstationOverview(pane: HTMLElement, ws: Workstation, agents: readonly { ref: SubjectRef; agent: Agent }[], actions: OverviewActions): void {
  const agentItems = agents.map(({ ref, agent }) =>
    el(
      'li',
      {},
      linkButton(`agent ${agent.id ?? agent.instrument ?? '?'}`, 'Open this agent', () => actions.openSubject(ref), 'link-step agent-link'),
      outcomeBadge(document, agent.outcome),
      el('span', { class: 'muted', text: ` via ${viaText(agent)}${agent.desktopLink ? `, linked by ${agent.desktopLink.basis}` : ''}` }),
    ),
  );
  fill(
    pane,
    el('h3', { text: `Workstation ${ws.host}` }),
    keyValues([
      ['names', ws.names.join(', ')],
      ['desktop', ws.desktop],
      ['agent ID', ws.agent.id ?? '–'],
      ['extension', ws.agent.extension ?? '–'],
      ['outcome', ws.outcome],
      ['failed phase', ws.failedPhase ? PHASE_LABELS[ws.failedPhase] : ''],
      ['login duration', ws.loginSeconds !== null ? formatDuration(ws.loginSeconds) : ''],
      ['start-ups', ws.startup ? `${ws.startup.count}: this outcome is start-up ${ws.startup.index}'s; ${otherStartupsText(ws.startup)}` : ''],
      ['first packet', formatClock(ws.start)],
      ['steps', String(ws.steps.length)],
    ]),
    agentItems.length ? el('h4', { text: 'Agent' }) : null,
    agentItems.length ? el('ul', { class: 'client-agents' }, ...agentItems) : null,
    ...findingList(ws.findings, actions),
    hint(),
  );
}

/** One item per attempt: number (opens its step), time, outcome and code, then who asked, on which instrument. */
function attemptList(attempts: readonly LoginAttempt[], steps: readonly Step[], actions: OverviewActions): HTMLOListElement {
  const list = el('ol', { class: 'attempts' });
  attempts.forEach((a, i) => {
    const step = a.step ? steps.find((s) => s.id === a.step) : undefined;
    const number: Child = step ? linkButton(`#${i + 1}`, 'Show this attempt on the timeline', () => actions.openStep(step)) : el('span', { text: `#${i + 1}` });
    const code = a.code !== null ? el('span', { class: 'mono attempt-code', text: `${a.code}${a.codeName ? ` ${a.codeName}` : ''}` }) : null;
    const by = a.clientId || a.client ? `by ${a.clientId ?? '?'}${a.client ? ` @ ${a.client}` : ''} → ${a.server}` : `to ${a.server}`;
    const li = el(
      'li',
      { class: 'attempt', title: `frames ${a.frames.join(', ')}` },
      el('div', { class: 'attempt-line' }, number, el('span', { class: 'mono', text: formatClock(a.time).slice(11, 26) }), outcomeBadge(document, a.outcome), code),
      el('div', { class: 'attempt-by mono', text: `${by}${a.instrument ? ` · instrument ${a.instrument}` : ''}` }),
    );
    li.dataset.outcome = a.outcome;
    list.append(li);
  });
  return list;
}

export function renderAgentOverview(pane: HTMLElement, a: Agent, actions: OverviewActions): void {
  const via: Child = a.via
    ? (() => {
        const span = el('span', { class: 'mono', text: `${viaText(a)} (${a.via.client}) → ${a.via.server}` });
        return span;
      })()
    : '–';
  const desktop: Child = a.desktop
    ? linkButton(a.desktop, 'Open this desktop', () => actions.openSubject({ kind: 'workstation', key: a.desktop! }), 'link-step desktop-link')
    : 'not seen in this capture';
  const link = a.desktopLink
    ? el('div', { class: 'desktop-link-box' }, el('p', { class: 'link-basis', text: `linked by ${a.desktopLink.basis}` }), el('p', { class: 'sentence ok link-evidence', text: a.desktopLink.evidence }))
    : null;
  fill(
    pane,
    el('h3', { text: `Agent ${a.id ?? '–'}` }),
    keyValues([
      ['agent ID', a.id ?? '–'],
      ['extension', a.extension ?? '–'],
      ['instrument', a.instrument ?? '–'],
      ['peripheral', a.peripheralId !== null ? String(a.peripheralId) : ''],
      ['via', via],
      ['outcome', a.outcome],
      ['failed phase', a.failedPhase ? PHASE_LABELS[a.failedPhase] : ''],
      ['state', a.state ?? ''],
      ['desktop', desktop],
      ['desktop before', a.previousDesktops?.length ? el('span', {}, ...a.previousDesktops.map((h) => linkButton(h, 'Open this desktop', () => actions.openSubject({ kind: 'workstation', key: h }), 'link-step desktop-link'))) : ''],
      ['first seen', formatClock(a.start)],
      ['steps', String(a.steps.length)],
    ]),
    el('h4', { text: 'Desktop link' }),
    link ?? el('p', { class: 'muted desktop-link-none', text: a.desktop ? 'linked, basis not given' : 'No desktop tied to this agent: the capture gives no evidence (tag 217, timing or its own session).' }),
    el('h4', { text: `Login attempts (${a.attempts.length})` }),
    a.attempts.length ? attemptList(a.attempts, a.steps, actions) : el('p', { class: 'muted', text: 'No SET_AGENT_STATE_REQ LOGIN seen for this agent.' }),
    ...findingList(a.findings, actions),
    hint(),
  );
}

/** A CTI client's sessions and the agents it spoke for (each opens the agent). */
export function renderCtiClientOverview(pane: HTMLElement, c: CtiClient, agents: readonly { ref: SubjectRef; agent: Agent }[], actions: OverviewActions): void {
  const sessions = el('ol', { class: 'sessions' });
  for (const s of c.sessions) {
    const opened = s.opened === null ? 'open not seen' : s.opened ? 'opened' : 'open refused';
    const li = el(
      'li',
      { class: 'session' },
      el('div', { class: 'mono session-ends', text: `${s.client} → ${s.server}` }),
      el('div', { class: 'session-facts', text: [opened, formatClock(s.start).slice(11, 23), s.end !== null ? `for ${formatDuration(s.end - s.start)}` : 'still open', s.endState ? sessionEndText(s.endState) : ''].filter(Boolean).join(' · ') }),
    );
    li.dataset.opened = String(s.opened);
    sessions.append(li);
  }
  const agentList = el('ul', { class: 'client-agents' });
  for (const { ref, agent } of agents) {
    const li = el('li', {}, linkButton(agent.id ?? agent.instrument ?? '?', 'Open this agent', () => actions.openSubject(ref), 'link-step agent-link'), outcomeBadge(document, agent.outcome), agent.failure ? el('span', { class: 'muted', text: ` ${agent.attempts.at(-1)?.code ?? ''}` }) : null);
    agentList.append(li);
  }
  const services = (list: readonly string[]): string => (list.length ? list.join(', ') : '–');
  fill(
    pane,
    el('h3', { text: `CTI client ${c.clientId ?? c.host}` }),
    keyValues([
      ['host', c.host],
      ['names', c.names.join(', ')],
      ['ClientID', c.clientId ?? '–'],
      ['protocol version', c.version !== null ? String(c.version) : '–'],
      ['services requested', services(c.services.requested)],
      ['services granted', services(c.services.granted)],
      ['peripheral', c.peripheralId !== null ? String(c.peripheralId) : '–'],
      ['peripheral online', c.peripheralOnline === null ? 'not reported' : c.peripheralOnline ? 'yes' : 'no'],
      ['servers', c.servers.join(', ') || '–'],
      ['agents', String(c.agents)],
      ['outcome', c.outcome],
      ['first packet', formatClock(c.start)],
      ['steps', String(c.steps.length)],
    ]),
    el('h4', { text: `Sessions (${c.sessions.length})` }),
    c.sessions.length ? sessions : el('p', { class: 'muted', text: 'No session seen.' }),
    ...findingList(c.findings, actions),
    agents.length ? el('h4', { text: `Agents it spoke for (${agents.length})` }) : null,
    agents.length ? agentList : null,
    hint(),
  );
}
