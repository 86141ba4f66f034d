/**
 * Evidence for a ticket: which packets of a capture belong to one subject (the flows of its steps and its DNS
 * lookups), and which comments go on the frames its findings cite ("ctiscope: licensing-failed: …").
 *
 * Pure: the caller reads the capture again and hands every packet to `EvidenceFilter.accept`; packets are
 * matched to flows by transport, both endpoints and the flow's frame range, as the flow table first saw them.
 */

import type { CapturedPacket } from '../capture/types.js';
import type { FlowRecord } from '../decoders/types.js';
import { decodeLink, LinkLayer, LinkStatus } from '../decoders/net/link.js';
import { decodeIpv4, decodeIpv6, formatIpAddress, IpPacket, IPPROTO_TCP, IPPROTO_UDP } from '../decoders/net/ip.js';
import { isSubjectFlow, subjectFlowKeys, type SequenceSubject } from './sequence/subject.js';

export const DNS_PORTS: ReadonlySet<number> = new Set([53, 5353, 5355]);

export interface EvidencePlan {
  /** The subject's flows, then its DNS flows, in order of first frame. */
  flows: FlowRecord[];
  /** Frame → its comments, one per finding citing it. */
  comments: Map<number, string[]>;
}

/** Several subjects' plans as one (an agent and its desktop): their flows once each, in order, every comment of each frame. */
export function mergeEvidencePlans(plans: readonly EvidencePlan[]): EvidencePlan {
  if (plans.length === 1) return plans[0];
  const flows = [...new Set(plans.flatMap((p) => p.flows))].sort((x, y) => x.firstFrame - y.firstFrame);
  const comments = new Map<number, string[]>();
  for (const p of plans) for (const [frame, list] of p.comments) comments.set(frame, [...new Set([...(comments.get(frame) ?? []), ...list])]);
  return { flows, comments };
}

/** The subject's flows and DNS lookups among `flows`, and the comments for its findings' frames. */
export function planEvidence(subject: SequenceSubject, flows: readonly FlowRecord[]): EvidencePlan {
  const keys = subjectFlowKeys(subject);
  const chosen = flows.filter((f) => isSubjectFlow(subject, keys, f) || (DNS_PORTS.has(f.serverPort) && subject.hosts.includes(f.clientIp)));
  chosen.sort((a, b) => a.firstFrame - b.firstFrame);
  const comments = new Map<number, string[]>();
  for (const f of subject.findings) {
    const text = `ctiscope: ${f.kind}: ${f.message}`;
    for (const frame of f.frames) {
      const list = comments.get(frame) ?? [];
      if (!list.includes(text)) list.push(text);
      comments.set(frame, list);
    }
  }
  return { flows: chosen, comments };
}

interface Range {
  first: number;
  last: number;
}

/** Says which packets of the capture belong to the plan's flows. */
export class EvidenceFilter {
  private readonly byEndpoints = new Map<string, Range[]>();
  private readonly extraFrames = new Set<number>();
  /** First fragments accepted, so the later fragments of the same datagram (no ports) follow them. */
  private readonly fragments = new Set<string>();
  private readonly link = new LinkLayer();
  private readonly ip = new IpPacket();

  constructor(plan: EvidencePlan) {
    for (const f of plan.flows) {
      const range = { first: f.firstFrame, last: f.lastFrame };
      for (const key of [endpointKey(f.transport, f.clientIp, f.clientPort, f.serverIp, f.serverPort), endpointKey(f.transport, f.serverIp, f.serverPort, f.clientIp, f.clientPort)]) {
        const list = this.byEndpoints.get(key) ?? [];
        list.push(range);
        this.byEndpoints.set(key, list);
      }
      for (const e of f.icmpErrors) this.extraFrames.add(e.frame);
    }
  }

  accept(p: CapturedPacket): boolean {
    if (this.extraFrames.has(p.frame)) return true;
    const status = decodeLink(p.linkType, p.data, this.link);
    const ip = this.ip;
    const end = p.data.length;
    if (status === LinkStatus.IPV4) {
      if (!decodeIpv4(p.data, this.link.offset, end, ip)) return false;
    } else if (status === LinkStatus.IPV6) {
      if (!decodeIpv6(p.data, this.link.offset, end, ip)) return false;
    } else return false;
    const src = formatIpAddress(ip.version, ip.src0, ip.src1, ip.src2, ip.src3);
    const dst = formatIpAddress(ip.version, ip.dst0, ip.dst1, ip.dst2, ip.dst3);
    const fragKey = `${src} ${dst} ${ip.fragId} ${ip.protocol}`;
    if (ip.isFragment && ip.fragOffset > 0) return this.fragments.has(fragKey);
    if (ip.protocol !== IPPROTO_TCP && ip.protocol !== IPPROTO_UDP) return false;
    const at = ip.payloadOffset;
    if (ip.payloadEnd - at < 4) return false;
    const sport = (p.data[at] << 8) | p.data[at + 1];
    const dport = (p.data[at + 2] << 8) | p.data[at + 3];
    const ranges = this.byEndpoints.get(endpointKey(ip.protocol === IPPROTO_TCP ? 'tcp' : 'udp', src, sport, dst, dport));
    const ok = !!ranges && ranges.some((r) => p.frame >= r.first && p.frame <= r.last);
    if (ok && ip.isFragment) this.fragments.add(fragKey);
    return ok;
  }
}

function endpointKey(transport: string, ipA: string, portA: number, ipB: string, portB: number): string {
  return `${transport} ${ipA} ${portA} ${ipB} ${portB}`;
}
