/** `ctiscope flows`: the connection table, from files or live. */

import type { FlowRecord } from '../decoders/types.js';
import type { FlowClassification } from '../decoders/profile.js';
import { analyzeFiles } from '../pipeline-node.js';
import { CliError, checkFiles, printWarnings, progressOptions, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';
import { formatDuration, table } from './format.js';
import { roundSeconds } from '../timeline/format.js';
import { FlowOutput, stateCell, TABLE_HEADER } from './flow-output.js';
import { governedAfterChunk } from './heap-governor.js';
import { JsonArrayWriter, JsonWriter } from './json-writer.js';

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
  /** The handshake's round trip (FlowRecord.handshakeRtt), when the capture holds it. */
  handshakeRtt?: number;
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
    duration: roundSeconds(Math.max(0, r.end - r.start)),
    syns: r.syns,
    synSpan: roundSeconds(r.synSpan),
    ...(r.handshakeRtt !== undefined ? { handshakeRtt: roundSeconds(r.handshakeRtt) } : {}),
    retransmissions: r.retransmissions,
    gapBytes: { ...r.gapBytes },
    ...(r.rstBy ? { rstBy: r.rstBy } : {}),
    ...(r.icmpErrors.length ? { icmpErrors: r.icmpErrors } : {}),
    openAtEnd: r.openAtEnd,
  };
}

/** A flow's cells in the table. */
export function flowRow(f: FlowJson): string[] {
  return [
    `${f.transport}/${f.id}`,
    f.client,
    f.server,
    f.service ?? '',
    stateCell(f.transport, f.state, f.syns, f.synSpan, f.packets.c2s + f.packets.s2c),
    `${f.packets.c2s}/${f.packets.s2c}`,
    `${f.payloadBytes.c2s}/${f.payloadBytes.s2c}`,
    formatDuration(f.duration),
    f.handshakeRtt !== undefined ? formatDuration(f.handshakeRtt) : '',
    f.retransmissions ? String(f.retransmissions) : '',
    String(f.firstFrame),
  ];
}

export function renderFlowTable(flows: FlowJson[]): string {
  return table(TABLE_HEADER, flows.map(flowRow));
}

export async function runFlows(args: FlowsArgs): Promise<void> {
  if (args.listInterfaces || args.interface) {
    const { runLiveFlows } = await import('./flows-live.js');
    return runLiveFlows(args);
  }
  const files = checkFiles(args.files);
  if (args.json && args.jsonl) throw new CliError('--json and --jsonl: choose one', ExitCode.USAGE);
  // Flows are written as they end, never all kept: --jsonl one per line at once; the table and --json in
  // batches, each sorted (see flow-output.ts).
  const writer = new JsonWriter(process.stdout, args.jsonl ? 0 : 1);
  const output = new FlowOutput(writer, args.jsonl ? 'jsonl' : args.json ? 'json' : 'table', args.json ? new JsonArrayWriter(writer) : undefined);
  const progress = progressOptions();
  const result = await analyzeFiles(files, {
    ...progress,
    classifyOnly: true,
    // The reader goes on once the output has taken what was made of the last chunk; a capture of many flows
    // lets the heap grow far past what it holds (see heap-governor.ts).
    afterChunk: governedAfterChunk(() => output.pump()),
    // The flows still open end all at once: they are written afterwards, at the output's pace.
    beforeFinish: () => output.hold(),
    onFlowEnd: (r, cls) => output.add(r, cls),
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  await output.end();
  if (!args.json && !args.jsonl) {
    const s = result.source;
    // Flows as tshark counts them (those with packets); those an ICMP error alone names are listed, said apart.
    const count = output.count - output.icmpOnly;
    const icmp = output.icmpOnly > 0 ? ` (and ${output.icmpOnly} known only from an ICMP error, listed with no packets)` : '';
    writer.text(`\n${s.packets} packet${s.packets === 1 ? '' : 's'}, ${count} flow${count === 1 ? '' : 's'}${icmp}` + (s.duration !== null ? `, ${formatDuration(s.duration)}` : '') + '\n');
  }
  await writer.end();
  process.exitCode = result.errors.length && result.source.packets === 0 ? ExitCode.BAD_INPUT : ExitCode.OK;
}
