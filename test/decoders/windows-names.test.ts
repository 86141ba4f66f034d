/**
 * A Windows PC's name and discovery chatter (NBNS, NetBIOS datagrams, LLMNR, mDNS, SSDP) through the
 * product's decode pipeline (capture reader, flow tracker, port profiles, registry), compared frame for
 * frame with tshark 4.0's `ops` in each public fixture's expected summary.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/reader.js';
import { createDecodePipeline } from '../../src/decode-pipeline.js';
import type { DecodedMessage, ProtocolName } from '../../src/decoders/types.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'public');

function decode(fixture: string): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const p = createDecodePipeline({ onMessage: (m) => out.push(m) });
  readCaptureBytes(new Uint8Array(readFileSync(join(fixtures, fixture))), p.sink, { file: fixture });
  p.finish({ files: [fixture], packets: 0 });
  return out.sort((a, b) => a.frame - b.frame);
}

function ops(fixture: string, key: string): Record<string, string>[] {
  const j = JSON.parse(readFileSync(join(fixtures, 'expected', `${fixture}.json`), 'utf8')) as { ops: Record<string, Record<string, string>[]> };
  return j.ops[key] ?? [];
}

const of = (msgs: DecodedMessage[], protocol: ProtocolName): DecodedMessage[] => msgs.filter((m) => m.protocol === protocol);
/** tshark writes a record's name with its suffix's meaning after it: "GUNNAR<00> (Workstation/Redirector)". */
const bareName = (s: string): string => s.replace(/ \([^()]*\)$/, '');
/** Our names escape bytes outside printable ASCII as \DDD (zone-file style); tshark shows them as UTF-8. */
function unescapeDns(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const m = /^\\(\d{3})/.exec(s.slice(i));
    if (m) {
      bytes.push(Number(m[1]));
      i += 3;
    } else bytes.push(...new TextEncoder().encode(s[i]));
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

describe('NetBIOS name service against tshark', () => {
  for (const fixture of ['ndpi__netbios.pcap', 'ndpi__dos_win98_smb_netbeui.pcap']) {
    it(fixture, () => {
      const msgs = decode(fixture);
      const nbns = of(msgs, 'nbns');
      const expected = ops(fixture, 'nbns');
      expect(expected.length).toBeGreaterThan(40);
      expect(nbns.map((m) => m.frame)).toEqual(expected.map((e) => Number(e['frame.number'])));
      // Not one of them is taken for DNS.
      expect(of(msgs, 'dns').filter((m) => m.server.endsWith(':137') || m.client.endsWith(':137'))).toEqual([]);
      nbns.forEach((m, i) => {
        const e = expected[i];
        expect(m.fields.id).toBe(parseInt(e['nbns.id'], 16));
        expect(m.fields.response).toBe(e['nbns.flags.response'] === '1');
        expect(m.type).toBe(e['nbns.flags.response'] === '1' ? 'response' : 'query');
        expect(m.fields.opcode).toBe(Number(e['nbns.flags.opcode']));
        expect(m.fields.opcodeName).toBe(e['nbns.flags.opcode_name']);
        expect(m.fields.broadcast).toBe(e['nbns.flags.broadcast'] === '1');
        expect(m.fields.answerCount).toBe(Number(e['nbns.count.answers']));
        expect(m.fields.additionalCount).toBe(Number(e['nbns.count.add_rr']));
        if (e['nbns.flags.rcode'] !== undefined) expect(m.fields.rcode).toBe(Number(e['nbns.flags.rcode']));
        // Every name of the message (question, answers, additional records), decoded as tshark decodes it.
        const names = e['nbns.name'].split('|').map(bareName);
        expect(m.fields.name).toBe(names[0]);
        const records = [...(m.fields.answers as { name: string }[]), ...(((m.fields.additional as { name: string }[] | undefined) ?? []))];
        const ours = [...(m.fields.questionCount ? [m.fields.name] : []), ...records.map((r) => r.name)];
        expect(ours).toEqual(names);
        expect(m.fields.qtype).toBe(Number(e['nbns.type'].split('|')[0]));
        const addrs = [...(m.fields.addresses as string[]), ...((m.fields.registeredAddresses as string[] | undefined) ?? [])];
        expect(addrs.join('|') || undefined).toBe(e['nbns.addr']);
        // A node status answer's names, which tshark lists without their suffixes.
        const node = (m.fields.nodeNames as string[] | undefined)?.map((n) => n.replace(/<[0-9a-f]{2}>( group)?$/, ''));
        expect(node?.join('|')).toBe(e['nbns.netbios_name']);
        expect(m.anomalies).toBeUndefined();
      });
    });
  }

  it('names the query and its answer with name, suffix and address (ndpi__netbios.pcap frames 68–69)', () => {
    const nbns = of(decode('ndpi__netbios.pcap'), 'nbns');
    const q = nbns.find((m) => m.frame === 68)!;
    expect([q.fields.netbiosName, q.fields.suffix, q.fields.suffixName, q.fields.qtypeName]).toEqual(['GUNNAR', 0, 'Workstation/Redirector', 'NB']);
    expect(q.summary).toBe('Name query NB GUNNAR<00> (broadcast)');
    const a = nbns.find((m) => m.frame === 69)!;
    expect(a.fields.addresses).toEqual(['10.0.4.24']);
    expect(a.summary).toBe('Name query response NB GUNNAR<00> → 10.0.4.24');
    // The wildcard node-status query: '*' padded with NULs, type NBSTAT.
    const star = nbns.find((m) => m.frame === 128)!;
    expect(star.fields.name).toBe(`*${'<00>'.repeat(15)}`);
    expect(star.fields.qtypeName).toBe('NBSTAT');
    const status = nbns.find((m) => m.frame === 129)!;
    expect(status.fields.nodeNames).toEqual(['GUNNAR<00>', 'VIGILANT_GROUP<00> group', 'GUNNAR<20>', 'VIGILANT_GROUP<1e> group']);
    expect(status.fields.mac).toBe('00:1c:c4:10:79:0f');
  });

  it('reads registrations with the registered address (ndpi__dos_win98_smb_netbeui.pcap)', () => {
    const reg = of(decode('ndpi__dos_win98_smb_netbeui.pcap'), 'nbns').find((m) => m.frame === 9)!;
    expect(reg.fields.opcodeName).toBe('Registration');
    expect(reg.fields.name).toBe('MDJR98<03>');
    expect(reg.fields.suffixName).toBe('Messenger service/Main name');
    expect(reg.fields.registeredAddresses).toEqual(['192.168.239.129']);
    expect(reg.summary).toBe('Registration NB MDJR98<03> → 192.168.239.129');
  });
});

describe('NetBIOS datagram service against tshark', () => {
  for (const fixture of ['ndpi__netbios.pcap', 'ndpi__dos_win98_smb_netbeui.pcap', 'node-pcap-parser__smtp.pcap']) {
    it(fixture, () => {
      const dgm = of(decode(fixture), 'nbdgm');
      const expected = ops(fixture, 'nbdgm');
      expect(expected.length).toBeGreaterThan(0);
      expect(dgm.map((m) => m.frame)).toEqual(expected.map((e) => Number(e['frame.number'])));
      dgm.forEach((m, i) => {
        const e = expected[i];
        expect(m.fields.msgType).toBe(Number(e['nbdgm.type']));
        expect(m.fields.msgTypeName).toBe(e['nbdgm.type_name']);
        expect(m.fields.datagramId).toBe(parseInt(e['nbdgm.dgram_id'], 16));
        expect(m.fields.sourceIp).toBe(e['nbdgm.src.ip']);
        expect(m.fields.sourcePort).toBe(Number(e['nbdgm.src.port']));
        expect(m.fields.sourceName).toBe(e['nbdgm.source_name']);
        expect(m.fields.destinationName).toBe(e['nbdgm.destination_name']);
        expect(m.fields.mailslot).toBe(e['mailslot.name']);
        expect(m.fields.browserCommand).toBe(parseInt(e['browser.command'], 16));
        if (e['browser.server']) expect(m.fields.serverName).toBe(e['browser.server']);
        if (e['browser.response_computer_name']) expect(m.fields.responseName).toBe(e['browser.response_computer_name']);
        expect(m.anomalies).toBeUndefined();
      });
    });
  }

  it('summarises a host announcement with both names', () => {
    const m = of(decode('ndpi__netbios.pcap'), 'nbdgm').find((x) => x.frame === 20)!;
    expect(m.type).toBe('directGroup');
    expect(m.summary).toBe('Direct_group datagram NVR9<20> → VIGILANT_GROUP<1d>: Host Announcement NVR9');
    expect(m.fields.browserCommandName).toBe('Host Announcement');
  });
});

describe('LLMNR and mDNS against tshark', () => {
  for (const [fixture, protocol] of [
    ['ndpi__custom_risk_mask.pcapng', 'llmnr'],
    ['ndpi__whatsapp_login_chat.pcap', 'mdns'],
  ] as const) {
    it(`${fixture} (${protocol})`, () => {
      const msgs = decode(fixture);
      const ours = of(msgs, protocol);
      const expected = ops(fixture, protocol);
      expect(expected.length).toBeGreaterThan(0);
      expect(ours.map((m) => m.frame)).toEqual(expected.map((e) => Number(e['frame.number'])));
      ours.forEach((m, i) => {
        const e = expected[i];
        expect(m.fields.id).toBe(parseInt(e['dns.id'], 16));
        expect(m.type).toBe(e['dns.flags.response'] === '1' ? 'response' : 'query');
        expect(m.fields.questionCount).toBe(Number(e['dns.count.queries']));
        expect(m.fields.answerCount).toBe(Number(e['dns.count.answers']));
        const questions = m.fields.questions as { name: string; type: number }[] | undefined;
        const names = questions ? questions.map((q) => q.name) : [m.fields.qname as string];
        expect(names.map(unescapeDns).join('|')).toBe(e['dns.qry.name']);
        const types = questions ? questions.map((q) => q.type) : [m.fields.qtype];
        expect(types.join('|')).toBe(e['dns.qry.type']);
        expect(m.anomalies).toBeUndefined();
      });
      // The name protocols are not DNS.
      expect(of(msgs, 'dns').some((m) => /:(5353|5355)$/.test(m.server))).toBe(false);
    });
  }

  it('marks mDNS "QU" questions', () => {
    const m = of(decode('ndpi__whatsapp_login_chat.pcap'), 'mdns')[0];
    expect(m.fields.questions).toEqual([
      { name: '_raop._tcp.local', type: 12, typeName: 'PTR', unicastResponse: true },
      { name: '_airplay._tcp.local', type: 12, typeName: 'PTR', unicastResponse: true },
    ]);
  });
});

describe('SSDP against tshark', () => {
  it('ndpi__ssdp-m-search-ua.pcap', () => {
    const fixture = 'ndpi__ssdp-m-search-ua.pcap';
    const ssdp = of(decode(fixture), 'ssdp');
    const expected = ops(fixture, 'ssdp');
    expect(ssdp.map((m) => m.frame)).toEqual(expected.map((e) => Number(e['frame.number'])));
    ssdp.forEach((m, i) => {
      const e = expected[i];
      expect(m.type).toBe(e['http.request.method']);
      expect(m.fields.requestUri).toBe(e['http.request.uri']);
      expect(m.fields.version).toBe(e['http.request.version']);
      expect(m.fields.host).toBe(e['http.host']);
      expect(m.fields.userAgent).toBe(e['http.user_agent']);
      // Every header line, in order.
      const lines = e['http.request.line'].split('|').map((l) => l.replace(/\\r\\n$/, ''));
      const headers = Object.entries(m.fields.headers as Record<string, string>).map(([k, v]) => [k, v]);
      expect(headers).toEqual(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      expect(m.anomalies).toBeUndefined();
    });
    expect(ssdp[0].fields.st).toBe('urn:dial-multiscreen-org:service:dial:1');
    expect(ssdp[0].fields.mx).toBe(1);
    expect(ssdp[0].summary).toBe('M-SEARCH * urn:dial-multiscreen-org:service:dial:1');
  });
});

describe('the built CLI names them too', () => {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ctiscope.js');
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('decode --protocol nbns,nbdgm prints decoded NetBIOS names, and no DNS on 137', () => {
    const r = run(['decode', join(fixtures, 'ndpi__netbios.pcap'), '--protocol', 'nbns,nbdgm', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const msgs = JSON.parse(r.stdout) as DecodedMessage[];
    expect(new Set(msgs.map((m) => m.protocol))).toEqual(new Set(['nbns', 'nbdgm']));
    expect(msgs.find((m) => m.frame === 1)!.fields.name).toBe('XSTREAM_HY<00>');
    const dns = JSON.parse(run(['decode', join(fixtures, 'ndpi__netbios.pcap'), '--protocol', 'dns', '--json']).stdout) as DecodedMessage[];
    expect(dns).toEqual([]);
    const text = run(['decode', join(fixtures, 'ndpi__ssdp-m-search-ua.pcap')]).stdout;
    expect(text).toMatch(/ssdp\s+192\.168\.242\.50:\d+ → 239\.255\.255\.250:1900  M-SEARCH \* urn:dial-multiscreen-org:service:dial:1/);
  });

  it('rejects an unknown protocol, naming the known ones', () => {
    const r = run(['decode', join(fixtures, 'ndpi__netbios.pcap'), '--protocol', 'netbios']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nbns, nbdgm, llmnr, mdns, ssdp/);
  });
});
