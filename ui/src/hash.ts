/**
 * Deep links: the selected workstation, the zoom window and the view live in the URL hash, so a link or a
 * bookmark reopens the same picture (once the same capture is loaded).
 */

export interface LinkState {
  /** Selected workstation (its address). */
  ws: string | null;
  /** Visible time window, epoch seconds. */
  window: [number, number] | null;
  view: 'timeline' | 'summary';
  ladder: boolean;
  compress: boolean;
}

export const DEFAULT_LINK_STATE: LinkState = { ws: null, window: null, view: 'timeline', ladder: false, compress: true };

export function parseHash(hash: string): LinkState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: LinkState = { ...DEFAULT_LINK_STATE };
  const ws = params.get('ws');
  if (ws) state.ws = ws;
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
  if (s.ws) params.set('ws', s.ws);
  // Microsecond precision: enough for any capture, short enough for a link.
  if (s.window) params.set('t', `${s.window[0].toFixed(6)}~${s.window[1].toFixed(6)}`);
  if (s.view !== 'timeline') params.set('view', s.view);
  if (s.ladder) params.set('ladder', '1');
  if (!s.compress) params.set('linear', '1');
  const text = params.toString();
  return text ? `#${text}` : '';
}
