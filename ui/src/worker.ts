/**
 * The analysis worker: a dropped capture runs through the same pipeline as the CLI, here, off the page's
 * thread, so the page stays responsive and nothing leaves the browser. Decoded messages are kept (bounded per
 * workstation) for the details pane and the ladder view, and handed out on request.
 */

/// <reference lib="webworker" />

import { createPipeline, sourceInfo } from '../../src/pipeline.js';
import { readCaptureBlob } from '../../src/capture/source-web.js';
import { CaptureError, type CaptureSummary } from '../../src/capture/types.js';
import { MessageStore } from './message-store.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { FlowRecord } from '../../src/decoders/types.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { buildEvidence } from './evidence.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let store = new MessageStore();
/** The last analysis, kept for the evidence download (built from the same file's bytes on request). */
let last: { file: Blob; name: string; doc: AnalysisDocument; flows: FlowRecord[] } | null = null;

function post(msg: FromWorker): void {
  scope.postMessage(msg);
}

async function analyze(file: Blob, name: string, showSecrets: boolean, reference = false): Promise<void> {
  const started = performance.now();
  // A reference capture (for a comparison) leaves the current analysis, its messages and its file in place.
  const messages = new MessageStore({ hideSecretBytes: !showSecrets });
  if (!reference) store = messages;
  const flows: FlowRecord[] = [];
  if (!reference) last = null;
  const pipeline = createPipeline({
    analyze: true,
    decode: { showSecrets, keepRaw: true },
    onMessage: (m) => messages.add(m),
    onFlowEnd: (r) => flows.push(r),
  });
  let packets = 0;
  let lastPost = 0;
  const counting = {
    packet: (p: Parameters<typeof pipeline.sink.packet>[0]) => {
      packets++;
      pipeline.sink.packet(p);
    },
    names: pipeline.sink.names,
    warning: pipeline.sink.warning,
  };
  const summaries: CaptureSummary[] = [];
  try {
    const summary = await readCaptureBlob(file, counting, {
      file: name,
      onProgress: (bytesRead: number, totalBytes?: number) => {
        const now = performance.now();
        if (now - lastPost < 80) return;
        lastPost = now;
        post({ type: 'progress', bytesRead, totalBytes: totalBytes ?? file.size, packets });
      },
    });
    summaries.push(summary);
  } catch (e) {
    if (!(e instanceof CaptureError) || packets === 0) throw e;
    // Packets before a fatal error were analysed; keep them and say what stopped the reading.
    pipeline.sink.warning?.({ code: e.code, message: e.message, file: name, offset: e.offset, frame: e.frame });
    const partial = (e as CaptureError & { summary?: CaptureSummary }).summary;
    if (partial) summaries.push(partial);
  }
  post({ type: 'progress', bytesRead: file.size, totalBytes: file.size, packets });
  const result = pipeline.finish(sourceInfo([name], summaries));
  if (!result.doc) throw new Error('the pipeline returned no analysis document');
  if (reference) return post({ type: 'reference', doc: result.doc, name });
  last = { file, name, doc: result.doc, flows };
  post({ type: 'done', doc: result.doc, elapsed: (performance.now() - started) / 1000 });
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'analyze') {
    analyze(msg.file, msg.name, msg.showSecrets, msg.reference).catch((e: unknown) => {
      post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    });
  } else if (msg.type === 'messages') {
    const { messages, total } = store.get(msg.host);
    post({ type: 'messages', host: msg.host, requestId: msg.requestId, messages, total });
  } else if (msg.type === 'evidence') {
    const { host, requestId } = msg;
    if (!last) post({ type: 'evidence', host, requestId, error: 'no capture analysed in this tab' });
    else
      buildEvidence(last.file, last.name, last.doc, last.flows, host).then(
        (r) => post(typeof r === 'string' ? { type: 'evidence', host, requestId, error: r } : { type: 'evidence', host, requestId, bytes: r }),
        (e: unknown) => post({ type: 'evidence', host, requestId, error: e instanceof Error ? e.message : String(e) }),
      );
  }
};
