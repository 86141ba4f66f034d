/**
 * LDAP: one step per connection (binds and searches), failing on the first error result.
 *
 * Only the desktop's directory is its config download. On CAD's own directory port that is every connection;
 * on the ordinary LDAP ports (389/3268, CLDAP), where a Windows PC talks to its domain controllers all day with
 * SASL binds, referrals and noSuchObject, a connection becomes a config step only once its content is the
 * desktop's directory (the CAD LCC tree and its object classes). Searches for an entry that is not there are
 * kept as facts: a missing agent entry is an error at once; whether any other missing entry mattered is
 * judged by what the desktop did next (rules/config.ts).
 */

import type { DecodedMessage } from '../../decoders/types.js';
import type { StepState } from '../state.js';
import { absorb, num, str, type FlowState, type StepBuilder, type StepContext } from './context.js';

/** LDAP result codes that are not errors. */
const LDAP_OK_RESULTS = new Set([0, 5, 6, 10, 14]);
const NO_SUCH_OBJECT = 32;

/** Names and classes of the CAD directory (the Spanlink-derived LCC tree). */
const DESKTOP_DIRECTORY = /o=spanlink|\bou=(agents|teams|cti|lcc|desktop[^,]*)\b|objectclass=span|\bspan(agent|team|config)\b|\blcc\b/i;
/** An agent's own entry: required, the desktop cannot start without it. */
const AGENT_ENTRY = /(?:^|,)\s*(?:cn|uid|agentid)=([^,]+),\s*ou=agents\b/i;
const AGENT_FILTER = /\((?:cn|uid|agentid|loginid)=([^)*(]+)\)/i;
/** A search for one team: the desktop's team settings, without which it cannot start ("No team found for agent"). */
const TEAM_FILTER = /\(teamid=([^)*(]+)\)/i;
const MAX_MISSING = 8;
/** Searches for the agent or its team awaiting their result on one connection. */
const MAX_AWAITED = 16;

function isDesktopDirectoryPort(flow: FlowState): boolean {
  return flow.cls?.desktop === 'cad' || flow.cls?.service === 'ldap-directory';
}

function mentionsDesktopDirectory(m: DecodedMessage): boolean {
  const f = m.fields;
  for (const v of [f.name, f.baseObject, f.objectName, f.filter, f.matchedDN]) {
    const s = str(v);
    if (s && DESKTOP_DIRECTORY.test(s)) return true;
  }
  return false;
}

/**
 * The agent a desktop's directory search names: its own entry as the search base, or a search under the agents
 * whose filter names one. A listing of every agent names nobody.
 */
function agentNamed(m: DecodedMessage): string | undefined {
  if (m.type !== 'searchRequest') return undefined;
  const own = AGENT_ENTRY.exec(str(m.fields.baseObject) ?? '');
  if (own) return own[1].trim();
  const base = str(m.fields.baseObject) ?? '';
  if (/\bou=agents\b/i.test(base)) {
    const hit = AGENT_FILTER.exec(str(m.fields.filter) ?? '');
    if (hit) return hit[1].trim();
  }
  return undefined;
}

const HOST_NAME = /^(?=.{4,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const MAX_CONFIGURED_NAMES = 32;

/** Server names the desktop's configuration holds (the CTI server, the services): their lookups are start-up steps. */
function noteConfiguredNames(flow: FlowState, m: DecodedMessage): void {
  const attrs = m.fields.attributes;
  if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) return;
  const host = flow.host!;
  for (const values of Object.values(attrs as Record<string, unknown>)) {
    if (!Array.isArray(values)) continue;
    for (const v of values) {
      if (typeof v !== 'string' || !HOST_NAME.test(v) || /^\d+(\.\d+)*$/.test(v)) continue;
      host.configuredNames ??= new Set();
      if (host.configuredNames.size < MAX_CONFIGURED_NAMES) host.configuredNames.add(v.toLowerCase());
    }
  }
}

function openStep(ctx: StepContext, flow: FlowState, m: DecodedMessage): StepState | undefined {
  const own = isDesktopDirectoryPort(flow);
  if (!own && !mentionsDesktopDirectory(m)) return undefined;
  const s = ctx.newStep(flow, 'ldap', m.time, 'config');
  if (!s) return undefined;
  s.protocol = 'ldap';
  s.facts.ldap = { binds: 0, searches: 0, entries: 0, operations: 0 };
  flow.contentConfirmed = true;
  if (!own) {
    // The content showed the desktop's directory on an ordinary LDAP port: the host is a desktop.
    flow.host!.desktopClient = true;
    ctx.serverIps.add(flow.info.serverIp);
  }
  return s;
}

export const ldapSteps: StepBuilder = {
  message(ctx: StepContext, flow: FlowState, m: DecodedMessage): StepState | undefined {
    if (!flow.ldap) {
      flow.ldap = openStep(ctx, flow, m);
      if (!flow.ldap) return undefined;
    }
    const s = flow.ldap;
    const l = s.facts.ldap!;
    absorb(s, m);
    const agent = agentNamed(m);
    if (agent) flow.host!.directoryAgentId ??= agent;
    const id = num(m.fields.messageId);
    const t = m.type;
    if (m.direction === 'c2s') {
      if (t === 'unbindRequest') l.unbound = m.time;
      if (t === 'unbindRequest' || t === 'abandonRequest') return s;
      s.count++;
      l.operations++;
      if (t === 'bindRequest') {
        l.binds++;
        if (l.bindDn === undefined) l.bindDn = str(m.fields.name) ?? '';
        ctx.addPending(flow, id, s, 'bind', m);
      } else if (t === 'searchRequest') {
        l.searches++;
        const base = str(m.fields.baseObject);
        const names = agent ? 'agent' : TEAM_FILTER.test(str(m.fields.filter) ?? '') ? 'team' : undefined;
        if (names && id !== undefined && (l.awaited ??= new Map()).size < MAX_AWAITED) l.awaited.set(id, { base: base ?? '', filter: str(m.fields.filter) ?? '', names, entries: 0 });
        ctx.addPending(flow, id, s, base ? `search ${base}` : 'search', m);
      } else ctx.addPending(flow, id, s, t, m);
      return s;
    }
    if (t === 'searchResEntry') {
      l.entries++;
      const w = id !== undefined ? l.awaited?.get(id) : undefined;
      if (w) w.entries++;
      noteConfiguredNames(flow, m);
      return s;
    }
    if (t === 'searchResRef') return s;
    const p = ctx.resolve(flow, id, m);
    const code = num(m.fields.resultCode);
    const awaited = id !== undefined && t === 'searchResDone' ? l.awaited?.get(id) : undefined;
    if (awaited) l.awaited!.delete(id!);
    if (code === undefined) return s;
    if (LDAP_OK_RESULTS.has(code)) {
      s.lastOk = true;
      // Found nothing, and said so with success: judged by what the desktop did next (rules/config.ts).
      if (awaited && awaited.entries === 0 && code === 0) {
        l.empty ??= [];
        if (l.empty.length < MAX_MISSING) l.empty.push({ base: awaited.base, filter: awaited.filter, names: awaited.names, frame: m.frame, time: m.time });
      }
      return s;
    }
    const op = p?.name ?? t;
    const base = op.startsWith('search ') ? op.slice('search '.length) : undefined;
    if (code === NO_SUCH_OBJECT && base !== undefined && !AGENT_ENTRY.test(base)) {
      // An entry that is not there (a first login's personal settings…): a note unless the desktop stops after it.
      l.missing ??= [];
      if (l.missing.length < MAX_MISSING) l.missing.push({ base, matchedDN: str(m.fields.matchedDN) || undefined, frame: m.frame, time: m.time });
      if (s.lastOk === null) s.lastOk = true;
      return s;
    }
    s.lastOk = false;
    if (!l.error) {
      l.error = {
        op,
        code,
        name: str(m.fields.resultCodeName),
        diagnostic: str(m.fields.diagnosticMessage) || undefined,
        frame: m.frame,
        time: m.time,
      };
    }
    return s;
  },
};
