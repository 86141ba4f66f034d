/**
 * GIOP (licensing and desktop services): one step per operation and connection. The phase is the object's:
 * CAD's licence manager is the licensing phase on whatever port it listens (decoders/giop/cad-objects.ts).
 */

import type { DecodedMessage } from '../../decoders/types.js';
import { cadObjectOf } from '../../decoders/giop/cad-objects.js';
import type { StepState } from '../state.js';
import { absorb, num, str, type FlowState, type StepBuilder, type StepContext } from './context.js';

const MAX_GIOP_OPERATIONS_PER_FLOW = 32;

function giopStep(ctx: StepContext, flow: FlowState, op: string, m: DecodedMessage): StepState | undefined {
  flow.giop ??= new Map();
  let key = op;
  if (!flow.giop.has(key) && flow.giop.size >= MAX_GIOP_OPERATIONS_PER_FLOW) key = '(other operations)';
  let s = flow.giop.get(key);
  if (!s) {
    s = ctx.newStep(flow, 'giop', m.time);
    if (!s) return undefined;
    s.protocol = 'giop';
    s.facts.giop = { operation: key, exceptions: 0 };
    flow.giop.set(key, s);
  }
  return s;
}

/** A CAD object names the step's phase and service when the port said otherwise, and shows the host is a desktop. */
function nameByObject(ctx: StepContext, flow: FlowState, s: StepState, key: string, op: string): void {
  const o = cadObjectOf(key, op);
  if (!o) return;
  if (o.phase !== s.phase) {
    s.phase = o.phase;
    s.service = o.service;
    s.label = o.label;
  }
  flow.contentConfirmed = true;
  flow.host!.desktopClient = true;
  ctx.serverIps.add(flow.info.serverIp);
}

export const giopSteps: StepBuilder = {
  message(ctx, flow, m) {
    const id = num(m.fields.requestId);
    const isRequest = m.type === 'Request' || m.type === 'LocateRequest';
    const op = m.type === 'Request' ? str(m.fields.operation) || '(no operation)' : 'LocateRequest';
    // GIOP found by its content on a port no profile names is the desktop's when it reaches a CAD object or one of the
    // desktop's servers (a CAD service on a port no one documented), as an ordinary LDAP port's is once it names the
    // desktop's directory. Else it is another CORBA program's, whose steps would pass for the desktop's services (and
    // for proof it had got past licensing).
    if (flow.byContent && !flow.contentConfirmed && !ctx.serverIps.has(flow.info.serverIp)) {
      const key = isRequest ? str(m.fields.objectKey) : undefined;
      if (!key || !cadObjectOf(key, op)) return undefined;
    }
    if (isRequest) {
      const s = giopStep(ctx, flow, op, m);
      if (!s) return undefined;
      absorb(s, m);
      s.count++;
      const key = str(m.fields.objectKey);
      if (key && !s.facts.giop!.objectKey) {
        s.facts.giop!.objectKey = key;
        nameByObject(ctx, flow, s, key, op);
      }
      if (m.fields.responseExpected !== false) ctx.addPending(flow, id, s, op, m);
      return s;
    }
    if (m.type === 'Reply' || m.type === 'LocateReply') {
      const p = ctx.resolve(flow, id, m);
      const s = p?.step ?? giopStep(ctx, flow, str(m.fields.operation) || '(unknown request)', m);
      if (!s) return undefined;
      absorb(s, m);
      const g = s.facts.giop!;
      const status = str(m.fields.replyStatusName) ?? str(m.fields.locateStatusName) ?? `status ${str(m.fields.replyStatus) ?? '?'}`;
      g.lastStatus = status;
      const failed = /^(USER|SYSTEM|LOC_SYSTEM)_EXCEPTION$/.test(status) || status === 'UNKNOWN_OBJECT';
      if (failed) {
        g.exceptions++;
        s.lastOk = false;
        if (!g.exception) g.exception = { status, id: str(m.fields.exceptionId), minorCode: num(m.fields.minorCode), frame: m.frame, time: m.time };
      } else s.lastOk = true;
      return s;
    }
    // CloseConnection, MessageError, Fragment, CancelRequest: count them with the connection's latest step.
    const last = flow.steps[flow.steps.length - 1];
    if (last) {
      absorb(last, m);
      if (m.type === 'MessageError') last.lastOk = false;
    }
    return last;
  },
};
