// A reply captured before its request: two records swapped (a capture with several receive queues), or the two
// directions taken by two taps whose clocks are a few milliseconds apart and merged by time. The reply's ACK says
// the server already had the request, so its bytes are held back until the request is seen; the built CLI must
// read the login as it happened, never as a request nobody answered.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { AnalysisDocument } from '../src/timeline/model.js';
import { packetsOf, writePackets } from './sample-packets.js';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'ctiscope.js');

const write = writePackets;

/** The sample with frames a and b (1-based) swapped in the file, each keeping its own timestamp order: b, then a. */
function swapped(sample: string, a: number, b: number): string {
  const ps = packetsOf(sample);
  const [x, y] = [ps[a - 1], ps[b - 1]];
  ps[a - 1] = { ...y, time: x.time };
  ps[b - 1] = { ...x, time: y.time };
  return write(`${sample}-${a}-${b}.pcapng`, ps);
}

/** The sample as two taps would give it: everything from `host` on one clock, the rest `skew` seconds earlier. */
function skewed(sample: string, host: number[], skew: number): string {
  const ps = packetsOf(sample).map((p) => {
    const fromHost = host.every((x, i) => p.data[26 + i] === x);
    return fromHost ? p : { ...p, time: p.time - skew };
  });
  ps.sort((p, q) => p.time - q.time);
  return write(`${sample}-skew-${skew}.pcapng`, ps);
}

function analyze(file: string): { status: number | null; doc: AnalysisDocument } {
  const r = spawnSync(process.execPath, [bin, 'analyze', file, '--json'], { encoding: 'utf8' });
  return { status: r.status, doc: JSON.parse(r.stdout) as AnalysisDocument };
}

const errors = (doc: AnalysisDocument) => doc.workstations.flatMap((w) => w.findings.filter((f) => f.severity === 'error').map((f) => f.kind));

describe('a reply captured before its request', () => {
  it('the login reply (frame 38) before SET_AGENT_STATE_REQ (37): logged in, no timeout', () => {
    const { status, doc } = analyze(swapped('cad-login-ok.pcapng', 37, 38));
    expect(status).toBe(0);
    expect(doc.workstations[0].outcome).toBe('logged-in');
    expect(errors(doc)).toEqual([]);
    const login = doc.workstations[0].steps.find((s) => s.summary.startsWith('agent 1031 on ext 2031 logged in'));
    expect(login).toBeDefined();
  });

  it('a refusal captured before the login request keeps its cause: CONTROL_FAILURE_CONF 88004, not "never answered"', () => {
    const { status, doc } = analyze(swapped('agent-login-refused.pcapng', 37, 38));
    expect(status).toBe(1);
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'login', 'agent-login-failed']);
    expect(ws.failure?.message).toMatch(/CONTROL_FAILURE_CONF 88004 \(AGENT_DEVICE_OFF\)/);
    expect(errors(doc)).not.toContain('timeout');
  });

  // 8 ms: most replies before their requests, DNS answers before their queries; 25 ms: a SYN-ACK and the first reply
  // before the desktop's SYN, several replies held back at once, each waiting for its own request.
  it.each([0.008, 0.025])('the server side on a clock %s s behind, merged by time: the same analysis as the sample, every reply paired', (skew) => {
    const original = analyze(join(root, 'samples', 'cad-login-ok.pcapng')).doc;
    const { status, doc } = analyze(skewed('cad-login-ok.pcapng', [10, 10, 20, 31], skew));
    expect(status).toBe(0);
    expect(errors(doc)).toEqual([]);
    expect(doc.workstations[0].findings.filter((f) => f.kind === 'capture-gap')).toEqual([]);
    expect(doc.workstations[0].outcome).toBe('logged-in');
    const ok = (d: AnalysisDocument) => d.workstations[0].steps.map((s) => `${s.phase} ${s.ok} ${s.summary.replace(/ in \d+ ms/, '').replace(/, \d+ ms/, '')}`);
    expect(ok(doc)).toEqual(ok(original));
    // Said once for the capture, with the count and the largest lead; the sample itself is in order.
    const early = doc.source.warnings.filter((w) => w.code === 'replies-before-requests');
    expect(early).toHaveLength(1);
    const [, count, lead, reply, request] = /^(\d+) replies were captured before the requests they answer \(by up to (\d+) ms; the first, frame (\d+), answers frame (\d+)\)/.exec(early[0].message)!;
    expect(Number(count)).toBeGreaterThan(1);
    // Each reply comes at most `skew` early (its request's own path takes time too).
    expect(Number(lead)).toBeGreaterThan(0);
    expect(Number(lead)).toBeLessThanOrEqual(skew * 1000);
    expect(early[0].frame).toBe(Number(reply));
    expect(Number(reply)).toBeLessThan(Number(request));
    expect(original.source.warnings.map((w) => w.code)).not.toContain('replies-before-requests');
  });

  it('one reply stamped before its request: said in the singular, naming both frames', () => {
    const { doc } = analyze(swapped('cad-login-ok.pcapng', 37, 38));
    const early = doc.source.warnings.filter((w) => w.code === 'replies-before-requests');
    expect(early.map((w) => [w.frame, w.message.replace(/ \(by up to .*$/, '')])).toEqual([[37, 'A reply was captured before the request it answers']]);
    expect(early[0].message).toMatch(/the first, frame 37, answers frame 38\)/);
  });
});

describe('a desktop that moved to the other side before the old one reset it', () => {
  it('ctios-flapping with its SYN to side B (frame 103) before side A’s RST (102): no failure, the reset made up for', () => {
    const whole = analyze(join(root, 'samples', 'ctios-flapping.pcapng')).doc.workstations[0];
    const { doc } = analyze(swapped('ctios-flapping.pcapng', 102, 103));
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase]).toEqual([whole.outcome, whole.failedPhase]);
    expect(errors(doc)).toEqual([]);
    const kinds = (w: typeof ws) => [...new Set(w.findings.map((f) => `${f.kind}:${f.severity}`))].sort();
    expect(kinds(ws)).toEqual(kinds(whole));
  });
});
