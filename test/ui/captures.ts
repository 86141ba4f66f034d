/** Captures the UI tests build on the fly with the project's synthetic network and writers. */

import { writeFileSync } from 'node:fs';
import { LinkType } from '../../src/capture/types.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { cadDesktop, type AgentSpec, type CadVariant, type DesktopContext } from '../../src/lab/synth/desktop.js';
import { hashString, Rng } from '../../src/lab/synth/prng.js';
import { runActors, serverNames } from '../../src/lab/synth/scenarios.js';
import { buildSpanCapture } from '../../src/lab/synth/span.js';
import { SynthNet } from '../../src/lab/synth/tcp.js';

/** Payloads that run script if any of them is ever inserted as markup; each sets window.__pwned. */
export const HOSTILE = {
  agentId: '<script>window.__pwned="agent"</script>',
  extension: '<img src=x onerror="window.__pwned=\'ext\'">',
  pcName: '<svg onload="window.__pwned=\'pc\'">',
  name: '<img src=x onerror=window.__pwned="nrb">',
} as const;

/**
 * A CAD start-up whose agent ID, extension and PC name (sent in LDAP searches, GIOP requests and the GED-188
 * OPEN_REQ / SET_AGENT_STATE_REQ) and whose NRB host name are script payloads. The login is refused (88004),
 * so the failure sentence, which names the agent, carries a payload too.
 */
export function writeHostileCapture(path: string, variant: CadVariant = { login: 'refused' }): AgentSpec {
  const host = '10.10.20.66';
  const agent: AgentSpec = { host, pcName: HOSTILE.pcName, agentId: HOSTILE.agentId, extension: HOSTILE.extension, instrument: HOSTILE.extension, password: 'pw<b>1</b>', teamId: 1 };
  const seed = hashString('hostile');
  const net = new SynthNet({ seed, vantage: 'client' });
  const ctx: DesktopContext = { net, clock: net.clock, rng: new Rng(seed), agent, endTime: 40 };
  runActors(net, [{ clock: net.clock, script: cadDesktop(ctx, variant) }]);
  const w = new PcapngWriter({ tsResolution: 'us', comment: 'ctiscope UI test: hostile strings', application: 'ctiscope tests' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 262144, name: 'eth0' });
  w.writeNames([...serverNames(), { address: host, names: [HOSTILE.name] }]);
  for (const p of net.collect()) w.writePacket(iface, p.time, p.data);
  writeFileSync(path, w.toBytes());
  return agent;
}

/** A SPAN capture of `workstations` CAD desktops, written to `path`. */
export function writeSpanCapture(path: string, workstations: number, seed = 1000): { packets: number; bytes: number } {
  const chunks: Uint8Array[] = [];
  const r = buildSpanCapture({ workstations, failureRate: 0.05, seed, startWindow: 120, duration: 150, onChunk: (c) => chunks.push(c.slice()) });
  writeFileSync(path, Buffer.concat(chunks));
  return { packets: r.packets, bytes: r.bytes };
}
