/**
 * CTI OS (Cisco CTI Object Server, TCP 42028) between an agent desktop and the CTI OS server in UCCE.
 * Its wire format is not public, so ctiscope claims nothing about the content: one message per data()
 * chunk (a TCP segment's in-order payload) per direction, saying who sent how many bytes when. That is
 * still enough for a timeline to show that the desktop's CTI OS session carried traffic, and when it
 * went quiet.
 */

import { MessageEmitter } from '../emit.js';
import type { Direction, StreamDecoder, StreamDecoderContext, StreamDecoderFactory } from '../types.js';

class CtiosFlowDecoder implements StreamDecoder {
  /** Stream offset per direction, holes included, so offsets line up with the other decoders'. */
  private offsetC2s = 0;
  private offsetS2c = 0;
  private readonly out: MessageEmitter;

  constructor(ctx: StreamDecoderContext) {
    this.out = new MessageEmitter('ctios', ctx);
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    if (bytes.length === 0) return;
    const offset = dir === 'c2s' ? this.offsetC2s : this.offsetS2c;
    if (dir === 'c2s') this.offsetC2s += bytes.length;
    else this.offsetS2c += bytes.length;
    // The caller may reuse its buffer after this call: `raw` is a copy.
    const msg = this.out.message(
      dir,
      'data',
      { bytes: bytes.length, direction: dir },
      `CTI OS data ${bytes.length} bytes (format not public)`,
      [frame],
      time,
      offset,
      bytes.length,
      bytes,
    );
    this.out.emit(msg);
  }

  gap(dir: Direction, length: number): void {
    if (dir === 'c2s') this.offsetC2s += length;
    else this.offsetS2c += length;
  }

  end(): void {}
}

/** Opaque CTI OS session decoder: no parsing, one 'data' message per chunk. */
export const createCtiosStreamDecoder: StreamDecoderFactory = (ctx) => new CtiosFlowDecoder(ctx);
