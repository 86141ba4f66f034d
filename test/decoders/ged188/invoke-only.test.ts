// Messages that are their InvokeID alone (heartbeats, most confirmations): the stream decoder builds them
// without the layout and tag-width search. It must give what decodeGed188Message reads, whatever the session
// knows.
import { describe, expect, it } from 'vitest';
import { decodeGed188Message, invokeOnlyMessageTypes, type Ged188DecodeOptions } from '../../../src/decoders/ged188/decode.js';
import { MESSAGE_TYPE, messageTypeName } from '../../../src/decoders/ged188/constants.js';
import { heartbeatConf, heartbeatReq, openReq, queryAgentStateConf, queryAgentStateReq } from '../../../src/decoders/ged188/index.js';
import type { DecodedMessage, StreamDecoder } from '../../../src/decoders/types.js';
import { concat, newDecoder } from './helpers.js';

function message(type: number, invokeId: number, bodyLength = 4): Uint8Array {
  const b = new Uint8Array(8 + bodyLength);
  const v = new DataView(b.buffer);
  v.setUint32(0, bodyLength);
  v.setUint32(4, type);
  if (bodyLength >= 4) v.setUint32(8, invokeId);
  return b;
}

/**
 * What a session may know when the message arrives: how to get there, the options decodeGed188Message is
 * given for the same knowledge, and the tag-width evidence the stream reports.
 */
const SESSIONS: Array<{ name: string; setup(dec: StreamDecoder): void; opts: Ged188DecodeOptions; evidence: string }> = [
  { name: 'nothing known', setup: () => {}, opts: {}, evidence: 'no-floating' },
  {
    name: 'OPEN_REQ version 13',
    setup: (dec) => dec.data('c2s', openReq({ invokeId: 99999, versionNumber: 13, idleTimeout: 60, servicesRequested: 5, clientId: 'CAD', clientPassword: 'pw' }), 1, 1),
    opts: { tagWidth: 1, version: 13 },
    evidence: 'open-req-version',
  },
  {
    name: 'OPEN_REQ version 24',
    setup: (dec) => dec.data('c2s', openReq({ invokeId: 99999, versionNumber: 24, idleTimeout: 60, servicesRequested: 5, clientId: 'CAD', clientPassword: 'pw' }), 1, 1),
    opts: { tagWidth: 2, version: 24 },
    evidence: 'open-req-version',
  },
  {
    name: '2-byte tags detected',
    setup: (dec) => dec.data('s2c', queryAgentStateConf({ invokeId: 99999, agentState: 'NOT_READY', mrdId: 1, agentId: '1001', agentIdTag: 194, agentExtension: '2001' }, { tagWidth: 2 }), 1, 1),
    opts: { tagWidth: 2 },
    evidence: 'detected',
  },
];

/** The one message the stream decoder emits for `bytes`, after `setup`. */
function throughStream(setup: (dec: StreamDecoder) => void, bytes: Uint8Array): DecodedMessage {
  const { dec, out } = newDecoder();
  setup(dec);
  const before = out.length;
  dec.data('s2c', bytes, 10, 2);
  expect(out.length).toBe(before + 1);
  return out[before];
}

describe('InvokeID-only messages', () => {
  const types = invokeOnlyMessageTypes();

  it('cover heartbeats and plain confirmations, not messages with more to say', () => {
    const names = types.map(messageTypeName);
    expect(names).toEqual(expect.arrayContaining(['HEARTBEAT_REQ', 'HEARTBEAT_CONF', 'CLOSE_CONF', 'SET_AGENT_STATE_CONF']));
    for (const other of ['OPEN_REQ', 'OPEN_CONF', 'FAILURE_CONF', 'CLOSE_REQ', 'CONTROL_FAILURE_CONF', 'QUERY_AGENT_STATE_CONF']) {
      expect(names).not.toContain(other);
    }
  });

  it('come out of the stream decoder exactly as decodeGed188Message reads them, whatever the session knows', () => {
    for (const session of SESSIONS) {
      for (const type of types) {
        for (const invokeId of [0, 1, 0x7fffffff, 0xffffffff]) {
          const bytes = message(type, invokeId);
          const read = decodeGed188Message(bytes, session.opts);
          const m = throughStream(session.setup, bytes);
          const what = `${messageTypeName(type)} ${invokeId}, ${session.name}`;
          expect(read.anomalies, what).toEqual([]);
          expect(m.anomalies, what).toBeUndefined();
          expect(m.type, what).toBe(read.name);
          // Same keys in the same order: JSON output must not change either.
          expect(JSON.stringify(m.fields), what).toBe(JSON.stringify({ ...read.fields, tagWidthEvidence: session.evidence }));
          expect(m.summary, what).toBe(read.summary);
          expect(m.summary, what).toBe(`${messageTypeName(type)} invoke=${invokeId}`);
        }
      }
    }
  });

  it('leave other body lengths to the general decoder (anomalies, undecoded bytes)', () => {
    for (const len of [0, 2, 6, 8]) {
      const bytes = message(MESSAGE_TYPE.HEARTBEAT_REQ, 9, len);
      const read = decodeGed188Message(bytes);
      const m = throughStream(() => {}, bytes);
      expect(JSON.stringify(m.fields)).toBe(JSON.stringify({ ...read.fields, tagWidthEvidence: read.tagWidthEvidence }));
      expect(m.summary).toBe(read.summary);
      expect((m.anomalies ?? []).map((a) => a.code)).toEqual(read.anomalies.map((a) => a.code));
    }
    expect(decodeGed188Message(message(MESSAGE_TYPE.HEARTBEAT_REQ, 9, 2)).anomalies.map((a) => a.code)).toContain('short-fixed-part');
    // A truncated message: header says 4 body bytes, 3 are there.
    const cut = message(MESSAGE_TYPE.HEARTBEAT_CONF, 9).subarray(0, 11);
    expect(decodeGed188Message(cut).anomalies.map((a) => a.code)).toContain('truncated-body');
  });

  it('carry the session tag width and its source through the stream decoder', () => {
    // Before OPEN_REQ nothing is known: the heartbeat says so.
    const { dec, out } = newDecoder();
    dec.data('c2s', heartbeatReq({ invokeId: 40 }), 1, 1);
    dec.data('s2c', heartbeatConf({ invokeId: 40 }), 2, 1.01);
    dec.data('c2s', concat(openReq({ invokeId: 41, versionNumber: 24, idleTimeout: 60, servicesRequested: 5, clientId: 'CAD', clientPassword: 'pw' }), heartbeatReq({ invokeId: 42 })), 3, 2);
    dec.data('s2c', heartbeatConf({ invokeId: 42 }), 4, 2.5);
    dec.end();
    const hb = out.filter((m) => m.type.startsWith('HEARTBEAT'));
    expect(hb.map((m) => [m.type, m.fields.invokeId, m.fields.tagWidth, m.fields.tagWidthEvidence, m.pairedFrame])).toEqual([
      ['HEARTBEAT_REQ', 40, 1, 'no-floating', 2],
      ['HEARTBEAT_CONF', 40, 1, 'no-floating', 1],
      ['HEARTBEAT_REQ', 42, 2, 'open-req-version', 4],
      ['HEARTBEAT_CONF', 42, 2, 'open-req-version', 3],
    ]);
    expect(hb[3].fields.requestType).toBe('HEARTBEAT_REQ');
    expect(hb[3].responseTime).toBeCloseTo(0.5, 9);
    expect(hb[3].summary).toBe('HEARTBEAT_CONF invoke=42');
  });

  it('report a tag width detected mid-stream, and carry a gap to the next heartbeat', () => {
    // No OPEN_REQ in the capture: a confirmation whose floating part parses only with 2-byte tags decides it.
    const { dec, out } = newDecoder();
    dec.data('c2s', queryAgentStateReq({ invokeId: 7, peripheralId: 1, mrdId: 1, agentId: '1001', agentIdTag: 194 }, { tagWidth: 2 }), 1, 1);
    dec.data('s2c', queryAgentStateConf({ invokeId: 7, agentState: 'NOT_READY', mrdId: 1, agentId: '1001', agentIdTag: 194, agentExtension: '2001' }, { tagWidth: 2 }), 2, 1.1);
    // Half a heartbeat, then bytes never captured: that message is lost, and the next heartbeat says so.
    dec.data('c2s', heartbeatReq({ invokeId: 8 }).subarray(0, 5), 3, 2);
    dec.gap('c2s', 7, 4, 2.5);
    dec.data('c2s', heartbeatReq({ invokeId: 9 }), 5, 3);
    dec.data('s2c', heartbeatConf({ invokeId: 9 }), 6, 3.01);
    dec.end();
    const conf = out.find((m) => m.type === 'QUERY_AGENT_STATE_CONF')!;
    expect(conf.fields.tagWidth).toBe(2);
    const [req, rep] = out.filter((m) => m.type.startsWith('HEARTBEAT'));
    expect([req.fields.tagWidth, req.fields.tagWidthEvidence, rep.fields.tagWidthEvidence]).toEqual([2, 'detected', 'detected']);
    expect(req.fields.invokeId).toBe(9);
    expect(req.anomalies?.map((a) => [a.code, a.frame])).toEqual([['message-cut-by-gap', 4]]);
    expect(rep.anomalies).toBeUndefined();
    expect(rep.pairedFrame).toBe(5);
    // Fields and summary are what the general path reads from the same bytes.
    const general = decodeGed188Message(heartbeatReq({ invokeId: 9 }), { tagWidth: 2 });
    expect(req.fields).toEqual({ ...general.fields, tagWidthEvidence: 'detected' });
    expect(req.summary).toBe(general.summary);
  });
});
