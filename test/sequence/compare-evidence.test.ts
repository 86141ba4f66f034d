// `ctiscope compare` over pairs of reference samples, and `analyze --write-evidence` read back by ctiscope and tshark.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureBytes } from '../../src/capture/reader.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { rewriteAddress, writeSampleFrames } from '../sample-packets.js';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'ctiscope.js');
const sample = (name: string) => join(root, 'samples', `${name}.pcapng`);
const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => existsSync(p));

function ctiscope(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each failing sample against the working login: the phase where they part, the servers each side used first,
// and words the sentence must hold.
const PAIRS: { bad: string; args?: string[]; phase: string; good: string | null; badServer: string | null; words: RegExp }[] = [
  { bad: 'stale-ldap-failover', phase: 'config', good: '192.168.100.1:38983', badServer: '192.168.100.9:38983', words: /first tried 192\.168\.100\.9:38983, which never answered \(3 SYNs over 9\.0 s\); then 192\.168\.100\.2:38983 worked/ },
  { bad: 'licence-refused', phase: 'licensing', good: '192.168.100.1:3000', badServer: '192.168.100.1:3000', words: /got its licence from 192\.168\.100\.1:3000; this one asked 192\.168\.100\.1:3000 too, which answered USER_EXCEPTION IDL:com\/cisco\/cad\/LRM\/NoLicenseAvailable/ },
  { bad: 'licensing-down', phase: 'licensing', good: '192.168.100.1:3000', badServer: '192.168.100.1:3000', words: /which refused the connection \(SYN answered by RST\); then 192\.168\.100\.2:3000, which refused the connection/ },
  { bad: 'licensing-timeout', phase: 'licensing', good: '192.168.100.1:3000', badServer: '192.168.100.1:3000', words: /which never replied to acquireLicense/ },
  { bad: 'cti-standby-failover', phase: 'cti-session', good: '192.168.100.1:12028', badServer: '192.168.100.2:12028', words: /opened its CTI session with 192\.168\.100\.1:12028; this one first tried 192\.168\.100\.2:12028, which answered FAILURE_CONF E_CTI_SERVER_NOT_MASTER/ },
  { bad: 'agent-login-refused', phase: 'login', good: '192.168.100.1:12028', badServer: '192.168.100.1:12028', words: /logged its agent in through 192\.168\.100\.1:12028; this one asked 192\.168\.100\.1:12028 too, which answered CONTROL_FAILURE_CONF AGENT_DEVICE_OFF \(88004\)/ },
  { bad: 'ldap-bind-refused', phase: 'config', good: '192.168.100.1:38983', badServer: '192.168.100.1:38983', words: /which answered bind invalidCredentials \(49\)/ },
  { bad: 'span-many-agents', args: ['--workstation', '10.10.20.31', '--workstation', '10.10.20.102'], phase: 'licensing', good: '192.168.100.1:3000', badServer: '192.168.100.1:3000', words: /which answered USER_EXCEPTION/ },
  { bad: 'span-many-agents', args: ['--workstation', '10.10.20.31', '--workstation', '10.10.20.105'], phase: 'config', good: '192.168.100.1:38983', badServer: '192.168.100.9:38983', words: /which never answered/ },
];

describe('ctiscope compare', () => {
  it.each(PAIRS)('cad-login-ok against $bad $args: first divergence at $phase', ({ bad, args, phase, good, badServer, words }) => {
    const r = ctiscope(['compare', sample('cad-login-ok'), sample(bad), ...(args ?? []), '--json']);
    expect(r.status, r.stderr).toBe(1);
    const c = JSON.parse(r.stdout);
    expect(c.divergence).toMatchObject({ phase, goodServer: good, badServer });
    expect(c.divergence.sentence).toMatch(new RegExp(`^${phase}: the working desktop `));
    expect(c.divergence.sentence).toMatch(words);
    // Per-step timing: every pair of the start-up has both sides and a delta; the login-ok side is complete.
    const paired = c.steps.filter((s: { good: unknown; bad: unknown }) => s.good && s.bad);
    expect(paired.length).toBeGreaterThan(0);
    for (const s of paired) expect(s.startDelta).toBeCloseTo(s.bad.at - s.good.at, 9);
  });

  it('finds no divergence between a login and itself, and says so in the text form', () => {
    const r = ctiscope(['compare', sample('cad-login-ok'), sample('cad-login-ok')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/The two start-ups went through the same servers with the same results\./);
    expect(r.stdout).toMatch(/licensing\s+✓ \+0\.310s 192\.168\.100\.1:3000 17 ms\s+✓ \+0\.310s 192\.168\.100\.1:3000 17 ms\s+\+0 ms/);
  });

  // A noisy PC's own lookups and directory traffic are no step of its start-up: each sample against its noisy
  // twin (the same start-up amid Windows background) parts nowhere, and step for step at the same times.
  it.each(['cad-login-ok', 'licence-refused', 'stale-ldap-failover', 'cti-standby-failover', 'agent-login-refused'])('%s against its noisy twin: no difference, no step later', (name) => {
    const r = ctiscope(['compare', sample(name), sample(`${name}-noisy`), '--json']);
    expect(r.status, r.stdout).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.divergence).toBeNull();
    expect(c.steps.map((s: { phase: string }) => s.phase)).not.toContain('other');
    for (const s of c.steps) {
      expect(s.good && s.bad, JSON.stringify(s)).toBeTruthy();
      expect(Math.abs(s.startDelta)).toBeLessThan(0.001);
    }
    expect(c.totals.bad).toBeCloseTo(c.totals.good, 3);
  });

  it('another directory server that worked is no first difference: the licence refused later is, the other server said beside it', () => {
    // licence-refused with its LDAP server moved from 192.168.100.1 to 192.168.100.2 (the PC's other UCCX node).
    const w = new PcapngWriter({ tsResolution: 'us' });
    let iface = -1;
    readCaptureBytes(new Uint8Array(readFileSync(sample('licence-refused'))), {
      packet(p) {
        if (iface < 0) iface = w.addInterface(p.linkType, { snaplen: 65535 });
        const d = p.data;
        const tcp = d[12] === 8 && d[13] === 0 && d[23] === 6 ? 14 + (d[14] & 15) * 4 : -1;
        const ldap = tcp > 0 && [(d[tcp] << 8) | d[tcp + 1], (d[tcp + 2] << 8) | d[tcp + 3]].includes(38983);
        w.writePacket(iface, p.time, ldap ? rewriteAddress(d, [192, 168, 100, 1], [192, 168, 100, 2]) : d.slice());
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-compare-')), 'licence-refused-ldap-b.pcapng');
    writeFileSync(file, w.toBytes());
    const r = ctiscope(['compare', sample('cad-login-ok'), file, '--json']);
    expect(r.status).toBe(1);
    const c = JSON.parse(r.stdout);
    expect(c.divergence).toMatchObject({ phase: 'licensing', goodServer: '192.168.100.1:3000', badServer: '192.168.100.1:3000' });
    expect(c.otherServers).toEqual([{ phase: 'config', good: ['192.168.100.1:38983'], bad: ['192.168.100.2:38983'] }]);
    const text = ctiscope(['compare', sample('cad-login-ok'), file]).stdout;
    expect(text).toMatch(/^First difference: licensing: .* Before it, both worked through other servers in config \(the working desktop: 192\.168\.100\.1:38983; this one: 192\.168\.100\.2:38983\)\.$/m);
    // licence-refused against that copy of itself: the same results, so no difference, and the other server said.
    const same = ctiscope(['compare', sample('licence-refused'), file]);
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/^The two start-ups had the same results; both worked through other servers in config /m);
  });

  it('a request still waiting at the capture\'s end is no success: the login the capture cut off is the first difference', () => {
    // agent-login-refused up to frame 37, its SET_AGENT_STATE_REQ LOGIN: no reply, no desktop services after it.
    const file = writeSampleFrames('agent-login-refused.pcapng', 'login-cut.pcapng', (f) => f <= 37);
    const r = ctiscope(['compare', sample('cad-login-ok'), file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^First difference: login: the working desktop logged its agent in through 192\.168\.100\.1:12028; this one asked 192\.168\.100\.1:12028 too, which had not answered when the capture ended\.$/m);
    // The waiting step is drawn as such, not as a success.
    expect(r.stdout).toMatch(/^login +✓ \+0\.776s 192\.168\.100\.1:12028 19 ms +… \+0\.835s 192\.168\.100\.1:12028/m);
  });

  it('the same servers and results, much slower: the headline says by how much and where (a remote site); a start-up as quick says nothing of time', () => {
    const slow = ctiscope(['compare', sample('cad-login-ok'), sample('remote-site-slow')]);
    expect(slow.stdout).toMatch(/^The two start-ups went through the same servers with the same results, but this one took 24\.0 s against 1\.0 s: 22\.0 s more in config \(22\.1 s against 68 ms\)\.$/m);
    const same = ctiscope(['compare', sample('cad-login-ok'), sample('cad-login-ok-noisy')]);
    expect(same.stdout).toMatch(/^The two start-ups went through the same servers with the same results\.$/m);
  });

  it('a phase only one side went through is said as such, not as both working through other servers; CTI clients are compared with --cti-client', () => {
    const r = ctiscope(['compare', sample('cad-login-ok'), sample('ctios-side-down')]);
    expect(r.stdout).toContain('this one has no config step (the working desktop: 192.168.100.1:38983); this one has no licensing step (the working desktop: 192.168.100.1:3000).');
    expect(r.stdout).not.toMatch(/both worked through other servers in [^.]*config/);
    const c = ctiscope(['compare', sample('cti-failover'), sample('ctios-server'), '--cti-client', '10.1.2.30', '--cti-client', '10.1.1.10', '--json']);
    expect(c.status, c.stderr).toBe(1);
    expect(JSON.parse(c.stdout).divergence.sentence).toBe('cti-session: the working one opened its CTI session with 10.1.1.21:43027; this one opened its CTI session with 10.1.1.20:42027.');
    // The options may come before the files, once or twice, without taking the file names as their values.
    const before = ctiscope(['compare', '--cti-client', '10.1.2.30', sample('cti-failover'), writeSampleFrames('cti-failover.pcapng', 'until-b-syn.pcapng', (f) => f <= 44)]);
    expect(before.status, before.stderr).toBe(1);
    // Cut at side B's SYN: the capture shows no open with side B, which is not to say there was none.
    expect(before.stdout).toContain('First difference: cti-session: the working one then opened its CTI session with 10.1.1.21:43027; the capture shows no such step for this one.');
    const twice = ctiscope(['compare', '-w', '10.10.20.31', '-w', '10.10.20.102', sample('cad-login-ok'), sample('span-many-agents'), '--json']);
    expect(twice.status, twice.stderr).toBe(1);
    expect(JSON.parse(twice.stdout).divergence.phase).toBe('licensing');
    // A capture with no workstation points at the options that do exist.
    const none = ctiscope(['compare', sample('cti-failover'), sample('ctios-server')]);
    expect(none.stderr).toMatch(/name an agent \(--agent\) or a CTI client \(--cti-client\)/);
  });

  it('says when the captures look the wrong way round, or the failing one did not fail', () => {
    const swapped = ctiscope(['compare', sample('agent-login-refused'), sample('cad-login-ok')]);
    expect(swapped.status).toBe(1);
    expect(swapped.stdout).toMatch(/^Note: the working one \(the first capture\) failed and the failing one logged in: were they given the other way round\?$/m);
    const both = ctiscope(['compare', sample('cad-login-ok'), sample('cad-login-ok-noisy')]);
    expect(both.stdout).toMatch(/^Note: the failing one \(the second capture\) did not fail \(logged-in\)\.$/m);
    expect(JSON.parse(ctiscope(['compare', sample('cad-login-ok'), sample('licence-refused'), '--json']).stdout)).toMatchObject({ good: { outcome: 'logged-in' }, bad: { outcome: 'failed' } });
    const usual = ctiscope(['compare', sample('cad-login-ok'), sample('licence-refused')]);
    expect(usual.stdout).not.toMatch(/^Note:/m);
  });
});

interface FlowOut {
  client: string;
  server: string;
  transport: string;
}

describe.skipIf(!TSHARK)('analyze --write-evidence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctiscope-evidence-'));

  it.each([
    { file: 'span-many-agents', subject: ['--workstation', '10.10.20.105'], host: '10.10.20.105' },
    { file: 'span-many-agents', subject: ['--workstation', '10.10.20.102'], host: '10.10.20.102' },
    { file: 'licensing-down', subject: ['--workstation', '10.10.20.34'], host: '10.10.20.34' },
    { file: 'span-many-agents', subject: ['--agent', '1104'], host: '10.10.20.104' },
  ])('$file $subject: exactly the subject\'s flows, comments on the frames its findings cite', ({ file, subject, host }) => {
    const out = join(dir, `${file}-${subject[1]}.pcapng`);
    const original = JSON.parse(ctiscope(['analyze', sample(file), ...subject, '--json']).stdout);
    const r = ctiscope(['analyze', sample(file), ...subject, '--write-evidence', out]);
    expect(r.stderr).toMatch(new RegExp(`evidence written to .*${file}.*: \\d+ packets of \\d+ flows \\(.*\\), (1 frame|\\d+ frames) commented\\n$`));
    expect(r.stderr).not.toMatch(/\b1 frames\b/);

    // The flows: those of the subject's steps plus its DNS lookups, nothing else.
    const all = JSON.parse(ctiscope(['flows', sample(file), '--json']).stdout) as (FlowOut & { id: number })[];
    const subjectSteps = [...(original.workstations as { host: string; steps: { server: string; detail?: { flowId?: number } }[] }[]).filter((w) => w.host === host).flatMap((w) => w.steps), ...(original.agents as { id: string; steps: { server: string; detail?: { flowId?: number } }[] }[]).filter((a) => subject[0] === '--agent' && a.id === subject[1]).flatMap((a) => a.steps)];
    const stepFlows = new Set(subjectSteps.filter((s) => s.detail?.flowId !== undefined).map((s) => `${s.detail!.flowId} ${s.server}`));
    const expected = all.filter((f) => stepFlows.has(`${f.id} ${f.server}`) || (f.server.endsWith(':53') && f.client.startsWith(`${host}:`)));
    const written = JSON.parse(ctiscope(['flows', out, '--json']).stdout) as FlowOut[];
    const key = (f: FlowOut) => `${f.transport} ${f.client} ${f.server}`;
    expect(written.map(key).sort()).toEqual(expected.map(key).sort());
    expect(written.length).toBeGreaterThan(1);

    // tshark reads it, and the comments sit on the frames the findings cite (as the evidence file numbers them:
    // re-analysing it names the same findings at the commented frames).
    const t = spawnSync(TSHARK!, ['-r', out, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.comment'], { encoding: 'utf8' });
    expect(t.status, t.stderr).toBe(0);
    const commented = new Map<number, string>();
    for (const line of t.stdout.trim().split('\n')) {
      const [n, c] = line.split('\t');
      if (c) commented.set(Number(n), c);
    }
    const again = JSON.parse(ctiscope(['analyze', out, ...subject, '--json']).stdout);
    const findings = (subject[0] === '--agent' ? again.agents.find((a: { id: string }) => a.id === subject[1]) : again.workstations.find((w: { host: string }) => w.host === host)).findings as { kind: string; frames: number[] }[];
    expect(findings.length).toBeGreaterThan(0);
    const cited = new Set(findings.flatMap((f) => f.frames));
    expect([...commented.keys()].sort((a, b) => a - b)).toEqual([...cited].sort((a, b) => a - b));
    for (const f of findings) for (const frame of f.frames) expect(commented.get(frame)).toContain(`ctiscope: ${f.kind}: `);
  });

  it('refuses standard input, which cannot be read twice', () => {
    const r = spawnSync(process.execPath, [bin, 'analyze', '-', '--write-evidence', join(dir, 'x.pcapng')], { input: Buffer.alloc(0), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--write-evidence reads the capture twice: give a file, not standard input/);
  });
});
