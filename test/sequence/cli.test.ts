// `ctiscope sequence` and `ctiscope compare` as a user runs them (the built binary), on the reference samples.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageLabel } from '../../src/timeline/sequence/model.js';
import { LONG_HOST, writeLongCtiCapture } from './captures.js';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'ctiscope.js');
const sample = (name: string) => join(root, 'samples', `${name}.pcapng`);
const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

function ctiscope(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Msg {
  type: string;
  summary: string;
  client: string;
  frame: number;
}

describe('ctiscope sequence', () => {
  it('a noisy PC\'s diagram is its quiet twin\'s: the PC\'s own lookups are no part of the login', () => {
    for (const name of ['cad-login-ok', 'licence-refused', 'cti-standby-failover']) {
      const quiet = ctiscope(['sequence', sample(name), '--format', 'text']);
      const noisy = ctiscope(['sequence', sample(`${name}-noisy`), '--format', 'text']);
      expect(noisy.status, name).toBe(quiet.status);
      // Before, cad-login-ok-noisy drew 107 arrows to the clean one's 37, with a "dns-other" lifeline. Frame
      // numbers differ, the noise's frames coming between.
      const frames = (t: string) => t.replace(/\bframes? [\d–, ]*\d/g, 'frame N');
      expect(frames(noisy.stdout), name).toBe(frames(quiet.stdout));
    }
  });

  it('lists every message of a login in time order with its name, heartbeats folded into one row', () => {
    const decoded = JSON.parse(ctiscope(['decode', sample('cad-login-ok'), '--json']).stdout) as Msg[];
    const r = ctiscope(['sequence', sample('cad-login-ok'), '--format', 'text']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    let at = 0;
    let beats = 0;
    for (const m of decoded) {
      if (/HEARTBEAT/.test(m.type)) {
        beats++;
        continue;
      }
      const label = messageLabel(m);
      const found = lines.findIndex((l, i) => i >= at && l.includes(`: ${label}`));
      expect(found, `${m.frame} ${label}`).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
    expect(beats).toBe(4);
    expect(r.stdout).toMatch(/HEARTBEAT ×2 every 30\.0 s, all answered \(4 messages/);
    expect(r.stdout).toMatch(/⋯ 30\.0 s without a message ⋯/);
    // Lifelines named by role.
    expect(lines[1]).toMatch(/desktop 10\.10\.20\.31 · DNS .*CAD LDAP directory .*licensing service \(LRM\) .*UCCX CTI server .*Cisco Desktop services/);
  });

  it('draws one agent of a session shared by 500 with its own exchanges only, its CTI server named as UCCE names it', () => {
    const r = ctiscope(['sequence', sample('pg-span-500'), '--agent', '5017', '--format', 'text']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('agent 5017 instrument 30017');
    // 42027 is a UCCE CTI server's port, not UCCX's (12028).
    expect(lines[1]).toBe('lifelines: CTI client 10.1.1.10 · CTI server (10.1.1.20:42027)');
    const named = lines.filter((l) => /agent=\d+/.test(l));
    expect(named.map((l) => /agent=(\d+)/.exec(l)![1])).toEqual(['5017', '5017', '5017']);
    expect(named.map((l) => /: (\S+)/.exec(l)![1])).toEqual(['QUERY_AGENT_STATE_REQ', 'QUERY_AGENT_STATE_CONF', 'SET_AGENT_STATE_REQ']);
    // Its refusal (the reply names no agent: paired by InvokeID), and no reply to another agent's request.
    expect(lines.filter((l) => /: CONTROL_FAILURE_CONF /.test(l))).toHaveLength(1);
    expect(lines.some((l) => /: (SET_AGENT_STATE_CONF|AGENT_STATE_EVENT)/.test(l))).toBe(false);
    // The session's own messages stay: its open, and the heartbeats folded.
    expect(r.stdout).toMatch(/: OPEN_REQ v=15/);
    expect(r.stdout).toMatch(/HEARTBEAT ×\d+ every 30\.0 s, all answered/);
  });

  it('draws unanswered SYNs and refusing RSTs as their own arrows, in red with their finding', () => {
    const stale = ctiscope(['sequence', sample('stale-ldap-failover'), '--format', 'text']).stdout;
    expect(stale).toMatch(/✗ desktop 10\.10\.20\.32 -x CAD LDAP directory 192\.168\.100\.9:38983: SYN ×3 over 9\.0 s: no answer\n\s+! server-unreachable: 192\.168\.100\.9:38983/);
    expect(stale).toMatch(/⋯ 21\.2 s without a message ⋯/);
    const down = ctiscope(['sequence', sample('licensing-down'), '--format', 'text']).stdout;
    expect(down.match(/licensing service \(LRM\) 192\.168\.100\.[12]:3000 → desktop 10\.10\.20\.34: RST: connection refused/g)).toHaveLength(2);
    // Each finding is written once, under the first row it cites.
    expect(down.match(/✗ licensing-failed:/g)).toHaveLength(1);
    const svg = ctiscope(['sequence', sample('agent-login-refused')]).stdout;
    expect(svg).toMatch(/^<svg xmlns/);
    expect(svg).toMatch(/class="seq-row seq-message seq-failed"[^>]*>.*CONTROL_FAILURE_CONF/);
  });

  it('draws a clean close as its own arrow, from the side that sent the first FIN', () => {
    // The LDAP session ends after unbindRequest, with the desktop's FIN.
    const text = ctiscope(['sequence', sample('cad-login-ok'), '--format', 'text']).stdout.split('\n');
    const unbind = text.findIndex((l) => /: unbindRequest$/.test(l));
    expect(text[unbind + 1]).toMatch(/^ +\+0\.2\d\ds {3}desktop 10\.10\.20\.31 → CAD LDAP directory: FIN: closed by the desktop$/);
    // One close per connection that closed: the CTI, licensing and services sessions are still open at the end.
    expect(text.filter((l) => /FIN: closed/.test(l))).toHaveLength(1);

    // A CTI server that ends the session: the arrow comes from the server, the last row of the diagram, in red
    // with the finding that names it (session-closed); the desktop's own close is no failure.
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-seq-fin-'));
    for (const closedBy of ['s2c', 'c2s'] as const) {
      const file = join(dir, `closed-${closedBy}.pcapng`);
      writeLongCtiCapture(file, 6, closedBy);
      const rows = ctiscope(['sequence', file, '--workstation', LONG_HOST, '--format', 'text']).stdout.trimEnd().split('\n');
      if (closedBy === 's2c') {
        expect(rows[rows.length - 2]).toMatch(/ ✗ UCCX CTI server → desktop 10\.10\.20\.77: FIN: closed by the server$/);
        expect(rows[rows.length - 1]).toMatch(/^ +✗ session-closed: 192\.168\.100\.1:12028, the UCCX CTI server, closed the CTI session/);
      } else expect(rows[rows.length - 1]).toMatch(/ {3}desktop 10\.10\.20\.77 → UCCX CTI server: FIN: closed by the desktop$/);
      const mermaid = ctiscope(['sequence', file, '--workstation', LONG_HOST, '--format', 'mermaid']).stdout;
      expect(mermaid).toMatch(closedBy === 's2c' ? /P1-->>P0: .*FIN: closed by the server/ : /P0-->>P1: .*FIN: closed by the desktop/);
    }
  });

  it.skipIf(!tshark)('the close\'s row points at the first FIN, the frame tshark numbers it', () => {
    const fins = spawnSync('tshark', ['-r', sample('cad-login-ok'), '-Y', 'tcp.flags.fin == 1 && tcp.port == 38983', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(fins).toHaveLength(2);
    const svg = ctiscope(['sequence', sample('cad-login-ok')]).stdout;
    expect(svg.match(/class="seq-row seq-fin" data-index="\d+" data-frame="(\d+)"/g)).toEqual([expect.stringContaining(`data-frame="${fins[0]}"`)]);
  });

  it('writes PlantUML whose participants are declared before use and whose arrows are well formed', () => {
    for (const name of ['stale-ldap-failover', 'licensing-down', 'agent-login-refused', 'cad-login-ok']) {
      const r = ctiscope(['sequence', sample(name), '--format', 'plantuml']);
      expect(r.status).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('@startuml');
      expect(lines[lines.length - 1]).toBe('@enduml');
      const declared = new Set<string>();
      let arrows = 0;
      for (const line of lines.slice(1, -1)) {
        const p = /^participant "([^"\\]|\\n)*" as (P\d+)$/.exec(line);
        if (p) {
          expect(arrows, 'participants come first').toBe(0);
          declared.add(p[2]);
          continue;
        }
        const a = /^(P\d+) -(\[#red\])?(>x|->|>) (P\d+) : \S.*$/.exec(line);
        const n = /^note over (P\d+)(, (P\d+))?( #FFDDDD)? : \S.*$/.exec(line);
        if (a) {
          arrows++;
          expect(declared.has(a[1]) && declared.has(a[4]), line).toBe(true);
        } else if (n) {
          expect(declared.has(n[1]) && (!n[3] || declared.has(n[3])), line).toBe(true);
        } else expect(line, 'a known statement').toMatch(/^(title \S.*|skinparam \S+ \S+|hide footbox|\.\.\.[^.].*[^.]\.\.\.)$/);
      }
      expect(arrows).toBeGreaterThan(5);
    }
  });

  it('names the subject it needs, and says which there are', () => {
    const many = ctiscope(['sequence', sample('span-many-agents'), '--format', 'text']);
    expect(many.status).toBe(2);
    expect(many.stderr).toMatch(/has 40 workstations; name one with --workstation \(10\.10\.20\./);
    const none = ctiscope(['sequence', sample('cad-login-ok'), '--workstation', '10.9.9.9']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no workstation 10\.9\.9\.9 in the capture$/m);
    const agent = ctiscope(['sequence', sample('span-many-agents'), '--agent', '1104', '--format', 'text']);
    expect(agent.status).toBe(0);
    expect(agent.stdout).toMatch(/^agent 1104/);
    // A CAD agent's CTI client is its desktop, and named so.
    expect(agent.stdout).toMatch(/✗ UCCX CTI server → desktop 10\.10\.20\.104: CONTROL_FAILURE_CONF/);
  });

  it('a CTI OS agent: its desktop is no empty lifeline, the refusal names the PG\'s code by number, and the desktop\'s own diagram places the refusal when it came', () => {
    const agent = ctiscope(['sequence', sample('ctios-server'), '--agent', '5053', '--format', 'text']).stdout;
    // The desktop's CTI OS traffic is its own, not the agent's requests: no line for it (it read "CTI client 10.10.40.53").
    expect(agent.split('\n')[1]).toBe('lifelines: CTI client 10.1.1.10 · CTI server (10.1.1.20:42027)');
    // Times count from the session's OPEN_REQ, as the page's do (its SYN, a millisecond before, is at -0.001s).
    expect(agent).toMatch(/^ +-0\.001s {3}CTI client 10\.1\.1\.10 → CTI server: TCP connect$/m);
    expect(agent).toMatch(/^ +\+12\.856s ✗ CTI server → CTI client 10\.1\.1\.10: CONTROL_FAILURE_CONF peripheral error 10140 CF_INVALID_LOGON_DEVICE_SPECIFIED \(260\)$/m);
    const desktop = ctiscope(['sequence', sample('ctios-server'), '--workstation', '10.10.40.53', '--format', 'text']).stdout;
    // The refusal is on the CTI OS server's session, in none of the desktop's flows: a note at the attempt's time
    // (it sat at +0.000s as "desktop ⇄ desktop").
    expect(desktop).toMatch(/^ +\+1\.026s ✗ note: agent-login-failed$/m);
    expect(desktop).not.toMatch(/desktop 10\.10\.40\.53 ⇄ desktop 10\.10\.40\.53/);
  });

  it.skipIf(!existsSync('/usr/bin/chromium'))('writes PNG through headless Chromium, at the SVG\'s width', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-seq-png-'));
    const out = join(dir, 'login.png');
    expect(ctiscope(['sequence', sample('licence-refused'), '--format', 'png']).stderr).toMatch(/--format png writes a file: name it with --output FILE\.png/);
    const r = ctiscope(['sequence', sample('licence-refused'), '--format', 'png', '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const png = readFileSync(out);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const svgWidth = Number(/width="(\d+)"/.exec(ctiscope(['sequence', sample('licence-refused')]).stdout)![1]);
    expect(png.readUInt32BE(16)).toBe(svgWidth);
  });

  it('keeps every one of 300 messages as its own row', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-seq-'));
    const file = join(dir, 'long.pcapng');
    writeLongCtiCapture(file, 300);
    const text = ctiscope(['sequence', file, '--workstation', LONG_HOST, '--format', 'text']).stdout;
    expect(text.match(/QUERY_AGENT_STATE_REQ/g)).toHaveLength(149);
    expect(text.match(/QUERY_AGENT_STATE_CONF/g)).toHaveLength(149);
  });
});
