/**
 * `ctiscope live -i IFACE`: the analysis while the capture runs. Each step and finding is printed as it settles,
 * in the words of `ctiscope analyze`; on Ctrl-C (or --duration) the per-workstation report follows.
 *
 * The live path is the file path: packets go into the same pipeline (createPipeline with analyze on), and the
 * final document is built by the same `finish` call from the same source description, so a capture replayed
 * through `createLiveSession` yields what `analyzeFiles` yields (test/live.test.ts checks this on every sample).
 * The lab (`ctiscope lab`) uses the same session and printer.
 */

import { JsonWriter } from './json-writer.js';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { openLiveCapture, LiveCaptureError, type LiveCapture, type LiveCaptureOptions, type LiveStats } from '../capture/live-node.js';
import { PcapngWriter } from '../capture/writer.js';
import type { CaptureSink, CaptureSummary, CaptureWarning, CapturedPacket } from '../capture/types.js';
import { createPipeline, sourceInfo, type PipelineOptions, type PipelineResult, type ReadSource } from '../pipeline.js';
import type { AnalysisDocument, AnalyzerUpdate } from '../timeline/model.js';
import { renderFindingLines, renderStepLines, renderTextReport } from '../timeline/report-text.js';
import { exitCodeFor } from './analyze.js';
import { CliError, profileOptions, useColor, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';

// ------------------------------------------------------------------------------------------ capture file

export interface CaptureFileOptions {
  /** Where to write (pcapng). With `ring`, the files are named like dumpcap's: out_00001_20240312080000.pcapng. */
  path: string;
  /** Largest size of one file, in bytes. Without `ring`, writing stops there (the analysis goes on). */
  maxBytes?: number;
  /** Keep this many files of at most `maxBytes` each, deleting the oldest (a ring buffer). Needs maxBytes. */
  ring?: number;
  /** Interface name written into the file's IDB. */
  interfaceName?: string;
  /** Told when writing stops at the size limit, or a ring file is started or deleted. */
  onNotice?(message: string): void;
}

/** Bytes of a pcapng Enhanced Packet Block without options. */
function epbLength(caplen: number): number {
  return 32 + ((caplen + 3) & ~3);
}

/**
 * Writes the packets it is handed to a pcapng file, or to a ring of files. Writes are synchronous and small
 * (4 KiB chunks), so the file on disk trails the capture by at most a few KiB and is complete after `close()`.
 */
export class CaptureFileWriter {
  private writer?: PcapngWriter;
  private fd?: number;
  private readonly ifaceOf = new Map<number, number>();
  private headerBytes = 0;
  private sequence = 0;
  private stopped = false;
  /** Files written, oldest first (in ring mode, only those still on disk). */
  readonly files: string[] = [];
  /** Packets written, over all files. */
  packets = 0;

  constructor(private readonly opts: CaptureFileOptions) {
    if (opts.ring !== undefined && (!Number.isInteger(opts.ring) || opts.ring < 1)) throw new RangeError('ring: a whole number of files, at least 1');
    if (opts.ring !== undefined && !opts.maxBytes) throw new RangeError('ring: needs a maximum file size');
    this.openNext();
  }

  private fileName(): string {
    if (this.opts.ring === undefined) return this.opts.path;
    const ext = extname(this.opts.path) || '.pcapng';
    const stem = basename(this.opts.path, extname(this.opts.path));
    const d = new Date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}`;
    return join(dirname(this.opts.path), `${stem}_${String(this.sequence).padStart(5, '0')}_${stamp}${ext}`);
  }

  private openNext(): void {
    this.sequence++;
    const path = this.fileName();
    const fd = openSync(path, 'w');
    this.fd = fd;
    this.files.push(path);
    this.writer = new PcapngWriter({
      application: 'ctiscope live',
      chunkSize: 4096,
      onChunk: (chunk) => writeSync(fd, chunk),
    });
    this.ifaceOf.clear();
    this.headerBytes = this.writer.bytesWritten;
    if (this.opts.ring !== undefined) {
      while (this.files.length > this.opts.ring) {
        const old = this.files.shift()!;
        try {
          unlinkSync(old);
        } catch {
          // already gone
        }
      }
    }
  }

  private closeCurrent(): void {
    if (this.writer && this.fd !== undefined) {
      this.writer.end();
      closeSync(this.fd);
    }
    this.writer = undefined;
    this.fd = undefined;
  }

  /** Writes one packet (its bytes are copied before this returns). */
  write(p: CapturedPacket): void {
    if (this.stopped || !this.writer) return;
    const max = this.opts.maxBytes;
    if (max !== undefined) {
      const need = epbLength(p.caplen) + (this.ifaceOf.has(p.linkType) ? 0 : 64);
      if (this.writer.bytesWritten + need > max && this.writer.bytesWritten > this.headerBytes) {
        if (this.opts.ring === undefined) {
          this.stopped = true;
          this.opts.onNotice?.(`${this.opts.path} reached ${formatMegabytes(max)}: no more packets are written to it (the analysis goes on)`);
          this.closeCurrent();
          return;
        }
        this.closeCurrent();
        this.openNext();
        this.opts.onNotice?.(`ring buffer: now writing ${this.files[this.files.length - 1]}`);
      }
    }
    let iface = this.ifaceOf.get(p.linkType);
    if (iface === undefined) {
      iface = this.writer.addInterface(p.linkType, { name: this.opts.interfaceName });
      this.ifaceOf.set(p.linkType, iface);
    }
    this.writer.writePacket(iface, p.time, p.data.subarray(0, p.caplen), { origLen: p.origLen });
    this.packets++;
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    this.closeCurrent();
    this.stopped = true;
  }
}

function formatMegabytes(bytes: number): string {
  return `${Number((bytes / 1e6).toFixed(3))} MB`;
}

// ------------------------------------------------------------------------------------------ live session

export interface LiveSessionOptions extends Omit<PipelineOptions, 'onUpdate'> {
  /** What the document's `source.files` says, e.g. `live:lo`. */
  label: string;
  onUpdate?(update: AnalyzerUpdate): void;
  /** Keep the packets in a pcapng file (or a ring of files). */
  write?: CaptureFileOptions;
}

export interface LiveSessionResult extends PipelineResult {
  source: ReadSource;
  doc?: AnalysisDocument;
  /** Files the packets were written to (ring mode: those kept). */
  files: string[];
}

export interface LiveSession {
  /** Hand this to a capture (openLiveCapture, or a capture reader replaying a file). */
  readonly sink: CaptureSink;
  readonly packets: number;
  /** Time of the earliest packet so far (seconds since the epoch). */
  readonly firstTime: number | undefined;
  /** The timeline so far, from the same engine as the final document. */
  snapshot(): AnalysisDocument | undefined;
  /** Records what the capture backend says it dropped: a source warning in the document, and the text report. */
  noteCaptureStats(stats: LiveStats): CaptureWarning | undefined;
  /** Ends every open flow and builds the final document (once). */
  finish(): LiveSessionResult;
}

/** The pipeline as live mode drives it: packets in, steps and findings out as they settle, one document at the end. */
export function createLiveSession(opts: LiveSessionOptions): LiveSession {
  const { label, write, ...pipelineOpts } = opts;
  const pipeline = createPipeline({ ...pipelineOpts, analyze: true });
  const fileWriter = write ? new CaptureFileWriter(write) : undefined;
  const warnings: CaptureWarning[] = [];
  let packets = 0;
  let firstTime = Infinity;
  let lastTime = -Infinity;
  let result: LiveSessionResult | undefined;

  const summary = (): CaptureSummary => ({
    format: 'pcap',
    packets,
    bytes: 0,
    interfaces: [],
    sections: 1,
    firstTime: packets ? firstTime : undefined,
    lastTime: packets ? lastTime : undefined,
    truncated: false,
    warnings,
    comments: [],
  });
  const source = (): ReadSource => sourceInfo([label], [summary()]);

  const sink: CaptureSink = {
    packet(p) {
      packets++;
      if (p.time < firstTime) firstTime = p.time;
      if (p.time > lastTime) lastTime = p.time;
      fileWriter?.write(p);
      pipeline.sink.packet(p);
    },
    names(address, list) {
      pipeline.sink.names?.(address, list);
    },
    warning(w) {
      warnings.push(w);
      pipeline.sink.warning?.(w);
    },
  };

  return {
    sink,
    get packets() {
      return packets;
    },
    get firstTime() {
      return packets ? firstTime : undefined;
    },
    snapshot: () => (result ? result.doc : pipeline.snapshot(source())),
    noteCaptureStats(stats) {
      const parts: string[] = [];
      if (stats.dropped) parts.push(`${stats.dropped} dropped by the kernel (capture buffer full)`);
      if (stats.droppedByInterface) parts.push(`${stats.droppedByInterface} dropped by the interface`);
      if (parts.length === 0) return undefined;
      const w: CaptureWarning = {
        code: 'capture-dropped',
        message: `${stats.backend} lost packets: ${parts.join(', ')}; steps around them may be incomplete, and connections that lost bytes are marked capture-gap`,
      };
      sink.warning!(w);
      return w;
    },
    finish() {
      if (result) return result;
      fileWriter?.close();
      const src = source();
      const r = pipeline.finish(src);
      result = { ...r, source: src, files: fileWriter?.files ?? [] };
      return result;
    },
  };
}

// ------------------------------------------------------------------------------------------ printing

export interface LivePrinterOptions {
  color: boolean;
  width?: number;
  write(text: string): void;
  /** Where times count from: the capture's first packet (LiveSession.firstTime); else the first step printed. */
  origin?(): number | undefined;
}

/**
 * Prints each step and finding as it settles: the report's own lines, each behind the workstation's address,
 * times relative to the start of the capture.
 */
export function createLivePrinter(opts: LivePrinterOptions): (update: AnalyzerUpdate) => void {
  let firstStep: number | undefined;
  const hostWidth = 15;
  return (u) => {
    const host = u.workstation.padEnd(hostWidth);
    if (u.kind === 'step' && u.step) {
      firstStep ??= u.step.start;
      const origin = opts.origin?.() ?? firstStep;
      const lines = renderStepLines(u.step, Math.min(origin, u.step.start), { color: opts.color, width: (opts.width ?? 100) - hostWidth - 1 });
      opts.write(lines.map((l) => `${host} ${l}`).join('\n') + '\n');
    } else if (u.kind === 'finding' && u.finding) {
      const lines = renderFindingLines(u.finding, { color: opts.color, width: (opts.width ?? 100) - hostWidth - 1 });
      opts.write(lines.map((l) => `${host} ${l}`).join('\n') + '\n');
    }
  };
}

// ------------------------------------------------------------------------------------------ capture + analysis

export interface LiveAnalysisOptions extends LiveSessionOptions {
  capture: LiveCaptureOptions;
}

export interface LiveAnalysis {
  session: LiveSession;
  capture: LiveCapture;
  /** Stops the capture (idempotent), notes its drops, and returns the final result with the capture statistics. */
  stop(): Promise<{ result: LiveSessionResult; stats?: LiveStats; error?: Error }>;
}

/**
 * Prints how a live capture ended (its error, packet and drop counts, files written) on stderr, then the final
 * report (or the document as JSON) on stdout, and sets the exit status from the outcomes. Shared by `live` and
 * `ui --live` so both end with the same words.
 */
export function reportCaptureEnd(
  stopped: Awaited<ReturnType<LiveAnalysis['stop']>>,
  opts: { json?: boolean; color: boolean; verbose?: boolean },
): AnalysisDocument {
  const { result, stats, error } = stopped;
  const err = (m: string): void => void process.stderr.write(`ctiscope: ${m}\n`);
  if (error) err(`capture ended: ${error.message}`);
  if (stats) err(`${result.source.packets} packets captured${stats.dropped ? `, ${stats.dropped} dropped by the kernel` : ''}`);
  if (result.files.length) err(`packets written to ${result.files.join(', ')}`);
  const doc = result.doc!;
  if (opts.json) {
    // Written in chunks; the caller goes on while the stream drains.
    const w = new JsonWriter(process.stdout, 1);
    w.value(doc);
    w.text('\n');
    w.flush();
  }
  else process.stdout.write('\n' + renderTextReport(doc, { color: opts.color, width: process.stdout.columns, verbose: opts.verbose }));
  process.exitCode = error && result.source.packets === 0 ? ExitCode.BAD_INPUT : exitCodeFor(doc);
  return doc;
}

/** Opens a live capture feeding a live session. Rejects with LiveCaptureError when capture cannot start. */
export async function startLiveAnalysis(opts: LiveAnalysisOptions): Promise<LiveAnalysis> {
  const { capture: captureOpts, ...sessionOpts } = opts;
  const session = createLiveSession(sessionOpts);
  const capture = await openLiveCapture(captureOpts, session.sink);
  let stopping: Promise<{ result: LiveSessionResult; stats?: LiveStats; error?: Error }> | undefined;
  return {
    session,
    capture,
    stop() {
      stopping ??= capture.stop().then(
        (stats) => {
          session.noteCaptureStats(stats);
          return { result: session.finish(), stats };
        },
        (error: Error) => ({ result: session.finish(), error }),
      );
      return stopping;
    },
  };
}

// ------------------------------------------------------------------------------------------ the command

export interface LiveArgs extends CommonArgs {
  interface: string;
  filter?: string;
  snaplen?: number;
  write?: string;
  maxSize?: number;
  ring?: number;
  duration?: number;
  json: boolean;
  color?: boolean;
  verbose?: boolean;
  workstation?: string;
}

/** Checks the command line before anything starts. */
export function captureFileOptions(args: Pick<LiveArgs, 'write' | 'maxSize' | 'ring' | 'interface'>, notice: (m: string) => void): CaptureFileOptions | undefined {
  if (args.ring !== undefined && (!Number.isInteger(args.ring) || args.ring < 1)) throw new CliError(`--ring ${args.ring}: a number of files, 1 or more`, ExitCode.USAGE);
  if (args.maxSize !== undefined && !(args.maxSize > 0)) throw new CliError(`--max-size ${args.maxSize}: a size in MB, more than 0`, ExitCode.USAGE);
  if ((args.ring !== undefined || args.maxSize !== undefined) && !args.write) throw new CliError('--ring and --max-size need --write FILE', ExitCode.USAGE);
  if (args.ring !== undefined && args.maxSize === undefined) throw new CliError('--ring N needs --max-size MB (the size of each file in the ring)', ExitCode.USAGE);
  if (!args.write) return undefined;
  return {
    path: args.write,
    maxBytes: args.maxSize !== undefined ? Math.floor(args.maxSize * 1e6) : undefined,
    ring: args.ring,
    interfaceName: args.interface,
    onNotice: notice,
  };
}

/** Waits for Ctrl-C, SIGTERM or the duration, whichever comes first; `extra` ends the wait too. */
export function waitForStop(durationSeconds: number | undefined, extra?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    const timer = durationSeconds !== undefined ? setTimeout(done, durationSeconds * 1000) : undefined;
    extra?.then(done, done);
  });
}

export async function runLive(args: LiveArgs): Promise<void> {
  if (args.duration !== undefined && !(args.duration > 0)) throw new CliError(`--duration ${args.duration}: seconds, more than 0`, ExitCode.USAGE);
  if (args.snaplen !== undefined && (!Number.isInteger(args.snaplen) || args.snaplen < 64 || args.snaplen > 262144)) throw new CliError(`--snaplen ${args.snaplen}: bytes per packet, 64 to 262144`, ExitCode.USAGE);
  const err = (m: string): void => void process.stderr.write(`ctiscope: ${m}\n`);
  const write = captureFileOptions(args, err);
  // With --json, stdout carries only the final document; the running commentary goes to stderr.
  const out = args.json ? process.stderr : process.stdout;
  const color = useColor(args.color, out);
  let live: LiveAnalysis | undefined;
  const printer = createLivePrinter({ color, width: out.columns ?? 100, write: (t) => void out.write(t), origin: () => live?.session.firstTime });
  try {
    live = await startLiveAnalysis({
      ...profileOptions(args),
      label: `live:${args.interface}`,
      workstation: args.workstation,
      decode: { showSecrets: args.showSecrets },
      onUpdate: printer,
      write,
      capture: { iface: args.interface, filter: args.filter, snaplen: args.snaplen },
    });
  } catch (e) {
    if (e instanceof LiveCaptureError) throw new CliError(e.message, ExitCode.BAD_INPUT);
    if ((e as NodeJS.ErrnoException).code && write) throw new CliError(`--write ${write.path}: ${(e as Error).message}`, ExitCode.USAGE);
    throw e;
  }
  err(`capturing on ${args.interface}${args.filter ? ` (${args.filter})` : ''} with ${live.capture.backend}${args.duration ? ` for ${args.duration} s` : ''}; Ctrl-C to stop and print the summary`);
  await waitForStop(args.duration, live.capture.closed);
  reportCaptureEnd(await live.stop(), { json: args.json, color, verbose: args.verbose });
}
