/**
 * Decoded messages kept for the details pane and the ladder view, bounded per workstation: one store for the
 * browser's analysis worker and for the pages `ctiscope ui` and `live --ui` serve (src/cli/ui-server.ts). Pure, so
 * both bundles take it.
 *
 * A 100 MB capture holds millions of messages; only a workstation's login needs per-message detail, and that
 * is at the start of its conversation. So each workstation (the client address of the flow) keeps its first
 * `head` messages plus the latest `tail` (heartbeats or a late failure), and raw bytes are cut at `rawLimit`.
 */

import type { DecodedMessage, FieldValue, FlowRecord } from './decoders/types.js';
import { hostOf } from './timeline/format.js';
import { sequenceFlowOf, type SequenceFlow } from './timeline/sequence/model.js';

export interface StoredMessage extends DecodedMessage {
  /** Order of arrival within its workstation (stable id for selection). */
  seq: number;
  /** Bytes of the message that were not kept (raw cut at the limit). */
  rawCut?: number;
  /** The bytes were dropped because the message carries a password and secrets are not shown. */
  rawHidden?: boolean;
}

export interface MessageStoreLimits {
  head: number;
  tail: number;
  rawLimit: number;
  /**
   * Drop the bytes of messages whose decoded fields carry a redacted secret: the bytes would show the password
   * the fields hide. False only when the analysis was asked to show secrets.
   */
  hideSecretBytes: boolean;
}

export const DEFAULT_MESSAGE_LIMITS: MessageStoreLimits = { head: 600, tail: 200, rawLimit: 4096, hideSecretBytes: true };

/** TCP connections kept per host for the sequence view's connect, SYN, RST and FIN rows: its first ones and its latest. */
const FLOW_HEAD = 1500;
const FLOW_TAIL = 500;

/** The first `headMax` items and, after them, the latest `tailMax` (a ring). */
class HeadTail<T> {
  readonly head: T[] = [];
  private readonly tail: T[] = [];
  private next = 0;

  constructor(
    private readonly headMax: number,
    private readonly tailMax: number,
  ) {}

  push(x: T): void {
    if (this.head.length < this.headMax) this.head.push(x);
    else if (this.tailMax > 0) {
      if (this.tail.length < this.tailMax) this.tail.push(x);
      else this.tail[this.next] = x;
      this.next = (this.next + 1) % this.tailMax;
    }
  }

  /** The tail in arrival order. */
  latest(): T[] {
    return this.tail.length < this.tailMax ? this.tail : this.tail.slice(this.next).concat(this.tail.slice(0, this.next));
  }
}

/** A kept message: the decoder's own object and its place in its workstation. */
interface Kept {
  m: DecodedMessage;
  seq: number;
  /** Bytes past rawLimit that were let go. */
  rawCut: number;
}

interface HostMessages {
  kept: HeadTail<Kept>;
  total: number;
}

/**
 * Every message of a large capture passes through add(), most only to be overwritten in a tail: add keeps the
 * message object as the decoder made it (with its own bytes: decoders copy `raw`), with no copy and no new
 * property (a property added to every message would make every later reader of messages polymorphic; only
 * `raw` is replaced, by its first rawLimit bytes, when longer), and get() builds the StoredMessage views of the
 * few hundred asked for.
 */
export class MessageStore {
  private readonly byHost = new Map<string, HostMessages>();
  /** Each host's TCP connections (it the client), once flows are given (addFlow): undefined, none were. */
  private flowsByHost: Map<string, HeadTail<SequenceFlow>> | undefined = undefined;
  /** The last client endpoint seen and its workstation: consecutive messages nearly always share a flow. */
  private lastClient = '';
  private lastHost: HostMessages | undefined = undefined;

  private readonly config: MessageStoreLimits;

  constructor(limits: Partial<MessageStoreLimits> = {}) {
    this.config = { ...DEFAULT_MESSAGE_LIMITS, ...limits };
  }

  /** The head and tail sizes, so a page that fetches increments can keep the same bound. */
  get limits(): { head: number; tail: number } {
    return { head: this.config.head, tail: this.config.tail };
  }

  /** A bound function: `onMessage: store.add`. */
  readonly add = (m: DecodedMessage): void => {
    let h = m.client === this.lastClient ? this.lastHost : undefined;
    if (h === undefined) {
      const host = hostOf(m.client);
      h = this.byHost.get(host);
      if (!h) {
        h = { kept: new HeadTail<Kept>(this.config.head, this.config.tail), total: 0 };
        this.byHost.set(host, h);
      }
      this.lastClient = m.client;
      this.lastHost = h;
    }
    const raw = m.raw;
    const limit = this.config.rawLimit;
    let rawCut = 0;
    if (raw !== undefined && raw.length > limit) {
      // A copy of the first bytes, so the rest can go (an LDAP download or a certificate chain is large).
      m.raw = raw.slice(0, limit);
      rawCut = raw.length - limit;
    }
    h.kept.push({ m, seq: h.total++, rawCut });
  };

  /**
   * A bound function: `onFlowEnd: store.addFlow`. Keeps the host's TCP connections, so that a page drawing its
   * sequence has the connect and close rows `ctiscope sequence` draws from the same records.
   */
  readonly addFlow = (r: FlowRecord): void => {
    const byHost = (this.flowsByHost ??= new Map());
    if (r.transport !== 'tcp') return;
    let list = byHost.get(r.clientIp);
    if (!list) byHost.set(r.clientIp, (list = new HeadTail<SequenceFlow>(FLOW_HEAD, FLOW_TAIL)));
    list.push(sequenceFlowOf(r));
  };

  /**
   * The kept messages of one workstation in arrival order, and how many it had in all; with `after`, only those
   * numbered (seq) above it. `flows`: its TCP connections, when the store was given flows (and `after` is not).
   */
  get(host: string, after = -1): { messages: StoredMessage[]; total: number; flows?: SequenceFlow[] } {
    const f = after < 0 ? this.flowsByHost?.get(host) : undefined;
    const flows = after < 0 && this.flowsByHost ? { flows: f ? f.head.concat(f.latest()) : [] } : {};
    const h = this.byHost.get(host);
    if (!h) return { messages: [], total: 0, ...flows };
    if (after >= h.total - 1) return { messages: [], total: h.total, ...flows };
    const messages: StoredMessage[] = [];
    for (const k of h.kept.head) if (k.seq > after) messages.push(this.view(k));
    for (const k of h.kept.latest()) if (k.seq > after) messages.push(this.view(k));
    return { messages, total: h.total, ...flows };
  }

  private view(k: Kept): StoredMessage {
    const stored: StoredMessage = { ...k.m, seq: k.seq };
    if (stored.raw === undefined) return stored;
    if (this.config.hideSecretBytes && hasRedactedField(k.m.fields)) {
      // The bytes would show the password the fields hide.
      stored.raw = undefined;
      stored.rawHidden = true;
      return stored;
    }
    if (k.rawCut > 0) stored.rawCut = k.rawCut;
    return stored;
  }

  get hosts(): number {
    return this.byHost.size;
  }
}

export const REDACTED = '<redacted>';

/** True when a decoded value (deeply) holds the redaction marker. */
export function hasRedactedField(value: FieldValue): boolean {
  if (value === REDACTED) return true;
  if (Array.isArray(value)) return value.some(hasRedactedField);
  if (value && typeof value === 'object') return Object.values(value).some(hasRedactedField);
  return false;
}
