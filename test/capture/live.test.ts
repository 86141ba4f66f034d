import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  classifyCaptureFailure,
  findExecutable,
  listDevices,
  openLiveCapture,
  parseCaptureStats,
  parseTcpdumpDevices,
  tcpdumpArgs,
  LiveCaptureError,
} from '../../src/capture/live-node.js';

const tmp = mkdtempSync(join(tmpdir(), 'ctiscope-live-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const tcpdump = await findExecutable('tcpdump');
const dumpcap = await findExecutable('dumpcap');
const setpriv = await findExecutable('setpriv');
const liveReason = !isRoot ? 'not running as root' : !tcpdump ? 'tcpdump not installed' : '';

describe('live capture: parsing the tools', () => {
  it('builds the tcpdump command line', () => {
    expect(tcpdumpArgs({ iface: 'eth0', snaplen: 128, filter: 'tcp port 42027' })).toEqual([
      '-U', '--immediate-mode', '-w', '-', '-i', 'eth0', '-s', '128', 'tcp port 42027',
    ]);
  });

  it('reads tcpdump and dumpcap statistics', () => {
    const t = parseCaptureStats('tcpdump', 'tcpdump: listening on lo\n12 packets captured\n15 packets received by filter\n3 packets dropped by kernel\n');
    expect(t).toMatchObject({ received: 15, dropped: 3 });
    expect(t.message).toContain('3 packets dropped by kernel');
    const d = parseCaptureStats('dumpcap', "Packets received/dropped on interface 'Loopback: lo': 9/2 (pcap:2/dumpcap:0/flushed:0/ps_ifdrop:1) (81.8%)");
    expect(d).toMatchObject({ received: 9, dropped: 2, droppedByInterface: 1 });
  });

  it('explains failures', () => {
    const perm = classifyCaptureFailure('tcpdump', 'eth0', "tcpdump: eth0: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)", 1);
    expect(perm.code).toBe('permission-denied');
    expect(perm.message).toContain('setcap cap_net_raw,cap_net_admin=eip $(which tcpdump)');
    expect(classifyCaptureFailure('tcpdump', 'nosuch', 'tcpdump: nosuch: No such device exists\n(No such device exists)', 1).code).toBe('no-such-interface');
    expect(classifyCaptureFailure('tcpdump', 'lo', "tcpdump: can't parse filter expression: syntax error", 1).code).toBe('bad-filter');
  });

  it('parses tcpdump -D', () => {
    expect(parseTcpdumpDevices('1.eth0 [Up, Running, Connected]\n2.any (Pseudo-device that captures on all interfaces) [Up, Running]\n4.ifb0 [none]\n')).toEqual([
      { name: 'eth0', description: undefined, flags: ['Up', 'Running', 'Connected'] },
      { name: 'any', description: 'Pseudo-device that captures on all interfaces', flags: ['Up', 'Running'] },
      { name: 'ifb0', description: undefined, flags: [] },
    ]);
  });

  it('says how to install tcpdump when the executable is missing', async () => {
    const err = await openLiveCapture({ iface: 'lo', executable: join(tmp, 'no-tcpdump') }, { packet: () => {} }).catch((e) => e);
    expect(err).toBeInstanceOf(LiveCaptureError);
    expect(err.code).toBe('not-installed');
    expect(err.message).toContain('apt-get install tcpdump');
  });

  it('lists devices, including the loopback', async () => {
    const devices = await listDevices();
    expect(devices.map((d) => d.name)).toContain('lo');
  });
});

/** Sends datagrams to 127.0.0.1:port and resolves when they are sent. */
async function sendUdp(port: number, payloads: string[]): Promise<void> {
  const sock = createSocket('udp4');
  for (const p of payloads) await new Promise<void>((res, rej) => sock.send(p, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
  sock.close();
}

async function captureUdpOnLoopback(backend: 'tcpdump' | 'dumpcap') {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const got: { frame: number; linkType: number; data: Uint8Array; time: number }[] = [];
  const cap = await openLiveCapture({ iface: 'lo', filter: `udp and dst port ${port}`, backend }, {
    packet: (p) => got.push({ frame: p.frame, linkType: p.linkType, data: p.data.slice(), time: p.time }),
  });
  expect(cap.backend).toBe(backend);
  const payloads = ['ctiscope-live-1', 'ctiscope-live-2', 'ctiscope-live-3', 'ctiscope-live-4'];
  const t0 = Date.now() / 1000;
  await sendUdp(port, payloads);
  for (let i = 0; i < 50 && got.length < payloads.length; i++) await new Promise((r) => setTimeout(r, 50));
  const stats = await cap.stop();
  return { got, payloads, stats, t0 };
}

describe.skipIf(liveReason !== '')(`live capture on lo${liveReason ? ` (skipped: ${liveReason})` : ''}`, () => {
  it('captures UDP datagrams sent to 127.0.0.1 with tcpdump, payloads intact', async () => {
    const { got, payloads, stats, t0 } = await captureUdpOnLoopback('tcpdump');
    expect(got.map((p) => p.frame)).toEqual([1, 2, 3, 4]);
    const text = got.map((p) => new TextDecoder().decode(p.data.subarray(p.data.length - payloads[0].length)));
    expect(text).toEqual(payloads);
    expect(got[0].linkType).toBe(1); // Linux loopback is Ethernet-framed
    expect(Math.abs(got[0].time - t0)).toBeLessThan(5);
    expect(stats).toMatchObject({ backend: 'tcpdump', packets: 4, dropped: 0 });
    expect(stats.received).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(!dumpcap)('captures with dumpcap (pcapng on stdout)', async () => {
    const { got, payloads, stats } = await captureUdpOnLoopback('dumpcap');
    expect(got.map((p) => new TextDecoder().decode(p.data.subarray(p.data.length - payloads[0].length)))).toEqual(payloads);
    expect(stats.packets).toBe(4);
    expect(stats.dropped).toBe(0);
  });

  it('rejects an unknown interface and a bad filter with the reason', async () => {
    const noIf = await openLiveCapture({ iface: 'ctiscope-nosuch0' }, { packet: () => {} }).catch((e) => e);
    expect(noIf.code).toBe('no-such-interface');
    const badFilter = await openLiveCapture({ iface: 'lo', filter: 'udp prt 5' }, { packet: () => {} }).catch((e) => e);
    expect(badFilter.code).toBe('bad-filter');
  });

  it.skipIf(!setpriv)('explains a permission failure (tcpdump run as nobody)', async () => {
    const wrapper = join(tmp, 'tcpdump-as-nobody');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${setpriv} --reuid=65534 --regid=65534 --clear-groups ${tcpdump} "$@"\n`);
    chmodSync(wrapper, 0o755);
    execFileSync(wrapper, ['--version']);
    const err = await openLiveCapture({ iface: 'lo', executable: wrapper, backend: 'tcpdump' }, { packet: () => {} }).catch((e) => e);
    expect(err.code).toBe('permission-denied');
    expect(err.message).toContain('CAP_NET_RAW');
  });
});
