// A whole CTI login in one capture, through the whole pipeline (pcapng reader → flows → TCP reassembly →
// dispatcher → GED-188 stream decoder): every message of the login flow, every field checked.
// The capture is written here with the project's TCP synthesiser and GED-188 builders, with a small MSS so
// long messages span several segments and with replies joined into one segment, as real stacks do.
import { describe, expect, it } from 'vitest';
import { SynthNet } from '../../../src/lab/synth/tcp.js';
import {
  agentStateEvent,
  closeConf,
  closeReq,
  controlFailureConf,
  failureConf,
  heartbeatConf,
  heartbeatReq,
  openConf,
  openReq,
  queryAgentStateConf,
  queryAgentStateReq,
  setAgentStateConf,
  setAgentStateReq,
} from '../../../src/decoders/ged188/encode.js';
import { PcapngWriter } from '../../../src/capture/writer.js';
import { LinkType } from '../../../src/capture/types.js';
import { readCaptureBytes } from '../../../src/capture/reader.js';
import { createPipeline, sourceInfo } from '../../../src/pipeline.js';
import type { DecodedMessage } from '../../../src/decoders/types.js';

const PC = '10.10.20.31';
const STANDBY = '192.168.100.2';
const MASTER = '192.168.100.1';
/** Round-trip time of the synthetic network: a reply's response time is the server's delay plus this. */
const RTT = 0.002;
const agent = { agentId: '1031', agentIdTag: 194, agentExtension: '2031', agentInstrument: '2031' } as const;

function loginCapture(): Uint8Array {
  const net = new SynthNet({ seed: 11 });
  // First the standby node: it refuses the session.
  const s = net.tcp({ client: PC, server: STANDBY, serverPort: 12028, mss: 64, rtt: RTT });
  s.connect();
  s.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 90, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'CAD', clientPassword: 'cti-secret', ...agent }));
  s.send('s2c', failureConf({ invokeId: 1, status: 'E_CTI_SERVER_NOT_MASTER' }), { delay: 0.003 });
  s.close('c2s', { delay: 0.01 });

  // Then the master node: session, a refused login, a successful one, heartbeats, close.
  const c = net.tcp({ client: PC, server: MASTER, serverPort: 12028, mss: 64, rtt: RTT });
  c.connect({ delay: 0.05 });
  c.send('c2s', openReq({ invokeId: 1, versionNumber: 14, idleTimeout: 90, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'CAD', clientPassword: 'cti-secret', ...agent }));
  c.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], peripheralOnline: true, agentState: 'LOGOUT', ...agent }), { delay: 0.004 });
  c.send('c2s', queryAgentStateReq({ invokeId: 2, peripheralId: 1, mrdId: 1, ...agent }), { delay: 0.02 });
  c.send('s2c', queryAgentStateConf({ invokeId: 2, agentState: 'LOGOUT', ...agent }), { delay: 0.003 });
  c.send('c2s', setAgentStateReq({ invokeId: 3, peripheralId: 1, agentState: 'LOGIN', agentPassword: 'agent-pw', ...agent }), { delay: 0.02 });
  c.send('s2c', controlFailureConf({ invokeId: 3, failureCode: 0, peripheralErrorCode: 88004 }), { delay: 0.005 });
  c.send('c2s', setAgentStateReq({ invokeId: 4, peripheralId: 1, agentState: 'LOGIN', agentPassword: 'agent-pw', ...agent }), { delay: 2 });
  // The confirmation and the state event travel in one segment.
  c.send('s2c', [setAgentStateConf({ invokeId: 4 }), agentStateEvent({ agentState: 'NOT_READY', peripheralId: 1, peripheralType: 21, stateDuration: 0, ...agent })], { delay: 0.006, coalesce: true });
  c.send('c2s', heartbeatReq({ invokeId: 5 }), { delay: 30 });
  c.send('s2c', heartbeatConf({ invokeId: 5 }), { delay: 0.002 });
  c.send('c2s', heartbeatReq({ invokeId: 6 }), { delay: 30 });
  c.send('s2c', heartbeatConf({ invokeId: 6 }), { delay: 0.002 });
  c.send('c2s', closeReq({ invokeId: 7, status: 0 }), { delay: 5 });
  c.send('s2c', closeConf({ invokeId: 7 }), { delay: 0.002 });
  c.close('c2s', { delay: 0.01 });

  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 65535 });
  for (const p of net.collect()) w.writePacket(iface, p.time, p.data);
  return w.toBytes();
}

function decode(bytes: Uint8Array, showSecrets = false): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const pipeline = createPipeline({ decode: { showSecrets }, onMessage: (m) => out.push(m) });
  const summary = readCaptureBytes(bytes, pipeline.sink, { file: 'login.pcapng' });
  pipeline.finish(sourceInfo(['login.pcapng'], [summary]));
  return out.sort((a, b) => a.frame - b.frame || a.offset - b.offset);
}

describe('GED-188: a full login captured and decoded through the pipeline', () => {
  const bytes = loginCapture();
  const msgs = decode(bytes);
  const byType = (t: string) => msgs.filter((m) => m.type === t);

  it('finds every message, in order, each on its own connection and direction', () => {
    expect(msgs.map((m) => `${m.server.split(':')[0] === STANDBY ? 'B' : 'A'} ${m.direction} ${m.type}`)).toEqual([
      'B c2s OPEN_REQ',
      'B s2c FAILURE_CONF',
      'A c2s OPEN_REQ',
      'A s2c OPEN_CONF',
      'A c2s QUERY_AGENT_STATE_REQ',
      'A s2c QUERY_AGENT_STATE_CONF',
      'A c2s SET_AGENT_STATE_REQ',
      'A s2c CONTROL_FAILURE_CONF',
      'A c2s SET_AGENT_STATE_REQ',
      'A s2c SET_AGENT_STATE_CONF',
      'A s2c AGENT_STATE_EVENT',
      'A c2s HEARTBEAT_REQ',
      'A s2c HEARTBEAT_CONF',
      'A c2s HEARTBEAT_REQ',
      'A s2c HEARTBEAT_CONF',
      'A c2s CLOSE_REQ',
      'A s2c CLOSE_CONF',
    ]);
    expect(msgs.every((m) => m.protocol === 'ged188' && m.client.startsWith(`${PC}:`) && (m.anomalies ?? []).length === 0)).toBe(true);
  });

  it('reassembles messages longer than a segment, and splits replies that share one', () => {
    const open = byType('OPEN_REQ')[1];
    expect(open.frames.length).toBeGreaterThan(1); // 64-byte MSS: the OPEN_REQ takes several segments
    expect(open.frame).toBe(open.frames[open.frames.length - 1]);
    const conf = byType('SET_AGENT_STATE_CONF')[0];
    const event = byType('AGENT_STATE_EVENT')[0];
    // Both replies were sent in one 99-byte write: the event starts in the confirmation's segment and, past the
    // 64-byte MSS, ends in the next one.
    expect(event.frames).toEqual([conf.frame, conf.frame + 1]);
    expect(event.offset).toBe(conf.offset + conf.length);
  });

  it('OPEN_REQ: fixed part, floating fields, the client password redacted', () => {
    const f = byType('OPEN_REQ')[1].fields;
    expect(f).toMatchObject({
      messageType: 3,
      invokeId: 1,
      versionNumber: 14,
      idleTimeout: 90,
      servicesRequested: 0x5,
      servicesRequestedNames: ['CLIENT_EVENTS', 'CLIENT_CONTROL'],
      clientId: 'CAD',
      clientPassword: '<redacted>',
      agentId: '1031',
      agentExtension: '2031',
      agentInstrument: '2031',
      tagWidth: 1,
    });
    expect((f.floating as { tag: number; name: string }[]).map((x) => `${x.tag}:${x.name}`)).toEqual([
      '1:CLIENT_ID', '2:CLIENT_PASSWORD', '4:AGENT_EXTENSION', '194:AGENT_ID_LONG', '6:AGENT_INSTRUMENT',
    ]);
    expect(JSON.stringify(msgs)).not.toContain('cti-secret');
  });

  it('FAILURE_CONF from the standby node: status by number and name, paired with its OPEN_REQ', () => {
    const [req] = byType('OPEN_REQ');
    const [fail] = byType('FAILURE_CONF');
    expect(fail.fields).toMatchObject({ messageType: 1, invokeId: 1, status: 92, statusName: 'E_CTI_SERVER_NOT_MASTER' });
    expect(fail.pairedFrame).toBe(req.frame);
    expect(req.pairedFrame).toBe(fail.frame);
    expect(fail.responseTime).toBeCloseTo(0.003 + RTT, 4);
  });

  it('OPEN_CONF and the agent-state query', () => {
    expect(byType('OPEN_CONF')[0].fields).toMatchObject({
      messageType: 4, invokeId: 1, servicesGranted: 0x5, servicesGrantedNames: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], peripheralOnline: true, agentState: 1, agentStateName: 'LOGOUT', agentId: '1031', agentExtension: '2031',
    });
    expect(byType('QUERY_AGENT_STATE_REQ')[0].fields).toMatchObject({ messageType: 36, invokeId: 2, agentId: '1031' });
    const conf = byType('QUERY_AGENT_STATE_CONF')[0];
    expect(conf.fields).toMatchObject({ messageType: 37, invokeId: 2, agentState: 1, agentStateName: 'LOGOUT' });
    expect(conf.responseTime).toBeCloseTo(0.003 + RTT, 4);
  });

  it('SET_AGENT_STATE_REQ (LOGIN), refused with CONTROL_FAILURE_CONF 88004, then confirmed', () => {
    const [first, second] = byType('SET_AGENT_STATE_REQ');
    expect(first.fields).toMatchObject({ messageType: 38, invokeId: 3, agentState: 0, agentStateName: 'LOGIN', agentPassword: '<redacted>', agentId: '1031', agentInstrument: '2031' });
    const refusal = byType('CONTROL_FAILURE_CONF')[0];
    expect(refusal.fields).toMatchObject({ messageType: 35, invokeId: 3, failureCode: 0, peripheralErrorCode: 88004, peripheralErrorCodeName: 'AGENT_DEVICE_OFF' });
    expect(refusal.pairedFrame).toBe(first.frame);
    expect(refusal.summary).toContain('88004');
    const ok = byType('SET_AGENT_STATE_CONF')[0];
    expect(ok.fields).toMatchObject({ messageType: 39, invokeId: 4 });
    expect(ok.pairedFrame).toBe(second.frame);
    expect(ok.responseTime).toBeCloseTo(0.006 + RTT, 4);
  });

  it('AGENT_STATE_EVENT: the new state and the agent', () => {
    expect(byType('AGENT_STATE_EVENT')[0].fields).toMatchObject({ messageType: 30, agentState: 2, agentStateName: 'NOT_READY', peripheralId: 1, agentId: '1031', agentExtension: '2031' });
  });

  it('heartbeats and close pair by InvokeID with their response times', () => {
    const reqs = byType('HEARTBEAT_REQ');
    const confs = byType('HEARTBEAT_CONF');
    expect(reqs.map((m) => m.fields.invokeId)).toEqual([5, 6]);
    expect(confs.map((m) => m.pairedFrame)).toEqual(reqs.map((m) => m.frame));
    for (const c of confs) expect(c.responseTime).toBeCloseTo(0.002 + RTT, 4);
    expect(byType('CLOSE_REQ')[0].fields).toMatchObject({ messageType: 7, invokeId: 7, status: 0, statusName: 'E_CTI_NO_ERROR' });
    expect(byType('CLOSE_CONF')[0].fields).toMatchObject({ messageType: 8, invokeId: 7 });
  });

  it('shows the passwords only when asked', () => {
    const shown = decode(bytes, true);
    expect(shown.find((m) => m.type === 'OPEN_REQ')!.fields.clientPassword).toBe('cti-secret');
    expect(shown.find((m) => m.type === 'SET_AGENT_STATE_REQ')!.fields.agentPassword).toBe('agent-pw');
  });
});
