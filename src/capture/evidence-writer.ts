/**
 * Writes the packets chosen as evidence to one pcapng: an interface per source interface (file, link type,
 * interface id), packets in the order read, the original timestamps and lengths, and opt_comment options on the
 * frames given comments (Wireshark shows them as frame.comment and can filter on them).
 */

import type { CapturedPacket } from './types.js';
import { PcapngWriter } from './writer.js';

export class EvidenceWriter {
  private readonly writer: PcapngWriter;
  private readonly interfaces = new Map<string, number>();
  /** Original frame number of each written packet, in order (entry i is the new file's frame i + 1). */
  readonly frames: number[] = [];

  constructor(private readonly comments: ReadonlyMap<number, readonly string[]>, description: string) {
    this.writer = new PcapngWriter({ application: 'ctiscope', comment: description });
  }

  /** `source` tells the input files apart (their interface ids restart at 0). */
  packet(p: CapturedPacket, source: number): void {
    const key = `${source} ${p.interfaceId} ${p.linkType}`;
    let iface = this.interfaces.get(key);
    if (iface === undefined) {
      iface = this.writer.addInterface(p.linkType, { snaplen: 262144 });
      this.interfaces.set(key, iface);
    }
    const comments = this.comments.get(p.frame);
    const renumbered = this.frames.length + 1 !== p.frame;
    // Findings name frames of the original capture: say which one this was when the numbers differ.
    const texts = comments?.map((c) => (renumbered ? `${c} [frame ${p.frame} of the original capture]` : c));
    this.writer.writePacket(iface, p.time, p.data, { origLen: p.origLen, comments: texts });
    this.frames.push(p.frame);
  }

  toBytes(): Uint8Array {
    return this.writer.toBytes();
  }
}
