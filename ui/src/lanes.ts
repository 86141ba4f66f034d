/**
 * Swimlanes of a workstation's timeline: one per server and service (LDAP directory, licensing, CTI, each
 * desktop service, DNS, phone…), in the order of the login phases.
 */

import { DEFAULT_PROFILES, type Phase } from '../../src/decoders/profile.js';
import { PHASE_ORDER, type Finding, type Step, type Workstation } from '../../src/timeline/model.js';
import type { StoredMessage } from './message-store.js';

export interface Lane {
  key: string;
  service: string;
  server: string;
  label: string;
  phase: Phase;
  index: number;
}

const SERVICE_LABELS = new Map<string, string>();
for (const profile of DEFAULT_PROFILES) for (const s of profile.services) if (!SERVICE_LABELS.has(s.service)) SERVICE_LABELS.set(s.service, s.label);

export function serviceLabel(service: string): string {
  return SERVICE_LABELS.get(service) ?? service.replace(/-/g, ' ');
}

export const laneKey = (service: string, server: string): string => `${service}\u0000${server}`;

export function buildLanes(ws: Workstation, messages: readonly StoredMessage[] = []): Lane[] {
  const byKey = new Map<string, { service: string; server: string; phase: Phase; first: number }>();
  for (const s of ws.steps) {
    const key = laneKey(s.service, s.server);
    const known = byKey.get(key);
    if (!known) byKey.set(key, { service: s.service, server: s.server, phase: s.phase, first: s.start });
    else if (s.start < known.first) known.first = s.start;
  }
  // Messages to servers without a step still get a lane (the ladder shows them).
  const servers = new Set([...byKey.values()].map((l) => l.server));
  for (const m of messages) {
    if (servers.has(m.server)) continue;
    servers.add(m.server);
    byKey.set(laneKey(m.protocol, m.server), { service: m.protocol, server: m.server, phase: 'other', first: m.time });
  }
  const phaseRank = (p: Phase): number => {
    const i = PHASE_ORDER.indexOf(p);
    return i < 0 ? PHASE_ORDER.length : i;
  };
  return [...byKey.entries()]
    .sort(([, a], [, b]) => phaseRank(a.phase) - phaseRank(b.phase) || a.first - b.first || a.server.localeCompare(b.server))
    .map(([key, l], index) => ({ key, service: l.service, server: l.server, label: serviceLabel(l.service), phase: l.phase, index }));
}

/** The lane a message belongs to: the one of its server (first match). */
export function laneOfMessage(lanes: readonly Lane[], m: StoredMessage): Lane | undefined {
  return lanes.find((l) => l.server === m.server);
}

/** When a finding happened: the end of a failed step (the failure shows where it ended), else its start. */
export function findingTime(ws: Workstation, f: Finding, stepById: Map<string, Step>): number {
  const step = f.step ? stepById.get(f.step) : undefined;
  if (step) return step.ok ? step.start : step.end;
  if (f.frames.length) {
    const frame = f.frames[0];
    const holder = ws.steps.find((s) => s.frames.includes(frame));
    if (holder) return holder.start;
  }
  if (f.server) {
    const last = ws.steps.filter((s) => s.server === f.server).at(-1);
    if (last) return last.end;
  }
  return ws.end;
}

export interface PhaseBand {
  phase: Phase;
  start: number;
  end: number;
}

/**
 * Phase bands for the top of the timeline, left to right: each start-up phase runs from its first step to the
 * first step of the next phase (the last one to its last step's end), so long-lived steps such as heartbeats
 * do not make every band span the whole capture.
 */
export function phaseBands(ws: Workstation): PhaseBand[] {
  const firstStart = new Map<Phase, number>();
  const lastEnd = new Map<Phase, number>();
  for (const s of ws.steps) {
    if (s.phase === 'other' || s.phase === 'phone') continue;
    firstStart.set(s.phase, Math.min(firstStart.get(s.phase) ?? Infinity, s.start));
    lastEnd.set(s.phase, Math.max(lastEnd.get(s.phase) ?? -Infinity, s.end));
  }
  const ordered = [...firstStart.entries()].sort((a, b) => a[1] - b[1]);
  return ordered.map(([phase, start], i) => ({
    phase,
    start,
    end: i + 1 < ordered.length ? Math.max(start, ordered[i + 1][1]) : Math.max(start, lastEnd.get(phase) ?? start),
  }));
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
