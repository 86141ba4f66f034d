// A flow picked up mid-stream whose client's own port is also a profile port: the desktop's CTI session from port
// 3000 (the licensing port) to 12028, handshake not captured. Both ports name a server, so the lower one used to be
// taken for the server's and the session was read backwards; the first payload (an OPEN_REQ, which only a client
// sends) now says who is who. The built CLI on the sample with that flow rewritten so.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureBytes } from '../src/capture/reader.js';
import { PcapngWriter } from '../src/capture/writer.js';
import type { CapturedPacket } from '../src/capture/types.js';
import type { AnalysisDocument } from '../src/timeline/model.js';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'ctiscope.js');

/** Ethernet + IPv4 + TCP: the TCP header's offset, or -1. */
function tcpAt(d: Uint8Array): number {
  if (d.length < 34 || d[12] !== 0x08 || d[13] !== 0x00 || d[23] !== 6) return -1;
  return 14 + (d[14] & 0x0f) * 4;
}
const port = (d: Uint8Array, at: number) => (d[at] << 8) | d[at + 1];

/** cad-login-ok with the CTI flow (51950 ↔ 12028) moved to client port `clientPort` and its handshake left out. */
function ctiFromPort(clientPort: number): string {
  const w = new PcapngWriter({ tsResolution: 'us' });
  let iface = -1;
  readCaptureBytes(new Uint8Array(readFileSync(join(root, 'samples', 'cad-login-ok.pcapng'))), {
    packet(p: CapturedPacket) {
      if (iface < 0) iface = w.addInterface(p.linkType, { snaplen: 65535 });
      const d = p.data.slice();
      const t = tcpAt(d);
      if (t >= 0) {
        const c2s = port(d, t) === 51950;
        const s2c = port(d, t + 2) === 51950;
        if (c2s || s2c) {
          if (d[t + 13] & 0x02) return; // SYN, SYN-ACK: not captured
          const at = c2s ? t : t + 2;
          d[at] = clientPort >> 8;
          d[at + 1] = clientPort & 0xff;
        }
      }
      w.writePacket(iface, p.time, d);
    },
  });
  const file = join(mkdtempSync(join(tmpdir(), 'ctiscope-roles-')), `cti-from-${clientPort}.pcapng`);
  writeFileSync(file, w.toBytes());
  return file;
}

function analyze(file: string): { status: number | null; doc: AnalysisDocument } {
  const r = spawnSync(process.execPath, [bin, 'analyze', file, '--json'], { encoding: 'utf8' });
  return { status: r.status, doc: JSON.parse(r.stdout) as AnalysisDocument };
}

describe('a mid-stream flow whose client port is a profile port', () => {
  it('control: from an ephemeral port, mid-stream, the PC logs in', () => {
    const { status, doc } = analyze(ctiFromPort(51950));
    expect(status).toBe(0);
    expect(doc.workstations.map((w) => [w.host, w.outcome])).toEqual([['10.10.20.31', 'logged-in']]);
  });

  it('from the licensing port 3000 to 12028: still the PC is the CTI client, and it logs in', () => {
    const { status, doc } = analyze(ctiFromPort(3000));
    expect(status).toBe(0);
    expect(doc.workstations.map((w) => [w.host, w.outcome])).toEqual([['10.10.20.31', 'logged-in']]);
    const open = doc.workstations[0].steps.find((s) => s.phase === 'cti-session')!;
    expect(open.server).toBe('192.168.100.1:12028');
    expect(open.summary).toMatch(/^OPEN_REQ → OPEN_CONF/);
    const flows = JSON.parse(spawnSync(process.execPath, [bin, 'flows', ctiFromPort(3000), '--json'], { encoding: 'utf8' }).stdout);
    const cti = (flows.flows ?? flows).find((f: { server: string }) => f.server === '192.168.100.1:12028');
    expect(cti.client).toBe('10.10.20.31:3000');
  });
});
