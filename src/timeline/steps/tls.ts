/**
 * TLS: a step for desktop-service sessions, or for any session that ended with a readable alert (a workstation's
 * timeline keeps another program's only on one of the desktop's servers: other-tls.ts).
 */

import type { StepBuilder } from './context.js';
import { absorb, num, str } from './context.js';

export const tlsSteps: StepBuilder = {
  message(ctx, flow, m) {
    const phase = ctx.flowPhase(flow) ?? 'other';
    const isAlert = m.type === 'alert';
    // close_notify is the normal end of a TLS session, not a failure. Nor is an encrypted alert anything to report:
    // its level and description cannot be read, and at a TLS 1.2 session's end it is the close_notify every browser
    // and server sends (failed handshakes alert before ChangeCipherSpec, in the clear).
    const name = m.fields.encrypted === true ? undefined : str(m.fields.alertDescriptionName);
    const description = name === 'close_notify' ? undefined : name;
    // On flows that are not a desktop service (browsers on 443…), only a readable alert is worth a step.
    if (!flow.tls && (phase === 'other' || phase === 'phone') && !(isAlert && description)) return undefined;
    if (!flow.tls) {
      flow.tls = ctx.newStep(flow, 'tls', flow.info.start);
      if (!flow.tls) return undefined;
      flow.tls.protocol = 'tls';
      flow.tls.facts.tls = { handshakes: [] };
    }
    const s = flow.tls;
    const t = s.facts.tls!;
    absorb(s, m);
    if (isAlert) {
      if (description && !t.alert) {
        t.alert = { level: str(m.fields.alertLevelName), description, code: num(m.fields.alertDescription), frame: m.frame, from: m.direction };
        if (t.alert.level !== 'warning') s.lastOk = false;
      }
    } else {
      if (!t.handshakes.includes(m.type) && t.handshakes.length < 8) t.handshakes.push(m.type);
      const sni = str(m.fields.serverName);
      if (sni && !t.serverName) t.serverName = sni;
      if (s.lastOk === null) s.lastOk = true;
    }
    return s;
  },
};
