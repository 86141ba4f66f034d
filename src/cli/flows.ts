/** `ctiscope flows`: the connection table, from files or live. */

import type { FlowRecord } from '../decoders/types.js';
import type { FlowClassification } from '../decoders/profile.js';
import { analyzeFiles } from '../pipeline-node.js';
import { CliError, checkFiles, printWarnings, progressOptions, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';
import { formatDuration, table } from './format.js';

export interface FlowsArgs extends CommonArgs {
  json: boolean;
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

export function renderFlowTable(flows: FlowJson[]): string {
  const rows = flows.map((f) => [
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
  ]);
  return table(['flow', 'client', 'server', 'service', 'state', 'pkts →/←', 'bytes →/←', 'duration', 'retx', 'frame'], rows);
}

export async function runFlows(args: FlowsArgs): Promise<void> {
  if (args.listInterfaces || args.interface) {
    const { runLiveFlows } = await import('./flows-live.js');
    return runLiveFlows(args);
  }
  const files = checkFiles(args.files);
  const flows: FlowJson[] = [];
  const progress = progressOptions();
  const result = await analyzeFiles(files, {
    ...progress,
    classifyOnly: true,
    onFlowEnd: (r, cls) => flows.push(flowJson(r, cls)),
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  flows.sort((a, b) => (a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1));
  printWarnings(result.source.warnings);
  if (args.json) {
    process.stdout.write(JSON.stringify(flows, null, 1) + '\n');
  } else {
    process.stdout.write(renderFlowTable(flows));
    const s = result.source;
    process.stdout.write(`\n${s.packets} packets, ${flows.length} flow${flows.length === 1 ? "" : "s"}` + (s.duration !== null ? `, ${formatDuration(s.duration)}` : '') + '\n');
  }
  process.exitCode = result.errors.length && result.source.packets === 0 ? ExitCode.BAD_INPUT : ExitCode.OK;
}
