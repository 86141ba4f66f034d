/**
 * A shard's lone heartbeats go to the main thread as rows of numbers (src/parallel/heartbeat-rows.ts). A row must
 * give back the message the shard's decoder made, key for key and in the same order, and the event a
 * single-threaded decoder would have offered: on every heartbeat of every sample and of a generated SPAN capture,
 * decoded as a shard decodes (messages forgotten). Messages a row cannot carry whole are not taken for rows.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/reader.js';
import { createDecodePipeline, sourceInfo } from '../../src/decode-pipeline.js';
import type { DecodedMessage } from '../../src/decoders/types.js';
import { buildSpanCapture } from '../../src/lab/synth/span.js';
import { HeartbeatRowReader, HeartbeatRowWriter, isPlainHeartbeat } from '../../src/parallel/heartbeat-rows.js';

const root = join(__dirname, '..', '..');

function decodeAll(bytes: Uint8Array, name: string): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const pipeline = createDecodePipeline({ decode: { forgetEmitted: true }, onMessage: (m) => out.push(m) });
  const summary = readCaptureBytes(bytes, pipeline.sink);
  pipeline.finish(sourceInfo([name], [summary]));
  return out;
}

const isHeartbeat = (m: DecodedMessage): boolean => m.protocol === 'ged188' && (m.type === 'HEARTBEAT_REQ' || m.type === 'HEARTBEAT_CONF');

/** Every plain heartbeat through a writer and a reader; returns how many there were. */
function roundTrip(messages: DecodedMessage[]): number {
  const plain = messages.filter(isPlainHeartbeat);
  const writer = new HeartbeatRowWriter();
  // Several takes, as rounds: each buffer stands alone.
  const rounds: Array<{ rows: Float64Array; messages: DecodedMessage[] }> = [];
  for (let i = 0; i < plain.length; i += 500) {
    const part = plain.slice(i, i + 500);
    for (const m of part) writer.write(m);
    expect(writer.count).toBe(part.length);
    rounds.push({ rows: writer.take(), messages: part });
  }
  for (const { rows, messages: part } of rounds) {
    const reader = new HeartbeatRowReader(rows);
    for (const m of part) {
      expect(reader.done).toBe(false);
      expect(reader.frame).toBe(m.frame);
      expect(reader.flowId).toBe(m.flowId);
      const h = reader.toEvent(m.flowId + 1000);
      expect({ ...h, frames: [...h.frames] }).toEqual({
        flowId: m.flowId + 1000,
        direction: m.direction,
        reply: m.type === 'HEARTBEAT_CONF',
        invokeId: m.fields.invokeId,
        frame: m.frame,
        frames: m.frames,
        time: m.time,
      });
      const back = reader.toMessage(m.flowId, m.client, m.server);
      // JSON keeps key order: the rebuilt message is the decoder's, property for property.
      expect(JSON.stringify(back)).toBe(JSON.stringify(m));
      reader.next();
    }
    expect(reader.done).toBe(true);
  }
  return plain.length;
}

describe('heartbeat rows', () => {
  const samples = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.pcapng'));

  it.each(samples)('give back every plain heartbeat of %s', (file) => {
    const messages = decodeAll(new Uint8Array(readFileSync(join(root, 'samples', file))), file);
    const heartbeats = messages.filter(isHeartbeat);
    const plain = roundTrip(messages);
    // Nearly every heartbeat is plain: one with an anomaly is the exception.
    expect(plain).toBeGreaterThanOrEqual(heartbeats.length - heartbeats.filter((m) => m.anomalies).length);
    for (const m of messages) if (!isHeartbeat(m) || m.anomalies || m.raw) expect(isPlainHeartbeat(m)).toBe(false);
  });

  it('give back every heartbeat of a generated SPAN capture, paired replies and split ones included', () => {
    const chunks: Uint8Array[] = [];
    buildSpanCapture({ workstations: 40, failureRate: 0.2, seed: 5, targetPackets: 20_000, onChunk: (c: Uint8Array) => chunks.push(c.slice()) });
    const bytes = new Uint8Array(Buffer.concat(chunks));
    const messages = decodeAll(bytes, 'span.pcapng');
    const plain = messages.filter(isPlainHeartbeat);
    expect(plain.length).toBeGreaterThan(1000);
    expect(plain.some((m) => m.pairedFrame !== undefined)).toBe(true);
    expect(plain.some((m) => m.fields.tagWidth === 2) || plain.some((m) => m.fields.tagWidth === 1)).toBe(true);
    expect(roundTrip(messages)).toBe(plain.length);
  });

  it('are not taken for a message a row cannot carry', () => {
    const messages = decodeAll(new Uint8Array(readFileSync(join(root, 'samples', 'span-many-agents.pcapng'))), 'span-many-agents.pcapng');
    const base = messages.find(isPlainHeartbeat)!;
    expect(base).toBeDefined();
    const variants: DecodedMessage[] = [
      { ...base, anomalies: [{ code: 'x', message: 'x', frame: base.frame }] as never },
      { ...base, raw: new Uint8Array(12) },
      { ...base, length: 16 },
      { ...base, type: 'CLOSE_REQ' },
      { ...base, protocol: 'giop' },
      { ...base, fields: { ...base.fields, tagWidthEvidence: 'ambiguous' } },
      { ...base, fields: { ...base.fields, tagWidth: 3 } },
    ];
    for (const v of variants) expect(isPlainHeartbeat(v)).toBe(false);
    // A request paired as if it were a reply.
    const req = messages.find((m) => isPlainHeartbeat(m) && m.type === 'HEARTBEAT_REQ')!;
    expect(isPlainHeartbeat({ ...req, pairedFrame: 1, responseTime: 0 })).toBe(false);
  });

  it('carry a heartbeat split over several frames', () => {
    const messages = decodeAll(new Uint8Array(readFileSync(join(root, 'samples', 'span-many-agents.pcapng'))), 'span-many-agents.pcapng');
    const base = messages.find(isPlainHeartbeat)!;
    const split: DecodedMessage = { ...base, frames: [base.frame - 2, base.frame - 1, base.frame] };
    expect(isPlainHeartbeat(split)).toBe(true);
    expect(roundTrip([split])).toBe(1);
  });
});
