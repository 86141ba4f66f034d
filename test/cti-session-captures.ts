// Captures of CTI sessions for the tests of what becomes of them (test/session-lost.test.ts,
// test/session-flapping.test.ts): written with the lab's TCP model and GED-188 encoder, analysed by the built CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType } from '../src/capture/types.js';
import { PcapngWriter } from '../src/capture/writer.js';
import { agentStateEvent, heartbeatConf, heartbeatReq, openConf, openReq, queryAgentStateConf, queryAgentStateReq, setAgentStateConf, setAgentStateReq } from '../src/decoders/ged188/encode.js';
import type { SynthNet, TcpConversation } from '../src/lab/synth/tcp.js';
import type { AnalysisDocument } from '../src/timeline/model.js';

const bin = join(__dirname, '..', 'bin', 'ctiscope.js');
const dir = mkdtempSync(join(tmpdir(), 'ctiscope-cti-sessions-'));
export const CTI = '192.168.100.1';

/** The network's packets as a pcapng file named `name` in a temp dir; those `lost` says the capture missed left out. */
export function write(name: string, net: SynthNet, lost: (data: Uint8Array) => boolean = () => false): string {
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 65535 });
  for (const p of net.collect()) if (!lost(p.data)) w.writePacket(iface, p.time, p.data);
  const file = join(dir, `${name}.pcapng`);
  writeFileSync(file, w.toBytes());
  return file;
}

/** OPEN, then each agent queried (LOGOUT) and logged in (SET_AGENT_STATE_CONF, AGENT_STATE_EVENT NOT_READY), then a heartbeat 20 s later. */
export function openAndLogin(c: TcpConversation, clientId: string, agents: { id: string; ext: string }[], invoke = 1): number {
  c.send('c2s', openReq({ invokeId: invoke++, versionNumber: 14, idleTimeout: 120, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId, ...(agents.length === 1 ? { agentExtension: agents[0].ext, agentId: agents[0].id } : {}) }));
  c.send('s2c', openConf({ invokeId: invoke - 1, servicesGranted: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], agentState: 'LOGOUT', peripheralOnline: true }), { delay: 0.004 });
  for (const a of agents) {
    c.send('c2s', queryAgentStateReq({ invokeId: invoke, agentId: a.id, agentExtension: a.ext }), { delay: 0.05 });
    c.send('s2c', queryAgentStateConf({ invokeId: invoke++, agentState: 'LOGOUT', agentId: a.id, agentExtension: a.ext }), { delay: 0.003 });
    c.send('c2s', setAgentStateReq({ invokeId: invoke, agentState: 'LOGIN', agentId: a.id, agentExtension: a.ext, agentInstrument: a.ext, agentPassword: 'x' }), { delay: 0.02 });
    c.send('s2c', setAgentStateConf({ invokeId: invoke++ }), { delay: 0.005 });
    c.send('s2c', agentStateEvent({ agentState: 'NOT_READY', agentId: a.id, agentExtension: a.ext, agentInstrument: a.ext }), { delay: 0.002 });
  }
  c.send('c2s', heartbeatReq({ invokeId: invoke }), { delay: 20 });
  c.send('s2c', heartbeatConf({ invokeId: invoke++ }), { delay: 0.003 });
  return invoke;
}

/** True when `data` (a frame) carries `pdu` whole: the packet a message went in. */
export function carries(data: Uint8Array, pdu: Uint8Array): boolean {
  outer: for (let i = 0; i + pdu.length <= data.length; i++) {
    for (let j = 0; j < pdu.length; j++) if (data[i + j] !== pdu[j]) continue outer;
    return true;
  }
  return false;
}

/** `ctiscope analyze FILE ARGS…`: its exit status and what it printed. */
export function run(file: string, ...args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [bin, 'analyze', file, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

/** `ctiscope analyze FILE --json`: its exit status and the document. */
export function analyze(file: string): { status: number | null; doc: AnalysisDocument } {
  const r = run(file, '--json');
  return { status: r.status, doc: JSON.parse(r.stdout) as AnalysisDocument };
}

/**
 * Agent `agent` logged in on `first`'s own CTI session, then at 40 s on `second`'s, the server logging it out on the
 * first (AGENT_STATE_EVENT LOGOUT, AGT_RELOGON): a second desktop's login takes the agent over.
 */
export function takeOver(net: SynthNet, first: string, second: string, agent: { id: string; ext: string }): { a: TcpConversation; b: TcpConversation; invoke: number } {
  const a = net.tcp({ client: first, server: CTI, serverPort: 12028 });
  a.connect();
  openAndLogin(a, 'cad', [agent]);
  net.clock.at(40);
  const b = net.tcp({ client: second, server: CTI, serverPort: 12028 });
  b.connect();
  const invoke = openAndLogin(b, 'cad', [agent]);
  a.send('s2c', agentStateEvent({ agentState: 'LOGOUT', agentId: agent.id, agentExtension: agent.ext, agentInstrument: agent.ext, eventReasonCode: 32767 }), { delay: 0.003 });
  return { a, b, invoke };
}
