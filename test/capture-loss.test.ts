// Packets lost at the capture point, not on the network: the sample login with one server packet taken out, as
// `editcap in out N` does. The desktop acknowledged the missing bytes, so the server did send them: the built CLI
// must say the reply was not captured, never that the server failed to answer.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureBytes } from '../src/capture/reader.js';
import { PcapngWriter } from '../src/capture/writer.js';
import type { CapturedPacket } from '../src/capture/types.js';
import type { AnalysisDocument } from '../src/timeline/model.js';
import { packetsOf, writePackets } from './sample-packets.js';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'ctiscope.js');
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-loss-'));

/** The sample with the given frames left out, written as a new pcapng; returns its path. */
function withoutFrames(...frames: number[]): string {
  const packets: CapturedPacket[] = [];
  readCaptureBytes(new Uint8Array(readFileSync(join(root, 'samples', 'cad-login-ok.pcapng'))), {
    packet: (p) => packets.push({ ...p, data: p.data.slice() }),
  });
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(packets[0].linkType, { snaplen: 65535 });
  for (const p of packets) if (!frames.includes(p.frame)) w.writePacket(iface, p.time, p.data);
  const file = join(dir, `without-${frames.join('-')}.pcapng`);
  writeFileSync(file, w.toBytes());
  return file;
}


function analyze(file: string): { status: number | null; doc: AnalysisDocument; text: string } {
  const json = spawnSync(process.execPath, [bin, 'analyze', file, '--json'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const text = spawnSync(process.execPath, [bin, 'analyze', file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: json.status, doc: JSON.parse(json.stdout) as AnalysisDocument, text: text.stdout };
}

const errorsOf = (doc: AnalysisDocument) => doc.workstations.flatMap((w) => w.findings.filter((f) => f.severity === 'error'));

describe('a reply the capture lost is not a server that did not answer', () => {
  it('the whole sample, as a control: logged in, no capture gap', () => {
    const { status, doc } = analyze(join(root, 'samples', 'cad-login-ok.pcapng'));
    expect(status).toBe(0);
    expect(doc.workstations[0].outcome).toBe('logged-in');
    expect(doc.workstations[0].findings.filter((f) => f.kind === 'capture-gap')).toEqual([]);
  });

  it('the licence reply (frame 26) lost: the licensing step is not captured, not failed, and the PC logged in', () => {
    const { status, doc, text } = analyze(withoutFrames(26));
    const ws = doc.workstations[0];
    expect(status).toBe(0);
    expect(ws.outcome).toBe('logged-in');
    expect(errorsOf(doc)).toEqual([]);
    const lic = ws.steps.find((s) => s.phase === 'licensing')!;
    expect(lic.ok).toBe(true);
    expect(lic.notCaptured).toBe(true);
    expect(lic.summary).toBe('acquireLicense → reply not captured (the capture lost bytes from the server, frame 26)');
    expect(lic.detail?.uncaptured).toBe(1);
    const gap = ws.findings.find((f) => f.kind === 'capture-gap')!;
    expect(gap.severity).toBe('warning');
    expect(gap.message).toContain('44 bytes from 192.168.100.1:3000');
    expect(gap.message).toContain('The reply to acquireLicense (frame 25) may be among them, so it is not counted as unanswered.');
    expect(gap.frames).toEqual([25, 26]);
    expect(text).toMatch(/licensing\s+\? unseen\s+acquireLicense → reply not captured/);
  });

  it('the OPEN_CONF (frame 32) lost: the CTI session is not failed, the login that followed stands', () => {
    const { status, doc } = analyze(withoutFrames(32));
    const ws = doc.workstations[0];
    expect(status).toBe(0);
    expect(ws.outcome).toBe('logged-in');
    expect(errorsOf(doc)).toEqual([]);
    const open = ws.steps.find((s) => s.phase === 'cti-session' && s.summary.startsWith('OPEN_REQ'))!;
    expect(open.notCaptured).toBe(true);
    expect(open.summary).toContain('OPEN_REQ → reply not captured');
  });

  it('the LDAP bindResponse (frame 9) lost: the searches answered, so the directory step worked; the lost reply is named', () => {
    const { status, doc } = analyze(withoutFrames(9));
    const ws = doc.workstations[0];
    expect(status).toBe(0);
    expect(ws.outcome).toBe('logged-in');
    expect(errorsOf(doc)).toEqual([]);
    const ldap = ws.steps.find((s) => s.phase === 'config')!;
    expect(ldap.ok).toBe(true);
    expect(ldap.notCaptured).toBeUndefined();
    expect(ldap.summary).toContain('; bind: reply not captured');
  });

  it('the login reply (frame 38) lost: incomplete, exit 4, and the summary says the capture lost the reply; no timeout', () => {
    const { status, doc, text } = analyze(withoutFrames(38));
    const ws = doc.workstations[0];
    expect(status).toBe(4);
    expect(ws.outcome).toBe('incomplete');
    expect(errorsOf(doc)).toEqual([]);
    expect(ws.findings.some((f) => f.kind === 'timeout')).toBe(false);
    const login = ws.steps.find((s) => s.summary.startsWith('SET_AGENT_STATE_REQ LOGIN'))!;
    expect(login.notCaptured).toBe(true);
    // Found by the desktop's ACK in frame 42 (frame 43 of the whole sample): nothing came from the server after it until the heartbeat.
    expect(login.summary).toBe('SET_AGENT_STATE_REQ LOGIN → reply not captured (the capture lost bytes from the server, frame 42)');
    expect(doc.summary.message).toBe(
      '10.10.20.31 (agent 1031): the start-up is not complete in this capture: at login, SET_AGENT_STATE_REQ LOGIN → reply not captured (the capture lost bytes from the server, frame 42)',
    );
    expect(text).toContain('… INCOMPLETE');
  });

  it('a heartbeat reply (frame 59) lost: not counted as unanswered', () => {
    const { status, doc } = analyze(withoutFrames(59));
    const ws = doc.workstations[0];
    expect(status).toBe(0);
    const hb = ws.steps.find((s) => s.summary.includes('heartbeat'))!;
    expect(hb.ok).toBe(true);
    expect(hb.summary).toMatch(/^2 heartbeats every 30\.0 s, none unanswered; 1 reply not captured/);
    expect(hb.detail?.missed).toBeUndefined();
    expect(hb.detail?.uncaptured).toBe(1);
  });

  it('the last heartbeat reply (frame 64) lost at the end of the capture: not "all answered"', () => {
    const { doc } = analyze(withoutFrames(64));
    const hb = doc.workstations[0].steps.find((s) => s.summary.includes('heartbeat'))!;
    expect(hb.summary).toMatch(/none unanswered; 1 reply not captured/);
  });
});

describe('a capture started during the configuration download', () => {
  it('the LDAP connection under way at frame 12: an info note, no login time, no error', () => {
    const { status, doc } = analyze(withoutFrames(...Array.from({ length: 11 }, (_, i) => i + 1)));
    const ws = doc.workstations[0];
    expect(status).toBe(0);
    expect(errorsOf(doc)).toEqual([]);
    expect(ws.outcome).toBe('logged-in');
    expect(ws.loginSeconds).toBeNull();
    const late = ws.findings.filter((f) => f.kind === 'capture-started-late');
    expect(late.map((f) => f.severity)).toEqual(['info']);
    expect(late[0].message).toMatch(/^The capture began during this desktop's start-up: its configuration download with 192\.168\.100\.1:38983 \(frame \d+\) was already under way \(the start of its connection is not in the capture\)/);
  });
});

describe('a capture started just before the licence request', () => {
  it('no configuration download and the capture begins at the licence SYN: an info note, no login time', () => {
    // cad-login-ok from frame 22, the SYN to the licensing service (its LDAP connection, frames 1-21, is gone).
    const { status, doc } = analyze(withoutFrames(...Array.from({ length: 21 }, (_, i) => i + 1)));
    const ws = doc.workstations[0];
    expect([status, ws.outcome, ws.loginSeconds]).toEqual([0, 'logged-in', null]);
    const late = ws.findings.filter((f) => f.kind === 'capture-started-late');
    expect(late.map((f) => [f.severity, f.frames])).toEqual([['info', [4]]]);
    expect(late[0].message).toBe(
      "The capture began 0 ms before this desktop's licence request with 192.168.100.1:3000 (frame 4) and has no configuration download for it: a CAD desktop reads its configuration (LDAP) before it asks for a licence, so that read most likely came just before the capture began, and how long the start-up took is not known.",
    );
  });

  it('a capture running long before a licence request with no configuration download says nothing of a late start', () => {
    // The same, with the PC's DNS lookups (frames 1-4, 0.3 s before the licence) and the directory read gone, and the
    // lookups moved 5 s earlier: the capture plainly ran before the start-up; no directory read is simply not in it.
    const ps = packetsOf('cad-login-ok.pcapng').filter((p) => p.frame <= 4 || p.frame >= 22).map((p) => (p.frame <= 4 ? { ...p, time: p.time - 5 } : p));
    const { doc } = analyze(writePackets('dns-then-licence.pcapng', ps));
    const ws = doc.workstations[0];
    expect(ws.findings.map((f) => f.kind)).not.toContain('capture-started-late');
    expect(ws.loginSeconds).not.toBeNull();
  });
});

describe('a capture started after the desktop did', () => {
  it('begins at the CTI session: an info note that configuration and licence are not in it, no error, logged in', () => {
    const before = Array.from({ length: 27 }, (_, i) => i + 1);
    const { status, doc, text } = analyze(withoutFrames(...before));
    const ws = doc.workstations[0];
    expect(status).toBe(0);
    expect(ws.outcome).toBe('logged-in');
    expect(errorsOf(doc)).toEqual([]);
    const late = ws.findings.filter((f) => f.kind === 'capture-started-late');
    expect(late).toHaveLength(1);
    expect(late[0].severity).toBe('info');
    // Frames 28–30 of the sample (the CTI connection's handshake) are frames 1–3 of the cut capture; its OPEN_REQ is 4.
    expect(late[0].message).toBe(
      'The capture has no configuration download or licence for this desktop: it begins with its CTI session with 192.168.100.1:12028 (frame 4), so the desktop started before the capture did (or the capture did not see that traffic: a capture filter, another path). Those steps cannot be judged here; start the capture before the desktop to see them.',
    );
    expect(text).toContain('capture-started-late');
    // The start-up's length is not known: no login time, and the summary says why.
    expect(ws.loginSeconds).toBeNull();
    expect(doc.summary.message).toBe('10.10.20.31 (agent 1031) logged in (the capture began after its start-up did, so how long it took is not known)');
    // The whole sample has its configuration and licence: no such note.
    expect(analyze(join(root, 'samples', 'cad-login-ok.pcapng')).doc.workstations[0].findings.map((f) => f.kind)).not.toContain('capture-started-late');
  });
});

describe('compare with a capture that lost a reply', () => {
  it('the step whose reply was lost is "?" on its side, not ✓ or ✗; the totals say what they measure', () => {
    const lost = withoutFrames(26);
    const cmp = (extra: string[]) => spawnSync(process.execPath, [bin, 'compare', join(root, 'samples', 'cad-login-ok.pcapng'), lost, ...extra], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const c = JSON.parse(cmp(['--json']).stdout);
    const lic = c.steps.find((s: { phase: string }) => s.phase === 'licensing');
    expect([lic.good.notCaptured, lic.bad.notCaptured]).toEqual([undefined, true]);
    const text = cmp([]).stdout;
    expect(text).toMatch(/^licensing\s+✓ \+0\.310s 192\.168\.100\.1:3000 17 ms\s+\? \+0\.310s 192\.168\.100\.1:3000 /m);
    expect(text).toMatch(/^start-up, first step to end of last: working 1\.0 s, failing /m);
  });
});
