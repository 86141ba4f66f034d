/**
 * Streamed output is the same output: `analyze --json` is byte for byte JSON.stringify(doc, null, 1) of the
 * document built in process, `decode --json` and `flows --json` are the arrays the commands used to build
 * whole (sorted the same way), and `--jsonl` carries the same objects one per line. And a failure of
 * ctiscope itself is an internal error (exit 5, one line), not bad input.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { messageJson } from '../../src/cli/decode.js';
import { flowJson, type FlowJson } from '../../src/cli/flows.js';
import type { DecodedMessage } from '../../src/decoders/types.js';
import { InternalError } from '../../src/internal-error.js';
import { internalErrorLine } from '../../src/cli/common.js';

const ROOT = join(__dirname, '..', '..');
const bin = join(ROOT, 'bin', 'ctiscope.js');
const cli = (...args: string[]): string => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const SAMPLES = ['cad-login-ok', 'licence-refused', 'span-many-agents'].map((s) => join(ROOT, 'samples', `${s}.pcapng`));
const LDAP = join(ROOT, 'test', 'fixtures', 'public', 'pcapplusplus__ldap.pcapng');

describe('streamed JSON output', () => {
  for (const file of SAMPLES) {
    it(`analyze --json of ${file.split('/').pop()} is JSON.stringify(doc, null, 1)`, async () => {
      const { doc } = await analyzeFiles([file], { analyze: true });
      let out: string;
      try {
        out = cli('analyze', file, '--json');
      } catch (e) {
        // A failed or inconclusive login exits 1 or 4 with the document on stdout.
        out = (e as { stdout: string }).stdout;
      }
      expect(out).toBe(JSON.stringify(doc, null, 1) + '\n');
    });
  }

  for (const file of [SAMPLES[2], LDAP]) {
    it(`decode --json and --jsonl of ${file.split('/').pop()}: the sorted array of every message`, async () => {
      const messages: DecodedMessage[] = [];
      await analyzeFiles([file], { onMessage: (m) => messages.push(m) });
      messages.sort((a, b) => a.frame - b.frame || a.offset - b.offset);
      const want = JSON.stringify(messages.map(messageJson), null, 1) + '\n';
      const got = cli('decode', file, '--json');
      expect(got).toBe(want);
      const lines = cli('decode', file, '--jsonl').trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(want));
      expect(lines.every((l) => l === JSON.stringify(JSON.parse(l)))).toBe(true);
    });

    it(`flows --json and --jsonl of ${file.split('/').pop()}: every flow`, async () => {
      const flows: FlowJson[] = [];
      await analyzeFiles([file], { classifyOnly: true, onFlowEnd: (r, cls) => flows.push(flowJson(r, cls)) });
      flows.sort((a, b) => (a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1));
      expect(cli('flows', file, '--json')).toBe(JSON.stringify(flows, null, 1) + '\n');
      const lines = cli('flows', file, '--jsonl').trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines.sort((a, b) => (a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1))).toEqual(JSON.parse(JSON.stringify(flows)));
    });
  }

  it('decode --json keeps no bytes unless --hex', () => {
    const plain = JSON.parse(cli('decode', LDAP, '--json'));
    expect(plain.some((m: Record<string, unknown>) => 'hex' in m || 'raw' in m)).toBe(false);
    const hex = JSON.parse(cli('decode', LDAP, '--json', '--hex'));
    expect(hex.every((m: { hex: string; length: number }) => m.hex.length === 2 * m.length)).toBe(true);
  });
});

describe('internal errors', () => {
  it('a throw inside the pipeline is an InternalError naming the phase and frame, not a capture error', async () => {
    let n = 0;
    const run = analyzeFiles([SAMPLES[0]], {
      onMessage: () => {
        if (++n === 3) throw new RangeError('Invalid string length');
      },
    });
    await expect(run).rejects.toBeInstanceOf(InternalError);
    const e = (await run.catch((x) => x)) as InternalError;
    expect(e.phase).toBe('decoding');
    expect(e.frame).toBeGreaterThan(0);
    const line = internalErrorLine(e);
    expect(line).toMatch(/^ctiscope: internal error while decoding \(frame \d+\): RangeError: Invalid string length; a limit of ctiscope ran out/);
    expect(line).not.toContain('\n');
    expect(internalErrorLine(new InternalError('analysing', new TypeError('x is undefined')))).toMatch(/please report it with the output of --debug$/);
  });

  it('exit status 5 and --debug are documented in --help', () => {
    const help = cli('--help');
    expect(help).toMatch(/5 {2}internal error/);
    expect(help).toMatch(/--debug/);
  });
});
