// The `ctiscope` command as a user runs it: output contracts, exit codes, error messages, standard input.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { validateSchema } from '../src/timeline/validate.js';
import { SynthNet } from '../src/lab/synth/tcp.js';
import { openReq, openConf, queryAgentStateConf } from '../src/decoders/ged188/encode.js';
import { cti as ged } from '../src/lab/synth/ged.js';
import { PcapngWriter, PcapWriter } from '../src/capture/writer.js';
import { LinkType } from '../src/capture/types.js';
import { readCaptureBytes } from '../src/capture/reader.js';
import { packetsOf, rewriteAddress, writePackets, writeSampleFrames as sampleFrames } from './sample-packets.js';
import { analyze as analyzeCapture, write as writeCapture } from './cti-session-captures.js';
import { encodeDnsQueryA, encodeDnsResponseA } from '../src/lab/synth/dns.js';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'ctiscope.js');
const fixture = (name: string) => join(root, 'test', 'fixtures', 'public', name);
const sample = (name: string) => join(root, 'samples', name);
const expected = (name: string) => JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'public', 'expected', `${name}.json`), 'utf8'));

/** Writes what the synthetic network produced as a pcapng in a new temporary folder; returns its path. */
function writeSynth(net: SynthNet, name: string): string {
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 65535 });
  for (const p of net.collect()) w.writePacket(iface, p.time, p.data);
  const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), name);
  writeFileSync(file, w.toBytes());
  return file;
}

function ctiscope(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'buffer', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

interface FlowOut {
  client: string;
  server: string;
  transport: string;
  state: string;
  packets: { c2s: number; s2c: number };
  payloadBytes: { c2s: number; s2c: number };
  firstFrame: number;
  start: number;
  end: number;
}

describe('ctiscope flows', () => {
  it('prints the contract fields, and agrees with tshark on a capture with refused and reset connections', () => {
    const r = ctiscope(['flows', fixture('ndpi__tcp_scan.pcapng'), '--json']);
    expect(r.status).toBe(0);
    const flows = JSON.parse(r.stdout) as FlowOut[];
    const exp = expected('ndpi__tcp_scan.pcapng');
    expect(flows.filter((f) => f.transport === 'tcp')).toHaveLength(exp.tcp_streams.length);
    for (const s of exp.tcp_streams) {
      const f = flows.find((x) => (x.client === s.a && x.server === s.b) || (x.client === s.b && x.server === s.a))!;
      expect(f, `stream ${s.stream}`).toBeDefined();
      const aIsClient = f.client === s.a;
      expect(aIsClient ? f.packets.c2s : f.packets.s2c).toBe(s.packets_a_to_b);
      expect(aIsClient ? f.packets.s2c : f.packets.c2s).toBe(s.packets_b_to_a);
      expect(aIsClient ? f.payloadBytes.c2s : f.payloadBytes.s2c).toBe(s.payload_bytes_a_to_b);
      expect(f.firstFrame).toBe(s.first_frame);
      expect(typeof f.start).toBe('number');
      expect(f.end).toBeGreaterThanOrEqual(f.start);
    }
    // The refused connects (SYN → RST/ACK) on 445 and 3389.
    expect(flows.filter((f) => f.state === 'REJ').map((f) => f.server.split(':')[1]).sort()).toEqual(['3389', '445']);
  });

  it('names the SYN retries of connections never answered (the stale-address pattern)', () => {
    const r = ctiscope(['flows', fixture('ndpi__custom_rules_same-ip_multiple_ports.pcapng')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/3\.3\.3\.3:443 .*S0 no answer \(3 SYNs over 3\.\d+ s\)/);
  });

  it('a flow known only from an ICMP error\'s quoted header is listed as such and not counted as a flow (tshark has no stream for it)', () => {
    const r = ctiscope(['flows', fixture('zeek__icmp-destunreach-udp.pcap')]);
    expect(r.status).toBe(0);
    expect(expected('zeek__icmp-destunreach-udp.pcap').udp_streams).toEqual([]);
    expect(r.stdout).toMatch(/^udp\/0 +192\.168\.1\.102:59207 +192\.168\.1\.1:53 +dns +ICMP error only +0\/0 /m);
    expect(r.stdout).toMatch(/^1 packet, 0 flows \(and 1 known only from an ICMP error, listed with no packets\), /m);
  });

  it('a link type it cannot read is said, naming the file and the first frame, not passed over as a capture with nothing in it', () => {
    // The sample's frames under link type 9 (PPP), which ctiscope does not decode.
    const w = new PcapngWriter({ tsResolution: 'us' });
    const iface = w.addInterface(9, { snaplen: 65535 });
    readCaptureBytes(new Uint8Array(readFileSync(sample('cad-login-ok.pcapng'))), { packet: (p) => void w.writePacket(iface, p.time, p.data.slice()) });
    const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), 'ppp.pcapng');
    writeFileSync(file, w.toBytes());
    const flows = ctiscope(['flows', file]);
    expect(flows.stderr).toMatch(/warning: .*ppp\.pcapng: frame 1: link type 9 \(PPP\) is not one ctiscope reads, so its packets are counted but not decoded/);
    const doc = JSON.parse(ctiscope(['analyze', file, '--json']).stdout);
    expect(doc.source.warnings.map((x: { code: string }) => x.code)).toContain('unsupported-link-type');
    // Once per link type, not per packet.
    expect(flows.stderr.match(/unsupported|not one ctiscope reads/g)).toHaveLength(1);
  });

  it('a record that cannot be read mid-file is a capture cut there: TRUNCATED, its finding, and "nothing found" said of the part read', () => {
    /** The sample as classic pcap (µs), the record of frame `bad` claiming 2^31 − 1 captured bytes. */
    const corrupt = (bad: number): string => {
      const w = new PcapWriter(LinkType.ETHERNET);
      const starts: number[] = [];
      let at = 24;
      readCaptureBytes(new Uint8Array(readFileSync(sample('cad-login-ok.pcapng'))), {
        packet(p) {
          starts.push(at);
          at += 16 + p.data.length;
          w.writePacket(p.time, p.data.slice());
        },
      });
      const bytes = w.toBytes();
      new DataView(bytes.buffer, bytes.byteOffset).setUint32(starts[bad - 1] + 8, 0x7fffffff, true);
      const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), `corrupt-${bad}.pcap`);
      writeFileSync(file, bytes);
      return file;
    };
    const late = ctiscope(['analyze', corrupt(38), '--json']);
    const doc = JSON.parse(late.stdout);
    expect(doc.source.truncated).toBe(true);
    expect(doc.source.packets).toBe(37);
    const cut = doc.source.warnings.find((w: { code: string }) => w.code === 'truncated-unreadable');
    expect(cut.message).toMatch(/corrupt-38\.pcap could not be read past byte \d+ \([\d,]+ more bytes not read\): pcap record claims 2147483647 captured bytes/);
    expect(doc.workstations[0].findings.map((f: { kind: string }) => f.kind)).toContain('truncated-capture');
    expect(late.stderr).toMatch(/could not be read past byte/);
    const early = JSON.parse(ctiscope(['analyze', corrupt(4), '--json']).stdout);
    expect(early.summary.message).toMatch(/^no agent desktop start-up in this capture: .*, in the 3 packets read \(the rest of the capture could not be read\)$/);
  });

  it('reads standard input, gzip-compressed or not', () => {
    const bytes = readFileSync(fixture('zeek__ldap-who-am-i.pcap'));
    for (const input of [bytes, gzipSync(bytes)]) {
      const r = ctiscope(['flows', '-', '--json'], input);
      expect(r.status).toBe(0);
      const flows = JSON.parse(r.stdout) as FlowOut[];
      expect(flows).toHaveLength(1);
      expect(flows[0]).toMatchObject({ state: 'SF', client: '127.0.0.1:48122', server: '127.0.1.1:389', transport: 'tcp' });
    }
  });

  it('rejects a file that is not a capture with one line naming the file, and exit status 3', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-cli-'));
    const bogus = join(dir, 'notes.pcap');
    writeFileSync(bogus, 'this is not a capture file at all\n');
    const r = ctiscope(['flows', bogus]);
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(bogus);
    expect(r.stderr).toMatch(/byte 0|offset 0/);
  });

  it('takes a file cut inside its file header, and gzip holding no capture, as bad input (exit 3, one line naming the file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-cli-'));
    const cutPcapng = join(dir, 'cut.pcapng');
    writeFileSync(cutPcapng, readFileSync(sample('cad-login-ok.pcapng')).subarray(0, 10));
    const cutPcap = join(dir, 'cut.pcap');
    writeFileSync(cutPcap, readFileSync(fixture('zeek__ldap_simpleauth.pcap')).subarray(0, 20));
    const text = join(dir, 'notes.gz');
    writeFileSync(text, gzipSync(Buffer.from('hello\n')));
    for (const [file, says] of [[cutPcapng, /ends inside the file header/], [cutPcap, /ends inside the file header of 24 bytes \(20 bytes present\)/], [text, /not a pcap, pcapng or NetMon file: byte 0/]] as const) {
      for (const command of ['analyze', 'flows', 'sequence']) {
        const r = ctiscope([command, file]);
        expect(r.status, `${command} ${file}: ${r.stderr}`).toBe(3);
        expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
        expect(r.stderr).toContain(file);
        expect(r.stderr).toMatch(says);
      }
    }
  });

  it('analyses a truncated capture up to the cut and warns with the file and byte offset', () => {
    const whole = readFileSync(fixture('zeek__ldap_simpleauth.pcap'));
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-cli-'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const r = ctiscope(['flows', cut, '--json']);
    expect(r.status).toBe(0);
    const flows = JSON.parse(r.stdout) as FlowOut[];
    expect(flows[0].packets.c2s + flows[0].packets.s2c).toBe(11); // 12 packets, the last one cut
    expect(r.stderr).toMatch(new RegExp(`warning: .*${cut.replace(/[/.]/g, '\\$&')}.*byte \\d+`));
  });

  it('a capture cut inside a record points its truncated-capture finding at the last whole packet, as tshark numbers them', () => {
    const whole = readFileSync(sample('cad-login-ok.pcapng'));
    const cut = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), 'cut-in-ldap.pcapng');
    writeFileSync(cut, whole.subarray(0, 3000)); // inside frame 13, the first LDAP search reply
    const doc = JSON.parse(ctiscope(['analyze', cut, '--json']).stdout);
    expect(doc.source.packets).toBe(12);
    const f = doc.workstations[0].findings.find((x: { kind: string }) => x.kind === 'truncated-capture');
    expect(f.frames).toEqual([12]);
    // The search whose reply was cut off is said to be waiting, not counted among those answered.
    const config = doc.workstations[0].steps.find((x: { phase: string }) => x.phase === 'config');
    expect(config.summary).toMatch(/and 2 searches: 1 entry, \d+ ms; 1 still waiting for its reply$/);
  });

  it('--threads takes a whole number of 1 or more', () => {
    for (const bad of ['0', '-3', '2.5']) {
      const r = ctiscope(['analyze', sample('cad-login-ok.pcapng'), '--threads', bad]);
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toBe(`ctiscope: --threads ${bad}: a whole number of threads, 1 to 64\n`);
    }
  });

  it('names a missing file and exits 3; a bad option exits 2', () => {
    const r = ctiscope(['flows', '/nonexistent/x.pcap']);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('/nonexistent/x.pcap: no such file');
    expect(ctiscope(['analyze', sample('cad-login-ok.pcapng'), '--port', '99999=giop']).status).toBe(2);
    expect(ctiscope(['frobnicate']).status).toBe(2);
  });
});

describe('the built command', () => {
  it('runs from bin/ and dist/bundle alone, with no node_modules beside it (its dependencies are bundled)', () => {
    const copy = mkdtempSync(join(tmpdir(), 'ctiscope-bare-'));
    for (const part of ['bin', join('dist', 'bundle'), 'package.json']) cpSync(join(root, part), join(copy, part), { recursive: true });
    const run = (args: string[]) => spawnSync(process.execPath, [join(copy, 'bin', 'ctiscope.js'), ...args], { encoding: 'utf8', cwd: copy });
    const version = run(['--version']);
    expect([version.status, version.stderr]).toEqual([0, '']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    const refused = run(['analyze', sample('agent-login-refused.pcapng')]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/failed at login: .*CONTROL_FAILURE_CONF 88004/);
  });

  it('speaks English whatever the locale, yargs\'s own words included', () => {
    for (const env of [{ LC_ALL: 'fr_FR.UTF-8' }, { LANG: 'de_DE.UTF-8', LC_ALL: '' }]) {
      const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect(help.stdout).toMatch(/^Options:$/m);
      expect(help.stdout).toMatch(/-h, --help +Show help +\[boolean\]/);
      const missing = spawnSync(process.execPath, [bin, 'analyze'], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect([missing.status, missing.stderr.split('\n')[0]]).toEqual([2, 'ctiscope: Not enough non-option arguments: got 0, need at least 1']);
    }
  });
});

describe('ctiscope decode', () => {
  it('a --stream the capture does not have, or a --server that is no address, is a usage error naming what the capture holds', () => {
    const file = sample('cad-login-ok.pcapng');
    const r = ctiscope(['decode', file, '--stream', 'tcp/99', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toBe('ctiscope: --stream tcp/99: the capture has 6 TCP flows (tcp/0 to tcp/5) and 1 UDP flow (udp/0)\n');
    // A flow that exists but carries nothing of the chosen protocol: said, exit 0.
    const none = ctiscope(['decode', file, '--stream', 'tcp/2', '--protocol', 'dns']);
    expect(none.status).toBe(0);
    expect(none.stdout).toBe('no decoded message matches --stream tcp/2 --protocol dns\n');
    for (const bad of ['999.1.1.1', '10.1.1.1:99999', 'pg-a']) {
      const s = ctiscope(['decode', file, '--server', bad]);
      expect(s.status, bad).toBe(2);
      expect(s.stderr).toBe(`ctiscope: --server ${bad}: not an address (IP or IP:PORT, [IPv6]:PORT)\n`);
    }
    expect(ctiscope(['decode', file, '--server', '192.168.100.1:12028']).stdout).toContain('OPEN_REQ');
    expect(ctiscope(['decode', file, '--server', '192.168.100.1']).stdout).toContain('acquireLicense');
  });

  it('--stream takes a flow as `flows` names it (tcp/N, udp/N), or N for either transport, and refuses anything else', () => {
    const file = sample('cad-login-ok.pcapng');
    const flows = (only: string[]) => [...new Set((JSON.parse(ctiscope(['decode', file, '--json', ...only]).stdout) as { transport: string; flowId: number }[]).map((m) => `${m.transport}/${m.flowId}`))].sort();
    expect(flows(['--stream', 'tcp/2'])).toEqual(['tcp/2']);
    expect(flows(['--stream', 'udp/0'])).toEqual(['udp/0']);
    // N alone is tcp.stream N or udp.stream N, as Wireshark numbers each transport's streams.
    expect(flows(['--stream', '0'])).toEqual(['tcp/0', 'udp/0']);
    for (const bad of ['abc', 'tcp/x', 'sctp/1']) {
      const r = ctiscope(['decode', file, '--stream', bad]);
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toBe(`ctiscope: --stream ${bad}: not a flow (tcp/N, udp/N or N, as \`ctiscope flows\` lists them)\n`);
    }
  });

  it('an option given no value, or a number option given something else, is a usage error, not ignored', () => {
    const file = sample('cad-login-ok.pcapng');
    for (const [args, message] of [
      [['analyze', file, '--html'], '--html needs a value'],
      [['analyze', file, '--write-evidence'], '--write-evidence needs a value'],
      [['analyze', file, '-w'], '--workstation needs a value'],
      [['sequence', file, '-o'], '--output needs a value'],
      [['analyze', file, '--threads', 'abc'], '--threads needs a number'],
    ] as const) {
      const r = ctiscope([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`ctiscope: ${message}\nRun 'ctiscope --help' for usage.\n`);
    }
    // No command at all names every command.
    expect(ctiscope([]).stderr).toMatch(/^ctiscope: name a command: analyze, sequence, compare, flows, decode, live, ui, lab, demo or wireshark-dissector\n/);
  });

  it('prints GIOP operations and reply status like tshark', () => {
    const r = ctiscope(['decode', fixture('ndpi__corba.pcap'), '--json', '--protocol', 'giop']);
    expect(r.status).toBe(0);
    const msgs = JSON.parse(r.stdout) as { frame: number; protocol: string; type: string; direction: string; client: string; server: string; time: number; fields: Record<string, unknown> }[];
    // The TCP GIOP exchange (the MIOP datagrams after it are multicast GIOP, which ctiscope does not decode,
    // and frame 18 is compressed ZIOP, which tshark's one-pass run does not list as GIOP).
    const exp = expected('ndpi__corba.pcap').ops.giop.filter((o: Record<string, string>) => o['tcp.stream'] !== undefined);
    const ours = msgs.filter((m) => (m.type === 'Request' || m.type === 'Reply') && m.fields.compressed !== true);
    expect(ours.map((m) => m.frame)).toEqual(exp.map((o: Record<string, string>) => Number(o['frame.number'])));
    for (const m of ours) {
      expect(m.protocol).toBe('giop');
      expect(['c2s', 's2c']).toContain(m.direction);
      expect(m.client).toMatch(/:\d+$/);
      expect(m.fields.operation).toBe('echo');
    }
    expect(ours.filter((m) => m.type === 'Reply').every((m) => m.fields.replyStatusName === 'NO_EXCEPTION')).toBe(true);
  });

  it('traces a CTI login with names, codes and response times, passwords redacted unless asked', () => {
    const r = ctiscope(['decode', sample('agent-login-refused.pcapng'), '--protocol', 'ged188', '--json']);
    expect(r.status).toBe(0);
    const msgs = JSON.parse(r.stdout) as { type: string; fields: Record<string, unknown>; responseTime?: number }[];
    expect(msgs.map((m) => m.type)).toEqual([
      'OPEN_REQ', 'OPEN_CONF', 'QUERY_AGENT_STATE_REQ', 'QUERY_AGENT_STATE_CONF', 'SET_AGENT_STATE_REQ', 'CONTROL_FAILURE_CONF', 'CLOSE_REQ', 'CLOSE_CONF',
    ]);
    const refusal = msgs.find((m) => m.type === 'CONTROL_FAILURE_CONF')!;
    expect(refusal.fields).toMatchObject({ peripheralErrorCode: 88004 });
    expect(refusal.responseTime).toBeGreaterThan(0);
    expect(msgs.find((m) => m.type === 'SET_AGENT_STATE_REQ')!.fields.agentPassword).toBe('<redacted>');
    const shown = JSON.parse(ctiscope(['decode', sample('agent-login-refused.pcapng'), '--protocol', 'ged188', '--json', '--show-secrets']).stdout);
    expect(shown.find((m: { type: string }) => m.type === 'SET_AGENT_STATE_REQ').fields.agentPassword).not.toBe('<redacted>');
  });

  it('recognises a CTI session on an unexpected port by its content, and --port overrides the profile', () => {
    // A GED-188 OPEN on port 12999, which no profile names.
    const net = new SynthNet({ seed: 3 });
    const c = net.tcp({ client: '10.0.0.5', server: '10.0.0.9', serverPort: 12999 });
    c.connect();
    c.send('c2s', openReq({ invokeId: 1, versionNumber: 14, servicesRequested: ['CLIENT_EVENTS'], clientId: 'probe', agentExtension: '2001' }));
    c.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS'], agentState: 'LOGOUT' }), { delay: 0.004 });
    c.close('c2s');
    const file = writeSynth(net, 'cti-12999.pcapng');

    const byContent = JSON.parse(ctiscope(['decode', file, '--json']).stdout) as { protocol: string; type: string }[];
    expect(byContent.map((m) => `${m.protocol} ${m.type}`)).toEqual(['ged188 OPEN_REQ', 'ged188 OPEN_CONF']);
    const flows = JSON.parse(ctiscope(['flows', file, '--json']).stdout);
    expect(flows[0]).toMatchObject({ server: '10.0.0.9:12999', protocol: 'ged188', detectedBy: 'content' });

    const overridden = JSON.parse(ctiscope(['decode', file, '--json', '--port', '12999=ctios:mystery']).stdout) as { protocol: string }[];
    expect(new Set(overridden.map((m) => m.protocol))).toEqual(new Set(['ctios']));
  });
});

describe('ctiscope analyze', () => {
  const doc = (file: string, extra: string[] = []) => {
    const r = ctiscope(['analyze', file, '--json', ...extra]);
    return { ...r, doc: JSON.parse(r.stdout) };
  };

  it('a host that only probes the desktop services\' ports (checks: connect, close, no data; or a scan) is no workstation', () => {
    // A monitor opens and closes connections to the UCCX node's LDAP, licensing, CTI and desktop-service ports
    // during the licence-refused start-up; another host's connection is closed at once by the server, with no data.
    const net = new SynthNet({ seed: 5, startTime: 1710230400 });
    for (let round = 0; round < 3; round++) {
      for (const port of [38983, 3000, 12028, 59004]) {
        const c = net.tcp({ client: '10.10.20.250', server: '192.168.100.1', serverPort: port });
        c.connect({ delay: 0.2 });
        c.close('c2s', { delay: 0.001 });
      }
    }
    // A scanner: every desktop port at once, refused but for LDAP, which it resets as soon as it answers.
    for (const port of [38983, 3000, 12028, 42027, 42028, 59000, 59001, 59002, 59003]) {
      const c = net.tcp({ client: '10.10.20.252', server: '192.168.100.1', serverPort: port });
      if (port === 38983) c.connect({ delay: 0.5 }).reset('c2s');
      else c.refuse({ delay: 0.5 });
    }
    const dropped = net.tcp({ client: '10.10.20.251', server: '192.168.100.1', serverPort: 12028 });
    dropped.connect({ delay: 0.1 });
    dropped.close('s2c', { delay: 0.001 });
    const monitor = writeSynth(net, 'port-checks.pcapng');

    const alone = doc(sample('licence-refused.pcapng')).doc;
    const both = doc(sample('licence-refused.pcapng'), [monitor]).doc;
    expect(both.workstations.map((x: { host: string }) => x.host)).toEqual(['10.10.20.33', '10.10.20.251']);
    expect(both.workstations[0]).toEqual(alone.workstations[0]);
    expect(both.workstations[1]).toMatchObject({ outcome: 'incomplete', failedPhase: null });
    // The scanner's refused CTI port makes no CTI client either.
    expect(both.ctiClients).toEqual(alone.ctiClients);
    expect(both.summary.byOutcome).toEqual({ ...alone.summary.byOutcome, incomplete: alone.summary.byOutcome.incomplete + 1 });

    // A capture of the monitor's checks alone says that is all it shows.
    const net2 = new SynthNet({ seed: 6, startTime: 1710230400 });
    for (const port of [38983, 3000, 12028]) net2.tcp({ client: '10.10.20.250', server: '192.168.100.1', serverPort: port }).connect().close('c2s');
    const onlyMonitor = writeSynth(net2, 'monitor-only.pcapng');
    const r = doc(onlyMonitor);
    expect(r.status).toBe(4);
    expect(r.doc.workstations).toEqual([]);
    expect(r.doc.summary.message).toContain('10.10.20.250 only made connection attempts that carried no data (3: port checks');
  });

  it('a web app on the licensing port is no licensing step, and a PC\'s UDP from a port the desktop services use over TCP is its own', () => {
    // An agent PC opens a wallboard on an intranet server's port 3000 (HTTP), finds another such server down
    // (refused), and has a media stream from its ephemeral port 59010. None of it is a desktop's start-up.
    const net = new SynthNet({ seed: 11 });
    const te = new TextEncoder();
    const web = net.tcp({ client: '10.10.20.31', server: '10.5.0.7', serverPort: 3000 });
    web.connect();
    web.send('c2s', te.encode('GET /d/wallboard HTTP/1.1\r\nHost: grafana:3000\r\n\r\n'));
    web.send('s2c', te.encode('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), { delay: 0.01 });
    web.close('c2s');
    net.tcp({ client: '10.10.20.31', server: '10.5.0.8', serverPort: 3000 }).refuse({ delay: 0.1 });
    const media = net.udp({ client: '10.10.20.31', clientPort: 59010, server: '52.112.0.5', serverPort: 3478 });
    for (let i = 0; i < 3; i++) {
      media.send('c2s', new Uint8Array(100));
      media.send('s2c', new Uint8Array(100));
    }
    const file = writeSynth(net, 'web-on-3000.pcapng');
    const flows = JSON.parse(ctiscope(['flows', file, '--json']).stdout) as { client: string; server: string; service?: string }[];
    expect(flows.map((f) => [f.client.replace(/:\d+$/, ''), f.server, f.service ?? null])).toEqual([
      ['10.10.20.31', '10.5.0.7:3000', null],
      ['10.10.20.31', '10.5.0.8:3000', 'licensing'],
      ['10.10.20.31', '52.112.0.5:3478', null],
    ]);
    const r = doc(file);
    expect(r.status).toBe(4);
    expect(r.doc.workstations).toEqual([]);
  });

  it('connections picked up mid-stream: a PC\'s own port in the CAD services\' range names no service; a desktop\'s CTI session, or its page beside a new connection, still shows it', () => {
    // Each connection began before the capture: its handshake is not in it. The PC of the noisy CAD sample has two
    // connections whose own ends are 59004 and 59010 (to a push service on 5223, and to a server's dynamic 50443),
    // and another PC heartbeats with the CTI server on 12028.
    const record = new Uint8Array(200);
    record.set([0x17, 3, 3, 0, 195]);
    const push = new SynthNet({ seed: 21, startTime: 1710230410 });
    const a = push.tcp({ client: '10.10.20.31', clientPort: 59004, server: '17.57.146.20', serverPort: 5223 }).connect();
    const b = push.tcp({ client: '10.10.20.31', clientPort: 59010, server: '20.190.1.1', serverPort: 50443 }).connect();
    for (let i = 0; i < 4; i++) for (const c of [a, b]) {
      c.send('c2s', record, { delay: 0.5 });
      c.send('s2c', record, { delay: 0.05 });
    }
    const late = new SynthNet({ seed: 22, startTime: 1710230410 });
    const agent = { host: '10.10.20.61', pcName: 'AGENTPC-061', agentId: '1061', extension: '2061', instrument: '2061', password: 'x', teamId: 1 };
    const cti = late.tcp({ client: agent.host, server: '192.168.100.1', serverPort: 12028 }).connect();
    for (let i = 1; i <= 4; i++) {
      cti.send('c2s', ged.heartbeatReq(i), { delay: 1 });
      cti.send('s2c', ged.heartbeatConf(i), { delay: 0.002 });
    }
    // A Finesse desktop whose page connection (8445) predates the capture and whose notification channel (7443)
    // opens in it: the first is its step too, once the second shows the PC is a desktop.
    const finesseOld = new SynthNet({ seed: 23, startTime: 1710230410 });
    const page = finesseOld.tcp({ client: '10.10.20.62', server: '10.20.0.40', serverPort: 8445 }).connect();
    const finesseNew = new SynthNet({ seed: 24, startTime: 1710230411 });
    const bosh = finesseNew.tcp({ client: '10.10.20.62', server: '10.20.0.40', serverPort: 7443 }).connect();
    for (let i = 0; i < 3; i++) for (const c of [page, bosh]) {
      c.send('c2s', record, { delay: 0.5 });
      c.send('s2c', record, { delay: 0.05 });
    }
    // Drop each old connection's handshake (its first three packets on each network).
    const packets = [...push.collect().slice(6), ...late.collect().slice(3), ...finesseOld.collect().slice(3), ...finesseNew.collect()].sort((x, y) => x.time - y.time);
    const w = new PcapngWriter({ tsResolution: 'us' });
    const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 65535 });
    for (const p of packets) w.writePacket(iface, p.time, p.data);
    const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), 'mid-stream.pcapng');
    writeFileSync(file, w.toBytes());

    const flows = JSON.parse(ctiscope(['flows', file, '--json']).stdout) as { client: string; server: string; service?: string }[];
    const byServer = new Map(flows.map((f) => [f.server, f]));
    expect(byServer.get('17.57.146.20:5223')).toMatchObject({ client: '10.10.20.31:59004' });
    expect(byServer.get('17.57.146.20:5223')!.service).toBeUndefined();
    expect(byServer.get('192.168.100.1:12028')).toMatchObject({ client: expect.stringMatching(/^10\.10\.20\.61:/), service: 'cti' });

    const alone = doc(sample('cad-login-ok-noisy.pcapng')).doc;
    const both = doc(sample('cad-login-ok-noisy.pcapng'), [file]).doc;
    expect(both.workstations.map((x: { host: string }) => x.host)).toEqual(['10.10.20.31', '10.10.20.61', '10.10.20.62']);
    expect(both.workstations[0].outcome).toBe(alone.workstations[0].outcome);
    expect(both.workstations[0].steps.map((st: { summary: string }) => st.summary)).toEqual(alone.workstations[0].steps.map((st: { summary: string }) => st.summary));
    expect(both.workstations[1].steps.map((st: { phase: string }) => st.phase)).toContain('cti-session');
    expect(both.workstations[2].steps.map((st: { server: string }) => st.server).sort()).toEqual(['10.20.0.40:7443', '10.20.0.40:8445']);
  });

  it('exits 1 when a login failed, 0 when all logged in, 4 when nothing conclusive', () => {
    expect(ctiscope(['analyze', sample('licence-refused.pcapng')]).status).toBe(1);
    expect(ctiscope(['analyze', sample('cad-login-ok.pcapng')]).status).toBe(0);
    expect(ctiscope(['analyze', sample('ctios-side-down.pcapng')]).status).toBe(4);
    expect(ctiscope(['analyze', fixture('zeek__http-vlan-0.pcap')]).status).toBe(4);
  });

  it('writes a document that validates against the published schema', () => {
    const schema = JSON.parse(readFileSync(join(root, 'schema', 'analysis.schema.json'), 'utf8'));
    for (const f of readdirSync(join(root, 'samples')).filter((n) => n.endsWith('.pcapng'))) {
      const { doc: d } = doc(sample(f));
      expect(validateSchema(schema, d), f).toEqual([]);
      expect(d.schema).toBe('ctiscope/analysis@2');
    }
  });

  it('a desktop whose only directory host never answers, and that tries no other, is told why it did not fall over', () => {
    // The noisy stale-ldap-failover without a packet to or from the UCCX nodes: three SYNs to the stale 192.168.100.9,
    // and the PC's own traffic going on for 13 s after the last of them with no attempt at another directory.
    const node = (d: Uint8Array, at: number): boolean => d[at] === 192 && d[at + 1] === 168 && d[at + 2] === 100 && (d[at + 3] === 1 || d[at + 3] === 2);
    const file = sampleFrames('stale-ldap-failover-noisy.pcapng', 'only-stale-ldap.pcapng', (_f, d) => !(d[12] === 8 && d[13] === 0 && (node(d, 26) || node(d, 30))));
    const r = ctiscope(['analyze', file, '--json']);
    expect(r.status).toBe(1);
    const ws = JSON.parse(r.stdout).workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure.kind]).toEqual(['failed', 'config', 'config-download-failed']);
    expect(ws.failure.message).toMatch(/192\.168\.100\.9:38983 never answered: 3 SYNs over 9\.0 s\. The desktop tried no other directory: CAD falls over to its second LDAP host only when one is configured/);
    // The whole sample did fall over: no such sentence there.
    expect(ctiscope(['analyze', sample('stale-ldap-failover.pcapng')]).stdout).not.toMatch(/tried no other directory/);
    // Its stale host has no name, so no node beside it is named.
    expect(ws.failure.message).not.toMatch(/LDAP Host 2\.$/);
  });

  it('the same with a node beside it looked up and never tried (uccx-a down, uccx-b resolved): that node is named as the likely LDAP Host 2', () => {
    const net = new SynthNet({ seed: 4 });
    const udp = net.udp({ client: '10.10.20.50', server: '192.168.100.53', serverPort: 53 });
    let id = 100;
    // A PC's own lookup of a name beside nothing (its domain controller) is not taken for a node.
    for (const [name, ip] of [['dc1.example.com', '192.168.100.20'], ['uccx-a.example.com', '192.168.100.1'], ['uccx-b.example.com', '192.168.100.2']]) {
      udp.send('c2s', encodeDnsQueryA(id, name), { delay: 0.001 });
      udp.send('s2c', encodeDnsResponseA(id++, name, [ip], 3600), { delay: 0.001 });
    }
    net.tcp({ client: '10.10.20.50', server: '192.168.100.1', serverPort: 38983 }).synUnanswered([0.2, 3.2, 9.2]);
    // The capture goes on past the time the PC gave up (Windows: 12 s after its third SYN).
    udp.send('c2s', encodeDnsQueryA(id, 'www.example.org'), { delay: 14 });
    udp.send('s2c', encodeDnsResponseA(id, 'www.example.org', ['93.184.216.34'], 3600), { delay: 0.001 });
    const { status, doc } = analyzeCapture(writeCapture('ldap-node-a-down', net));
    expect(status).toBe(1);
    expect(doc.workstations[0].failure!.message).toMatch(
      /The desktop tried no other directory: .* It looked up uccx-b\.example\.com \(192\.168\.100\.2\), beside uccx-a\.example\.com, and never connected to it: if that is the other node, set it as LDAP Host 2\.$/,
    );
  });

  describe('a reply lost from the capture together with the desktop’s ACK of it (a burst lost on a busy port)', () => {
    /** The ACK alone of the IPv4 TCP segment in `data` (its headers, no payload), as a delayed ACK sent before a slow reply. */
    const pureAckOf = (data: Uint8Array): Uint8Array => {
      const ip = 14;
      const ipLen = (data[ip] & 0x0f) * 4;
      const tcpLen = (data[ip + ipLen + 12] >> 4) * 4;
      const b = data.slice(0, ip + ipLen + tcpLen);
      b[ip + 2] = 0;
      b[ip + 3] = ipLen + tcpLen;
      b[ip + ipLen + 13] &= ~0x08; // no PSH
      return b;
    };

    const run = (sample: string, name: string, lost: number[]) => JSON.parse(ctiscope(['analyze', sampleFrames(sample, name, (f) => !lost.includes(f)), '--json']).stdout);
    const judged = (w: { findings: { kind: string; severity: string }[] }) => w.findings.map((f) => `${f.kind}:${f.severity}`);

    it('the licence: nothing of the server acknowledged the request, yet the desktop never sent it again; a warning, no licensing-failed', () => {
      // cad-login-ok without frames 26 (GIOP Reply to acquireLicense, which acknowledges the request) and 27 (the
      // desktop's ACK of it): nothing more on that connection, and the capture goes on for a minute.
      const ws = run('cad-login-ok.pcapng', 'no-licence-reply.pcapng', [26, 27]).workstations[0];
      expect(ws.outcome).toBe('logged-in');
      expect(judged(ws)).toEqual(['capture-gap:warning']);
      expect(ws.findings[0].message).toMatch(/^The capture lost what 192\.168\.100\.1:3000 .* sent after frame 25: .* yet the client never sent it again, .* the reply to acquireLicense \(frame 25\) may be among that, so it is not counted as unanswered\.$/);
      expect(ws.steps.find((s: { phase: string }) => s.phase === 'licensing')).toMatchObject({ ok: true, notCaptured: true });
    });

    it('the licence, the server’s ACK of the request captured: the desktop went on to its CTI session, so it had one; a warning, no licensing-failed', () => {
      // As above, with the server's ACK of the request captured alone 5 ms after it (a delayed ACK before a slow reply).
      const packets = packetsOf('cad-login-ok.pcapng');
      const ack = { ...packets[25], time: packets[24].time + 0.005, data: pureAckOf(packets[25].data) };
      const kept = [...packets.slice(0, 25), ack, ...packets.slice(27)];
      const ws = JSON.parse(ctiscope(['analyze', writePackets('no-licence-reply-acked.pcapng', kept), '--json']).stdout).workstations[0];
      expect(ws.outcome).toBe('logged-in');
      expect(judged(ws)).toEqual(['timeout:warning']);
      expect(ws.findings[0].message).toMatch(/acquireLicense → no reply\. Yet the desktop went on to cti-session \(192\.168\.100\.1:12028, frame 30\), which it does only with its licence: the reply is more likely one the capture lost/);
    });

    it('the licence reply and the SYN-ACK: the desktop’s ACK of the handshake shows the server answered, and where its stream began', () => {
      // Frames 23 (SYN-ACK) and 26 (the reply): the desktop's ACK (24) acknowledges the server's ISN, so the server's
      // stream starts there and the desktop's ACK of the reply (27, ack 45) proves the 44 bytes it lacks.
      const ws = run('cad-login-ok.pcapng', 'no-licence-synack.pcapng', [23, 26]).workstations[0];
      expect(ws.outcome).toBe('logged-in');
      expect(judged(ws)).toEqual(['capture-gap:warning']);
      expect(ws.findings[0].message).toMatch(/^44 bytes from 192\.168\.100\.1:3000 .* The reply to acquireLicense \(frame 24\) may be among them/);
      expect(ws.steps.find((s: { phase: string }) => s.phase === 'licensing')).toMatchObject({ ok: true, notCaptured: true });
    });

    it('the login, its hole proven only by the next heartbeat 30 s on: not counted as unanswered', () => {
      // stale-ldap-failover without frames 41 (SET_AGENT_STATE_CONF and AGENT_STATE_EVENT) and 42 (the desktop's ACK).
      const doc = run('stale-ldap-failover.pcapng', 'no-login-reply.pcapng', [41, 42]);
      const ws = doc.workstations[0];
      expect(ws.outcome).toBe('incomplete');
      expect(judged(ws)).toEqual(['server-unreachable:warning', 'failover:warning', 'capture-gap:warning']);
      expect(ws.findings[2].message).toMatch(/^99 bytes from 192\.168\.100\.1:12028 .* The reply to SET_AGENT_STATE_REQ \(frame 40\) may be among them, so it is not counted as unanswered\.$/);
      expect(ws.steps.find((s: { summary: string }) => s.summary.startsWith('SET_AGENT_STATE_REQ LOGIN'))).toMatchObject({ ok: true, notCaptured: true });
      expect(doc.agents.map((a: { id: string; outcome: string }) => [a.id, a.outcome])).toEqual([['1032', 'incomplete']]);
    });

    it('the login: the hole found by the ACK of a later reply is one the login’s reply may be in', () => {
      // cad-login-ok without frames 35 (QUERY_AGENT_STATE_CONF) and 38 (SET_AGENT_STATE_CONF, AGENT_STATE_EVENT): the
      // desktop's ACK of the query's reply proves a first hole, its ACK at frame 43 the rest.
      const doc = run('cad-login-ok.pcapng', 'no-login-reply-2.pcapng', [35, 38]);
      const ws = doc.workstations[0];
      expect([ws.outcome, judged(ws)]).toEqual(['incomplete', ['capture-gap:warning']]);
      expect(ws.findings[0].message).toMatch(/The reply to QUERY_AGENT_STATE_REQ \(frame 34\), SET_AGENT_STATE_REQ \(frame 36\) may be among them, so it is not counted as unanswered\.$/);
      expect([doc.agents[0].id, doc.agents[0].outcome, judged(doc.agents[0])]).toEqual(['1031', 'incomplete', []]);
    });

    it('the login, nothing proving the hole, the server’s ACK of the request captured, the desktop then registering with its services: the agent is not failed either', () => {
      // The noisy cad-login-ok up to frame 354 (the PC's own traffic for 30 s more, no heartbeat yet), without frames 123
      // (SET_AGENT_STATE_CONF, AGENT_STATE_EVENT) and 128 (the desktop's ACK of them), with the server's ACK of the login
      // request (122) captured alone 3 ms after it.
      const packets = packetsOf('cad-login-ok-noisy.pcapng').slice(0, 354);
      const ack = { ...packets[122], time: packets[121].time + 0.003, data: pureAckOf(packets[122].data) };
      const kept = [...packets.slice(0, 122), ack, ...packets.slice(123).filter((_, i) => i + 124 !== 128)];
      const doc = JSON.parse(ctiscope(['analyze', writePackets('no-login-reply-3.pcapng', kept), '--json']).stdout);
      const ws = doc.workstations[0];
      expect([ws.outcome, judged(ws)]).toEqual(['incomplete', ['timeout:warning']]);
      expect(ws.findings[0].message).toMatch(/SET_AGENT_STATE_REQ LOGIN → no reply\. Yet the desktop went on to services \(192\.168\.100\.1:59000, frame \d+\), which it does only with its agent logged in/);
      const agent = doc.agents[0];
      expect([agent.id, agent.outcome, judged(agent)]).toEqual(['1031', 'incomplete', ['timeout:warning']]);
      expect(agent.findings[0].message).toMatch(/Yet its desktop 10\.10\.20\.31 went on to its services \(192\.168\.100\.1:59000, frame \d+\), which it does only with the agent logged in/);
    });
  });

  it('a capture that ends while the desktop still waits for its directory host, or connects to the next one, shows no failure', () => {
    // stale-ldap-failover up to frame 7: the capture ends with the third SYN to the stale host, 9 s after the first;
    // the desktop would wait 12 s more before giving up on it (and does go on to 192.168.100.2, at frame 8).
    const waitingFile = sampleFrames('stale-ldap-failover.pcapng', 'stale-ldap-waiting.pcapng', (f) => f <= 7);
    const waiting = JSON.parse(ctiscope(['analyze', waitingFile, '--json']).stdout);
    // Neither worked nor failed, as far as the capture goes: "?" in the text report, as a step whose reply it lost.
    expect(ctiscope(['analyze', waitingFile]).stdout).toMatch(/ config {2}\? unseen 192\.168\.100\.9:38983 not answered yet: 3 SYNs over 9\.0 s,/);
    const ws = waiting.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure]).toEqual(['incomplete', null, null]);
    expect(ws.findings.map((f: { kind: string; severity: string }) => `${f.kind}:${f.severity}`)).toEqual(['server-unreachable:warning']);
    expect(ws.findings[0].message).toMatch(/^192\.168\.100\.9:38983, the CAD LDAP directory, had not answered when the capture ended: 3 SYNs over 9\.0 s got no SYN-ACK, and the capture ends with the last, before the desktop would retry again or give up/);
    expect(ws.findings[0].message).not.toMatch(/tried no other directory/);
    const step = ws.steps.find((s: { server: string }) => s.server === '192.168.100.9:38983');
    expect(step).toMatchObject({ ok: false, summary: '192.168.100.9:38983 not answered yet: 3 SYNs over 9.0 s, the capture ends with the last', detail: { pending: 1, syns: 3 } });
    expect(waiting.summary.message).toBe('10.10.20.32: the start-up is not complete in this capture: at config, 192.168.100.9:38983 not answered yet: 3 SYNs over 9.0 s, the capture ends with the last');
    // Up to frame 8: the capture ends with the desktop's SYN to the other directory host, 21 s after its first SYN.
    const next = JSON.parse(ctiscope(['analyze', sampleFrames('stale-ldap-failover.pcapng', 'stale-ldap-next.pcapng', (f) => f <= 8), '--json']).stdout).workstations[0];
    expect([next.outcome, next.failure]).toEqual(['incomplete', null]);
    expect(next.findings.map((f: { kind: string; severity: string }) => `${f.kind}:${f.severity}`)).toEqual(['server-unreachable:warning']);
    expect(next.findings[0].message).toMatch(/never answered: 3 SYNs over 9\.0 s got no SYN-ACK, .* The capture ends while the host connects to 192\.168\.100\.2:38983 \(uccx-b\.example\.com\) \(SYN, frame 8\), so whether it got through is not in it\.$/);
    expect(next.findings[0].frames).toEqual([5, 6, 7, 8]);
  });

  it('a capture that ends just after a CTI server refused the desktop, or while it tries that one again, before the failover due next, shows no failure', () => {
    // cti-standby-failover up to frame 32: the standby node's FAILURE_CONF (E_CTI_SERVER_NOT_MASTER) is the last packet;
    // the desktop goes on to uccx-a 0.3 s later (frame 33 on).
    const standby = JSON.parse(ctiscope(['analyze', sampleFrames('cti-standby-failover.pcapng', 'standby-refused-end.pcapng', (f) => f <= 32), '--json']).stdout).workstations[0];
    expect([standby.outcome, standby.failure]).toEqual(['incomplete', null]);
    expect(standby.findings.map((f: { kind: string; severity: string }) => `${f.kind}:${f.severity}`)).toEqual(['cti-open-failed:warning']);
    expect(standby.findings[0].message).toMatch(/is the standby node\. The capture ends 0 ms after, sooner than the desktop tries the other server it looked up, uccx-a\.example\.com \(192\.168\.100\.1\): whether it got through there is not in the capture\.$/);
    // ctios-side-down up to frame 7: side A refused (6), and the capture ends with the desktop's second SYN to it, 5 s on;
    // side B, which it looked up, comes next (frame 9).
    const sideA = JSON.parse(ctiscope(['analyze', sampleFrames('ctios-side-down.pcapng', 'side-a-again.pcapng', (f) => f <= 7), '--json']).stdout).workstations[0];
    expect([sideA.outcome, sideA.failure]).toEqual(['incomplete', null]);
    expect(sideA.findings.map((f: { kind: string; severity: string }) => `${f.kind}:${f.severity}`)).toEqual(['connection-refused:warning']);
    expect(sideA.findings[0].message).toMatch(/The capture ends while the host connects to 10\.1\.1\.10:42028 \(ctiosa\.example\.com\) again \(SYN, frame 7\), before it tries the other server it looked up, ctiosb\.example\.com \(10\.1\.1\.11\): whether it got through there is not in the capture\.$/);
    // The capture going on 7 s past the refusal with no failover (the standby's refusal, then a DNS query of the PC's
    // own; a desktop tries again within 6 s): the failure stands.
    const packets = packetsOf('cti-standby-failover.pcapng');
    const later = { ...packets[0], time: packets[31].time + 7, data: packets[0].data.slice() };
    later.data[19] ^= 0x55; // another IP ID: a query of its own, not a copy
    const ended = JSON.parse(ctiscope(['analyze', writePackets('standby-refused-then-nothing.pcapng', [...packets.slice(0, 32), later]), '--json']).stdout).workstations[0];
    expect([ended.outcome, ended.failedPhase, ended.failure.kind]).toEqual(['failed', 'cti-session', 'cti-open-failed']);
    // A refusal the other side would give too (a licence, a directory's password) is no failover due: ldap-bind-refused
    // ends 5 ms after its bind was refused, and failed.
    const bind = JSON.parse(ctiscope(['analyze', sample('ldap-bind-refused.pcapng'), '--json']).stdout).workstations[0];
    expect([bind.outcome, bind.failedPhase]).toEqual(['failed', 'config']);
  });

  it('a RST whose SYN the capture lost is a refused connection, not one "reset after 0 ms"', () => {
    // licensing-down without frame 22, the SYN to 192.168.100.1:3000: only the server's RST-ACK of that attempt is left.
    const file = sampleFrames('licensing-down.pcapng', 'licensing-down-no-syn.pcapng', (f) => f !== 22);
    const doc = JSON.parse(ctiscope(['analyze', file, '--json']).stdout);
    const full = JSON.parse(ctiscope(['analyze', sample('licensing-down.pcapng'), '--json']).stdout);
    const kinds = (d: { workstations: { findings: { kind: string }[] }[] }) => d.workstations[0].findings.map((f) => f.kind);
    expect(kinds(doc)).toEqual(kinds(full));
    expect(kinds(doc)).not.toContain('connection-reset');
    expect(doc.workstations[0].failure.message).toBe(full.workstations[0].failure.message);
  });

  it('one DNS answer the capture lost is a warning saying so, not an error about the name', () => {
    // ctios-side-down without frame 2, the answer for ctiosa.example.com; the resolver answered the next query.
    const doc = JSON.parse(ctiscope(['analyze', sampleFrames('ctios-side-down.pcapng', 'no-dns-answer.pcapng', (f) => f !== 2), '--json']).stdout);
    const dns = doc.workstations[0].findings.filter((f: { kind: string }) => f.kind === 'dns-failure');
    expect(dns.map((f: { severity: string }) => f.severity)).toEqual(['warning']);
    expect(dns[0].message).toMatch(/^no answer to the desktop's one query for ctiosa\.example\.com \(A\) is in the capture, .*more likely one the capture lost/);
  });

  it('an OPEN_CONF whose OPEN_REQ the capture lost still opens the session: the failover that worked is one', () => {
    // cti-standby-failover without frame 39, the desktop's OPEN_REQ to the master node after the standby refused it.
    const doc = JSON.parse(ctiscope(['analyze', sampleFrames('cti-standby-failover.pcapng', 'no-open-req.pcapng', (f) => f !== 39), '--json']).stdout);
    const full = JSON.parse(ctiscope(['analyze', sample('cti-standby-failover.pcapng'), '--json']).stdout);
    const ws = doc.workstations[0];
    const kinds = (w: { findings: { kind: string; severity: string }[] }) => w.findings.filter((f) => f.kind !== 'capture-gap').map((f) => `${f.kind} ${f.severity}`);
    expect(kinds(ws)).toEqual(kinds(full.workstations[0]));
    expect(ws.steps.map((x: { summary: string }) => x.summary)).toContainEqual(expect.stringMatching(/^OPEN_CONF, its OPEN_REQ not in the capture \(peripheral online/));
    expect(doc.summary.message).toBe(full.summary.message);
  });

  it('a refusal whose request the capture lost is shown as such (unseen), not folded into a ✓ "CTI messages" step', () => {
    // cti-failover without frame 64, side B's SET_AGENT_STATE_REQ for agent 5203; its CONTROL_FAILURE_CONF (74) stays.
    const doc = JSON.parse(ctiscope(['analyze', sampleFrames('cti-failover.pcapng', 'no-login-req.pcapng', (f) => f !== 64), '--json']).stdout);
    const steps = doc.ctiClients[0].steps as { ok: boolean; notCaptured?: boolean; summary: string }[];
    const refused = steps.find((x) => /refused a request that is not in the capture/.test(x.summary))!;
    expect(refused.summary).toMatch(/CONTROL_FAILURE_CONF failure CF_RESOURCE_OUT_OF_SERVICE \(34\) \(frame 74\) refused a request that is not in the capture$/);
    expect([refused.ok, refused.notCaptured]).toEqual([true, true]);
    // The whole sample pairs it with its request: no such step.
    const full = JSON.parse(ctiscope(['analyze', sample('cti-failover.pcapng'), '--json']).stdout);
    expect(JSON.stringify(full)).not.toMatch(/not in the capture/);
  });

  it('an agent that the side failed over to reports LOGOUT, with no login there since, is not logged in', () => {
    // cti-failover without frame 64, side B's SET_AGENT_STATE_REQ LOGIN for agent 5203: side A had logged it in,
    // side B's QUERY_AGENT_STATE_CONF (frame 63) says LOGOUT, and nothing later says otherwise.
    const agents = (d: { agents: { id: string; outcome: string; state: string; failure: { kind: string; message: string } | null; findings: { kind: string; severity: string; frames: number[] }[] }[] }) =>
      new Map(d.agents.map((a) => [a.id, a]));
    const file = sampleFrames('cti-failover.pcapng', 'no-login-req.pcapng', (f) => f !== 64);
    const cut = agents(JSON.parse(ctiscope(['analyze', file, '--json']).stdout));
    const a = cut.get('5203')!;
    expect([a.outcome, a.state, a.failure?.kind]).toEqual(['failed', 'LOGOUT', 'agent-logged-out']);
    expect(a.failure!.message).toBe(
      'agent 5203 on extension 30203 was logged in on 10.1.1.20:42027, but after the CTI client moved to 10.1.1.21:43027 that server reported it LOGOUT ' +
        '(QUERY_AGENT_STATE_CONF, frame 63), and no login of it there is in the capture: the login did not carry over the failover, so the agent is not logged in on the side now serving its calls.',
    );
    expect(a.findings.map((f) => [f.kind, f.severity, f.frames])).toEqual([['agent-logged-out', 'error', [63]]]);
    // The four logged in again on side B stay logged in.
    for (const id of ['5201', '5202', '5204', '5205']) expect([id, cut.get(id)!.outcome, cut.get(id)!.findings]).toEqual([id, 'logged-in', []]);
    const text = ctiscope(['analyze', file]).stdout;
    expect(text).toMatch(/^5203 +30203 +FinesseA@10\.1\.2\.30:51821 +FAILED +agent-logged-out/m);
    expect(text).toMatch(/5 agents: 4 logged in, 1 agent-logged-out on 10\.1\.1\.21:43027/);

    // The whole sample: side B refused 5203's login, which is the cause; no login said lost.
    const full = agents(JSON.parse(ctiscope(['analyze', sample('cti-failover.pcapng'), '--json']).stdout));
    expect(full.get('5203')!.failure!.kind).toBe('agent-login-failed');
    expect([...full.values()].flatMap((x) => x.findings.map((f) => f.kind))).not.toContain('agent-logged-out');

    // Cut 4 ms after side B's LOGOUT for 5203 (frames after 66 gone): its new login may simply be past the end.
    const early = agents(JSON.parse(ctiscope(['analyze', sampleFrames('cti-failover.pcapng', 'cut-after-query.pcapng', (f) => f <= 66 && f !== 64), '--json']).stdout));
    expect([early.get('5203')!.outcome, early.get('5203')!.findings.map((f) => `${f.kind} ${f.severity}`)]).toEqual(['incomplete', ['agent-logged-out warning']]);
    // Without side B's word on 5203 (its query and reply lost as well), nothing says the login was lost.
    const silent = agents(JSON.parse(ctiscope(['analyze', sampleFrames('cti-failover.pcapng', 'no-side-b-query.pcapng', (f) => ![54, 63, 64].includes(f)), '--json']).stdout));
    expect([silent.get('5203')!.outcome, silent.get('5203')!.findings]).toEqual(['logged-in', []]);
  });

  it('a CAD desktop whose new CTI node says its agent is logged out after a failover, and that logs in no more, failed', () => {
    // cad-login-ok up to its services (frame 57, before the heartbeats), then the desktop's session with node B
    // 40 s on: OPEN, QUERY_AGENT_STATE → LOGOUT, and heartbeats, with no SET_AGENT_STATE_REQ LOGIN.
    const cut = sampleFrames('cad-login-ok.pcapng', 'cad-until-services.pcapng', (f) => f <= 57);
    let t0 = 0;
    readCaptureBytes(new Uint8Array(readFileSync(sample('cad-login-ok.pcapng'))), { packet: (p) => void (t0 ||= p.time) });
    const agent = { host: '10.10.20.31', pcName: 'AGENTPC-031', agentId: '1031', extension: '2031', instrument: '2031', password: 'x', teamId: 1 };
    const nodeB = (state: string) => {
      const net = new SynthNet({ seed: 31, startTime: t0 + 40 });
      const c = net.tcp({ client: agent.host, server: '192.168.100.2', serverPort: 12028 }).connect();
      c.send('c2s', ged.openReq(1, agent));
      c.send('s2c', ged.openConf(1, agent), { delay: 0.01 });
      c.send('c2s', ged.queryAgentStateReq(2, agent), { delay: 0.1 });
      c.send('s2c', queryAgentStateConf({ invokeId: 2, agentState: state, numSkillGroups: 0, mrdId: 1, agentAvailabilityStatus: 0, agentId: agent.agentId, agentIdTag: 194, agentExtension: agent.extension, agentInstrument: agent.instrument }), { delay: 0.01 });
      for (let i = 3; i <= 8; i++) {
        c.send('c2s', ged.heartbeatReq(i), { delay: 1 });
        c.send('s2c', ged.heartbeatConf(i), { delay: 0.002 });
      }
      return writeSynth(net, `node-b-${state}.pcapng`);
    };
    const r = doc(cut, [nodeB('LOGOUT')]);
    expect(r.status).toBe(1);
    const ws = r.doc.workstations[0];
    expect([ws.host, ws.outcome, ws.failedPhase, ws.failure?.kind, ws.loginSeconds]).toEqual(['10.10.20.31', 'failed', 'login', 'agent-logged-out', null]);
    expect(ws.failure.message).toMatch(/^agent 1031 on extension 2031 was logged in on 192\.168\.100\.1:12028 \(uccx-a\.example\.com\), but after the CTI client moved to 192\.168\.100\.2:12028 \(uccx-b\.example\.com\) that server reported it LOGOUT \(OPEN_CONF, frame \d+\)/);
    // The finding points at the desktop's own open on node B, the server's first word on the agent there.
    const step = ws.steps.find((x: { id: string }) => x.id === ws.failure.step);
    expect([step.server, step.summary]).toEqual(['192.168.100.2:12028', expect.stringMatching(/^OPEN_REQ → OPEN_CONF in \d+ ms \(peripheral online, agent LOGOUT\)/)]);
    expect(r.doc.agents.map((a: { id: string; outcome: string }) => [a.id, a.outcome])).toEqual([['1031', 'failed']]);
    // Node B saying the agent is still NOT_READY: the login carried over.
    const ok = doc(cut, [nodeB('NOT_READY')]);
    // Node B's OPEN_CONF alone (AgentState LOGOUT, no query after it): the same failure, told by the open.
    const net = new SynthNet({ seed: 32, startTime: t0 + 40 });
    const c = net.tcp({ client: agent.host, server: '192.168.100.2', serverPort: 12028 }).connect();
    c.send('c2s', ged.openReq(1, agent));
    c.send('s2c', ged.openConf(1, agent), { delay: 0.01 });
    for (let i = 2; i <= 6; i++) {
      c.send('c2s', ged.heartbeatReq(i), { delay: 1 });
      c.send('s2c', ged.heartbeatConf(i), { delay: 0.002 });
    }
    const openOnly = doc(cut, [writeSynth(net, 'node-b-open-only.pcapng')]).doc.workstations[0];
    expect([openOnly.outcome, openOnly.failure?.kind]).toEqual(['failed', 'agent-logged-out']);
    expect(openOnly.failure.message).toMatch(/that server reported it LOGOUT \(OPEN_CONF, frame \d+\)/);
    expect([ok.status, ok.doc.workstations[0].outcome, ok.doc.workstations[0].findings.map((f: { kind: string }) => f.kind)]).toEqual([0, 'logged-in', []]);
  });

  it('a CTI OS server capture that starts after the session opened: each agent once, with the outcomes of the whole', () => {
    // ctios-server without frames 1-7 (the CTI session's handshake and OPEN_REQ/OPEN_CONF): the replies that name
    // no peripheral (QUERY_AGENT_STATE_CONF) belong to the agents their requests (peripheral 5000) were for.
    const cut = JSON.parse(ctiscope(['analyze', sampleFrames('ctios-server.pcapng', 'no-open.pcapng', (f) => f >= 8), '--json']).stdout);
    const full = JSON.parse(ctiscope(['analyze', sample('ctios-server.pcapng'), '--json']).stdout);
    const outcomes = (d: { agents: { id: string; peripheralId: number | null; outcome: string }[] }) => d.agents.map((a) => `${a.id} ${a.peripheralId} ${a.outcome}`);
    expect(outcomes(cut)).toEqual(outcomes(full));
    expect(cut.agents).toHaveLength(6);
    expect(cut.summary.message).toBe(full.summary.message);
  });

  it('a SYN the capture ends just after is no unreachable server: the step is simply not seen to its end', () => {
    // cad-login-ok up to frame 22, the SYN to the licensing service, 0 ms before the end.
    const r = ctiscope(['analyze', sampleFrames('cad-login-ok.pcapng', 'until-licensing-syn.pcapng', (f) => f <= 22), '--json']);
    expect(r.status).toBe(4);
    const ws = JSON.parse(r.stdout).workstations[0];
    expect([ws.outcome, ws.findings]).toEqual(['incomplete', []]);
    expect(ws.steps.map((x: { server: string }) => x.server)).not.toContain('192.168.100.1:3000');
  });

  it('a CTI session reset while the capture ends with the client connecting again: a warning, and the client is reconnecting', () => {
    // cti-failover up to frame 44 (side B's SYN, 3 s after side A's RST), and up to 47 (B's OPEN_REQ unanswered).
    for (const [last, pending] of [
      [44, 'The capture ends while the host connects to 10.1.1.21:43027 (SYN, frame 44), so whether it got a session again is not in it.'],
      [47, ''],
    ] as const) {
      const file = sampleFrames('cti-failover.pcapng', `until-${last}.pcapng`, (f) => f <= last);
      const r = ctiscope(['analyze', file, '--json']);
      // The agents logged in on side A: whether they are again is not in the capture either (inconclusive).
      expect(r.status, `frames 1-${last}`).toBe(4);
      const c = JSON.parse(r.stdout).ctiClients[0];
      expect([c.outcome, c.failure]).toEqual(['incomplete', null]);
      expect(JSON.parse(r.stdout).agents.map((a: { outcome: string }) => a.outcome)).toEqual(Array(5).fill('incomplete'));
      const reset = c.findings.find((f: { kind: string }) => f.kind === 'connection-reset');
      expect(reset.severity).toBe('warning');
      // Up to 44 the SYN to side B is all there is of the new connection; up to 47 its OPEN_REQ waits, in a step of its own.
      if (pending) expect(reset.message).toContain(pending);
      else expect(c.steps.map((x: { summary: string }) => x.summary)).toContain('OPEN_REQ → waiting for OPEN_CONF');
      expect(ctiscope(['analyze', file]).stdout).toMatch(/· … RECONNECTING WHEN THE CAPTURE ENDS — 10\.1\.1\.20:42027/);
      // The HTML report says the same, and of a session whose OPEN_REQ waits, only that no OPEN_CONF is in the capture.
      const html = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), 'report.html');
      ctiscope(['analyze', file, '--html', html]);
      const page = readFileSync(html, 'utf8');
      expect(page).toContain('… RECONNECTING WHEN THE CAPTURE ENDS');
      if (last === 47) expect(page).toMatch(/session 10\.1\.2\.30:\d+ → 10\.1\.1\.21:43027: no OPEN_CONF in the capture, open at the end of the capture/);
      // Side A's session ended in words, its state code after them.
      expect(page).toMatch(/session 10\.1\.2\.30:\d+ → 10\.1\.1\.20:42027: opened, ended: reset by server \(RSTR\)/);
      expect(page).not.toContain('no open seen');
    }
    // Cut at side A's RST (frame 43): the session is lost and nothing follows; the summary line says so.
    const lost = JSON.parse(ctiscope(['analyze', sampleFrames('cti-failover.pcapng', 'until-rst.pcapng', (f) => f <= 43), '--json']).stdout);
    expect(lost.ctiClients[0].outcome).toBe('failed');
    // The agents went with it: not "5 logged in".
    expect(lost.summary.message).toBe("5 agents: 5 lost with their CTI session on 10.1.1.20:42027; 1 CTI client's session failed: connection-reset on 10.1.1.20:42027");
  });

  it('a CTI session caught after its OPEN is the same client as the session it failed over to', () => {
    // cti-failover from frame 8 (side A's OPEN not captured) and from frame 30 (only side A's heartbeats before its RST).
    const full = JSON.parse(ctiscope(['analyze', sample('cti-failover.pcapng'), '--json']).stdout);
    for (const first of [8, 30]) {
      const doc = JSON.parse(ctiscope(['analyze', sampleFrames('cti-failover.pcapng', `from-${first}.pcapng`, (f) => f >= first), '--json']).stdout);
      expect(doc.ctiClients.map((c: { clientId: string | null }) => c.clientId), `from frame ${first}`).toEqual(['FinesseA']);
      const c = doc.ctiClients[0];
      expect(c.servers).toEqual(['10.1.1.20:42027', '10.1.1.21:43027']);
      expect(c.outcome).toBe('logged-in');
      const kinds = (x: { findings: { kind: string; severity: string }[] }) => x.findings.map((f) => `${f.kind} ${f.severity}`);
      expect(kinds(c)).toEqual(kinds(full.ctiClients[0]));
      // Its age is not known: it began before the capture.
      const reset = c.findings.find((f: { kind: string }) => f.kind === 'connection-reset');
      expect(reset.message).toMatch(/reset the established connection after at least [\d.]+ s \(it began before the capture\) \(frame \d+\)/);
    }
  });

  it('a directory refused 20 s after the login, while the CTI session goes on, is the running desktop\'s: a warning, no second start-up', () => {
    let t0 = 0;
    readCaptureBytes(new Uint8Array(readFileSync(sample('cad-login-ok.pcapng'))), { packet: (p) => void (t0 ||= p.time) });
    const net = new SynthNet({ seed: 41, startTime: t0 + 20 });
    net.tcp({ client: '10.10.20.31', server: '192.168.100.2', serverPort: 38983 }).refuse();
    const r = doc(sample('cad-login-ok.pcapng'), [writeSynth(net, 'ldap-b-refused.pcapng')]);
    expect(r.status).toBe(0);
    const ws = r.doc.workstations[0];
    expect([ws.outcome, ws.startup, ws.loginSeconds]).toEqual(['logged-in', undefined, 0.795]);
    expect(ws.findings.map((f: { kind: string; severity: string }) => `${f.kind} ${f.severity}`)).toEqual(['connection-refused warning']);
  });

  it('a CTI OS server capture filtered to one desktop ties it to the agent tag 217 names, not to another by timing', () => {
    // ctios-server with only 10.10.40.53 of the desktops left (a capture filtered to the PC complained about): agent
    // 5053's requests name it in tag 217 and were refused; agent 5054's, 9 ms earlier, name 10.10.40.54.
    const ipv4 = (d: Uint8Array, at: number) => `${d[at]}.${d[at + 1]}.${d[at + 2]}.${d[at + 3]}`;
    const file = sampleFrames('ctios-server.pcapng', 'only-53.pcapng', (_f, d) => {
      if (d[12] !== 8 || d[13] !== 0) return true;
      return [ipv4(d, 26), ipv4(d, 30)].every((a) => !a.startsWith('10.10.40.') || a === '10.10.40.53');
    });
    const r = ctiscope(['analyze', file, '--json']);
    expect(r.status).toBe(1);
    const d = JSON.parse(r.stdout);
    expect(d.workstations.map((w: { host: string; agent: { id: string }; outcome: string }) => [w.host, w.agent.id, w.outcome])).toEqual([['10.10.40.53', '5053', 'failed']]);
    const tied = d.agents.filter((a: { desktop: string | null }) => a.desktop === '10.10.40.53');
    expect(tied.map((a: { id: string; desktopLink: { basis: string } }) => [a.id, a.desktopLink.basis])).toEqual([['5053', 'tag-217']]);
  });

  it('a host running two agents\' desktops (a terminal server), one refused: each login is its own agent\'s, and the host failed', () => {
    // cad-login-ok (agent 1031) and agent-login-refused (agent 1037, 88004) both from 10.10.20.31, the second 30 s later.
    const ok = packetsOf('cad-login-ok.pcapng');
    const other = packetsOf('agent-login-refused.pcapng');
    const shift = ok[0].time + 30 - other[0].time;
    const refused = other.map((p) => ({ ...p, time: p.time + shift, data: rewriteAddress(p.data, [10, 10, 20, 37], [10, 10, 20, 31]) }));
    const r = doc(writePackets('two-agents-one-host.pcapng', [...ok, ...refused].sort((a, b) => a.time - b.time)));
    expect(r.status).toBe(1);
    expect(r.doc.agents.map((a: { id: string; outcome: string; desktop: string }) => [a.id, a.outcome, a.desktop])).toEqual([
      ['1031', 'logged-in', '10.10.20.31'],
      ['1037', 'failed', '10.10.20.31'],
    ]);
    const ws = r.doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure.kind]).toEqual(['failed', 'login', 'agent-login-failed']);
    expect(ws.failure.message).toContain('refused the login of agent 1037 on extension 2037');
    expect(ws.steps.find((x: { id: string }) => x.id === ws.failure.step).summary).toMatch(/^SET_AGENT_STATE_REQ LOGIN → CONTROL_FAILURE_CONF/);
    // Each login step names its own agent, and so does each attempt.
    expect(ws.steps.map((x: { summary: string }) => x.summary)).toContainEqual(expect.stringMatching(/^agent 1031 on ext 2031 logged in, state NOT_READY/));
    expect(ws.attempts.map((a: { agentId: string; outcome: string }) => [a.agentId, a.outcome])).toEqual([
      ['1031', 'logged-in'],
      ['1037', 'failed'],
    ]);

    // One after the other on one PC (1037 refused, its desktop closed; 1031 logs in 5 s later): a restart, whose
    // latest start-up decides, timed from its own first step, not from the first start-up's lookups.
    const first = other.map((p) => ({ ...p, data: rewriteAddress(p.data, [10, 10, 20, 37], [10, 10, 20, 31]) }));
    const later = ok.map((p) => ({ ...p, time: p.time + (other[0].time + 5 - ok[0].time) }));
    const r2 = doc(writePackets('one-agent-then-another.pcapng', [...first, ...later].sort((a, b) => a.time - b.time)));
    expect(r2.status).toBe(0);
    const ws2 = r2.doc.workstations[0];
    expect([ws2.outcome, ws2.startup?.index, ws2.startup?.count]).toEqual(['logged-in', 2, 2]);
    expect(ws2.loginSeconds).toBeLessThan(1);
    const refusal = ws2.findings.find((f: { kind: string }) => f.kind === 'agent-login-failed');
    expect(refusal.message).toContain('refused the login of agent 1037 on extension 2037');
  });

  it('a capture taken with a short snapshot length says so once, with the count, the bytes kept and the first cut frame', () => {
    // cad-login-ok as tcpdump -s 96 would have written it: 18 of its 65 frames are longer than 96 bytes.
    const w = new PcapngWriter({ tsResolution: 'us' });
    const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 96 });
    for (const p of packetsOf('cad-login-ok.pcapng')) w.writePacket(iface, p.time, p.data.subarray(0, 96), { origLen: p.data.length });
    const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), 'snaplen-96.pcapng');
    writeFileSync(file, w.toBytes());
    const r = doc(file);
    const cut = r.doc.source.warnings.filter((x: { code: string }) => x.code === 'packets-cut');
    expect(cut).toHaveLength(1);
    expect(cut[0].message).toBe(
      `${file}: 18 of 65 packets were cut short by the capture's snapshot length (at most 96 bytes kept of each; the first, frame 8): what lay past the cut is not in the file, so the messages in it are lost (the capture-gap findings say where); capture again with the full length (tcpdump -s 0, Wireshark's default)`,
    );
    expect(cut[0].frame).toBe(8);
    expect(r.doc.workstations[0].findings.map((f: { kind: string }) => f.kind)).toContain('capture-gap');
    // The sample itself is whole: no such warning.
    expect(doc(sample('cad-login-ok.pcapng')).doc.source.warnings.map((x: { code: string }) => x.code)).not.toContain('packets-cut');
  });

  it('a side that reports its peripheral or itself offline and then closes cleanly is a failover, not a session that stood', () => {
    // test/fixtures/crafted: no RST here, only the server's word (SYSTEM_EVENT offline, FAILURE_EVENT) and a FIN.
    for (const [file, cause] of [
      ['finesse-peripheral-offline-close.pcapng', '10.1.1.20:42027 reported SYS_PERIPHERAL_OFFLINE (frame 28)'],
      ['ctios-failure-event-close.pcapng', '10.1.1.20:42027 sent FAILURE_EVENT E_CTI_CTI_SERVER_OFFLINE (15) (frame 28)'],
    ]) {
      const r = doc(join(root, 'test', 'fixtures', 'crafted', file));
      expect(r.status, file).toBe(0);
      const c = r.doc.ctiClients[0];
      expect(c.servers).toEqual(['10.1.1.20:42027', '10.1.1.21:43027']);
      const fo = c.findings.filter((f: { kind: string }) => f.kind === 'failover');
      expect(fo.map((f: { severity: string; message: string }) => [f.severity, f.message])).toEqual([
        ['warning', `${cause}; then 10.1.1.21:43027 (pg1b.example.com) opened a session: the CTI client failed over in 3.0 s.`],
      ]);
      expect(r.doc.agents.map((a: { outcome: string }) => a.outcome)).toEqual(['logged-in', 'logged-in', 'logged-in']);
    }
    // Cut after side A's close (frame 33), before any side B: the session is lost, not open, and the line says why.
    const w = new PcapngWriter({ tsResolution: 'us' });
    let iface = -1;
    readCaptureBytes(new Uint8Array(readFileSync(join(root, 'test', 'fixtures', 'crafted', 'finesse-peripheral-offline-close.pcapng'))), {
      packet(p) {
        if (iface < 0) iface = w.addInterface(p.linkType, { snaplen: 65535 });
        if (p.frame <= 33) w.writePacket(iface, p.time, p.data.slice());
      },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-cli-')), 'offline-closed.pcapng');
    writeFileSync(file, w.toBytes());
    const r = doc(file);
    expect(r.status).toBe(1);
    expect([r.doc.ctiClients[0].outcome, r.doc.ctiClients[0].failure.message]).toEqual(['failed', '10.1.1.20:42027 reported SYS_PERIPHERAL_OFFLINE (frame 28), and the session then ended (SF) with no session since.']);
    expect(r.doc.summary.message).toBe("3 agents: 3 lost with their CTI session on 10.1.1.20:42027; 1 CTI client's session failed: 10.1.1.20:42027 reported SYS_PERIPHERAL_OFFLINE (frame 28), and the session then ended (SF) with no session since");
    expect(ctiscope(['analyze', file]).stdout).toMatch(/· ✗ SESSION FAILED — 10\.1\.1\.20:42027/);
  });

  it('a peripheral that goes offline and never comes back is said (peripheral-offline), one that comes back is not', () => {
    const crafted = (f: string) => doc(join(root, 'test', 'fixtures', 'crafted', f)).doc;
    const stays = crafted('finesse-peripheral-offline-stays.pcapng').ctiClients[0];
    expect(stays.findings.map((f: { kind: string; severity: string; frames: number[] }) => [f.kind, f.severity, f.frames])).toEqual([['peripheral-offline', 'warning', [28]]]);
    expect(stays.findings[0].message).toMatch(/^10\.1\.1\.20:42027 \(pg1a\.example\.com\) reported SYS_PERIPHERAL_OFFLINE \(frame 28\) and nothing after it says the peripheral came back in the \d+ s the capture goes on: while it is offline no agent on it can log in or take calls\.$/);
    expect(crafted('finesse-peripheral-offline-online.pcapng').ctiClients[0].findings).toEqual([]);
    // Offline, then the client opened the other side: a failover, not this.
    expect(crafted('finesse-peripheral-offline-close.pcapng').ctiClients[0].findings.map((f: { kind: string }) => f.kind)).toEqual(['failover']);
  });

  it('holes both ways on one connection are said each way, not as their sum one way', () => {
    // cti-failover without frames 37 and 38: one HEARTBEAT_REQ and its HEARTBEAT_CONF, 12 bytes each.
    const d = doc(sampleFrames('cti-failover.pcapng', 'no-heartbeat.pcapng', (f) => f !== 37 && f !== 38)).doc;
    const gaps = d.ctiClients[0].findings.filter((f: { kind: string }) => f.kind === 'capture-gap');
    expect(gaps.map((f: { message: string }) => f.message.replace(/ \(found at .*$/, ''))).toEqual(['12 bytes to and 12 bytes from 10.1.1.20:42027 (CTI server) were not captured']);
  });

  it('a HEARTBEAT_CONF whose request is not in the capture is a message of the session, with its frame, not an empty step', () => {
    // cad-login-ok without frame 58, the HEARTBEAT_REQ that HEARTBEAT_CONF 59 answers, and the capture from frame 59
    // on: the session is caught mid-stream at that reply.
    const d = doc(sampleFrames('cad-login-ok.pcapng', 'from-hb-conf.pcapng', (f) => f >= 59)).doc;
    const steps = d.workstations[0].steps as { summary: string; frames: number[] }[];
    const first = steps.find((x) => x.summary.startsWith('CTI messages'))!;
    expect([first.summary.replace(/ —.*$/, ''), first.frames]).toEqual(['CTI messages: HEARTBEAT_CONF', [1]]);
    expect(steps.every((x) => x.frames.length > 0)).toBe(true);
  });

  it('prints the failing step and its cause in the terminal report', () => {
    const r = ctiscope(['analyze', sample('agent-login-refused.pcapng')]);
    expect(r.stdout).toMatch(/FAILED/);
    expect(r.stdout).toMatch(/88004/);
    expect(r.stdout).toMatch(/out of service/);
  });

  it('a CTI OS server\'s session, opened for all agents, is not said to have an agent in state UNKNOWN; a desktop\'s names its agent\'s state', () => {
    const server = JSON.parse(ctiscope(['analyze', sample('ctios-server.pcapng'), '--json']).stdout) as { ctiClients: { steps: { summary: string }[] }[] };
    expect(server.ctiClients[0].steps[0].summary).toMatch(/^OPEN_REQ → OPEN_CONF in \d+ ms \(peripheral online\)$/);
    const desktop = JSON.parse(ctiscope(['analyze', sample('cad-login-ok.pcapng'), '--json']).stdout) as { workstations: { steps: { summary: string }[] }[] };
    expect(desktop.workstations[0].steps.map((x) => x.summary)).toContain('OPEN_REQ → OPEN_CONF in 16 ms (peripheral online, agent LOGOUT)');
  });

  it('a CTI OS desktop whose agent\'s login the CTI OS server\'s session shows says where it is seen, not that it cannot be', () => {
    const doc = JSON.parse(ctiscope(['analyze', sample('ctios-server.pcapng'), '--json']).stdout) as { workstations: { host: string; outcome: string; steps: { protocol: string; summary: string }[] }[] };
    const ws = doc.workstations.find((w) => w.host === '10.10.40.51')!;
    expect(ws.outcome).toBe('logged-in');
    const session = ws.steps.find((x) => x.protocol === 'ctios')!;
    expect(session.summary).toMatch(/\(CTI OS format is not public; agent 5051's login is seen on the CTI OS server's session with the CTI server\)$/);
    // A CTI OS desktop captured on its own (no server session in the capture) still says the login cannot be seen.
    const alone = JSON.parse(ctiscope(['analyze', sample('ctios-side-down.pcapng'), '--json']).stdout) as typeof doc;
    expect(alone.workstations[0].steps.find((x) => x.protocol === 'ctios' && !/refused/.test(x.summary))!.summary).toMatch(/\(CTI OS format is not public: the login itself cannot be seen\)$/);
  });

  it('a PG\'s own peripheral error is named by its number and explained by the failure code, on the device the login named', () => {
    // CTI OS server capture: agent 5053 logs in on instrument 30053 (no extension) and the PG answers
    // CONTROL_FAILURE_CONF CF_INVALID_LOGON_DEVICE_SPECIFIED (260) with peripheral error 10140, a code of its own.
    const r = ctiscope(['analyze', sample('ctios-server.pcapng'), '--agent', '5053', '--json']);
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { agents: { id: string; findings: { kind: string; message: string }[]; attempts: { code: number | null; codeName: string | null }[] }[] };
    const agent = doc.agents.find((a) => a.id === '5053')!;
    const finding = agent.findings.find((f) => f.kind === 'agent-login-failed')!;
    expect(finding.message).toContain('refused the login of agent 5053 on instrument 30053: SET_AGENT_STATE_REQ LOGIN → CONTROL_FAILURE_CONF peripheral error 10140, failure CF_INVALID_LOGON_DEVICE_SPECIFIED (260)');
    expect(finding.message).toMatch(/: invalid logon device specified\.$/);
    expect(finding.message).not.toMatch(/unknown/i);
    expect(agent.attempts).toMatchObject([{ code: 10140, codeName: null }]);
  });

  it('--explain says what each kind of step is for, and the PC\'s own lookups are named as noise, not as a dependency', () => {
    const r = ctiscope(['analyze', sample('cti-standby-failover-noisy.pcapng'), '--explain']);
    expect(r.status).toBe(0);
    const part = r.stdout.slice(r.stdout.indexOf('What the steps mean'));
    expect(part.length).toBeGreaterThan(0);
    const after = (line: RegExp): string => {
      const lines = part.split('\n');
      const i = lines.findIndex((l) => line.test(l));
      expect(i, String(line)).toBeGreaterThan(0);
      return lines[i + 1].trim();
    };
    expect(after(/other ✓ other lookups: \d+ names/)).toMatch(/^The PC's own lookups and local name chatter .*not part of the start-up/);
    expect(after(/dns ✓ DNS A uccx-a\.example\.com/)).toMatch(/^The desktop looks up the addresses of its servers by name/);
    expect(after(/licensing ✓ acquireLicense/)).toMatch(/^CAD asks the licence manager \(LRM\) for a seat/);
    expect(after(/cti-session ✗ OPEN_REQ → FAILURE_CONF E_CTI_SERVER_NOT_MASTER/)).toMatch(/^The desktop opens its CTI session/);
  });

  it('focuses on one workstation and merges several files in time order', () => {
    const span = doc(sample('span-many-agents.pcapng'), ['--workstation', '10.10.20.104']).doc;
    expect(span.workstations.map((w: { host: string }) => w.host)).toEqual(['10.10.20.104']);
    const two = doc(sample('licence-refused.pcapng'), []).doc;
    const merged = ctiscope(['analyze', sample('agent-login-refused.pcapng'), sample('licence-refused.pcapng'), '--json']);
    const m = JSON.parse(merged.stdout);
    expect(m.source.files).toHaveLength(2);
    expect(m.source.packets).toBe(two.source.packets + doc(sample('agent-login-refused.pcapng')).doc.source.packets);
    // Files are read in order of their first packet, whatever order they were given in; an overlap names both.
    const overlap = ctiscope(['analyze', sample('cad-login-ok.pcapng'), sample('agent-login-refused.pcapng')]);
    expect(overlap.stderr).toContain(`ctiscope: warning: ${sample('cad-login-ok.pcapng')} starts before ${sample('agent-login-refused.pcapng')} ends (the files are read in order of their first packet)`);
  });

  it('demo prints the analysis once, then where the page is', async () => {
    const child = spawn(process.execPath, [bin, 'demo', '--port', '0'], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (out.includes('Press Ctrl-C to stop.')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }).finally(() => child.kill('SIGINT'));
    expect(out).toMatch(/ctiscope ui: http:\/\/127\.0\.0\.1:\d+\/\nPress Ctrl-C to stop\.\n/);
    const summary = '10.10.20.33 (agent 1033) failed at licensing:';
    expect(out.split(summary).length - 1).toBe(1);
  });

  it('a workstation or agent not in the capture is a mistake in the command: one line naming those it holds, exit 2', () => {
    for (const w of ['10.9.9.9', 'notanip', '192.168.100.1']) {
      const r = ctiscope(['analyze', sample('span-many-agents.pcapng'), '--workstation', w, '--json']);
      expect(r.status, w).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`ctiscope: no workstation ${w} in the capture (workstations: 10.10.20.11, 10.10.20.12, 10.10.20.13, 10.10.20.14, 10.10.20.15, 10.10.20.16, 10.10.20.17, 10.10.20.18, …)\n`);
    }
    const agent = ctiscope(['analyze', sample('pg-span-500.pcapng'), '--agent', '9999']);
    expect(agent.status).toBe(2);
    expect(agent.stderr).toMatch(/^ctiscope: no agent 9999 in the capture \(agents: 5001, 5002, .*…\)\n$/);
    // A CTI client's host is found too: the CTI OS server's session, with its agents.
    const client = doc(sample('ctios-server.pcapng'), ['--workstation', '10.1.1.10']).doc;
    expect(client.workstations).toEqual([]);
    expect(client.ctiClients.map((c: { host: string }) => c.host)).toEqual(['10.1.1.10']);
  });

  it('writes a self-contained HTML report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctiscope-cli-'));
    const out = join(dir, 'report.html');
    const r = ctiscope(['analyze', sample('licence-refused.pcapng'), '--html', out]);
    expect(r.status).toBe(1);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('NoLicenseAvailable');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
