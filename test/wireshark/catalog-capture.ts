/**
 * A capture that carries one message of every layout in the GED-188 catalog, in four sessions: protocol 15
 * (1-byte tags) on 42027, protocol 24 (2-byte tags) on 43027, a session whose OPEN_REQ was not captured
 * (the tag width has to be detected) on 42067, and a protocol-15 session on a port no profile names
 * (content detection / the dissector's heuristic). A small MSS splits the larger messages over segments,
 * and each batch of confirmations is coalesced into shared segments.
 */

import { LinkType } from '../../src/capture/types.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { encodeGed188, type Ged188FloatingInput } from '../../src/decoders/ged188/encode.js';
import { catalog, fieldsForLength, type MessageLayout } from '../../src/decoders/ged188/layouts.js';
import { SynthNet } from '../../src/lab/synth/tcp.js';

/** Fixed-field values that differ per field and per message, within each field's range. */
function fixedValues(layout: MessageLayout, length: number, seed: number): Record<string, number> {
  const out: Record<string, number> = {};
  let i = 0;
  for (const { field } of fieldsForLength(layout, length)) {
    i++;
    const v = seed * 31 + i * 7;
    switch (field.type) {
      case 'u8':
        out[field.name] = v % 3;
        break;
      case 'bool':
        out[field.name] = v % 2;
        break;
      case 'u16':
        out[field.name] = v % 60000;
        break;
      case 'i32':
        out[field.name] = i % 2 ? -(v % 5000) - 1 : v;
        break;
      default:
        out[field.name] = v * 1009;
    }
  }
  return out;
}

/** The variant to write for a protocol version: the longest the version sends. */
function lengthFor(layout: MessageLayout, version: number): number {
  let best = 0;
  for (const v of layout.variants) if (!v.fallback && (v.minVersion ?? 0) <= version && v.length > best) best = v.length;
  return best || layout.variants[0].length;
}

function floatingFor(type: number, seed: number, version: number): Ged188FloatingInput[] {
  const agent = `${1000 + seed}`;
  switch (type) {
    case 128: // AGENT_TEAM_CONFIG_EVENT: member groups 86–89
      return [
        { tag: 86, value: agent },
        { tag: 87, value: 4 },
        { tag: 88, value: 3 },
        { tag: 89, value: 120 },
        { tag: 86, value: `${2000 + seed}` },
        { tag: 87, value: 0 },
        { tag: 88, value: 2 },
        { tag: 89, value: 60 },
      ];
    case 236: // CONFIG_SKILL_GROUP_EVENT: two records
      return [
        { tag: 183, value: 0 },
        { tag: 208, value: 5000 },
        { tag: 184, value: 101 },
        { tag: 133, value: 'SG_1' },
        { tag: 183, value: 1 },
        { tag: 208, value: 5000 },
        { tag: 184, value: 102 },
        { tag: 133, value: 'SG_2' },
      ];
    case 1:
    case 2:
    case 35:
      return [{ tag: 7, value: `failure ${seed}` }];
    case 23: // BEGIN_CALL_EVENT: call variables and a named variable, long enough to span segments
      return [
        { tag: 8, value: '0612345678' },
        { tag: 10, value: '8001' },
        { tag: 13, value: 'x'.repeat(200) },
        { tag: 82, value: { name: 'user.case', value: `C-${seed}` } },
        { tag: 6, value: `20${seed}` },
      ];
    default: {
      const f: Ged188FloatingInput[] = [
        { tag: version >= 20 && seed % 2 ? 194 : 5, value: agent },
        { tag: 6, value: `20${seed}` },
      ];
      if (seed % 3 === 0) f.push({ tag: 4, value: `30${seed}` });
      return f;
    }
  }
}

interface Session {
  server: string;
  port: number;
  version: number;
  withOpen: boolean;
}

export function catalogCapture(): Uint8Array {
  const net = new SynthNet({ seed: 7 });
  const sessions: Session[] = [
    { server: '10.1.1.10', port: 42027, version: 15, withOpen: true },
    { server: '10.1.1.11', port: 43027, version: 24, withOpen: true },
    { server: '10.1.1.12', port: 42067, version: 22, withOpen: false },
    { server: '10.1.1.13', port: 50123, version: 15, withOpen: true },
  ];
  let seed = 1;
  for (const s of sessions) {
    const tagWidth = s.version >= 20 ? 2 : 1;
    const tcp = net.tcp({ client: '10.2.2.20', server: s.server, serverPort: s.port, mss: 300 });
    tcp.connect();
    if (s.withOpen) {
      tcp.send(
        'c2s',
        encodeGed188(
          {
            type: 'OPEN_REQ',
            fields: { invokeId: 1, versionNumber: s.version, idleTimeout: 60, peripheralId: 5000, servicesRequested: 0x001c0296 },
            floating: [
              { tag: 1, value: 'CTIOSServer' },
              { tag: 2, value: 'secret' },
              { tag: 3, value: 'CTIOSServer' },
            ],
          },
          { tagWidth },
        ),
      );
    }
    const batch: Uint8Array[] = [];
    for (const { type, name, layout } of catalog()) {
      if (type === 3) continue;
      seed++;
      const length = lengthFor(layout, s.version);
      const bytes = encodeGed188(
        { type, fields: fixedValues(layout, length, seed), floating: floatingFor(type, seed, s.version) },
        { tagWidth, fixedLength: length },
      );
      const dir = /_(REQ|IND)$/.test(name) && !/EVENT/.test(name) ? 'c2s' : 's2c';
      if (dir === 'c2s') {
        if (batch.length) tcp.send('s2c', batch.splice(0), { coalesce: true });
        tcp.send('c2s', bytes);
      } else batch.push(bytes);
    }
    if (batch.length) tcp.send('s2c', batch.splice(0), { coalesce: true });
    tcp.close('c2s');
  }
  const w = new PcapngWriter({ tsResolution: 'us', comment: 'ctiscope test capture: one message of every GED-188 layout', application: 'ctiscope tests' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 262144, name: 'eth0' });
  for (const p of net.collect()) w.writePacket(iface, p.time, p.data);
  return w.toBytes();
}
