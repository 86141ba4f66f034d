// A CTI session that says nothing for minutes is still one session. A CTI OS server opens its GED-188 session with
// IdleTimeout 0xFFFFFFFF or a long heartbeat, so silences past the flow tracker's idle timeout (300 s) are normal: the
// ctios-server sample with seven extra minutes of silence after its first 50 s must give the same one CTI client
// "CTIOSServer" with its six agents, not a second, anonymous client made of the heartbeats after the silence, and
// `flows` must count the connection once, as tshark does.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { AnalysisDocument } from '../src/timeline/model.js';
import { packetsOf, writePackets } from './sample-packets.js';

const bin = join(__dirname, '..', 'bin', 'ctiscope.js');
const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
if (!tshark) console.warn('test/quiet-session: tshark is not installed (scripts/ensure-system-deps.mjs installs it as root); the comparison with tshark is skipped');

const SILENCE = 420;
const packets = packetsOf('ctios-server.pcapng');
const t0 = packets[0].time;
const quiet = writePackets(
  'ctios-server-quiet.pcapng',
  packets.map((p) => (p.time - t0 > 50 ? { ...p, time: p.time + SILENCE } : p)),
);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(r.stderr).toBe('');
  return r.stdout;
}

describe('a CTI session quiet for longer than the idle timeout', () => {
  it('the capture really has a silence past the idle timeout on the CTI session', () => {
    const times = packets.map((p) => p.time);
    const before = times.filter((t) => t - t0 <= 50);
    const after = times.filter((t) => t - t0 > 50);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0] + SILENCE - before[before.length - 1]).toBeGreaterThan(300);
  });

  it('stays one CTI client with one session, its agents and all its heartbeats', () => {
    const doc = JSON.parse(cli('analyze', quiet, '--json')) as AnalysisDocument;
    const original = JSON.parse(cli('analyze', join(__dirname, '..', 'samples', 'ctios-server.pcapng'), '--json')) as AnalysisDocument;
    expect(doc.ctiClients).toHaveLength(1);
    const client = doc.ctiClients[0];
    expect(client.clientId).toBe('CTIOSServer');
    expect(client.sessions).toHaveLength(1);
    expect(client.sessions[0].client).toBe('10.1.1.10:50064');
    expect(client.outcome).toBe(original.ctiClients[0].outcome);
    // The same agents, with the same outcomes, as without the silence.
    const outcomes = (d: AnalysisDocument) => d.agents.map((a) => `${a.id} ${a.outcome}`).sort();
    expect(outcomes(doc)).toHaveLength(6);
    expect(outcomes(doc)).toEqual(outcomes(original));
    // The heartbeats after the silence are in the one client's heartbeat step.
    const beats = client.steps.find((s) => /heartbeats/.test(s.summary));
    expect(beats?.summary).toMatch(/^3 heartbeats/);
    expect(beats?.frames).toEqual(expect.arrayContaining([137, 138, 158, 159]));
    const text = cli('analyze', quiet);
    expect(text.match(/^CTI client /gm)).toHaveLength(1);
    expect(text).not.toContain('NO OPEN SEEN');
  });

  it('gives the same document on worker threads', () => {
    expect(cli('analyze', quiet, '--json', '--threads', '2')).toBe(cli('analyze', quiet, '--json'));
  });

  it.skipIf(!tshark)('flows counts the connection once, with the packets tshark conv,tcp counts', () => {
    const flows = (JSON.parse(cli('flows', quiet, '--json')) as { client: string; server: string; packets: { c2s: number; s2c: number }; openAtEnd: boolean }[]).filter(
      (f) => f.server === '10.1.1.20:42027',
    );
    expect(flows).toHaveLength(1);
    expect(flows[0].openAtEnd).toBe(true);
    const conv = spawnSync('tshark', ['-n', '-r', quiet, '-q', '-z', 'conv,tcp'], { encoding: 'utf8' }).stdout;
    const line = conv.split('\n').filter((l) => /10\.1\.1\.20:42027/.test(l));
    expect(line).toHaveLength(1);
    // A <-> B, then frames and bytes (a number and its unit) one way, the other way, and in all.
    const total = Number(line[0].trim().split(/\s+/)[9]);
    expect(total).toBeGreaterThan(50);
    expect(flows[0].packets.c2s + flows[0].packets.s2c).toBe(total);
  });
});
