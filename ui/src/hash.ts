/**
 * Deep links: the selected subject (a workstation `ws=IP`, an agent `agent=PERIPHERAL/ID` or a CTI client
 * `cti=HOST/CLIENTID`), the zoom window and the view live in the URL hash, so a link or a bookmark reopens the
 * same picture (once the same capture is loaded).
 */

import type { SubjectKind, SubjectRef } from './subjects.js';

export interface LinkState {
  /** Selected workstation (its address). At most one of ws, agent and cti is set. */
  ws: string | null;
  /** Selected agent (its key, ./subjects.ts agentKey). */
  agent?: string | null;
  /** Selected CTI client (its key, ./subjects.ts ctiClientKey). */
  cti?: string | null;
  /** Visible time window, epoch seconds. */
  window: [number, number] | null;
  view: 'timeline' | 'summary';
  ladder: boolean;
  compress: boolean;
}

export const DEFAULT_LINK_STATE: LinkState = { ws: null, agent: null, cti: null, window: null, view: 'timeline', ladder: false, compress: true };

const PARAM: Record<SubjectKind, 'ws' | 'agent' | 'cti'> = { workstation: 'ws', agent: 'agent', 'cti-client': 'cti' };

/** The subject the link selects, if any. */
export function linkedSubject(s: LinkState): SubjectRef | null {
  if (s.agent) return { kind: 'agent', key: s.agent };
  if (s.cti) return { kind: 'cti-client', key: s.cti };
  if (s.ws) return { kind: 'workstation', key: s.ws };
  return null;
}

/** Selects `ref` (or nothing) in the link. */
export function linkSubject(s: LinkState, ref: SubjectRef | null): void {
  s.ws = null;
  s.agent = null;
  s.cti = null;
  if (ref) s[PARAM[ref.kind]] = ref.key;
}

export function parseHash(hash: string): LinkState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: LinkState = { ...DEFAULT_LINK_STATE };
  // One subject: an agent or a CTI client wins over a workstation when a hand-made link names several.
  const ref = params.get('agent') ? { kind: 'agent' as const, key: params.get('agent')! } : params.get('cti') ? { kind: 'cti-client' as const, key: params.get('cti')! } : params.get('ws') ? { kind: 'workstation' as const, key: params.get('ws')! } : null;
  linkSubject(state, ref);
  const t = params.get('t');
  if (t) {
    const m = /^(-?\d+(?:\.\d+)?)~(-?\d+(?:\.\d+)?)$/.exec(t);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (Number.isFinite(a) && Number.isFinite(b) && b > a) state.window = [a, b];
    }
  }
  if (params.get('view') === 'summary') state.view = 'summary';
  if (params.get('ladder') === '1') state.ladder = true;
  if (params.get('linear') === '1') state.compress = false;
  return state;
}

export function formatHash(s: LinkState): string {
  const params = new URLSearchParams();
  const ref = linkedSubject(s);
  if (ref) params.set(PARAM[ref.kind], ref.key);
  // Microsecond precision: enough for any capture, short enough for a link.
  if (s.window) params.set('t', `${s.window[0].toFixed(6)}~${s.window[1].toFixed(6)}`);
  if (s.view !== 'timeline') params.set('view', s.view);
  if (s.ladder) params.set('ladder', '1');
  if (!s.compress) params.set('linear', '1');
  const text = params.toString();
  return text ? `#${text}` : '';
}
