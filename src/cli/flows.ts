/** `ctiscope flows`: the connection table, from files or live. */

import type { FlowRecord } from '../decoders/types.js';
import type { FlowClassification } from '../decoders/profile.js';
import { analyzeFiles } from '../pipeline-node.js';
import { CliError, checkFiles, printWarnings, progressOptions, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';
import { columnWidths, formatDuration, table, tableHead, tableLine } from './format.js';
import { JsonArrayWriter, JsonLinesWriter, JsonWriter } from './json-writer.js';

export interface FlowsArgs extends CommonArgs {
  json: boolean;
  jsonl?: boolean;
  interface?: string;
  filter?: string;
  listInterfaces: boolean;
  duration?: number;
}

/** A flow as `flows --json` prints it. */
export interface FlowJson {
  id: number;
  transport: 'tcp' | 'udp';
  client: string;
  server: string;
  service?: string;
  protocol?: string;
  detectedBy?: string;
  state: string;
  history: string;
  packets: { c2s: number; s2c: number };
  payloadBytes: { c2s: number; s2c: number };
  firstFrame: number;
  lastFrame: number;
  start: number;
  end: number;
  duration: number;
  syns: number;
  synSpan: number;
  retransmissions: number;
  gapBytes: { c2s: number; s2c: number };
  rstBy?: string;
  icmpErrors?: FlowRecord['icmpErrors'];
  openAtEnd: boolean;
}

export function flowJson(r: FlowRecord, cls: FlowClassification | undefined): FlowJson {
  return {
    id: r.id,
    transport: r.transport,
    client: r.client,
    server: r.server,
    ...(cls && cls.protocol !== 'unknown' ? { service: cls.service, protocol: cls.protocol, detectedBy: cls.detectedBy } : {}),
    state: r.state,
    history: r.history,
    packets: { ...r.packets },
    payloadBytes: { ...r.payloadBytes },
    firstFrame: r.firstFrame,
    lastFrame: r.lastFrame,
    start: r.start,
    end: r.end,
    duration: Math.max(0, r.end - r.start),
    syns: r.syns,
    synSpan: r.synSpan,
    retransmissions: r.retransmissions,
    gapBytes: { ...r.gapBytes },
    ...(r.rstBy ? { rstBy: r.rstBy } : {}),
    ...(r.icmpErrors.length ? { icmpErrors: r.icmpErrors } : {}),
    openAtEnd: r.openAtEnd,
  };
}

/** Zeek's words for its states, so the table explains itself. */
const STATE_WORDS: Record<string, string> = {
  S0: 'no answer',
  REJ: 'refused',
  S1: 'open',
  SF: 'closed',
  S2: 'client closed',
  S3: 'server closed',
  RSTO: 'reset by client',
  RSTR: 'reset by server',
  RSTOS0: 'SYN then client reset',
  RSTRH: 'server reset, SYN not seen',
  SH: 'SYN then FIN, no answer',
  SHR: 'SYN-ACK then FIN, SYN not seen',
  OTH: 'mid-stream',
};

const TABLE_HEADER = ['flow', 'client', 'server', 'service', 'state', 'pkts →/←', 'bytes →/←', 'duration', 'retx', 'frame'];

function flowRow(f: FlowJson): string[] {
  return [
    `${f.transport}/${f.id}`,
    f.client,
    f.server,
    f.service ?? '',
    f.transport === 'udp' ? 'UDP' : `${f.state} ${STATE_WORDS[f.state] ?? ''}`.trim() + (f.syns > 1 ? ` (${f.syns} SYNs over ${formatDuration(f.synSpan)})` : ''),
    `${f.packets.c2s}/${f.packets.s2c}`,
    `${f.payloadBytes.c2s}/${f.payloadBytes.s2c}`,
    formatDuration(f.duration),
    f.retransmissions ? String(f.retransmissions) : '',
    String(f.firstFrame),
  ];
}

export function renderFlowTable(flows: FlowJson[]): string {
  return table(TABLE_HEADER, flows.map(flowRow));
}

/** Flows held before a batch is sorted and written (the whole table, for captures with fewer flows). */
export const FLOW_BATCH = 65_536;

/** TCP first, then by id: the table's order. */
function byTransportAndId(a: FlowJson, b: FlowJson): number {
  return a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1;
}

export async function runFlows(args: FlowsArgs): Promise<void> {
  if (args.listInterfaces || args.interface) {
    const { runLiveFlows } = await import('./flows-live.js');
    return runLiveFlows(args);
  }
  const files = checkFiles(args.files);
  if (args.json && args.jsonl) throw new CliError('--json and --jsonl: choose one', ExitCode.USAGE);
  // Flows are written as they end, never all kept: --jsonl one per line at once; the table and --json in
  // batches of FLOW_BATCH, each sorted (a capture with fewer flows gets one sorted table).
  const writer = new JsonWriter(process.stdout, args.jsonl ? 0 : 1);
  const lines = args.jsonl ? new JsonLinesWriter(writer) : undefined;
  const array = args.json ? new JsonArrayWriter(writer) : undefined;
  let batch: FlowJson[] = [];
  /** Sorted batches being written, oldest first: written at the output's pace (see pump). */
  const sorted: { flows: FlowJson[]; rows: string[][] | undefined; next: number }[] = [];
  /** Flows ended by the end of the input: all at once, so they are written afterwards at the output's pace. */
  let tail: FlowJson[] | undefined;
  let count = 0;
  let widths: number[] | undefined;
  const closeBatch = (): void => {
    const flows = batch.sort(byTransportAndId);
    batch = [];
    let rows: string[][] | undefined;
    if (!array) {
      rows = flows.map(flowRow);
      // Later batches keep the columns at least as wide as before, and the header is written once.
      const first = widths === undefined;
      widths = columnWidths(TABLE_HEADER, rows, widths);
      if (first) writer.text(tableHead(TABLE_HEADER, widths));
    }
    sorted.push({ flows, rows, next: 0 });
  };
  /** Writes the sorted batches until the output asks for a pause; resolves when all are written. */
  const pump = (): Promise<void> | undefined => {
    while (sorted.length) {
      const b = sorted[0];
      while (b.next < b.flows.length) {
        const i = b.next++;
        if (array) array.item(b.flows[i]);
        else writer.text(tableLine(b.rows![i], widths!) + '\n');
        // Each flow goes once written.
        b.flows[i] = undefined!;
        if (b.rows) b.rows[i] = undefined!;
        const wait = writer.ready();
        if (wait) return wait.then(pump);
      }
      sorted.shift();
    }
    return writer.ready();
  };
  const progress = progressOptions();
  const result = await analyzeFiles(files, {
    ...progress,
    classifyOnly: true,
    // The reader goes on once the output has taken what was made of the last chunk.
    afterChunk: pump,
    beforeFinish: () => (tail = []),
    onFlowEnd: (r, cls) => {
      count++;
      const f = flowJson(r, cls);
      if (tail) return void tail.push(f);
      if (lines) return lines.item(f);
      batch.push(f);
      if (batch.length >= FLOW_BATCH) closeBatch();
    },
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  const rest = tail ?? [];
  tail = undefined;
  for (let i = 0; i < rest.length; i++) {
    if (lines) lines.item(rest[i]);
    else {
      batch.push(rest[i]);
      if (batch.length >= FLOW_BATCH) closeBatch();
    }
    rest[i] = undefined!;
    const wait = lines ? writer.ready() : pump();
    if (wait) await wait;
  }
  if (!lines && (batch.length || widths === undefined)) closeBatch();
  await pump();
  if (array) array.close();
  else if (!lines) {
    const s = result.source;
    writer.text(`\n${s.packets} packets, ${count} flow${count === 1 ? '' : 's'}` + (s.duration !== null ? `, ${formatDuration(s.duration)}` : '') + '\n');
  }
  await writer.end();
  process.exitCode = result.errors.length && result.source.packets === 0 ? ExitCode.BAD_INPUT : ExitCode.OK;
}
