/**
 * The noisy twins (src/lab/synth/noisy.ts, samples/<name>-noisy.pcapng): every reference scenario has one, it
 * carries the clean scenario's frames unchanged (same bytes, same times, same order) with a Windows PC's
 * background around them, that background is what windows-noise.ts says it is as the decoders read it, and,
 * where tshark is installed, as tshark reads it too.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import { createDecodePipeline } from '../src/decode-pipeline.js';
import type { DecodedMessage } from '../src/decoders/types.js';
import { ADDR } from '../src/lab/synth/desktop.js';
import { NOISY_TWINS } from '../src/lab/synth/noisy.js';
import { SCENARIOS, SERVER_SIDE_SCENARIOS, type ScenarioOutput } from '../src/lab/synth/scenarios.js';
import type { SynthPacket } from '../src/lab/synth/tcp.js';
import { INTRANET_HOSTS, WINDOWS_SITE } from '../src/lab/synth/windows-noise.js';
import { scenarioToPcapng } from '../src/lab/synth/write-samples.js';

const SAMPLES = join(__dirname, '..', 'samples');

const built = new Map<string, { clean: ScenarioOutput; noisy: ScenarioOutput }>();
function twin(name: string) {
  let b = built.get(name);
  if (!b) {
    const t = NOISY_TWINS.find((x) => x.name === name)!;
    b = { clean: SCENARIOS[t.mirrors](), noisy: t.build() };
    built.set(name, b);
  }
  return b;
}

const same = (a: SynthPacket, b: SynthPacket): boolean => a.time === b.time && Buffer.from(a.data).equals(Buffer.from(b.data));
const ipAt = (d: Uint8Array, o: number): string => `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
const isIpv4 = (d: Uint8Array): boolean => d[12] === 0x08 && d[13] === 0x00;

/** The noisy capture's frames split into the clean ones (a subsequence, in order) and the rest. */
function split(clean: SynthPacket[], noisy: SynthPacket[]): { matched: number; noise: SynthPacket[] } {
  let i = 0;
  const noise: SynthPacket[] = [];
  for (const p of noisy) {
    if (i < clean.length && same(clean[i], p)) i++;
    else noise.push(p);
  }
  return { matched: i, noise };
}

function onesSum(b: Uint8Array, from: number, to: number, start = 0): number {
  let sum = start;
  for (let i = from; i < to; i += 2) sum += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function decode(bytes: Uint8Array): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const p = createDecodePipeline({ onMessage: (m) => out.push(m) });
  readCaptureBytes(bytes, p.sink, { file: 'twin' });
  p.finish({ files: ['twin'], packets: 0 });
  return out.sort((a, b) => a.frame - b.frame);
}

describe('noisy twins', () => {
  it('every agent-PC and SPAN scenario has exactly one twin, named after it (server-side captures have none)', () => {
    expect(NOISY_TWINS.map((t) => t.mirrors).sort()).toEqual(Object.keys(SCENARIOS).filter((n) => !SERVER_SIDE_SCENARIOS.has(n)).sort());
    expect(SERVER_SIDE_SCENARIOS.size).toBe(3);
    for (const t of NOISY_TWINS) expect(t.name).toBe(`${t.mirrors}-noisy`);
  });

  it.each(NOISY_TWINS.map((t) => t.name))('%s is deterministic, matches the committed sample and has no expected file of its own', (name) => {
    const bytes = scenarioToPcapng(twin(name).noisy);
    expect(Buffer.from(scenarioToPcapng(NOISY_TWINS.find((t) => t.name === name)!.build())).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(readFileSync(join(SAMPLES, `${name}.pcapng`))).equals(Buffer.from(bytes))).toBe(true);
    expect(existsSync(join(SAMPLES, `${name}.expected.json`))).toBe(false);
  });

  it.each(NOISY_TWINS.map((t) => t.name))('%s: the clean frames unchanged, noise from about 1 s before each PC, never past the end, checksums right', (name) => {
    const { clean, noisy } = twin(name);
    const { matched, noise } = split(clean.packets, noisy.packets);
    expect(matched).toBe(clean.packets.length);
    expect(noise.length).toBeGreaterThan(clean.packets.length / 10);
    for (let i = 1; i < noisy.packets.length; i++) expect(noisy.packets[i].time).toBeGreaterThanOrEqual(noisy.packets[i - 1].time);
    expect(noisy.packets[noisy.packets.length - 1].time).toBe(clean.packets[clean.packets.length - 1].time);
    expect(noisy.expected).toEqual(clean.expected);
    // Each PC's noise opens 1–1.25 s before its own first frame in the clean capture.
    for (const ws of clean.expected.workstations) {
      const firstClean = clean.packets.find((p) => isIpv4(p.data) && ipAt(p.data, 26) === ws.host)!.time;
      const firstNoise = noise.find((p) => !isIpv4(p.data) || ipAt(p.data, 26) === ws.host || ipAt(p.data, 30) === ws.host)!.time;
      expect(firstClean - firstNoise).toBeGreaterThan(0.95);
      expect(firstClean - firstNoise).toBeLessThan(1.3);
    }
    // The noise never talks to the desktop's own servers; the site's DNS server only on port 53.
    const desktopServers = new Set<string>(Object.values(ADDR).filter((a) => a !== ADDR.dns));
    for (const p of noise) {
      if (!isIpv4(p.data)) continue;
      const d = p.data;
      const [src, dst] = [ipAt(d, 26), ipAt(d, 30)];
      expect(desktopServers.has(src) || desktopServers.has(dst), `${src} → ${dst}`).toBe(false);
      const ihl = (d[14] & 15) * 4;
      const l4 = 14 + ihl;
      const total = (d[16] << 8) | d[17];
      if (src === ADDR.dns || dst === ADDR.dns) expect([(d[l4] << 8) | d[l4 + 1], (d[l4 + 2] << 8) | d[l4 + 3]]).toContain(53);
      expect(onesSum(d, 14, l4)).toBe(0xffff);
      const pseudo = onesSum(d, 26, 34) + d[23] + (total - ihl);
      expect(onesSum(d, l4, 14 + total, pseudo)).toBe(0xffff);
    }
  });
});

describe('the Windows background, as the decoders read it (cad-login-ok-noisy)', () => {
  const bytes = scenarioToPcapng(twin('cad-login-ok-noisy').noisy);
  const msgs = decode(bytes);
  const by = (p: string) => msgs.filter((m) => m.protocol === p);
  const host = '10.10.20.31';

  it('names NetBIOS, LLMNR, mDNS and SSDP as themselves, never as DNS', () => {
    const nbns = by('nbns');
    expect(nbns.filter((m) => m.fields.opcodeName === 'Name query' && m.fields.broadcast).length).toBeGreaterThanOrEqual(3);
    const reg = nbns.filter((m) => m.fields.opcodeName === 'Registration');
    expect(new Set(reg.map((m) => m.fields.name))).toEqual(new Set(['AGENTPC-031<00>', 'CORP<00>', 'AGENTPC-031<20>']));
    expect(reg.every((m) => (m.fields.registeredAddresses as string[])[0] === host)).toBe(true);
    // One of the single-label names has an owner that answers.
    expect(nbns.some((m) => m.fields.response && (m.fields.addresses as string[]).includes('10.10.20.240'))).toBe(true);
    const announce = by('nbdgm').find((m) => m.fields.sourceName === 'AGENTPC-031<20>')!;
    expect([announce.fields.destinationName, announce.fields.browserCommandName, announce.fields.serverName]).toEqual(['CORP<1d>', 'Host Announcement', 'AGENTPC-031']);
    expect(by('llmnr').length).toBeGreaterThan(0);
    expect(by('llmnr').every((m) => WINDOWS_SITE.singleLabel.map((n) => n.toLowerCase()).includes(m.fields.qname as string))).toBe(true);
    expect(by('mdns').some((m) => m.type === 'response' && (m.fields.answers as { typeName: string }[]).some((a) => a.typeName === 'SRV'))).toBe(true);
    expect(by('ssdp').filter((m) => m.type === 'M-SEARCH').length).toBeGreaterThanOrEqual(4);
    // A device answers unicast, from its own port 1900: another flow than the multicast search.
    expect(by('ssdp').some((m) => m.type === '200' && String(m.fields.location).startsWith('http://10.10.20.245:'))).toBe(true);
    expect(by('dns').some((m) => /:(137|5353|5355|1900)$/.test(m.server))).toBe(false);
    expect(msgs.filter((m) => m.anomalies !== undefined).map((m) => m.summary)).toEqual([]);
  });

  it('has suffix-search and WPAD NXDOMAINs and a dozen web hosts looked up, then reached over TLS with SNI', () => {
    const nx = by('dns').filter((m) => m.fields.rcodeName === 'NXDOMAIN').map((m) => m.fields.qname as string);
    expect(nx).toEqual(expect.arrayContaining(['wpad.corp.example.com', 'wpad.example.com']));
    expect(nx.some((n) => /^(filesrv01|printsrv|scanner-3f|nas01)\.corp\.example\.com$/.test(n))).toBe(true);
    const sni = new Set(by('tls').map((m) => m.fields.serverName).filter((x) => typeof x === 'string'));
    expect(sni.size).toBeGreaterThanOrEqual(12);
    const resolved = new Set(by('dns').filter((m) => m.type === 'response').map((m) => m.fields.qname));
    for (const s of sni) expect(resolved.has(s)).toBe(true);
  });

  it("meets the desktop's ports by chance: a wallboard on 3000 and a push channel from the PC's own 59004, read as neither licensing nor a desktop service", () => {
    const bg = twin('cad-login-ok-noisy').noisy.packets;
    const touches = (ip: string, port: number): boolean =>
      bg.some((p) => isIpv4(p.data) && (ipAt(p.data, 26) === ip || ipAt(p.data, 30) === ip) && [(p.data[34] << 8) | p.data[35], (p.data[36] << 8) | p.data[37]].includes(port));
    expect(touches(WINDOWS_SITE.wallboard.ip, 3000)).toBe(true);
    expect(touches('203.0.113.87', 59004)).toBe(true);
    // The push channel began before the capture: no SYN of it is in it.
    expect(bg.some((p) => isIpv4(p.data) && ipAt(p.data, 30) === '203.0.113.87' && (p.data[47] & 0x02) !== 0)).toBe(false);
    expect(msgs.filter((m) => m.server.startsWith(`${WINDOWS_SITE.wallboard.ip}:`) || m.client.startsWith(`${WINDOWS_SITE.wallboard.ip}:`))).toEqual([]);
    expect(msgs.filter((m) => m.client.startsWith('203.0.113.87:') || m.server.startsWith('203.0.113.87:'))).toEqual([]);
  });

  it('has TLS 1.2 sessions to the intranet apps: a certificate chain, and close_notify as encrypted alerts both ways', () => {
    const intranet = new Set(INTRANET_HOSTS.map((h) => `${h.address}:443`));
    const sessions = new Map<string, DecodedMessage[]>();
    for (const m of by('tls')) if (intranet.has(m.server)) sessions.set(`${m.client} ${m.server}`, [...(sessions.get(`${m.client} ${m.server}`) ?? []), m]);
    expect(sessions.size).toBe(INTRANET_HOSTS.length);
    let closed = 0;
    for (const list of sessions.values()) {
      expect(list.find((m) => m.type === 'ServerHello')!.fields.versionName).toBe('TLS 1.2');
      const certs = list.find((m) => m.type === 'Certificate')!.fields.certificates as Record<string, unknown>[];
      expect(certs.map((c) => [c.subjectCN, c.issuerCN, c.expiredAtCapture, c.error])).toEqual([
        [list[0].fields.serverName, 'CORP Issuing CA 01', false, undefined],
        ['CORP Issuing CA 01', 'CORP Root CA', false, undefined],
      ]);
      const alerts = list.filter((m) => m.type === 'alert');
      expect(alerts.every((m) => m.fields.encrypted === true)).toBe(true);
      if (alerts.length) {
        closed++;
        expect(alerts.map((m) => m.direction)).toEqual(['c2s', 's2c']);
      }
    }
    // Most of them end inside the minute-long capture.
    expect(closed).toBeGreaterThanOrEqual(2);
  });

  it('has the domain: CLDAP pings (connectionless LDAP), Kerberos, an LDAP session with SASL, references, noSuchObject and a referral, SMB', () => {
    const cldap = by('ldap').filter((m) => m.fields.connectionless === true);
    expect(cldap.filter((m) => m.type === 'searchRequest')).toHaveLength(2);
    const done = cldap.filter((m) => m.type === 'searchResDone');
    expect(done).toHaveLength(2);
    // The answer's entry and done arrive in one datagram, and pair with the ping.
    for (const d of done) {
      expect(cldap.some((m) => m.type === 'searchResEntry' && m.frame === d.frame)).toBe(true);
      expect(d.pairedFrame).toBeDefined();
    }
    const ad = by('ldap').filter((m) => m.fields.connectionless === undefined && m.server === '10.1.0.10:389');
    expect(ad.find((m) => m.type === 'bindRequest')!.fields.saslMechanism).toBe('GSS-SPNEGO');
    expect(ad.filter((m) => m.type === 'searchResRef')).toHaveLength(3);
    expect(ad.filter((m) => m.type === 'searchResDone').map((m) => m.fields.resultCode)).toEqual([0, 0, 32, 10]);
    expect(ad.find((m) => m.fields.resultCode === 32)!.fields.matchedDN).toBe('CN=AGENTPC-031,OU=Workstations,DC=corp,DC=example,DC=com');
  });
});

const tshark = spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!tshark)('the Windows background, as tshark reads it (cad-login-ok-noisy)', () => {
  const file = join(SAMPLES, 'cad-login-ok-noisy.pcapng');
  const fields = (filter: string, f: string[]): string[][] =>
    spawnSync('tshark', ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'aggregator=|', ...f.flatMap((x) => ['-e', x])], { encoding: 'utf8' })
      .stdout.replace(/\n+$/, '')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
  const msgs = decode(new Uint8Array(readFileSync(file)));

  it('NBNS names, NetBIOS datagram names, LLMNR and mDNS questions, SSDP targets and CLDAP messages agree', () => {
    const row = (p: string, f: (m: DecodedMessage) => string) => msgs.filter((m) => m.protocol === p).map((m) => `${m.frame} ${f(m)}`);
    const nbns = fields('nbns', ['frame.number', 'nbns.name']).map(([n, name]) => `${n} ${name.split('|')[0].replace(/ \([^()]*\)$/, '')}`);
    expect(row('nbns', (m) => String(m.fields.name))).toEqual(nbns);
    const dgm = fields('nbdgm', ['frame.number', 'nbdgm.source_name', 'nbdgm.destination_name', 'browser.server']).map((r) => r.join(' '));
    expect(row('nbdgm', (m) => `${m.fields.sourceName} ${m.fields.destinationName} ${m.fields.serverName}`)).toEqual(dgm);
    for (const p of ['llmnr', 'mdns']) {
      const theirs = fields(p, ['frame.number', 'dns.qry.name']).map((r) => r.join(' '));
      const ours = row(p, (m) => ((m.fields.questions as { name: string }[] | undefined)?.map((q) => q.name) ?? [m.fields.qname]).join('|'));
      expect(ours, p).toEqual(theirs);
    }
    const ssdp = fields('ssdp', ['frame.number', 'http.request.method', 'http.response.code']).map(([n, method, code]) => `${n} ${method || code}`);
    expect(row('ssdp', (m) => m.type)).toEqual(ssdp);
    const cldap = fields('cldap', ['frame.number', 'ldap.protocolOp']).map(([n, ops]) => `${n} ${ops}`);
    const opNumber: Record<string, number> = { searchRequest: 3, searchResEntry: 4, searchResDone: 5 };
    const byFrame = new Map<number, string[]>();
    for (const m of msgs.filter((x) => x.fields.connectionless === true)) byFrame.set(m.frame, [...(byFrame.get(m.frame) ?? []), String(opNumber[m.type])]);
    expect([...byFrame].map(([f, ops]) => `${f} ${ops.join('|')}`)).toEqual(cldap);
  });

  it("the intranet apps' TLS 1.2 handshakes and encrypted alerts agree, and tshark finds nothing malformed in them", () => {
    const hosts = INTRANET_HOSTS.map((h) => `ip.addr==${h.address}`).join(' || ');
    const theirs = fields(`(${hosts}) && tls`, ['frame.number', 'tls.handshake.type', 'tls.alert_message']).map(([n, types, alert]) => `${n} ${types}${alert ? ' alert' : ''}`);
    const handshake: Record<string, number> = { ClientHello: 1, ServerHello: 2, Certificate: 11, ServerKeyExchange: 12, ServerHelloDone: 14, ClientKeyExchange: 16 };
    const byFrame = new Map<number, string[]>();
    const intranet = new Set(INTRANET_HOSTS.map((h) => `${h.address}:443`));
    for (const m of msgs.filter((x) => x.protocol === 'tls' && intranet.has(x.server))) {
      const code = m.type === 'alert' ? 'alert' : handshake[m.type];
      if (code !== undefined) byFrame.set(m.frame, [...(byFrame.get(m.frame) ?? []), String(code)]);
    }
    const ours = [...byFrame].map(([f, codes]) => `${f} ${codes.filter((c) => c !== 'alert').join('|')}${codes.includes('alert') ? ' alert' : ''}`);
    // tshark lists the handshake types it could read in each frame: the encrypted Finished is none.
    expect(ours).toEqual(theirs.filter((r) => !/^\d+ $/.test(r)));
    expect(theirs.some((r) => r.endsWith(' alert'))).toBe(true);
    expect(fields(`(${hosts}) && _ws.malformed`, ['frame.number'])).toEqual([]);
  });
});
