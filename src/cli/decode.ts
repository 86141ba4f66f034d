/** `ctiscope decode`: a readable protocol trace of every decoded message. */

import { isIP } from 'node:net';
import { governedAfterChunk } from './heap-governor.js';
import { PROTOCOL_NAMES, type DecodedMessage, type ProtocolName } from '../decoders/types.js';
import { analyzeFiles } from '../pipeline-node.js';
import { CliError, checkFiles, printWarnings, profileOptions, progressOptions, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';
import { formatDuration } from './format.js';
import { plural } from '../timeline/format.js';
import { CaptureOrder } from './capture-order.js';
import { JsonArrayWriter, JsonLinesWriter, JsonWriter } from './json-writer.js';

export interface DecodeArgs extends CommonArgs {
  json: boolean;
  jsonl?: boolean;
  /** tcp/N, udp/N, or N (either transport's stream N). */
  stream?: string;
  server?: string;
  protocol?: string[];
  hex: boolean;
}

const PROTOCOLS: readonly ProtocolName[] = PROTOCOL_NAMES;

/** A message as `decode --json` prints it (raw bytes as hex when asked). */
export function messageJson(m: DecodedMessage): Record<string, unknown> {
  const { raw, ...rest } = m;
  return raw ? { ...rest, hex: toHex(raw) } : rest;
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

function hexDump(b: Uint8Array, indent: string): string {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const row = b.subarray(o, o + 16);
    const hex = [...row].map((x) => x.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${indent}${o.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

export function matchesServer(m: DecodedMessage, server: string): boolean {
  return m.server === server || m.server.replace(/^\[?([^\]]*)\]?:\d+$/, '$1') === server;
}

/** `--stream`: tcp/N or udp/N, as `flows` names a flow, or N alone (tcp.stream or udp.stream N, as Wireshark numbers them). */
function parseStream(text: string): { transport: 'tcp' | 'udp' | undefined; id: number } {
  const m = /^(?:(tcp|udp)\/)?(\d+)$/.exec(text.trim());
  if (!m) throw new CliError(`--stream ${text}: not a flow (tcp/N, udp/N or N, as \`ctiscope flows\` lists them)`, ExitCode.USAGE);
  return { transport: m[1] as 'tcp' | 'udp' | undefined, id: Number(m[2]) };
}

/** `--server`: an IPv4 or IPv6 address, with or without a port ("10.1.1.5", "10.1.1.5:42027", "[2001:db8::5]:389"). */
function checkServer(text: string): void {
  const withPort = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text);
  const version = isIP(withPort ? withPort[1] : text);
  // A bracketed address is an IPv6 one; a port is at most 65535.
  const bad = version === 0 || (withPort !== null && ((text.startsWith('[') && version !== 6) || Number(withPort[2]) > 65535));
  if (bad) throw new CliError(`--server ${text}: not an address (IP or IP:PORT, [IPv6]:PORT)`, ExitCode.USAGE);
}

export async function runDecode(args: DecodeArgs): Promise<void> {
  const files = checkFiles(args.files);
  const only = args.protocol?.length ? new Set(args.protocol.flatMap((p) => p.split(',')) as ProtocolName[]) : undefined;
  for (const p of only ?? []) if (!PROTOCOLS.includes(p)) throw new CliError(`--protocol ${p}: unknown (one of ${PROTOCOLS.join(', ')})`, ExitCode.USAGE);
  if (args.json && args.jsonl) throw new CliError('--json and --jsonl: choose one', ExitCode.USAGE);
  const stream = args.stream === undefined ? undefined : parseStream(String(args.stream));
  if (args.server !== undefined) checkServer(args.server);
  // The trace is written as it goes (in capture order, see CaptureOrder): nothing but a window is kept.
  const writer = new JsonWriter(process.stdout, args.jsonl ? 0 : 1);
  const list = args.jsonl ? new JsonLinesWriter(writer) : args.json ? new JsonArrayWriter(writer) : undefined;
  let firstPacketTime: number | undefined;
  let t0: number | undefined;
  let written = 0;
  const order = new CaptureOrder<DecodedMessage>((m) => {
    written++;
    if (list) list.item(messageJson(m));
    else {
      t0 ??= firstPacketTime ?? m.time;
      writer.text(traceLines(m, t0, args.hex));
    }
  });
  const progress = progressOptions();
  const result = await analyzeFiles(files, {
    ...profileOptions(args),
    ...progress,
    only,
    // Bytes are kept only to be shown.
    decode: { showSecrets: args.showSecrets, keepRaw: args.hex },
    onFirstPacket: (time) => (firstPacketTime = time),
    // Long captures let the heap grow far past what it holds: see heap-governor.ts.
    afterChunk: governedAfterChunk(() => writer.ready()),
    onMessage(m) {
      if (stream && (m.flowId !== stream.id || (stream.transport !== undefined && m.transport !== stream.transport))) return;
      if (args.server && !matchesServer(m, args.server)) return;
      order.push(m);
    },
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  if (written === 0 && result.source.start !== null) t0 = result.source.start;
  // What is still held goes out at the pace the output takes it.
  await order.finishAsync((m) => {
    written++;
    if (list) return list.itemAsync(messageJson(m));
    t0 ??= firstPacketTime ?? m.time;
    writer.text(traceLines(m, t0, args.hex));
    return writer.ready();
  });
  if (list instanceof JsonArrayWriter) list.close();
  const chosen = [stream && `--stream ${args.stream}`, args.server && `--server ${args.server}`, only && `--protocol ${[...only].join(',')}`].filter(Boolean).join(' ');
  if (!list && written === 0) {
    writer.text(chosen ? `no decoded message matches ${chosen}\n` : 'no decodable messages (run `ctiscope flows` to see the connections)\n');
  }
  await writer.end();
  // A flow the capture does not have is a mistake in the command, said after the (empty) trace.
  if (stream && written === 0) {
    const { tcpFlows, udpFlows } = result.flowStats;
    const has = (n: number, t: string) => (n === 0 ? `no ${t} flows` : `${plural(n, `${t} flow`)} (${t.toLowerCase()}/0${n > 1 ? ` to ${t.toLowerCase()}/${n - 1}` : ''})`);
    const absent = stream.transport === 'tcp' ? stream.id >= tcpFlows : stream.transport === 'udp' ? stream.id >= udpFlows : stream.id >= tcpFlows && stream.id >= udpFlows;
    if (absent) throw new CliError(`--stream ${args.stream}: the capture has ${has(tcpFlows, 'TCP')} and ${has(udpFlows, 'UDP')}`, ExitCode.USAGE);
  }
}

/** One message of the text trace: its line, its anomalies, its bytes with --hex. */
function traceLines(m: DecodedMessage, t0: number, hex: boolean): string {
  const arrow = m.direction === 'c2s' ? `${m.client} → ${m.server}` : `${m.server} → ${m.client}`;
  // Some decoders put the response time in their summary already ("… (acquireLicense, 14 ms)").
  const saysTime = /\d (ms|s|µs)\)$/.test(m.summary);
  const rt = m.responseTime !== undefined && !saysTime ? `  (${formatDuration(m.responseTime)})` : '';
  let out = `${String(m.frame).padStart(6)}  +${(m.time - t0).toFixed(3).padStart(9)}s  ${m.protocol.padEnd(6)} ${arrow}  ${m.summary}${rt}\n`;
  for (const a of m.anomalies ?? []) out += `${' '.repeat(26)}! ${a.message}\n`;
  for (const c of m.omittedAnomalies ?? []) {
    const frames = c.firstFrame === undefined ? '' : c.firstFrame === c.lastFrame ? ` (frame ${c.firstFrame})` : ` (frames ${c.firstFrame}–${c.lastFrame})`;
    out += `${' '.repeat(26)}! and ${c.count} more ${c.code}${frames}\n`;
  }
  if (hex && m.raw) out += hexDump(m.raw, ' '.repeat(26)) + '\n';
  return out;
}
