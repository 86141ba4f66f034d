/**
 * TLS beside a desktop's start-up, read from a capture: a softphone's secure signalling (SIP over TLS on 5061, SCCP
 * over TLS on 2443) refused by the client is the agent's phone's failure, a warning on the workstation; the same
 * refusal of a web server's certificate by a browser on 443 is another program's and stays out of the timeline;
 * and a TLS 1.2 session's end, the encrypted close_notify of each side, is no failure on either.
 */

import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../src/capture/reader.js';
import { createPipeline, sourceInfo } from '../src/pipeline.js';
import { SCENARIOS } from '../src/lab/synth/scenarios.js';
import { SynthNet } from '../src/lab/synth/tcp.js';
import { Rng } from '../src/lab/synth/prng.js';
import { mergeCaptures } from '../src/lab/synth/windows-noise.js';
import { scenarioToPcapng } from '../src/lab/synth/write-samples.js';
import { tlsClientHello, tlsClientKeyExchange12, tlsEncryptedAlert, tlsPlainAlert, tlsServerFinished12, tlsServerHello12, x509Certificate } from '../src/lab/synth/tls.js';
import type { Workstation } from '../src/timeline/model.js';

const CUCM = '10.1.0.70';
const WEB = '198.51.100.28';
/** TLS alert codes (RFC 8446 §6): bad_certificate, unknown_ca. */
const BAD_CERTIFICATE = 42;
const UNKNOWN_CA = 48;

type Ending = { refusedWith: number } | 'closed';

/** cad-login-ok with TLS sessions from its PC: each to `server:port`, refused by the client or ended normally. */
function capture(sessions: { server: string; port: number; sni: string; ending: Ending }[]): Workstation {
  const s = SCENARIOS['cad-login-ok']();
  const pc = '10.10.20.31';
  const rng = new Rng(7);
  const net = new SynthNet({});
  sessions.forEach((x, i) => {
    const clock = net.newClock(s.packets[0].time - net.startTime + 2 + i);
    const conv = net.tcp({ client: pc, server: x.server, serverPort: x.port, clock, rtt: 0.001 });
    conv.connect();
    conv.send('c2s', tlsClientHello(rng, x.sni));
    conv.send('s2c', tlsServerHello12(rng, [x509Certificate(rng, x.sni, 'Some CA', '230101000000Z', '300101000000Z')]), { delay: 0.002 });
    if (x.ending === 'closed') {
      conv.send('c2s', tlsClientKeyExchange12(rng), { delay: 0.002 });
      conv.send('s2c', tlsServerFinished12(rng), { delay: 0.002 });
      conv.send('c2s', tlsEncryptedAlert(rng), { delay: 0.5 });
      conv.send('s2c', tlsEncryptedAlert(rng), { delay: 0.001 });
    } else conv.send('c2s', tlsPlainAlert(2, x.ending.refusedWith), { delay: 0.002 });
    conv.close('c2s', { delay: 0.001 });
    net.retireClock(clock);
  });
  const bytes = scenarioToPcapng({ ...s, packets: mergeCaptures(s.packets, net.collect()) });
  const pipeline = createPipeline({ analyze: true });
  const summary = readCaptureBytes(bytes, pipeline.sink, { file: 'phone-tls.pcapng' });
  const doc = pipeline.finish(sourceInfo(['phone-tls.pcapng'], [summary])).doc!;
  expect(doc.workstations.map((w) => w.host)).toEqual([pc]);
  return doc.workstations[0];
}

const tlsSteps = (w: Workstation) => w.steps.filter((s) => s.protocol === 'tls').map((s) => [s.server, s.phase, s.ok]);
const judged = (w: Workstation) => w.findings.filter((f) => f.severity !== 'info').map((f) => [f.kind, f.severity, f.server]);

describe('TLS beside the start-up', () => {
  it("a softphone refusing the call manager's certificate is the phone's failure: a warning, and the login still worked", () => {
    const w = capture([
      { server: CUCM, port: 5061, sni: 'cucm.corp.example.com', ending: { refusedWith: UNKNOWN_CA } },
      { server: CUCM, port: 2443, sni: 'cucm.corp.example.com', ending: { refusedWith: BAD_CERTIFICATE } },
    ]);
    expect(w.outcome).toBe('logged-in');
    expect(tlsSteps(w)).toEqual([
      [`${CUCM}:5061`, 'phone', false],
      [`${CUCM}:2443`, 'phone', false],
    ]);
    expect(judged(w)).toEqual([
      ['tls-failure', 'warning', `${CUCM}:5061`],
      ['tls-failure', 'warning', `${CUCM}:2443`],
    ]);
    expect(w.findings[0].message).toContain('the desktop sent a fatal alert unknown_ca (48)');
  });

  it("a browser refusing a web server's certificate is another program's: no step, no finding", () => {
    const w = capture([{ server: WEB, port: 443, sni: 'www.example.com', ending: { refusedWith: UNKNOWN_CA } }]);
    expect(w.outcome).toBe('logged-in');
    expect(tlsSteps(w)).toEqual([]);
    expect(w.findings).toEqual([]);
  });

  it('sessions that end with the encrypted close_notify of each side are no failure, the phone\'s nor a browser\'s', () => {
    const w = capture([
      { server: CUCM, port: 5061, sni: 'cucm.corp.example.com', ending: 'closed' },
      { server: WEB, port: 443, sni: 'www.example.com', ending: 'closed' },
    ]);
    expect(w.outcome).toBe('logged-in');
    // The phone's session is in the timeline, as any phone signalling connection is, and a good one.
    expect(tlsSteps(w)).toEqual([[`${CUCM}:5061`, 'phone', true]]);
    expect(w.steps.find((s) => s.protocol === 'tls')).toMatchObject({ service: 'sip-tls', summary: expect.stringContaining('connected to SIP over TLS') });
    expect(w.findings).toEqual([]);
  });
});
