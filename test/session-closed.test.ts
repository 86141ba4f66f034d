// A CTI server that ends a session with its FIN, unasked, has lost the client its session as surely as a reset:
// the built CLI names it (session-closed), with the server's FIN frame. Every ordinary close stays quiet: the
// client's own close, CLOSE_REQ/CLOSE_CONF first, a server's close after it refused the open or said its side was
// going offline (their own findings name those), a directory closing after an unbind.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType } from '../src/capture/types.js';
import { PcapngWriter } from '../src/capture/writer.js';
import { closeConf, closeReq, failureConf, failureEvent, heartbeatConf, heartbeatReq, openConf, openReq, queryAgentStateConf, queryAgentStateReq } from '../src/decoders/ged188/encode.js';
import { SynthNet, type TcpConversation } from '../src/lab/synth/tcp.js';
import type { AnalysisDocument } from '../src/timeline/model.js';
import type { DecodedMessage, FlowRecord } from '../src/decoders/types.js';
import { analyzeFiles } from '../src/pipeline-node.js';
import { buildSequence } from '../src/timeline/sequence/model.js';
import { findSubject } from '../src/timeline/sequence/subject.js';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'ctiscope.js');
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-session-closed-'));
const HOST = '10.10.20.77';
const CTI = '192.168.100.1';

/**
 * A desktop's CTI session (OPEN, one agent-state query), then what `end` does; the frame of the first FIN. `from`:
 * the capture starts that many seconds in (the session's start and OPEN not in it).
 */
function capture(name: string, end: (c: TcpConversation, net: SynthNet) => void, opened = true, from = 0): { file: string; firstFin: number } {
  const net = new SynthNet({ seed: 5 });
  const c = net.tcp({ client: HOST, server: CTI, serverPort: 12028 });
  c.connect();
  c.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 120, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'cad', agentExtension: '2077', agentId: '1077' }));
  if (opened) {
    c.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], agentState: 'LOGOUT', peripheralOnline: true }), { delay: 0.004 });
    c.send('c2s', queryAgentStateReq({ invokeId: 2, agentId: '1077' }), { delay: 0.2 });
    c.send('s2c', queryAgentStateConf({ invokeId: 2, agentState: 'LOGOUT', agentId: '1077', agentExtension: '2077' }), { delay: 0.003 });
  }
  end(c, net);
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 65535 });
  let firstFin = 0;
  const packets = net.collect();
  const start = packets[0].time + from;
  packets.filter((p) => p.time >= start).forEach((p, i) => {
    w.writePacket(iface, p.time, p.data);
    // Ethernet, IPv4 without options, TCP: the flags byte.
    if (firstFin === 0 && p.data[23] === 6 && (p.data[14 + 20 + 13] & 1) !== 0) firstFin = i + 1;
  });
  const file = join(dir, `${name}.pcapng`);
  writeFileSync(file, w.toBytes());
  return { file, firstFin };
}

function analyze(file: string): { status: number | null; doc: AnalysisDocument } {
  const r = spawnSync(process.execPath, [bin, 'analyze', file, '--json'], { encoding: 'utf8' });
  return { status: r.status, doc: JSON.parse(r.stdout) as AnalysisDocument };
}

const kinds = (doc: AnalysisDocument) => doc.workstations.flatMap((w) => w.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.kind}`));

describe('a CTI session the server closed', () => {
  it('unasked, 5 s after its open: the desktop failed at cti-session, the finding names the server\'s FIN', () => {
    const { file, firstFin } = capture('server-fin', (c) => c.close('s2c', { delay: 5 }));
    const { status, doc } = analyze(file);
    expect(status).toBe(1);
    const ws = doc.workstations[0];
    expect([ws.outcome, ws.failedPhase, ws.failure?.kind]).toEqual(['failed', 'cti-session', 'session-closed']);
    expect(kinds(doc)).toEqual(['error session-closed']);
    const f = ws.findings.find((x) => x.kind === 'session-closed')!;
    expect(f.message).toMatch(/^192\.168\.100\.1:12028, the UCCX CTI server, closed the CTI session after 5\.2 s \(FIN, frame (\d+)\), with no CLOSE_REQ/);
    expect(f.message).toContain(`(FIN, frame ${firstFin})`);
    expect(f.frames).toEqual([firstFin]);
    const step = ws.steps.find((s) => s.id === f.step)!;
    expect([step.ok, step.phase, step.detail?.connState, step.summary]).toEqual([false, 'cti-session', 'SF', '192.168.100.1:12028 closed the session after 5.2 s (FIN, no CLOSE_REQ)']);
    // The sequence diagram draws the close in red, with its finding under it.
    const seq = spawnSync(process.execPath, [bin, 'sequence', file, '--format', 'text'], { encoding: 'utf8' }).stdout;
    expect(seq).toMatch(/ ✗ UCCX CTI server → desktop 10\.10\.20\.77: FIN: closed by the server\n +✗ session-closed: /);
  });

  it('the web UI, which has no flow records, draws the close as the CLI does: from the server, in red, no connect row at its moment', async () => {
    const { file, firstFin } = capture('server-fin-ui', (c) => c.close('s2c', { delay: 5 }));
    const messages: DecodedMessage[] = [];
    const flows: FlowRecord[] = [];
    const r = await analyzeFiles([file], { analyze: true, onMessage: (m) => void messages.push(m), onFlowEnd: (f) => void flows.push(f) });
    const subject = findSubject(r.doc!, {});
    if (typeof subject === 'string') throw new Error(subject);
    const rows = (d: ReturnType<typeof buildSequence>) => d.rows.filter((x) => x.kind !== 'message' && x.kind !== 'idle').map((x) => `${x.kind} ${x.label} ${x.frames[0]} ${x.failed ? 'red' : ''}`.trim());
    const closing = `fin FIN: closed by the server ${firstFin} red`;
    expect(rows(buildSequence(subject, messages, flows))).toEqual(['connect TCP connect 1', closing]);
    expect(rows(buildSequence(subject, messages))).toEqual([closing]);
  });

  it('after a long silence, on a session whose IdleTimeout the capture cannot show: the finding says the timeout may be why', () => {
    const silent = (c: TcpConversation) => {
      c.send('c2s', heartbeatReq({ invokeId: 5 }), { delay: 10 });
      c.send('s2c', heartbeatConf({ invokeId: 5 }), { delay: 0.003 });
      c.close('s2c', { delay: 90 });
    };
    const midStream = analyze(capture('silent-mid-stream', silent, true, 5).file).doc;
    expect(kinds(midStream)).toEqual(['error session-closed']);
    expect(midStream.workstations[0].findings.find((f) => f.kind === 'session-closed')!.message).toMatch(
      /closed the CTI session after at least 1 min 30 s \(it began before the capture\) \(FIN, frame \d+\), .* It came after 1 min 30 s without a message: if heartbeats were off, the session's IdleTimeout \(named in its OPEN_REQ, which the capture does not hold\) may have run out\.$/,
    );
    // A reset after such a silence says the same.
    const reset = analyze(capture('silent-reset', (c) => {
      c.send('c2s', heartbeatReq({ invokeId: 5 }), { delay: 10 });
      c.send('s2c', heartbeatConf({ invokeId: 5 }), { delay: 0.003 });
      c.reset('s2c', { delay: 90 });
    }, true, 5).file).doc;
    expect(kinds(reset)).toEqual(['error connection-reset']);
    expect(reset.workstations[0].findings.find((f) => f.kind === 'connection-reset')!.message).toMatch(/reset the established connection after at least 1 min 30 s .* It came after 1 min 30 s without a message: if heartbeats were off, the session's IdleTimeout/);
    // With its OPEN_REQ in the capture, the IdleTimeout is known (and not reached): no guess about it.
    const whole = analyze(capture('silent-whole', silent).file).doc;
    expect(kinds(whole)).toEqual(['error session-closed']);
    expect(whole.workstations[0].findings.find((f) => f.kind === 'session-closed')!.message).not.toMatch(/IdleTimeout/);
  });

  it('the same on a server that only ACKs the close (half-closed, S3): still the server\'s doing', () => {
    const { file } = capture('server-fin-half', (c) => c.close('s2c', { delay: 5, peer: 'ack' }));
    expect(kinds(analyze(file).doc)).toEqual(['error session-closed']);
  });

  it('with the capture ending as the desktop connects again: a warning, saying the outcome is not in the capture', () => {
    const { file } = capture('server-fin-reconnect', (c, net) => {
      c.close('s2c', { delay: 5 });
      net.tcp({ client: HOST, server: CTI, serverPort: 12028 }).synUnanswered([2]);
    });
    const { doc } = analyze(file);
    expect(kinds(doc)).toEqual(['warning session-closed']);
    expect(doc.workstations[0].findings.find((f) => f.kind === 'session-closed')!.message).toMatch(/The capture ends while the host connects to 192\.168\.100\.1:12028 .*\(SYN, frame \d+\)/);
  });

  it.each([
    ['the desktop closes first', (c: TcpConversation) => c.close('c2s', { delay: 5 })],
    ['CLOSE_REQ → CLOSE_CONF, then the server\'s FIN', (c: TcpConversation) => {
      c.send('c2s', closeReq({ invokeId: 3, status: 0 }), { delay: 5 });
      c.send('s2c', closeConf({ invokeId: 3 }), { delay: 0.003 });
      c.close('s2c', { delay: 0.001 });
    }],
  ])('%s: no finding', (name, end) => {
    const { status, doc } = analyze(capture(`ordinary-${name.length}`, end).file);
    expect(kinds(doc)).toEqual([]);
    // Incomplete (the capture begins at the CTI session), never failed.
    expect([status, doc.workstations[0].outcome]).toEqual([4, 'incomplete']);
  });

  it('after a FAILURE_EVENT, the server\'s word names the loss: no session-closed beside it', () => {
    const { doc } = analyze(capture('failure-event', (c) => {
      c.send('s2c', failureEvent({ status: 'E_CTI_CTI_SERVER_OFFLINE' }), { delay: 5 });
      c.close('s2c', { delay: 0.01 });
    }).file);
    expect(kinds(doc)).not.toContain('error session-closed');
  });

  it('after refusing the open, the refusal is the cause: cti-open-failed alone', () => {
    const { doc } = analyze(capture('open-refused', (c) => {
      c.send('s2c', failureConf({ invokeId: 1, status: 'E_CTI_SERVER_NOT_MASTER' }), { delay: 0.004 });
      c.close('s2c', { delay: 0.01 });
    }, false).file);
    expect(kinds(doc)).toEqual(['error cti-open-failed']);
  });
});
