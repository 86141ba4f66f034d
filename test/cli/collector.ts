import { EventEmitter } from 'node:events';
import type { ChunkStream } from '../../src/cli/json-writer.js';

/**
 * A stream for the writers' tests: keeps what is written. write() answers false `refuse` times (a full pipe);
 * with `autoDrain` it then says 'drain' by itself on the next turn, else the test does.
 */
export class Collector extends EventEmitter implements ChunkStream {
  chunks: string[] = [];
  constructor(
    public refuse = 0,
    private readonly autoDrain = false,
  ) {
    super();
  }
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    if (this.refuse-- > 0) {
      if (this.autoDrain) setImmediate(() => this.emit('drain'));
      return false;
    }
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}
