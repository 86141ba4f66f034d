/**
 * The analysis worker: a dropped capture runs through the same pipeline as the CLI, here, off the page's
 * thread, so the page stays responsive and nothing leaves the browser.
 *
 * Decoded messages (for the details pane and the ladder view) are decoded again when a host's are first asked
 * for, by a pass over the same file that keeps only that host's (bounded per workstation, as before), not kept
 * during the analysis: on a 100 MB capture, holding the first 600 and the latest 200 of every workstation's
 * messages, with their bytes, cost more than the analysis itself and half a gigabyte, for the one or two
 * workstations a user opens. Hosts asked for while a pass runs are decoded together in the next one.
 */

/// <reference lib="webworker" />

import { createDecodePipeline, createPipeline, sourceInfo } from '../../src/pipeline.js';
import { readCaptureBlob } from '../../src/capture/source-web.js';
import { CaptureError, type CaptureSummary } from '../../src/capture/types.js';
import { unreadableRest } from '../../src/capture/unreadable.js';
import { MessageStore } from './message-store.js';
import type { FromWorker, ToWorker } from './protocol.js';
import type { FlowRecord } from '../../src/decoders/types.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { buildEvidence } from './evidence.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
/** The last analysis, kept for the evidence download and the messages (built from the same file's bytes on request). */
let last: { file: Blob; name: string; doc: AnalysisDocument; flows: FlowRecord[]; showSecrets: boolean } | null = null;
/** The last analysis's messages, of the hosts decoded so far. */
let store = new MessageStore();
const loaded = new Set<string>();
/** Requests waiting for a pass, and whether one runs. */
let waiting: { host: string; requestId: number }[] = [];
let passRunning = false;
/** Bumped by every analysis: a pass over an older file gives its requests nothing. */
let generation = 0;

function post(msg: FromWorker): void {
  scope.postMessage(msg);
}

async function analyze(file: Blob, name: string, showSecrets: boolean, reference = false): Promise<void> {
  const started = performance.now();
  // The current analysis, its messages and its file stay until the new one is done: a file that cannot be read
  // (or a reference capture, for a comparison) leaves the capture on show working.
  const flows: FlowRecord[] = [];
  const pipeline = createPipeline({
    analyze: true,
    decode: { showSecrets },
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
    if (partial) {
      // As the CLI does: the rest of the file is missing, as from a capture cut short.
      const rest = unreadableRest(name, e, partial, file.size);
      pipeline.sink.warning?.(rest.warning);
      summaries.push(rest.summary);
    }
  }
  post({ type: 'progress', bytesRead: file.size, totalBytes: file.size, packets });
  const result = pipeline.finish(sourceInfo([name], summaries));
  if (!result.doc) throw new Error('the pipeline returned no analysis document');
  if (reference) return post({ type: 'reference', doc: result.doc, name });
  generation++;
  store = new MessageStore({ hideSecretBytes: !showSecrets });
  // The connections are known now: a host's come with its messages, for the sequence view's connect and close rows.
  for (const f of flows) store.addFlow(f);
  loaded.clear();
  answerEmpty();
  last = { file, name, doc: result.doc, flows, showSecrets };
  post({ type: 'done', doc: result.doc, name, elapsed: (performance.now() - started) / 1000 });
}

function reply(host: string, requestId: number): void {
  const { messages, total, flows } = store.get(host);
  post({ type: 'messages', host, requestId, messages, total, ...(flows ? { flows } : {}) });
}

/** Requests that can no longer be served (a new capture came): nothing for them. */
function answerEmpty(): void {
  for (const w of waiting) post({ type: 'messages', host: w.host, requestId: w.requestId, messages: [], total: 0 });
  waiting = [];
}

function requestMessages(host: string, requestId: number): void {
  if (!last || loaded.has(host)) return reply(host, requestId);
  waiting.push({ host, requestId });
  if (!passRunning) void runPasses();
}

/** Decodes the file again for the hosts asked for, until no request waits. */
async function runPasses(): Promise<void> {
  passRunning = true;
  try {
    while (waiting.length && last) {
      const gen = generation;
      const batch = waiting;
      waiting = [];
      const hosts = new Set(batch.map((w) => w.host).filter((h) => !loaded.has(h)));
      if (hosts.size) await decodeHosts(last, hosts, store);
      if (gen !== generation) continue; // answered empty when the new capture came
      for (const h of hosts) loaded.add(h);
      for (const w of batch) reply(w.host, w.requestId);
    }
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    answerEmpty();
  } finally {
    passRunning = false;
  }
}

/** One pass of the decoders over the analysed file, keeping the messages whose client is one of `hosts`. */
async function decodeHosts(from: NonNullable<typeof last>, hosts: ReadonlySet<string>, into: MessageStore): Promise<void> {
  // Only those hosts' flows are decoded (the others are counted by the flow table, as in the analysis, so that
  // every flow ends where it did): every message is one of theirs, filed by the store under its client's host.
  const pipeline = createDecodePipeline({
    decode: { showSecrets: from.showSecrets, keepRaw: true },
    decodeFlow: (info) => hosts.has(info.clientIp),
    onMessage: into.add,
  });
  try {
    await readCaptureBlob(from.file, pipeline.sink, { file: from.name });
  } catch (e) {
    // The analysis already said what stopped the reading; the messages before it are kept.
    if (!(e instanceof CaptureError)) throw e;
  }
  pipeline.finish(sourceInfo([from.name], []));
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'analyze') {
    analyze(msg.file, msg.name, msg.showSecrets, msg.reference).catch((e: unknown) => {
      post({ type: 'error', message: e instanceof Error ? e.message : String(e), name: msg.name, reference: msg.reference });
    });
  } else if (msg.type === 'messages') {
    requestMessages(msg.host, msg.requestId);
  } else if (msg.type === 'evidence') {
    const { subject, requestId } = msg;
    if (!last) post({ type: 'evidence', subject, requestId, error: 'no capture analysed in this tab' });
    else
      buildEvidence(last.file, last.name, last.doc, last.flows, subject).then(
        (r) => post(typeof r === 'string' ? { type: 'evidence', subject, requestId, error: r } : { type: 'evidence', subject, requestId, fileName: r.fileName, bytes: r.bytes }),
        (e: unknown) => post({ type: 'evidence', subject, requestId, error: e instanceof Error ? e.message : String(e) }),
      );
  }
};
