/**
 * Decoded messages kept for the details pane and the ladder view, bounded per workstation.
 *
 * A 100 MB capture holds millions of messages; only a workstation's login needs per-message detail, and that
 * is at the start of its conversation. So each workstation (the client address of the flow) keeps its first
 * `head` messages plus the latest `tail` (heartbeats or a late failure), and raw bytes are cut at `rawLimit`.
 */

import type { DecodedMessage, FieldValue } from '../../src/decoders/types.js';
import { hostOf } from '../../src/timeline/format.js';

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

interface HostMessages {
  head: StoredMessage[];
  /** Ring buffer of the latest messages once the head is full. */
  tail: StoredMessage[];
  tailNext: number;
  total: number;
}

export class MessageStore {
  private readonly byHost = new Map<string, HostMessages>();

  private readonly limits: MessageStoreLimits;

  constructor(limits: Partial<MessageStoreLimits> = {}) {
    this.limits = { ...DEFAULT_MESSAGE_LIMITS, ...limits };
  }

  add(m: DecodedMessage): void {
    const host = hostOf(m.client);
    let h = this.byHost.get(host);
    if (!h) {
      h = { head: [], tail: [], tailNext: 0, total: 0 };
      this.byHost.set(host, h);
    }
    const stored: StoredMessage = { ...m, seq: h.total++ };
    if (m.raw && this.limits.hideSecretBytes && hasRedactedField(m.fields)) {
      stored.raw = undefined;
      stored.rawHidden = true;
    } else if (m.raw && m.raw.length > this.limits.rawLimit) {
      stored.raw = m.raw.slice(0, this.limits.rawLimit);
      stored.rawCut = m.raw.length - this.limits.rawLimit;
    } else if (m.raw) {
      // The decoder may hand out views of a buffer it reuses.
      stored.raw = m.raw.slice();
    }
    if (h.head.length < this.limits.head) {
      h.head.push(stored);
    } else if (this.limits.tail > 0) {
      if (h.tail.length < this.limits.tail) h.tail.push(stored);
      else h.tail[h.tailNext] = stored;
      h.tailNext = (h.tailNext + 1) % this.limits.tail;
    }
  }

  /** The kept messages of one workstation, in arrival order, and how many it had in all. */
  get(host: string): { messages: StoredMessage[]; total: number } {
    const h = this.byHost.get(host);
    if (!h) return { messages: [], total: 0 };
    const tail = h.tail.length < this.limits.tail ? h.tail : [...h.tail.slice(h.tailNext), ...h.tail.slice(0, h.tailNext)];
    return { messages: [...h.head, ...tail], total: h.total };
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
