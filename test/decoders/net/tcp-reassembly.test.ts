import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TcpDirection, type SegmentStamp, type StreamSink } from '../../../src/decoders/net/tcp-reassembly.js';
import type { Direction } from '../../../src/decoders/types.js';
import { text } from './packets.js';

/** A direction that tallies the segments it called retransmissions (the flow table keeps the count per flow). */
class CountingDirection extends TcpDirection {
  retransmissions = 0;
  override segment(...args: Parameters<TcpDirection['segment']>): boolean {
    const r = super.segment(...args);
    if (r) this.retransmissions++;
    return r;
  }
}

class Sink implements StreamSink {
  out: string[] = [];
  frames: number[] = [];
  data(_dir: Direction, b: Uint8Array, frame: number): void {
    this.out.push(new TextDecoder('latin1').decode(b.slice()));
    this.frames.push(frame);
  }
  gap(_dir: Direction, length: number, frame: number, _time = 0): void {
    this.out.push(`[gap ${length}]`);
    this.frames.push(frame);
  }
  get stream(): string {
    return this.out.join('');
  }
}

const stamp = (seq: number, frame: number, time: number): SegmentStamp => ({ seq, frame, time });

/** Feeds a segment of `s` starting at relative offset `at` of a stream whose first data byte is isn+1. */
function seg(d: TcpDirection, sink: Sink, isn: number, at: number, s: string, frame: number, opts: { fin?: boolean; missing?: number } = {}): boolean {
  const b = text(s);
  // Pad the buffer so that offsets matter (the segment is not at index 0 of its frame).
  const frameBuf = new Uint8Array(b.length + 10);
  frameBuf.set(b, 10);
  return d.segment(stamp((isn + 1 + at) | 0, frame, frame), false, opts.fin ?? false, frameBuf, 10, b.length, opts.missing ?? 0, sink);
}

function syn(d: TcpDirection, isn: number, frame = 1): boolean {
  return d.segment(stamp(isn, frame, frame), true, false, new Uint8Array(0), 0, 0, 0, null);
}

describe('TcpDirection', () => {
  it('delivers in-order segments as they come, each with its frame', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 1000);
    seg(d, sink, 1000, 0, 'hello ', 2);
    seg(d, sink, 1000, 6, 'world', 3);
    expect(sink.out).toEqual(['hello ', 'world']);
    expect(sink.frames).toEqual([2, 3]);
    expect(d.retransmissions).toBe(0);
  });

  it('a sink that wants no more bytes gets none: later segments are counted and sequenced, gaps still reported', () => {
    const d = new CountingDirection('c2s');
    const sink = new (class extends Sink {
      override data(dir: Direction, b: Uint8Array, frame: number): boolean {
        super.data(dir, b, frame);
        return false;
      }
    })();
    syn(d, 100);
    seg(d, sink, 100, 0, 'first', 2);
    expect(d.dataless).toBe(true);
    seg(d, sink, 100, 5, 'second', 3);
    seg(d, sink, 100, 20, 'later', 4); // ahead of a 9-byte hole: held without a copy
    expect(d.heldSegments).toBe(1);
    d.flush(sink);
    expect(sink.out).toEqual(['first', '[gap 9]']);
    expect(sink.frames).toEqual([2, 4]);
    expect(d.deliveredBytes).toBe(5 + 6 + 5);
    expect(d.gapBytes).toBe(9);
  });

  it('buffers out-of-order segments, keeping their own frames', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 5);
    seg(d, sink, 5, 8, 'CCCC', 2);
    seg(d, sink, 5, 4, 'BBBB', 3);
    expect(sink.out).toEqual([]);
    expect(d.heldSegments).toBe(2);
    seg(d, sink, 5, 0, 'AAAA', 4);
    expect(sink.stream).toBe('AAAABBBBCCCC');
    expect(sink.frames).toEqual([4, 3, 2]);
    expect(d.retransmissions).toBe(0);
  });

  it('delivers retransmitted and overlapping bytes once and counts retransmissions', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 0);
    seg(d, sink, 0, 0, 'abcdef', 2);
    expect(seg(d, sink, 0, 0, 'abcdef', 3)).toBe(true); // exact retransmission
    expect(seg(d, sink, 0, 3, 'defGHI', 4)).toBe(true); // overlaps the tail, adds new bytes
    expect(seg(d, sink, 0, 9, 'jkl', 5)).toBe(false);
    expect(sink.stream).toBe('abcdefGHIjkl');
    expect(sink.frames).toEqual([2, 4, 5]);
    expect(d.retransmissions).toBe(2);
  });

  it('tells out-of-order repeats from retransmissions as tshark does: soon after the last new bytes, not ending at the highest', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 0);
    let frame = 2;
    // 30 units of 0.1 ms: tshark's 3 ms window when the handshake's round trip is unknown.
    const send = (seq: number, len: number, time: number, window = 30) => d.segment(stamp(seq, frame++, time), false, false, new Uint8Array(len), 0, len, 0, sink, window);
    expect(send(1, 100, 1000)).toBe(false);
    expect(send(101, 100, 1000.0001)).toBe(false); // the highest byte seen is now 200
    expect(send(1, 100, 1000.001)).toBe(false); // 0.9 ms after the last new bytes, ending short of the highest: out of order
    expect(send(101, 100, 1000.002)).toBe(true); // ends at the highest: a retransmission, however soon
    expect(send(1, 100, 1000.5)).toBe(true); // 500 ms on: a retransmission
    expect(send(1, 100, 1000.5001, 0)).toBe(true); // no window (a caller that does not tell them apart): every repeat counts
    expect(send(201, 10, 1000.6)).toBe(false);
    // A FIN is the sequence number after the data: bytes ending at the last data byte do not end at the highest.
    expect(d.segment(stamp(211, frame++, 1000.6), false, true, new Uint8Array(0), 0, 0, 0, sink, 30)).toBe(false);
    expect(send(201, 10, 1000.601)).toBe(false);
    expect(d.retransmissions).toBe(3);
    expect(sink.stream.length).toBe(210);
  });

  it('counts a repeated out-of-order segment as a retransmission, not twice-held', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 0);
    seg(d, sink, 0, 4, 'EFGH', 2);
    expect(seg(d, sink, 0, 4, 'EFGH', 3)).toBe(true);
    expect(d.heldSegments).toBe(1);
    seg(d, sink, 0, 0, 'ABCD', 4);
    expect(sink.stream).toBe('ABCDEFGH');
  });

  it('counts a repeated SYN and a repeated FIN', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    expect(syn(d, 77)).toBe(false);
    expect(syn(d, 77)).toBe(true);
    seg(d, sink, 77, 0, 'bye', 3, { fin: true });
    expect(d.segment(stamp(77 + 1 + 3, 4, 4), false, true, new Uint8Array(0), 0, 0, 0, sink)).toBe(true);
    expect(d.retransmissions).toBe(2);
  });

  it('reports a hole the peer acknowledged past, then carries on', () => {
    const d = new CountingDirection('s2c');
    const sink = new Sink();
    syn(d, 100);
    seg(d, sink, 100, 0, '0123', 2);
    seg(d, sink, 100, 10, 'ABCD', 3); // bytes 4..9 were never captured
    d.acked(100 + 1 + 8, 0, 0, sink); // an ACK inside the hole: nothing proven past the hole's end yet
    expect(sink.stream).toBe('0123');
    d.acked(100 + 1 + 14, 0, 0, sink);
    expect(sink.stream).toBe('0123[gap 6]ABCD');
    expect(sink.frames).toEqual([2, 3, 3]);
    expect(d.gapBytes).toBe(6);
    seg(d, sink, 100, 14, 'EF', 4);
    expect(sink.stream).toBe('0123[gap 6]ABCDEF');
  });

  it('ignores ACKs that do not pass a hole, and bogus far jumps', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 0);
    seg(d, sink, 0, 0, 'ab', 2);
    seg(d, sink, 0, 5, 'fg', 3);
    d.acked(3, 0, 0, sink);
    d.acked((1 << 30) + 100, 0, 0, sink);
    expect(sink.stream).toBe('ab');
    d.flush(sink);
    expect(sink.stream).toBe('ab[gap 3]fg');
  });

  it('skips the oldest hole when the out-of-order bound is reached', () => {
    const d = new CountingDirection('c2s', { maxSegments: 3 });
    const sink = new Sink();
    syn(d, 0);
    seg(d, sink, 0, 0, 'a', 2);
    seg(d, sink, 0, 2, 'c', 3);
    seg(d, sink, 0, 4, 'e', 4);
    seg(d, sink, 0, 6, 'g', 5);
    expect(sink.stream).toBe('a');
    seg(d, sink, 0, 8, 'i', 6);
    expect(sink.stream).toBe('a[gap 1]c');
    expect(d.heldSegments).toBe(3);
    const bytes = new CountingDirection('c2s', { maxBytes: 8 });
    const s2 = new Sink();
    syn(bytes, 0);
    seg(bytes, s2, 0, 10, '12345', 2);
    seg(bytes, s2, 0, 20, '67890', 3);
    expect(s2.stream).toBe('[gap 10]12345');
  });

  it('handles sequence numbers that wrap around 2^32', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    const isn = 0xfffffff8 | 0; // data starts 7 bytes before the wrap
    syn(d, isn);
    seg(d, sink, isn, 0, 'abcd', 2);
    seg(d, sink, isn, 10, 'klmn', 3); // after the wrap, out of order
    seg(d, sink, isn, 4, 'efghij', 4); // crosses 2^32
    expect(d.retransmissions).toBe(0);
    seg(d, sink, isn, 4, 'efghij', 5);
    expect(d.retransmissions).toBe(1);
    expect(sink.stream).toBe('abcdefghijklmn');
    expect(d.nextSeq >>> 0).toBe((isn + 1 + 14) >>> 0);
  });

  it('starts mid-stream at the first sequence number seen', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    seg(d, sink, 5_000_000, 0, 'mid', 1);
    seg(d, sink, 5_000_000, 3, 'dle', 2);
    expect(sink.stream).toBe('middle');
    expect(seg(d, sink, 5_000_000, -2, 'XXd', 3)).toBe(true);
    expect(sink.stream).toBe('middle');
  });

  it('delivers what a snaplen left and a gap for the rest', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 0);
    seg(d, sink, 0, 0, 'abc', 2, { missing: 5 });
    seg(d, sink, 0, 8, 'xyz', 3);
    expect(sink.stream).toBe('abc[gap 5]xyz');
    expect(d.gapBytes).toBe(5);
  });

  it('flushes held segments with gaps when the stream ends', () => {
    const d = new CountingDirection('c2s');
    const sink = new Sink();
    syn(d, 0);
    seg(d, sink, 0, 3, 'def', 2);
    seg(d, sink, 0, 10, 'klm', 3);
    d.flush(sink);
    expect(sink.stream).toBe('[gap 3]def[gap 4]klm');
    expect(d.gapBytes).toBe(7);
  });

  it('keeps sequence bookkeeping without a sink (no copies)', () => {
    const d = new CountingDirection('c2s');
    syn(d, 0);
    d.segment(stamp(1 + 4, 2, 2), false, false, new Uint8Array(4), 0, 4, 0, null);
    d.segment(stamp(1, 3, 3), false, false, new Uint8Array(4), 0, 4, 0, null);
    expect(d.deliveredBytes).toBe(8);
    expect(d.segment(stamp(1, 4, 4), false, false, new Uint8Array(4), 0, 4, 0, null)).toBe(true);
  });

  it('delivers the exact stream for any order, duplication and split of the segments', () => {
    // Property: however segments are split, reordered and repeated, the delivered stream is the original
    // (the held bound is large enough that nothing is skipped), and each byte comes exactly once.
    const original = Array.from({ length: 200 }, (_, i) => String.fromCharCode(33 + (i % 90))).join('');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 199 }), { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (cuts, order, repeats, isnRaw) => {
          const isn = isnRaw | 0;
          const bounds = [0, ...cuts.sort((a, b) => a - b), 200];
          const pieces = bounds.slice(1).map((end, i) => [bounds[i], end] as const);
          const seq = pieces.slice();
          for (let i = 0; i < order.length && seq.length > 1; i++) {
            const j = order[i] % seq.length;
            const k = (i * 7 + 3) % seq.length;
            [seq[j], seq[k]] = [seq[k], seq[j]];
          }
          for (const r of repeats) seq.splice(r % (seq.length + 1), 0, pieces[r % pieces.length]);
          const d = new CountingDirection('c2s');
          const sink = new Sink();
          syn(d, isn);
          seq.forEach(([a, b], i) => seg(d, sink, isn, a, original.slice(a, b), i + 2));
          d.flush(sink);
          expect(sink.stream).toBe(original);
          expect(d.gapBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('TcpDirection: bytes the peer acknowledged that the capture never showed', () => {
  /** An ACK from the peer in frame `frame` at time `time` for relative offset `upTo` of a stream based at isn+1. */
  const ack = (d: TcpDirection, sink: Sink, isn: number, upTo: number, frame: number, time: number) => d.acked((isn + 1 + upTo) | 0, frame, time, sink);
  /** A server direction and a sink that notes each gap with its frame and time. */
  const timedGaps = () => {
    const d = new CountingDirection('s2c');
    const sink = new Sink();
    const times: number[] = [];
    sink.gap = (_dir: Direction, length: number, frame: number, time: number) => {
      sink.out.push(`[gap ${length}]`);
      sink.frames.push(frame);
      times.push(time);
    };
    return { d, sink, times };
  };

  it('a reply dropped at the capture point with nothing after it is a gap once a later ACK still claims it, at the first ACK', () => {
    const { d, sink, times } = timedGaps();
    syn(d, 500);
    seg(d, sink, 500, 0, 'reply1', 3);
    ack(d, sink, 500, 6, 4, 0.01); // what was seen: nothing to say
    ack(d, sink, 500, 16, 6, 0.5); // 10 bytes acknowledged, none captured: noted, not yet believed
    expect(sink.out).toEqual(['reply1']);
    ack(d, sink, 500, 16, 7, 0.55); // too soon after: still a possible reordering
    expect(sink.out).toEqual(['reply1']);
    ack(d, sink, 500, 16, 9, 30.5);
    expect(sink.out).toEqual(['reply1', '[gap 10]']);
    expect(sink.frames).toEqual([3, 6]);
    expect(times).toEqual([0.5]);
    expect(d.gapBytes).toBe(10);
    // What follows the hole is delivered as usual.
    seg(d, sink, 500, 16, 'reply3', 10);
    expect(sink.out).toEqual(['reply1', '[gap 10]', 'reply3']);
  });

  it('a hole a later ACK extended is a gap at each part’s own proof (a reply due by the later one may be in the second)', () => {
    const { d, sink, times } = timedGaps();
    syn(d, 500);
    seg(d, sink, 500, 0, 'reply1', 3);
    ack(d, sink, 500, 16, 6, 0.5); // 10 bytes acknowledged, none captured
    ack(d, sink, 500, 40, 8, 0.55); // 24 more, proven by frame 8
    ack(d, sink, 500, 40, 9, 30.5);
    expect(sink.out).toEqual(['reply1', '[gap 10]', '[gap 24]']);
    expect(sink.frames).toEqual([3, 6, 8]);
    expect(times).toEqual([0.5, 0.55]);
    expect(d.gapBytes).toBe(34);
  });

  it('an ACK captured just before the data it acknowledges loses nothing', () => {
    const d = new CountingDirection('s2c');
    const sink = new Sink();
    syn(d, 500);
    ack(d, sink, 500, 6, 2, 0.1);
    seg(d, sink, 500, 0, 'reply1', 3);
    ack(d, sink, 500, 6, 4, 5);
    d.flush(sink);
    expect(sink.out).toEqual(['reply1']);
    expect(d.gapBytes).toBe(0);
    expect(d.retransmissions).toBe(0);
  });

  it('data that starts past acknowledged bytes settles them at once, as does the end of the stream', () => {
    const d = new CountingDirection('s2c');
    const sink = new Sink();
    syn(d, 500);
    ack(d, sink, 500, 8, 2, 0.1);
    seg(d, sink, 500, 8, 'next', 3);
    expect(sink.out).toEqual(['[gap 8]', 'next']);
    expect(sink.frames).toEqual([2, 3]);
    ack(d, sink, 500, 20, 4, 0.2);
    d.flush(sink);
    expect(sink.out).toEqual(['[gap 8]', 'next', '[gap 8]']);
    expect(sink.frames).toEqual([2, 3, 4]);
  });

  it('one byte past the last seen is a FIN the capture missed, not data; a FIN past acknowledged bytes settles them', () => {
    const d = new CountingDirection('s2c');
    const sink = new Sink();
    syn(d, 500);
    seg(d, sink, 500, 0, 'bye', 2);
    ack(d, sink, 500, 4, 3, 0.1);
    ack(d, sink, 500, 4, 5, 9);
    d.flush(sink);
    expect(sink.out).toEqual(['bye']);

    const e = new CountingDirection('s2c');
    const sink2 = new Sink();
    syn(e, 500);
    ack(e, sink2, 500, 12, 2, 0.1);
    seg(e, sink2, 500, 12, '', 3, { fin: true });
    expect(sink2.out).toEqual(['[gap 12]']);
    expect(sink2.frames).toEqual([2]);
  });

  it('an ACK past held segments and past the bytes after them reports both holes', () => {
    const d = new CountingDirection('s2c');
    const sink = new Sink();
    syn(d, 500);
    seg(d, sink, 500, 4, 'held', 2); // bytes 0-3 missing
    ack(d, sink, 500, 12, 3, 0.1); // acknowledges the held segment and 4 bytes after it
    expect(sink.out).toEqual(['[gap 4]', 'held']);
    d.flush(sink);
    expect(sink.out).toEqual(['[gap 4]', 'held', '[gap 4]']);
    expect(sink.frames).toEqual([2, 2, 3]);
  });
});
