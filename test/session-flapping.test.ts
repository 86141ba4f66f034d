// A CTI session lost again and again, each time opened anew at once, is said as one pattern (session-flapping) with
// its likely cause, beside each loss's own finding: a CTI OS desktop flipping between side A and side B, a CAD
// desktop whose session the server drops at one steady age. Two losses, sessions lost together (a terminal
// server's desktops when the server restarted) and sessions the desktop ended itself are no pattern.
import { describe, expect, it } from 'vitest';
import { heartbeatConf, heartbeatReq } from '../src/decoders/ged188/encode.js';
import { SynthNet, type TcpConversation } from '../src/lab/synth/tcp.js';
import type { Finding } from '../src/timeline/model.js';
import { analyze, CTI, openAndLogin, write } from './cti-session-captures.js';

const HOST = '10.10.20.41';
const SIDES = ['10.1.1.10', '10.1.1.11'];

/** Bytes of a CTI OS message: its format is not public, so only a length word in front, as the lab writes them. */
function opaque(length: number, salt: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 4; i < length; i++) b[i] = (i * 37 + salt) & 0xff;
  b[2] = (length >> 8) & 0xff;
  b[3] = length & 0xff;
  return b;
}

/** A CTI OS desktop: `sessions` sessions to side A, B, A, …, each working for `lives[i]` s, then ended by `end`. */
function ctiosFlipping(name: string, lives: number[], end: (c: TcpConversation, i: number) => void): string {
  const net = new SynthNet({ seed: 5 });
  lives.forEach((life, i) => {
    const c = net.tcp({ client: HOST, server: SIDES[i % 2], serverPort: 42028 });
    c.connect({ delay: 0.3 });
    c.send('c2s', opaque(180, i), { delay: 0.01 });
    c.send('s2c', opaque(900, i), { delay: 0.02 });
    for (let t = 5; t < life; t += 5) {
      c.send('c2s', opaque(60, t), { delay: 5 });
      c.send('s2c', opaque(120, t), { delay: 0.01 });
    }
    end(c, i);
  });
  return write(name, net);
}

const flapping = (findings: Finding[]) => findings.filter((f) => f.kind === 'session-flapping');

describe('session-flapping', () => {
  it('a CTI OS desktop flipping between side A and side B, each session reset by the server: one warning naming both sides and the path', () => {
    const { doc } = analyze(ctiosFlipping('ctios-flipping', [20, 20, 20, 20, 20, 20], (c) => c.reset('s2c', { delay: 1 })));
    const ws = doc.workstations.find((w) => w.host === HOST)!;
    const [f] = flapping(ws.findings);
    expect(flapping(ws.findings)).toHaveLength(1);
    expect(f.severity).toBe('warning');
    expect(f.server).toBeNull();
    expect(f.message).toMatch(
      /^The CTI session went back and forth between 10\.1\.1\.10:42028 and 10\.1\.1\.11:42028: 6 sessions in 1 min 38 s, each lost after about 16\.1 s \(6 reset by the server\), and opened again within 3\d\d ms on the other side 5 times: the client flips between the sides, and both drop it: that points at the path between the client and the servers/,
    );
    // The frames are the resets, one per lost session; each reset keeps its own finding.
    const resets = ws.findings.filter((x) => x.kind === 'connection-reset');
    expect(resets).toHaveLength(6);
    expect(f.frames).toEqual(resets.map((r) => r.frames.at(-1)));
    // Each failover cost the moment from the reset to the other side's connection, not the lost session's life.
    const failovers = ws.findings.filter((x) => x.kind === 'failover');
    expect(failovers).toHaveLength(5);
    for (const x of failovers) expect(x.message).toMatch(/the failover to the other node cost 3\d\d ms\.$/);
    // The outcome is still decided by the last loss, with no session since.
    expect([ws.outcome, ws.failure?.kind]).toEqual(['failed', 'connection-reset']);
    expect(doc.summary.byFindingKind['session-flapping']).toBe(1);
    expect(doc.summary.message).toMatch(/; its CTI session was lost and opened again and again \(session-flapping\)$/);
  });

  it('a CAD desktop whose session the server closes at one steady age, opened again each time on the same server: the timer named', () => {
    const net = new SynthNet({ seed: 11 });
    const agent = [{ id: '1077', ext: '2077' }];
    for (let i = 0; i < 4; i++) {
      const c = net.tcp({ client: '10.10.20.77', server: CTI, serverPort: 12028 });
      c.connect({ delay: 0.5 });
      const invoke = openAndLogin(c, 'cad', agent);
      if (i < 3) c.close('s2c', { delay: 9.9 });
      else {
        c.send('c2s', heartbeatReq({ invokeId: invoke }), { delay: 20 });
        c.send('s2c', heartbeatConf({ invokeId: invoke }), { delay: 0.003 });
      }
    }
    const { doc } = analyze(write('cad-steady-drops', net));
    const ws = doc.workstations[0];
    const [f] = flapping(ws.findings);
    expect(f.server).toBe(`${CTI}:12028`);
    expect(f.message).toMatch(
      /^The CTI session was opened again and again with 192\.168\.100\.1:12028: 3 sessions in 1 min \d+ s, each lost after about 30\.\d s \(3 closed by the server\), and opened again within 5\d\d ms 3 times: the sessions end at one steady age: a timer ends them/,
    );
    // The latest session logged in and lasts to the end: the desktop is logged in, the pattern a warning.
    expect(ws.outcome).toBe('logged-in');
    expect(f.severity).toBe('warning');
  });

  it('two losses are no pattern; nor sessions the desktop ended itself', () => {
    const two = analyze(ctiosFlipping('ctios-two-resets', [20, 20, 20], (c, i) => (i < 2 ? c.reset('s2c', { delay: 1 }) : undefined))).doc;
    expect(flapping(two.workstations[0].findings)).toEqual([]);
    const own = analyze(ctiosFlipping('ctios-own-close', [20, 20, 20, 20, 20], (c) => c.close('c2s', { delay: 1 }))).doc;
    expect(flapping(own.workstations[0].findings)).toEqual([]);
  });

  it('sessions that ran side by side and were lost together (a terminal server, its server restarting) are no run, however many', () => {
    const net = new SynthNet({ seed: 12 });
    const agents = [1, 2, 3, 4].map((n) => ({ id: `107${n}`, ext: `207${n}` }));
    for (const round of [0, 1]) {
      // The second round opens half a second after the first was lost: each loss is followed by a new session.
      if (round) net.clock.wait(0.5);
      const sessions = agents.map((a) => {
        const c = net.tcp({ client: '10.10.20.80', server: CTI, serverPort: 12028 });
        c.connect({ delay: 0.05 });
        openAndLogin(c, 'cad', [a]);
        return c;
      });
      for (const c of sessions) c.reset('s2c', { delay: 0.001 });
    }
    const { doc } = analyze(write('terminal-server-restarts', net));
    const ws = doc.workstations.find((w) => w.host === '10.10.20.80')!;
    expect(ws.findings.filter((f) => f.kind === 'connection-reset').length).toBeGreaterThanOrEqual(4);
    expect(flapping(ws.findings)).toEqual([]);
  });
});
