import { describe, expect, it } from 'vitest';
import { PduStream, type PduFraming, type PduMeta } from '../../src/decoders/framing.js';
import type { Anomaly } from '../../src/decoders/types.js';

/** A toy protocol: 'M' marker, 1-byte body length, body. Enough to exercise splitting, joining and resync. */
const toy: PduFraming = {
  pduLength(buf, off, avail) {
    if (avail < 1) return 0;
    if (buf[off] !== 0x4d) return -1;
    if (avail < 2) return 0;
    return 2 + buf[off + 1];
  },
  resync(buf, from, avail) {
    for (let i = from; i < from + avail; i++) if (buf[i] === 0x4d) return i;
    return -1;
  },
};

const msg = (body: string): Uint8Array => new Uint8Array([0x4d, body.length, ...[...body].map((c) => c.charCodeAt(0))]);
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};
const text = (b: Uint8Array): string => String.fromCharCode(...b.subarray(2));

function collect(framing: PduFraming = toy) {
  const pdus: { body: string; meta: PduMeta }[] = [];
  const anomalies: Anomaly[] = [];
  const s = new PduStream(framing, (p, meta) => pdus.push({ body: text(p), meta: { ...meta, frames: [...meta.frames] } }), (a) => anomalies.push(a));
  return { s, pdus, anomalies };
}

describe('PduStream', () => {
  const stream = cat(msg('hello'), msg(''), msg('a longer message body'), msg('x'));

  it('counts past a message the caller skips, across chunks, and goes on with the next one in step', () => {
    const { s, pdus, anomalies } = collect();
    const skipped = msg('not read by anyone');
    s.skipMessage(5, skipped.length, 1);
    expect(s.skipping).toBe(skipped.length - 5);
    expect(s.idle).toBe(true);
    s.skipMore(3, 2);
    // data() takes the rest of the skipped message first, then parses what follows.
    s.data(cat(skipped.subarray(8), msg('next')), 3, 0);
    expect(s.skipping).toBe(0);
    expect(pdus.map((p) => [p.body, p.meta.offset, p.meta.frames.join()])).toEqual([['next', skipped.length, '3']]);
    s.finish();
    expect(anomalies).toEqual([]);
  });

  it('reports a skipped message cut by a gap or by the end as one it had buffered', () => {
    const skipped = msg('not read by anyone');
    const a = collect();
    a.s.data(msg('x'), 1, 0);
    a.s.skipMessage(4, skipped.length, 2);
    a.s.gap(10, 3, 0);
    expect(a.anomalies.map((x) => [x.code, x.frame, x.offset, x.message])).toEqual([
      ['message-cut-by-gap', 3, 3, '4 bytes of a message were followed by 10 bytes that were not captured; that message is lost'],
    ]);
    const b = collect();
    b.s.skipMessage(4, skipped.length, 2);
    b.s.skipMore(6, 5);
    b.s.finish();
    expect(b.anomalies.map((x) => [x.code, x.frame, x.offset, x.message])).toEqual([
      ['incomplete-message', 5, 0, 'the stream ended 10 bytes into a message that was never completed'],
    ]);
  });

  it('splits several messages carried in one segment', () => {
    const { s, pdus, anomalies } = collect();
    s.data(stream, 7, 1.5);
    expect(pdus.map((p) => p.body)).toEqual(['hello', '', 'a longer message body', 'x']);
    expect(pdus.map((p) => p.meta.offset)).toEqual([0, 7, 9, 32]);
    expect(pdus.every((p) => p.meta.frames.join() === '7')).toBe(true);
    expect(anomalies).toEqual([]);
  });

  it('gives the same messages at every split point, with the frames that carried each one', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { s, pdus, anomalies } = collect();
      s.data(stream.subarray(0, cut), 1, 1);
      s.data(stream.subarray(cut), 2, 2);
      expect(pdus.map((p) => p.body)).toEqual(['hello', '', 'a longer message body', 'x']);
      expect(anomalies).toEqual([]);
      for (const p of pdus) {
        const startsBefore = p.meta.offset < cut;
        const endsAfter = p.meta.offset + 2 + p.body.length > cut;
        const expected = startsBefore && endsAfter ? [1, 2] : startsBefore ? [1] : [2];
        expect(p.meta.frames).toEqual(expected);
      }
    }
  });

  it('reassembles a stream fed one byte per segment', () => {
    const { s, pdus } = collect();
    stream.forEach((b, i) => s.data(new Uint8Array([b]), i + 1, i));
    expect(pdus.map((p) => p.body)).toEqual(['hello', '', 'a longer message body', 'x']);
    expect(pdus[0].meta.frames).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pdus[0].meta.time).toBe(6);
  });

  it('drops the message cut by a gap and resynchronises on the next one', () => {
    const { s, pdus, anomalies } = collect();
    const first = msg('first');
    const second = msg('second');
    s.data(first, 1, 1);
    s.data(second.subarray(0, 3), 2, 2); // start of 'second'
    s.gap(4, 3, 3); // the rest of 'second' was never captured
    s.data(cat(new Uint8Array([0x01, 0x02]), msg('third')), 4, 4); // stray tail bytes, then a real message
    expect(pdus.map((p) => p.body)).toEqual(['first', 'third']);
    expect(pdus[1].meta.offset).toBe(first.length + 3 + 4 + 2); // 3 bytes captured, 4 missing, 2 stray
    expect(anomalies.map((a) => a.code)).toEqual(['message-cut-by-gap', 'resynchronised']);
  });

  it('reports bytes that cannot start a message and carries on', () => {
    const { s, pdus, anomalies } = collect();
    s.data(cat(new Uint8Array([0x00, 0x11]), msg('ok')), 9, 9);
    expect(pdus.map((p) => p.body)).toEqual(['ok']);
    expect(anomalies[0]).toMatchObject({ code: 'not-a-message', frame: 9, offset: 0 });
  });

  it('reports a message left incomplete when the stream ends', () => {
    const { s, pdus, anomalies } = collect();
    s.data(msg('complete'), 1, 1);
    s.data(msg('partial').subarray(0, 4), 2, 2);
    s.finish();
    expect(pdus.map((p) => p.body)).toEqual(['complete']);
    expect(anomalies).toEqual([expect.objectContaining({ code: 'incomplete-message', frame: 2, offset: 10 })]);
  });

  it('with metaIsTransient, passes one reused meta object and the same offsets, frames and times', () => {
    const transient = collect({ ...toy, metaIsTransient: true });
    const fresh = collect();
    const seen = new Set<PduMeta>();
    const frameLists: number[][] = [];
    const s = new PduStream(
      { ...toy, metaIsTransient: true },
      (_p, meta) => {
        seen.add(meta);
        frameLists.push(meta.frames);
      },
      () => {},
    );
    // Whole messages, a message split over three segments, and a gap with resync: every path that emits.
    const parts = [cat(msg('one'), msg('two')), msg('split over').subarray(0, 4), msg('split over').subarray(4, 9), msg('split over').subarray(9)];
    for (const { s: stream } of [transient, fresh, { s }]) {
      parts.forEach((part, i) => stream.data(part, i + 1, 10 + i));
      stream.gap(3, 5, 14);
      stream.data(cat(new Uint8Array([0x01]), msg('after gap')), 6, 15);
    }
    expect(transient.pdus).toEqual(fresh.pdus);
    expect(transient.anomalies).toEqual(fresh.anomalies);
    expect(fresh.pdus.map((p) => p.body)).toEqual(['one', 'two', 'split over', 'after gap']);
    expect(seen.size).toBe(1);
    // The frames array is still a fresh one per PDU (DecodedMessage.frames keeps it).
    expect(new Set(frameLists).size).toBe(frameLists.length);
    expect(frameLists).toEqual([[1], [1], [2, 3, 4], [6]]);
  });

  it('does not keep the caller buffer: later reuse of the input does not change emitted messages', () => {
    const bodies: string[] = [];
    const s = new PduStream(toy, (p) => bodies.push(text(p)), () => {});
    const buf = cat(msg('abc'), msg('de').subarray(0, 2));
    s.data(buf, 1, 1);
    buf.fill(0); // the caller reuses its buffer
    s.data(new Uint8Array([0x64, 0x65]), 2, 2);
    expect(bodies).toEqual(['abc', 'de']);
  });
});
