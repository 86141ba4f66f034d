// A CAD desktop at a remote site: its start-up takes tens of seconds because each of the hundreds of exchanges of its
// configuration download waits a WAN round trip, with no step failing or slow on its own. The built CLI says so
// (slow-step, the exchanges counted and timed); at LAN latency, with few exchanges, or with exchanges spread out
// over minutes, it says nothing.
import { describe, expect, it } from 'vitest';
import { encodeLdapBindRequest, encodeLdapBindResponse, encodeLdapSearchRequest, encodeLdapSearchResDone, encodeLdapSearchResEntry } from '../src/decoders/ldap/encode.js';
import { SynthNet } from '../src/lab/synth/tcp.js';
import type { Finding } from '../src/timeline/model.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, CTI, openAndLogin, run, write } from './cti-session-captures.js';

const HOST = '10.20.30.40';
const BASE = 'o=Spanlink Communications';

/**
 * LDAP bind and `searches` searches, then the CTI session and login, all over a path of `rtt` s; `pause`: s between
 * searches, `serverTime`: s the directory takes to answer each, `at`: where the capture is taken.
 */
function remoteDesktop(name: string, searches: number, rtt: number, opts: { pause?: number; serverTime?: number; at?: 'client' | 'server' } = {}): string {
  const { pause = 0.0005, serverTime = 0.001, at = 'client' } = opts;
  const net = new SynthNet({ seed: 3 });
  const ldap = net.tcp({ client: HOST, server: CTI, serverPort: 38983, rtt, capturedAt: at });
  ldap.connect();
  ldap.send('c2s', encodeLdapBindRequest({ messageId: 1, name: `cn=Directory Manager,${BASE}`, password: 'x' }), { delay: 0.001 });
  ldap.send('s2c', encodeLdapBindResponse({ messageId: 1, resultCode: 'success' }), { delay: 0.001 });
  for (let i = 0; i < searches; i++) {
    const messageId = i + 2;
    const dn = `cn=item${i},ou=Config,${BASE}`;
    ldap.send('c2s', encodeLdapSearchRequest({ messageId, baseObject: dn, scope: 'baseObject', filter: '(objectClass=*)', attributes: ['cn'] }), { delay: pause });
    ldap.send('s2c', [encodeLdapSearchResEntry({ messageId, objectName: dn, attributes: { cn: [`item${i}`] } }), encodeLdapSearchResDone({ messageId, resultCode: 'success' })], { delay: serverTime, coalesce: true });
  }
  const cti = net.tcp({ client: HOST, server: CTI, serverPort: 12028, rtt, capturedAt: at });
  cti.connect({ delay: 0.2 });
  openAndLogin(cti, 'cad', [{ id: '1040', ext: '2040' }]);
  return write(name, net);
}

const latency = (findings: Finding[]) => findings.filter((f) => f.kind === 'slow-step' && /round trip/.test(f.message));

describe('a start-up slow by its round trips', () => {
  it('400 searches at 60 ms a round trip: logged in, with one warning counting the exchanges and naming the latency', () => {
    const file = remoteDesktop('wan-60ms', 400, 0.06);
    const { status, doc } = analyze(file);
    expect(status).toBe(0);
    const ws = doc.workstations[0];
    expect(ws.outcome).toBe('logged-in');
    const [f] = latency(ws.findings);
    expect(latency(ws.findings)).toHaveLength(1);
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(
      /^The start-up spent 2\d\.\d s of its 2\d\.\d s in 40\d request\/reply exchanges with its servers, one after another, 6\d ms each on average \(401 of them with 192\.168\.100\.1:38983, the CAD LDAP directory, in 2\d\.\d s\), about the path's round trip of 60 ms \(its TCP handshakes\): each exchange waits a round trip, so the time is the path's latency \(a desktop far from its servers, over a WAN\), not a slow or failing server\. At a LAN's 2 ms a round trip the same exchanges would take about 80\d ms\.$/,
    );
    expect(f.step).toBe(ws.steps.find((s) => s.phase === 'config')!.id);
    // The HTML report says it under the workstation's title.
    const html = join(mkdtempSync(join(tmpdir(), 'ctiscope-latency-')), 'report.html');
    run(file, '--html', html);
    expect(readFileSync(html, 'utf8')).toContain(`<p class="muted">slow start-up: network round trips: ${f.message.replace(/'/g, '&#39;')}</p>`);
    expect(doc.summary.message).toMatch(/^10\.20\.30\.40 \(agent 1040\) logged in 2\d\.\d s after the start-up began; the start-up was slowed by its network round trips, none slow on its own \(slow-step\)$/);
    // No exchange of its own was slow: no other slow-step.
    expect(ws.findings.filter((x) => x.kind === 'slow-step')).toHaveLength(1);
  });

  it('the same desktop captured beside the server: the same finding (the round trip is between reply and next request there)', () => {
    const ws = analyze(remoteDesktop('wan-60ms-server-side', 400, 0.06, { at: 'server' })).doc.workstations[0];
    expect(latency(ws.findings).map((f) => f.message)).toEqual([expect.stringMatching(/about the path's round trip of 60 ms \(its TCP handshakes\)/)]);
  });

  it('no finding at 2 ms a round trip, for 30 searches at 60 ms, for searches spread over minutes, or for a slow directory on a LAN', () => {
    for (const [name, n, rtt, opts] of [
      ['lan-2ms', 400, 0.002, {}],
      ['wan-few', 30, 0.06, {}],
      ['wan-spread', 60, 0.06, { pause: 3 }],
      // 60 ms a search at a 2 ms round trip: the directory is slow, not the path.
      ['lan-slow-directory', 400, 0.002, { serverTime: 0.06 }],
    ] as const) {
      const ws = analyze(remoteDesktop(name, n, rtt, opts)).doc.workstations[0];
      expect(latency(ws.findings), name).toEqual([]);
    }
  });
});
