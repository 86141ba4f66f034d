/**
 * Which DNS lookups belong to a desktop's start-up. An agent PC looks up everything (web hosts, update
 * servers, Windows' suffix-search variants, WPAD); only lookups of the desktop's own servers are steps: a name
 * that resolved to a server the desktop then used, a name its configuration holds, or a failing lookup that
 * could be one (an ordinary host name during the start-up, not a suffix-search variant or WPAD, after which the
 * desktop failed at an address no name resolves to). Everything else folds into one "other lookups" step that is
 * never a failure.
 */

import type { AnalyzedStep, HostState } from './state.js';
import { hostOf, plural } from './format.js';
import { isStartupPhase, startupServers } from './rules/common.js';

/** Lookups Windows makes on its own, whose NXDOMAIN is normal. */
const WINDOWS_NOISE = /^(wpad|isatap)(\.|$)|^_|\._(tcp|udp|msdcs)\./i;
/** Windows' own name protocols: always other lookups (they are never how a desktop finds its servers). */
const NAME_PROTOCOLS: ReadonlySet<string> = new Set(['nbns', 'nbdgm', 'llmnr', 'mdns', 'ssdp']);
/** How long before its first start-up step a desktop's own lookups may come. */
const LEAD_SECONDS = 10;

export interface LookupContext {
  namesOf(address: string): string[];
  addressesOf(name: string): string[];
}

/**
 * A Windows suffix-search variant: the name with a search suffix appended to another name that was looked up
 * ("uccx-a.example.com.corp.example.com"), or a single label tried under several suffixes ("printsrv.corp.example.com"
 * and "printsrv.example.com").
 */
function isSuffixVariant(qname: string, looked: ReadonlySet<string>): boolean {
  const label = firstLabel(qname);
  const parent = parentOf(qname);
  for (const other of looked) {
    if (other === qname) continue;
    if (qname.startsWith(`${other}.`)) return true;
    if (firstLabel(other) === label && parentOf(other) !== parent && (parent.endsWith(`.${parentOf(other)}`) || parentOf(other).endsWith(`.${parent}`))) return true;
  }
  return false;
}

function firstLabel(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/** "uccx-a" and "uccx-b", "cti1" and "cti2": the names of a pair or group of nodes. */
function nodeStem(label: string): string {
  return label.replace(/[-_]?(?:[a-z]|\d+)$/i, '');
}

function parentOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1);
}

/**
 * A failed lookup of a name the capture never ties to the desktop's servers is the desktop's only when it could be
 * what went wrong: soon after it the desktop tried an address no name in the capture resolves to (one it had
 * instead, from its configuration or a cache) and failed there. When every failed attempt went to a server whose
 * name did resolve, the failure has its cause in those attempts, and a Windows PC's own lookup of a printer or
 * share that happened to fail meanwhile is not one (it stays in "other lookups", counted as not resolved).
 */
function couldExplainFailure(lookup: AnalyzedStep, steps: readonly AnalyzedStep[], cx: LookupContext): boolean {
  for (const o of steps) {
    if (o.ok || o.kind === 'dns' || !isStartupPhase(o.phase)) continue;
    const at = Math.min(o.flowStart, o.start);
    if (at < lookup.start || at - lookup.start > LEAD_SECONDS) continue;
    if (cx.namesOf(hostOf(o.server)).length === 0) return true;
  }
  return false;
}

export function foldOtherLookups(steps: AnalyzedStep[], host: HostState, cx: LookupContext, loggedIn: boolean): AnalyzedStep[] {
  if (!steps.some((s) => s.facts.dns || NAME_PROTOCOLS.has(s.protocol))) return steps;
  const servers = startupServers(steps);
  let first = Infinity;
  let last = -Infinity;
  for (const s of steps) {
    if (s.kind === 'dns' || !isStartupPhase(s.phase)) continue;
    first = Math.min(first, s.flowStart, s.start);
    last = Math.max(last, s.end);
  }
  const serverNames = new Set<string>(host.configuredNames ?? []);
  for (const a of servers) for (const n of cx.namesOf(a)) serverNames.add(n);
  const looked = new Set(steps.filter((s) => s.facts.dns).map((s) => s.facts.dns!.qname));
  const isOwn = (s: AnalyzedStep): boolean => {
    const d = s.facts.dns!;
    if (d.addresses.some((a) => servers.has(a))) return true;
    if (serverNames.has(d.qname) || cx.addressesOf(d.qname).some((a) => servers.has(a))) return true;
    if (s.ok || loggedIn) return false;
    // A failing lookup of what could be a server name, during the start-up.
    if (WINDOWS_NOISE.test(d.qname) || !d.qname.includes('.') || isSuffixVariant(d.qname, looked)) return false;
    if (!/^(A|AAAA|1|28)$/.test(d.qtype)) return false;
    if (Number.isFinite(first) && (s.start < first - LEAD_SECONDS || s.start > last)) return false;
    return couldExplainFailure(s, steps, cx);
  };
  const kept: AnalyzedStep[] = [];
  const other: AnalyzedStep[] = [];
  for (const s of steps) ((s.facts.dns && !isOwn(s)) || NAME_PROTOCOLS.has(s.protocol) ? other : kept).push(s);
  // A sibling node of an own name resolved during the start-up (uccx-b beside uccx-a) is the desktop's too: its
  // other configured node, even when it never got to use it.
  const nodes = new Set(kept.filter((s) => s.facts.dns).map((s) => `${nodeStem(firstLabel(s.facts.dns!.qname))}.${parentOf(s.facts.dns!.qname)}`));
  for (let i = other.length - 1; i >= 0; i--) {
    const s = other[i];
    const d = s.facts.dns;
    if (!d) continue;
    const during = Number.isFinite(first) && s.start >= first - LEAD_SECONDS && s.start <= last;
    const sibling = nodes.has(`${nodeStem(firstLabel(d.qname))}.${parentOf(d.qname)}`);
    if (during && s.ok && d.qname.includes('.') && sibling && !WINDOWS_NOISE.test(d.qname) && !isSuffixVariant(d.qname, looked)) {
      kept.push(s);
      other.splice(i, 1);
    }
  }
  if (other.length === 0) return steps;
  kept.push(otherLookupsStep(other));
  return kept.sort((a, b) => a.start - b.start || Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

function otherLookupsStep(list: readonly AnalyzedStep[]): AnalyzedStep {
  const f = list[0];
  let start = Infinity;
  let end = -Infinity;
  let messages = 0;
  const frames: number[] = [];
  for (const s of list) {
    start = Math.min(start, s.start);
    end = Math.max(end, s.end);
    messages += s.detail?.messages ?? 0;
    for (const fr of s.frames) if (frames.length < 20) frames.push(fr);
  }
  frames.sort((a, b) => a - b);
  const dns = list.filter((s) => s.facts.dns);
  // Names, not lookups: a name asked for A and AAAA, or again later, is one name.
  const distinct = [...new Set(dns.map((s) => s.facts.dns!.qname.toLowerCase()))];
  const names = distinct.slice(0, 3);
  const more = distinct.length > 3 ? `, … ${distinct.length - 3} more` : '';
  const unresolved = new Set(dns.filter((s) => !s.ok).map((s) => s.facts.dns!.qname.toLowerCase())).size;
  const unanswered = unresolved > 0 ? `; ${unresolved} not resolved (normal for names that are not the desktop's)` : '';
  const protocols = [...new Set(list.filter((s) => !s.facts.dns).map((s) => s.protocol.toUpperCase()))];
  const local = protocols.length > 0 ? `${dns.length > 0 ? '; ' : ''}${protocols.join(', ')} on the local network` : '';
  return {
    id: f.id,
    phase: 'other',
    service: 'dns-other',
    server: f.server,
    protocol: 'dns',
    start,
    end,
    ok: true,
    summary: `other lookups: ${dns.length > 0 ? `${plural(distinct.length, 'name')} (${names.join(', ')}${more})${unanswered}` : ''}${local}`,
    frames,
    ...(messages > 0 ? { detail: { messages, count: dns.length } } : { detail: { count: dns.length } }),
    facts: {},
    kind: 'generic',
    flowStart: start,
    label: 'other lookups',
  };
}
