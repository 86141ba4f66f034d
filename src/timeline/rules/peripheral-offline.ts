import type { Finding } from '../model.js';
import type { Rule } from '../state.js';
import { makeFinding, serverText } from './common.js';

const PERIPHERAL = /PERIPHERAL_(ON|OFF)LINE$|CCX_(ON|OFF)LINE$/;

/**
 * A CTI server that said its peripheral (the PG's ACD side, or UCCX's) went offline and never that it came back:
 * the session stands, but no agent on that peripheral can log in or take calls. Not said when the client then
 * opened a session with another side (that is a failover, rules/cti-failover.ts).
 */
export const diagnosePeripheralOffline: Rule = (ws) => {
  const out: Finding[] = [];
  const opens = ws.steps.filter((s) => s.kind === 'cti-open' && s.ok && s.facts.open?.confirmed);
  for (const s of ws.steps) {
    const events = s.facts.events?.system?.filter((x) => PERIPHERAL.test(x.name));
    const last = events?.at(-1);
    if (!last || !/OFFLINE$/.test(last.name)) continue;
    if (opens.some((o) => o.server !== s.server && o.start >= last.time - 1e-6)) continue;
    const stays = ws.now - last.time;
    const after = stays >= 1 ? ` in the ${Math.round(stays)} s the capture goes on` : '';
    const message = `${serverText(ws, s.server)} reported ${last.name} (frame ${last.frame}) and nothing after it says the peripheral came back${after}: while it is offline no agent on it can log in or take calls.`;
    out.push(makeFinding('peripheral-offline', 'warning', s, message, [last.frame]));
  }
  return out;
};
