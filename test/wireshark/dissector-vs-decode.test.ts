/**
 * The generated Lua dissector, run by Debian's tshark, against `ctiscope decode --json --protocol ged188`:
 * on every sample, every public fixture and a capture with one message of every catalog layout, both must
 * find the same GED-188 messages in the same frames, with the same types, InvokeIDs, agent IDs, extensions,
 * instruments, status, failure and peripheral error codes.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogCapture } from './catalog-capture.js';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'ctiscope.js');
const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
if (!tshark) console.warn('test/wireshark: tshark is not installed (scripts/ensure-system-deps.mjs installs it as root); the dissector comparison is skipped');

interface Summary {
  frame: number;
  type: number;
  invokeId?: number;
  agentId?: string;
  agentExtension?: string;
  agentInstrument?: string;
  status?: number;
  failureCode?: number;
  peripheralErrorCode?: number;
}

function fromCtiscope(file: string): Summary[] {
  const out = execFileSync(process.execPath, [bin, 'decode', file, '--json', '--protocol', 'ged188'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const messages = JSON.parse(out) as Array<{ type: string; frame: number; offset: number; flowId: number; fields: Record<string, unknown> }>;
  messages.sort((a, b) => a.frame - b.frame || a.offset - b.offset);
  // Every GED-188 message of the samples and fixtures has a layout (no UNKNOWN_<n>, nothing guessed).
  expect(messages.filter((m) => String(m.type).startsWith('UNKNOWN_') || m.fields.layoutGuessed !== undefined).map((m) => m.type)).toEqual(
    file.endsWith('catalog.pcapng') ? expect.any(Array) : [],
  );
  return messages.map((m) => {
    const f = m.fields;
    const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return clean({
      frame: m.frame,
      type: f.messageType as number,
      invokeId: num(f.invokeId),
      agentId: str(f.agentId),
      agentExtension: str(f.agentExtension),
      agentInstrument: str(f.agentInstrument),
      status: num(f.status),
      failureCode: num(f.failureCode),
      peripheralErrorCode: num(f.peripheralErrorCode),
    });
  });
}

function clean(s: Summary): Summary {
  for (const k of Object.keys(s) as Array<keyof Summary>) if (s[k] === undefined) delete s[k];
  return s;
}

const first = (v: unknown): string | undefined => (Array.isArray(v) ? (v[0] as string) : (v as string | undefined));

function fromTshark(file: string, lua: string): Summary[] {
  const r = spawnSync('tshark', ['-n', '-r', file, '-X', `lua_script:${lua}`, '-Y', 'ged188', '-T', 'json', '--no-duplicate-keys'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  // tshark exits 2 on a file cut short in the middle of a packet (a public fuzz fixture), after printing
  // every packet before it.
  if (r.status !== 0 && !/cut short/.test(r.stderr)) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const out = r.stdout.trim();
  const packets = JSON.parse(out || '[]') as Array<{ _source: { layers: Record<string, unknown> } }>;
  const result: Summary[] = [];
  for (const p of packets) {
    const layers = p._source.layers;
    const frame = Number((layers.frame as Record<string, string>)['frame.number']);
    const pdus = Array.isArray(layers.ged188) ? layers.ged188 : [layers.ged188];
    for (const pdu of pdus as Array<Record<string, unknown>>) {
      const n = (k: string): number | undefined => (pdu[k] === undefined ? undefined : Number(first(pdu[k])));
      result.push(
        clean({
          frame,
          type: Number(pdu['ged188.type']),
          invokeId: n('ged188.invoke_id'),
          agentId: first(pdu['ged188.agent_id']),
          agentExtension: first(pdu['ged188.agent_extension']),
          agentInstrument: first(pdu['ged188.agent_instrument']),
          status: n('ged188.status'),
          failureCode: n('ged188.failure_code'),
          peripheralErrorCode: n('ged188.peripheral_error_code'),
        }),
      );
    }
  }
  return result;
}

const dir = mkdtempSync(join(tmpdir(), 'ctiscope-ws-'));
const lua = join(dir, 'ged188.lua');
const catalogFile = join(dir, 'catalog.pcapng');
const samples = readdirSync(join(root, 'samples'))
  .filter((f) => f.endsWith('.pcapng'))
  .map((f) => join(root, 'samples', f));
const fixtures = readdirSync(join(root, 'test', 'fixtures', 'public'))
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .map((f) => join(root, 'test', 'fixtures', 'public', f));

describe.skipIf(!tshark)('generated GED-188 dissector in tshark agrees with ctiscope decode', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [bin, 'wireshark-dissector', '--output', lua], { stdio: 'ignore' });
    writeFileSync(catalogFile, catalogCapture());
  });

  it('the catalog capture: every layout, both tag widths, a session without OPEN_REQ, an unlisted port', () => {
    const ours = fromCtiscope(catalogFile);
    const theirs = fromTshark(catalogFile, lua);
    // Four sessions of one message per layout (the OPEN_REQ only where sent).
    expect(ours.length).toBeGreaterThan(4 * 200);
    expect(new Set(ours.map((m) => m.type)).size).toBeGreaterThan(200);
    expect(theirs).toEqual(ours);
  }, 120_000);

  for (const file of [...samples, ...fixtures]) {
    it(file.slice(root.length + 1), () => {
      expect(fromTshark(file, lua)).toEqual(fromCtiscope(file));
    }, 60_000);
  }

  it('loads without Lua errors and names the failure codes', () => {
    const r = spawnSync('tshark', ['-n', '-r', join(root, 'samples', 'agent-login-refused.pcapng'), '-X', `lua_script:${lua}`, '-Y', 'ged188.type == 35', '-V'], {
      encoding: 'utf8',
    });
    expect(r.stderr).not.toMatch(/Lua: Error|lua_script/i);
    expect(r.stdout).toContain('AGENT_DEVICE_OFF (88004)');
    expect(r.stdout).toContain('Expert Info (Warning/Response): CONTROL_FAILURE_CONF');
  });
});
