/**
 * The lab's simulated servers on their own, spoken to by a plain TCP client on loopback (no capture, no root):
 * what a real CTI client or ORB would see from them.
 */

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PduStream, type PduFraming } from '../../src/decoders/framing.js';
import { decodeGed188Message } from '../../src/decoders/ged188/decode.js';
import { openReq } from '../../src/decoders/ged188/encode.js';
import { ged188PduLength } from '../../src/decoders/ged188/stream.js';
import { CdrWriter } from '../../src/decoders/giop/cdr.js';
import { decodeGiopMessage } from '../../src/decoders/giop/decode.js';
import { encodeGiopRequest } from '../../src/decoders/giop/encode.js';
import { GIOP_FRAMING } from '../../src/decoders/giop/stream.js';
import { startCtiServer } from '../../src/lab/cti-server.js';
import { startLicensingServer } from '../../src/lab/giop-servers.js';
import { LabError, parseEndpoint, type LabServer } from '../../src/lab/loopback.js';
import { labAddresses, labAgent, labCaptureFilter } from '../../src/lab/scenarios.js';
import { cadSchema, directoryEntries, toLdif } from '../../src/lab/ldap-server.js';
import { startUnansweredHost } from '../../src/lab/unanswered-host.js';
import { cti } from '../../src/lab/synth/ged.js';

const running: LabServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A client reading whole messages. */
async function client(host: string, port: number, framing: PduFraming): Promise<{ socket: Socket; next(): Promise<Uint8Array>; ended: Promise<void> }> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const queue: Uint8Array[] = [];
  let waiting: ((m: Uint8Array) => void) | undefined;
  const stream = new PduStream(framing, (pdu) => {
    const copy = pdu.slice();
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(copy);
    } else queue.push(copy);
  }, () => undefined);
  socket.on('data', (b: Buffer) => stream.data(new Uint8Array(b.buffer, b.byteOffset, b.length), 0, 0));
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  return {
    socket,
    ended,
    next: () => {
      const q = queue.shift();
      if (q) return Promise.resolve(q);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no reply within 2 s')), 2000);
        waiting = (m) => {
          clearTimeout(t);
          resolve(m);
        };
      });
    },
  };
}

const GED: PduFraming = { pduLength: ged188PduLength };
const lab = labAddresses(50);
const agent = labAgent(lab, 1);

describe('simulated CTI server (GED-188)', () => {
  it('opens a session, answers queries, logs the agent in with a state event, heartbeats and closes', async () => {
    running.push(await startCtiServer({ host: lab.nodeA, port: 12028 }));
    const c = await client(lab.nodeA, 12028, GED);
    c.socket.write(cti.openReq(1, agent));
    const open = decodeGed188Message(await c.next(), { version: 14 });
    expect(open.name).toBe('OPEN_CONF');
    expect(open.invokeId).toBe(1);
    expect(open.fields.agentId).toBe(agent.agentId);
    expect(open.fields.agentExtension).toBe(agent.extension);
    expect(open.anomalies).toEqual([]);
    c.socket.write(cti.queryAgentStateReq(2, agent));
    const q = decodeGed188Message(await c.next(), { version: 14 });
    expect([q.name, q.invokeId, q.fields.agentStateName]).toEqual(['QUERY_AGENT_STATE_CONF', 2, 'LOGOUT']);
    c.socket.write(cti.setAgentStateLoginReq(3, agent));
    const conf = decodeGed188Message(await c.next(), { version: 14 });
    const event = decodeGed188Message(await c.next(), { version: 14 });
    expect([conf.name, conf.invokeId]).toEqual(['SET_AGENT_STATE_CONF', 3]);
    expect([event.name, event.fields.agentStateName, event.fields.agentId]).toEqual(['AGENT_STATE_EVENT', 'NOT_READY', agent.agentId]);
    c.socket.write(cti.heartbeatReq(4));
    expect(decodeGed188Message(await c.next(), { version: 14 })).toMatchObject({ name: 'HEARTBEAT_CONF', invokeId: 4 });
    c.socket.write(cti.closeReq(5));
    expect(decodeGed188Message(await c.next(), { version: 14 })).toMatchObject({ name: 'CLOSE_CONF', invokeId: 5 });
    await c.ended; // the server closes its side after CLOSE_CONF
    c.socket.destroy();
  });

  it('as the standby node, answers OPEN_REQ with FAILURE_CONF E_CTI_SERVER_NOT_MASTER', async () => {
    running.push(await startCtiServer({ host: lab.nodeB, port: 12028, role: 'standby' }));
    const c = await client(lab.nodeB, 12028, GED);
    c.socket.write(cti.openReq(7, agent));
    const m = decodeGed188Message(await c.next(), { version: 14 });
    expect([m.name, m.invokeId, m.fields.status, m.fields.statusName]).toEqual(['FAILURE_CONF', 7, 92, 'E_CTI_SERVER_NOT_MASTER']);
    c.socket.destroy();
  });

  it('refuses the login of one agent with 88004 and lets another log in', async () => {
    const other = labAgent(lab, 2);
    running.push(await startCtiServer({ host: lab.nodeA, port: 12029, refuseLoginFor: [agent.agentId] }));
    for (const [who, expected] of [[agent, 'CONTROL_FAILURE_CONF'], [other, 'SET_AGENT_STATE_CONF']] as const) {
      const c = await client(lab.nodeA, 12029, GED);
      c.socket.write(cti.openReq(1, who));
      await c.next();
      c.socket.write(cti.setAgentStateLoginReq(2, who));
      const m = decodeGed188Message(await c.next(), { version: 14 });
      expect(m.name).toBe(expected);
      if (expected === 'CONTROL_FAILURE_CONF') expect(m.fields.peripheralErrorCode).toBe(88004);
      c.socket.destroy();
    }
  });

  it('answers a protocol-20 client with 2-byte floating tags', async () => {
    running.push(await startCtiServer({ host: lab.nodeA, port: 12030 }));
    const c = await client(lab.nodeA, 12030, GED);
    c.socket.write(openReq({ invokeId: 1, versionNumber: 20, servicesRequested: ['CLIENT_EVENTS'], clientId: 'test', agentId: '5001', agentExtension: '6001' }));
    const raw = await c.next();
    const m = decodeGed188Message(raw, { tagWidth: 2 });
    expect(m.name).toBe('OPEN_CONF');
    expect(m.anomalies).toEqual([]);
    expect([m.fields.agentId, m.fields.agentExtension]).toEqual(['5001', '6001']);
    c.socket.destroy();
  });
});

function acquireLicense(requestId: number, agentId: string): Uint8Array {
  const w = new CdrWriter(true);
  w.string(agentId);
  w.string('AGENTPC-031');
  w.ulong(1);
  return encodeGiopRequest({ version: '1.2', littleEndian: true, requestId, responseExpected: true, objectKey: 'LRM/LicenseManager', operation: 'acquireLicense', body: w.finish() });
}

describe('simulated licensing service (GIOP)', () => {
  it('grants licences, and refuses the agents whose seat is gone with NoLicenseAvailable', async () => {
    running.push(await startLicensingServer({ host: lab.nodeA, port: 3000, refuseAgents: ['1032'] }));
    const c = await client(lab.nodeA, 3000, GIOP_FRAMING);
    c.socket.write(acquireLicense(1, '1031'));
    const ok = decodeGiopMessage(await c.next());
    expect([ok.type, ok.requestId, ok.fields.replyStatusName, ok.littleEndian]).toEqual(['Reply', 1, 'NO_EXCEPTION', false]);
    c.socket.write(acquireLicense(2, '1032'));
    const refused = decodeGiopMessage(await c.next());
    expect([refused.requestId, refused.fields.replyStatusName, refused.fields.exceptionId]).toEqual([2, 'USER_EXCEPTION', 'IDL:com/cisco/cad/LRM/NoLicenseAvailable:1.0']);
    c.socket.destroy();
  });
});

describe('stale host', () => {
  it('never answers a SYN (the client times out), while a closed port answers RST at once', async () => {
    running.push(await startUnansweredHost({ host: lab.stale, port: 38983, fillerAddress: lab.filler }));
    const attempt = (host: string, port: number) =>
      new Promise<string>((resolve) => {
        const s = connect({ host, port });
        const t = setTimeout(() => {
          s.destroy();
          resolve('timeout');
        }, 1500);
        s.once('connect', () => {
          clearTimeout(t);
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => {
          clearTimeout(t);
          resolve(e.code ?? 'error');
        });
      });
    expect(await attempt(lab.stale, 38983)).toBe('timeout');
    expect(await attempt(lab.stale, 38984)).toBe('ECONNREFUSED');
  });
});

describe('loopback only', () => {
  it('parses endpoints and refuses anything outside 127.0.0.0/8', () => {
    expect(parseEndpoint('127.0.1.1:12028')).toEqual({ host: '127.0.1.1', port: 12028 });
    expect(parseEndpoint('127.0.1.2', 3000)).toEqual({ host: '127.0.1.2', port: 3000 });
    for (const bad of ['10.0.0.1:12028', '0.0.0.0:1', '192.168.1.1', '127.0.1.1:0', '127.0.1.1:70000', 'localhost:1', '128.0.0.1:5']) {
      expect(() => parseEndpoint(bad, 1), bad).toThrow(LabError);
    }
  });

  it('captures only the lab network, without the stale host\'s queue fillers', () => {
    expect(labCaptureFilter(labAddresses(3))).toBe('tcp and net 127.0.3.0/24 and not host 127.0.3.250');
  });
});

describe('directory content', () => {
  it('has every CAD attribute in the schema and writes LDIF that keeps odd values intact', () => {
    const entries = directoryEntries({ agents: [agent], ctiServers: [lab.nodeA, lab.nodeB], ctiPort: 12028, heartbeatInterval: 30 });
    const schema = cadSchema();
    const standard = new Set(['objectClass', 'cn', 'o', 'ou', 'displayName']);
    for (const e of entries) for (const attr of Object.keys(e.attributes)) if (!standard.has(attr)) expect(schema).toContain(`NAME '${attr}'`);
    const ldif = toLdif(entries);
    // The layout starts with '<', which LDIF must carry base64.
    const layout = /^desktopLayout:: (.*)$/m.exec(ldif)![1];
    expect(Buffer.from(layout, 'base64').toString('utf8')).toMatch(/^<\?xml .*<\/layout>$/);
    expect(ldif).toContain(`dn: cn=${agent.agentId},ou=Agents,ou=Company,o=Spanlink Communications`);
    expect(ldif).toContain(`ctiServerB: ${lab.nodeB}`);
  });
});
