// Messages that are their InvokeID alone (heartbeats, most confirmations) skip the layout and tag-width
// search. The shortcut must give what the general path gives, whatever the session knows.
import { describe, expect, it } from 'vitest';
import {
  decodeGed188MessageGeneral,
  decodeGed188Message,
  invokeOnlyMessageTypes,
  type Ged188DecodeOptions,
} from '../../../src/decoders/ged188/decode.js';
import { MESSAGE_TYPE, messageTypeName } from '../../../src/decoders/ged188/constants.js';
import { heartbeatConf, heartbeatReq, openReq, queryAgentStateConf, queryAgentStateReq } from '../../../src/decoders/ged188/index.js';
import { concat, newDecoder } from './helpers.js';

const OPTIONS: Ged188DecodeOptions[] = [
  {},
  { tagWidth: 'auto' },
  { tagWidth: 1 },
  { tagWidth: 2 },
  { version: 13 },
  { version: 24 },
  { tagWidth: 1, version: 24 },
  { tagWidth: 'auto', version: 19, showSecrets: true },
];

function message(type: number, invokeId: number, bodyLength = 4): Uint8Array {
  const b = new Uint8Array(8 + bodyLength);
  const v = new DataView(b.buffer);
  v.setUint32(0, bodyLength);
  v.setUint32(4, type);
  if (bodyLength >= 4) v.setUint32(8, invokeId);
  return b;
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

  it('decode to exactly what the general path gives, under every option', () => {
    for (const type of types) {
      for (const invokeId of [0, 1, 0x7fffffff, 0xffffffff]) {
        for (const opts of OPTIONS) {
          const bytes = message(type, invokeId);
          const fast = decodeGed188Message(bytes, opts);
          const general = decodeGed188MessageGeneral(bytes, opts);
          expect(fast, `${messageTypeName(type)} ${JSON.stringify(opts)}`).toStrictEqual(general);
          // Same keys in the same order: JSON output must not change either.
          expect(JSON.stringify(fast)).toBe(JSON.stringify(general));
          expect(fast.summary).toBe(`${messageTypeName(type)} invoke=${invokeId}`);
        }
      }
    }
  });

  it('leave other body lengths to the general path (anomalies, undecoded bytes)', () => {
    for (const len of [0, 2, 6, 8]) {
      const bytes = message(MESSAGE_TYPE.HEARTBEAT_REQ, 9, len);
      expect(decodeGed188Message(bytes)).toStrictEqual(decodeGed188MessageGeneral(bytes));
    }
    expect(decodeGed188Message(message(MESSAGE_TYPE.HEARTBEAT_REQ, 9, 2)).anomalies.map((a) => a.code)).toContain('short-fixed-part');
    // A truncated message: header says 4 body bytes, 3 are there.
    const cut = message(MESSAGE_TYPE.HEARTBEAT_CONF, 9).subarray(0, 11);
    expect(decodeGed188Message(cut)).toStrictEqual(decodeGed188MessageGeneral(cut));
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
    const general = decodeGed188MessageGeneral(heartbeatReq({ invokeId: 9 }), { tagWidth: 2 });
    expect(req.fields).toEqual({ ...general.fields, tagWidthEvidence: 'detected' });
    expect(req.summary).toBe(general.summary);
  });
});
