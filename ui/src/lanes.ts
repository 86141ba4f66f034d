/**
 * Swimlanes of a timeline: one per server and service (LDAP directory, licensing, CTI, each desktop service,
 * DNS, phone…), in the order of the login phases; an agent's timeline adds its CTI client's and its desktop's.
 */

import { defaultServiceLabel, type Phase } from '../../src/decoders/profile.js';
import { PHASE_ORDER, type Finding, type Step } from '../../src/timeline/model.js';
import type { StoredMessage } from './message-store.js';

export interface Lane {
  key: string;
  /** The lane group (./subjects.ts): the subject's own steps, its CTI client's or its desktop's. */
  group: string;
  service: string;
  server: string;
  label: string;
  phase: Phase;
  index: number;
}

/** What lanes are made of: groups of steps, each with a label prefix. */
export interface LaneSource {
  id: string;
  prefix: string;
  steps: readonly Step[];
  allMessages: boolean;
}

/** The profile's label of a service, on its server's port when given ("ip:port"). */
export function serviceLabel(service: string, server?: string): string {
  return defaultServiceLabel(service, server) ?? service.replace(/-/g, ' ');
}

export const laneKey = (service: string, server: string, group = 'own'): string => `${group}\u0000${service}\u0000${server}`;

const phaseRank = (p: Phase): number => {
  const i = PHASE_ORDER.indexOf(p);
  return i < 0 ? PHASE_ORDER.length : i;
};

/**
 * Lanes of a timeline: per group (in the groups' order), one per service and server its steps talk to, in
 * the order of the login phases. Messages to servers without a step get a lane in the first group that takes
 * every message (the ladder shows them).
 */
export function buildLanes(groups: readonly LaneSource[], messages: readonly StoredMessage[] = []): Lane[] {
  const lanes: Lane[] = [];
  for (const g of groups) {
    const byKey = new Map<string, { service: string; server: string; phase: Phase; first: number }>();
    for (const s of g.steps) {
      const key = laneKey(s.service, s.server, g.id);
      const known = byKey.get(key);
      if (!known) byKey.set(key, { service: s.service, server: s.server, phase: s.phase, first: s.start });
      else if (s.start < known.first) known.first = s.start;
    }
    if (g.allMessages && g === groups.find((x) => x.allMessages)) {
      const servers = new Set(groups.flatMap((x) => x.steps.map((s) => s.server)));
      for (const m of messages) {
        if (servers.has(m.server)) continue;
        servers.add(m.server);
        byKey.set(laneKey(m.protocol, m.server, g.id), { service: m.protocol, server: m.server, phase: 'other', first: m.time });
      }
    }
    const ordered = [...byKey.entries()].sort(([, a], [, b]) => phaseRank(a.phase) - phaseRank(b.phase) || a.first - b.first || a.server.localeCompare(b.server));
    // Another subject's lanes are named by it ("CTI client CTIOSServer"), and by service too when it has several.
    const services = new Set(ordered.map(([, l]) => l.service)).size;
    for (const [key, l] of ordered) {
      const label = g.prefix ? (services > 1 ? `${g.prefix} · ${serviceLabel(l.service, l.server)}` : g.prefix) : serviceLabel(l.service, l.server);
      lanes.push({ key, group: g.id, service: l.service, server: l.server, label, phase: l.phase, index: lanes.length });
    }
  }
  return lanes;
}

/**
 * The lane a message belongs to: the lane of the step that holds it (the groups in order), else, in a group
 * that takes every message, the first lane of its server. A message of another agent on a shared CTI session
 * is in none of the view's steps and is not drawn.
 */
export function laneOfMessage(lanes: readonly Lane[], groups: readonly LaneSource[], m: StoredMessage): Lane | undefined {
  for (const g of groups) {
    for (const s of g.steps) {
      if (s.server !== m.server || !stepHolds(s, m, !g.allMessages)) continue;
      const lane = lanes.find((l) => l.group === g.id && l.server === s.server && l.service === s.service);
      if (lane) return lane;
    }
  }
  for (const g of groups) {
    if (!g.allMessages) continue;
    const lane = lanes.find((l) => l.group === g.id && l.server === m.server);
    if (lane) return lane;
  }
  return undefined;
}

/**
 * The step carries the message: one of its frames, or its flow within its time span. With `framesOnly` (steps
 * of one agent on a session that carries others', whose requests interleave) only its frames count.
 */
export function stepHolds(step: Step, m: StoredMessage, framesOnly = false): boolean {
  if (m.server !== step.server) return false;
  if (step.frames.includes(m.frame)) return true;
  if (framesOnly) return false;
  const flowId = step.detail?.flowId;
  if (flowId !== undefined && m.flowId !== flowId) return false;
  return m.time >= step.start - 1e-6 && m.time <= step.end + 1e-6;
}

/** When a finding happened: the end of a failed step (the failure shows where it ended), else its start. */
export function findingTime(subject: { steps: readonly Step[]; end: number }, f: Finding, stepById: Map<string, Step>): number {
  const step = f.step ? stepById.get(f.step) : undefined;
  if (step) return step.ok ? step.start : step.end;
  if (f.frames.length) {
    const frame = f.frames[0];
    const holder = subject.steps.find((s) => s.frames.includes(frame));
    if (holder) return holder.start;
  }
  if (f.server) {
    const last = subject.steps.filter((s) => s.server === f.server).at(-1);
    if (last) return last.end;
  }
  return subject.end;
}

export const PHASE_LABELS: Record<Phase, string> = {
  dns: 'name lookup',
  config: 'config download',
  licensing: 'licensing',
  'cti-session': 'CTI session',
  login: 'agent login',
  services: 'desktop services',
  phone: 'phone',
  other: 'other',
};
