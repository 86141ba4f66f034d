/** Shared by the live UI tests: reading /api/live as a page would, and replaying a sample as a live capture. */

import { readFileSync } from 'node:fs';
import { createCaptureReader } from '../../src/capture/reader.js';
import type { CapturedPacket } from '../../src/capture/types.js';
import type { AnalysisDocument, Workstation } from '../../src/timeline/model.js';
import type { LiveSession } from '../../src/cli/live.js';

export interface SseEvent {
  event: string;
  data: string;
  /** Milliseconds since the stream was opened. */
  at: number;
}

/** Every packet of a capture file, copied (the reader reuses its packet object). */
export function readPackets(path: string): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  const reader = createCaptureReader({ packet: (p) => out.push({ ...p, data: p.data.slice() }) });
  reader.push(new Uint8Array(readFileSync(path)));
  reader.end();
  return out;
}

/** Feeds packets to a live session `gapMs` apart, as a capture would deliver them. */
export async function replay(session: LiveSession, packets: CapturedPacket[], gapMs: number): Promise<void> {
  for (const p of packets) {
    session.sink.packet(p);
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

/**
 * Opens an event stream with fetch and collects its events until the stream ends, `until` returns true, or
 * `timeoutMs` passes. Comment lines (heartbeats) are collected as event ':'.
 */
export async function readEvents(url: string, opts: { until?(events: SseEvent[]): boolean; timeoutMs: number; headers?: Record<string, string> }): Promise<{ events: SseEvent[]; status: number; headers: Headers; ended: boolean }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs);
  const started = performance.now();
  const events: SseEvent[] = [];
  let ended = false;
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream', ...opts.headers } });
  try {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) event = ':';
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
          else if (line.startsWith('retry: ')) event = 'retry';
        }
        events.push({ event, data: data.join('\n'), at: performance.now() - started });
      }
      if (opts.until?.(events)) break;
    }
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { events, status: res.status, headers: res.headers, ended };
}

/**
 * Rebuilds the documents a page sees from the events, as the page does: `analysis` replaces the document,
 * `delta` replaces the workstations that changed. Checks that each delta follows the document it was made from.
 */
export function documentsOf(events: SseEvent[]): AnalysisDocument[] {
  const docs: AnalysisDocument[] = [];
  let current: AnalysisDocument | undefined;
  let seq = 0;
  for (const e of events) {
    if (e.event === 'analysis') {
      const j = JSON.parse(e.data) as { seq: number; doc: AnalysisDocument };
      current = j.doc;
      seq = j.seq;
      docs.push(current);
    } else if (e.event === 'delta') {
      const j = JSON.parse(e.data) as { seq: number; base: number; top: Omit<AnalysisDocument, 'workstations'>; hosts: string[]; changed: Workstation[] };
      if (j.base !== seq) throw new Error(`delta ${j.seq} made from ${j.base}, but the page holds ${seq}`);
      const byHost = new Map((current?.workstations ?? []).map((w) => [w.host, w]));
      for (const w of j.changed) byHost.set(w.host, w);
      current = { ...j.top, workstations: j.hosts.map((h) => byHost.get(h)!) } as AnalysisDocument;
      seq = j.seq;
      docs.push(current);
    }
  }
  return docs;
}

export function withoutFiles(doc: AnalysisDocument): unknown {
  return { ...doc, source: { ...doc.source, files: [] } };
}
