/** `ctiscope decode`: a readable protocol trace of every decoded message. */

import { PROTOCOL_NAMES, type DecodedMessage, type ProtocolName } from '../decoders/types.js';
import { analyzeFiles } from '../pipeline-node.js';
import { CliError, checkFiles, printWarnings, profileOptions, progressOptions, type CommonArgs } from './common.js';
import { ExitCode } from './exit-codes.js';
import { formatDuration } from './format.js';

export interface DecodeArgs extends CommonArgs {
  json: boolean;
  stream?: number;
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

export async function runDecode(args: DecodeArgs): Promise<void> {
  const files = checkFiles(args.files);
  const only = args.protocol?.length ? new Set(args.protocol.flatMap((p) => p.split(',')) as ProtocolName[]) : undefined;
  for (const p of only ?? []) if (!PROTOCOLS.includes(p)) throw new CliError(`--protocol ${p}: unknown (one of ${PROTOCOLS.join(', ')})`, ExitCode.USAGE);
  const messages: DecodedMessage[] = [];
  const progress = progressOptions();
  const result = await analyzeFiles(files, {
    ...profileOptions(args),
    ...progress,
    only,
    decode: { showSecrets: args.showSecrets, keepRaw: args.hex || args.json },
    onMessage(m) {
      if (args.stream !== undefined && m.flowId !== args.stream) return;
      if (args.server && !matchesServer(m, args.server)) return;
      messages.push(m);
    },
  });
  progress.doneProgress();
  if (result.source.packets === 0 && result.errors.length) throw new CliError(result.errors[0].message);
  printWarnings(result.source.warnings);
  // Decoders emit in stream order per flow; a trace reads in capture order.
  messages.sort((a, b) => a.frame - b.frame || a.offset - b.offset);
  if (args.json) {
    process.stdout.write(JSON.stringify(messages.map((m) => messageJson(args.hex ? m : { ...m, raw: undefined })), null, 1) + '\n');
    return;
  }
  const t0 = result.source.start ?? messages[0]?.time ?? 0;
  for (const m of messages) {
    const arrow = m.direction === 'c2s' ? `${m.client} → ${m.server}` : `${m.server} → ${m.client}`;
    // Some decoders put the response time in their summary already ("… (acquireLicense, 14 ms)").
    const saysTime = /\d (ms|s|µs)\)$/.test(m.summary);
    const rt = m.responseTime !== undefined && !saysTime ? `  (${formatDuration(m.responseTime)})` : '';
    process.stdout.write(`${String(m.frame).padStart(6)}  +${(m.time - t0).toFixed(3).padStart(9)}s  ${m.protocol.padEnd(6)} ${arrow}  ${m.summary}${rt}\n`);
    for (const a of m.anomalies ?? []) process.stdout.write(`${' '.repeat(26)}! ${a.message}\n`);
    if (args.hex && m.raw) process.stdout.write(hexDump(m.raw, ' '.repeat(26)) + '\n');
  }
  if (messages.length === 0) process.stdout.write('no decodable messages (run `ctiscope flows` to see the connections)\n');
}
