import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  agentStateEvent,
  closeConf,
  closeReq,
  controlFailureConf,
  createGed188StreamDecoder,
  decodeGed188Message,
  failureConf,
  heartbeatConf,
  heartbeatReq,
  openConf,
  openReq,
  probeGed188,
  queryAgentStateConf,
  queryAgentStateReq,
  setAgentStateConf,
  setAgentStateReq,
} from '../../../src/decoders/ged188/index.js';
import type { DecodedMessage, Direction, HeartbeatEvent } from '../../../src/decoders/types.js';
import { FLOW, concat, h, item, newDecoder, z } from './helpers.js';
import { leftoverAnomalyTests } from '../leftovers.js';

type Step = [dir: Direction, time: number, ...msgs: Uint8Array[]];

/** The login conversation of a CAD agent on UCCX (protocol 13, 1-byte tags), one TCP segment per step. */
function conversation(): Step[] {
  const agent = { agentId: '1001', agentIdTag: 194 as const };
  return [
    ['c2s', 1.0, openReq({ invokeId: 1, versionNumber: 13, idleTimeout: 60, servicesRequested: 5, clientId: 'CAD', clientPassword: 'pw', agentExtension: '2001', ...agent, agentInstrument: '2001' })],
    ['s2c', 1.02, openConf({ invokeId: 1, servicesGranted: 5, peripheralOnline: true, peripheralType: 21, agentState: 'LOGOUT' })],
    ['c2s', 1.1, queryAgentStateReq({ invokeId: 2, peripheralId: 1, mrdId: 1, ...agent, agentInstrument: '2001' })],
    ['s2c', 1.15, queryAgentStateConf({ invokeId: 2, agentState: 'LOGOUT', mrdId: 1, ...agent, agentExtension: '2001' })],
    ['c2s', 1.2, setAgentStateReq({ invokeId: 3, peripheralId: 1, agentState: 'LOGIN', agentInstrument: '2001', ...agent, agentPassword: 'secret' })],
    ['s2c', 1.5, controlFailureConf({ invokeId: 3, failureCode: 0, peripheralErrorCode: 88004 })],
    ['c2s', 5.0, setAgentStateReq({ invokeId: 4, peripheralId: 1, agentState: 'LOGIN', agentInstrument: '2001', ...agent, agentPassword: 'secret' })],
    // Confirmation and the state event in one segment.
    ['s2c', 5.25, setAgentStateConf({ invokeId: 4 }), agentStateEvent({ peripheralId: 1, peripheralType: 21, agentState: 'NOT_READY', eventReasonCode: 32760, ...agent, agentExtension: '2001' })],
    ['c2s', 15.0, heartbeatReq({ invokeId: 5 })],
    ['s2c', 15.01, heartbeatConf({ invokeId: 5 })],
    ['c2s', 25.0, heartbeatReq({ invokeId: 6 })],
    ['s2c', 25.02, heartbeatConf({ invokeId: 6 })],
    ['c2s', 26.0, setAgentStateReq({ invokeId: 7, peripheralId: 1, agentState: 'AVAILABLE', agentInstrument: '2001', ...agent })],
    ['s2c', 26.1, failureConf({ invokeId: 7, status: 'E_CTI_INVALID_AGENT_DATA' })],
    ['c2s', 30.0, closeReq({ invokeId: 8 })],
    ['s2c', 30.01, closeConf({ invokeId: 8 })],
  ];
}

function feedSteps(steps: Step[], opts: { showSecrets?: boolean; forgetEmitted?: boolean } = {}): DecodedMessage[] {
  const { dec, out } = newDecoder(opts);
  steps.forEach(([dir, time, ...msgs], i) => dec.data(dir, concat(...msgs), 10 + i, time));
  dec.end();
  return out;
}

describe('full login conversation through the stream decoder', () => {
  const out = feedSteps(conversation());

  it('emits every message in order with its direction, frame and time', () => {
    expect(out.map((m) => `${m.direction} ${m.type}`)).toEqual([
      'c2s OPEN_REQ',
      's2c OPEN_CONF',
      'c2s QUERY_AGENT_STATE_REQ',
      's2c QUERY_AGENT_STATE_CONF',
      'c2s SET_AGENT_STATE_REQ',
      's2c CONTROL_FAILURE_CONF',
      'c2s SET_AGENT_STATE_REQ',
      's2c SET_AGENT_STATE_CONF',
      's2c AGENT_STATE_EVENT',
      'c2s HEARTBEAT_REQ',
      's2c HEARTBEAT_CONF',
      'c2s HEARTBEAT_REQ',
      's2c HEARTBEAT_CONF',
      'c2s SET_AGENT_STATE_REQ',
      's2c FAILURE_CONF',
      'c2s CLOSE_REQ',
      's2c CLOSE_CONF',
    ]);
    expect(out.map((m) => m.frame)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(out.every((m) => m.protocol === 'ged188' && m.flowId === 3 && m.transport === 'tcp')).toBe(true);
    expect(out.every((m) => m.anomalies === undefined)).toBe(true);
    expect(out[8].time).toBe(5.25);
    // Offsets are per direction: the state event follows the 12-byte SET_AGENT_STATE_CONF.
    expect(out[8].offset).toBe(out[7].offset + 12);
    expect(out[7].length).toBe(12);
  });

  it('decodes the fields the timeline reads', () => {
    expect(out[0].fields).toMatchObject({ invokeId: 1, versionNumber: 13, servicesRequestedNames: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'CAD', clientPassword: '<redacted>', agentId: '1001', agentExtension: '2001', agentInstrument: '2001', tagWidth: 1, tagWidthEvidence: 'open-req-version' });
    expect(out[1].fields).toMatchObject({ invokeId: 1, servicesGranted: 5, peripheralOnline: true, agentStateName: 'LOGOUT', tagWidth: 1 });
    expect(out[3].fields).toMatchObject({ agentState: 1, agentStateName: 'LOGOUT', agentId: '1001' });
    expect(out[4].fields).toMatchObject({ agentState: 0, agentStateName: 'LOGIN', agentPassword: '<redacted>', agentInstrument: '2001' });
    expect(out[4].summary).toBe('SET_AGENT_STATE_REQ invoke=3 LOGIN agent=1001 ext=2001');
    expect(out[5].fields).toMatchObject({ failureCode: 0, failureCodeName: 'CF_GENERIC_UNSPECIFIED', peripheralErrorCode: 88004, peripheralErrorCodeName: 'AGENT_DEVICE_OFF' });
    expect(out[5].summary).toBe('CONTROL_FAILURE_CONF invoke=3 88004 AGENT_DEVICE_OFF CF_GENERIC_UNSPECIFIED (0)');
    expect(out[8].fields).toMatchObject({ agentState: 2, agentStateName: 'NOT_READY', eventReasonCode: 32760, eventReasonCodeName: 'AGT_LOGON', agentId: '1001' });
    expect(out[14].fields).toMatchObject({ status: 8, statusName: 'E_CTI_INVALID_AGENT_DATA' });
    expect(out[14].summary).toBe('FAILURE_CONF invoke=7 E_CTI_INVALID_AGENT_DATA (8)');
    expect(out[15].summary).toBe('CLOSE_REQ invoke=8 E_CTI_NO_ERROR (0)');
  });

  it('pairs requests and replies by InvokeID with response times', () => {
    const pairs = out.filter((m) => m.responseTime !== undefined).map((m) => [m.type, m.fields.requestType, m.pairedFrame, Number(m.responseTime!.toFixed(3))]);
    expect(pairs).toEqual([
      ['OPEN_CONF', 'OPEN_REQ', 10, 0.02],
      ['QUERY_AGENT_STATE_CONF', 'QUERY_AGENT_STATE_REQ', 12, 0.05],
      ['CONTROL_FAILURE_CONF', 'SET_AGENT_STATE_REQ', 14, 0.3],
      ['SET_AGENT_STATE_CONF', 'SET_AGENT_STATE_REQ', 16, 0.25],
      ['HEARTBEAT_CONF', 'HEARTBEAT_REQ', 18, 0.01],
      ['HEARTBEAT_CONF', 'HEARTBEAT_REQ', 20, 0.02],
      ['FAILURE_CONF', 'SET_AGENT_STATE_REQ', 22, 0.1],
      ['CLOSE_CONF', 'CLOSE_REQ', 24, 0.01],
    ]);
    expect(out.filter((m) => m.direction === 'c2s').map((m) => m.pairedFrame)).toEqual([11, 13, 15, 17, 19, 21, 23, 25]);
    expect(out[8].pairedFrame).toBeUndefined();
  });

  it('pairs the same when the caller keeps no message (forgetEmitted), without completing the requests it let go', () => {
    const forgot = feedSteps(conversation(), { forgetEmitted: true });
    const replies = (list: DecodedMessage[]) => list.filter((m) => m.direction === 's2c');
    expect(replies(forgot)).toEqual(replies(out));
    expect(forgot.filter((m) => m.direction === 'c2s').map((m) => m.pairedFrame)).toEqual(new Array(8).fill(undefined));
    // Everything else about the requests is as before.
    const strip = (m: DecodedMessage) => ({ ...m, pairedFrame: undefined });
    expect(forgot.filter((m) => m.direction === 'c2s').map(strip)).toEqual(out.filter((m) => m.direction === 'c2s').map(strip));
  });

  it('pairs a reply with an older waiting request when the caller keeps no message', () => {
    const forgot = feedSteps(
      [
        ['c2s', 1, heartbeatReq({ invokeId: 1 }), heartbeatReq({ invokeId: 2 }), heartbeatReq({ invokeId: 3 })],
        ['s2c', 2, heartbeatConf({ invokeId: 1 }), heartbeatConf({ invokeId: 3 }), heartbeatConf({ invokeId: 2 })],
      ],
      { forgetEmitted: true },
    );
    expect(forgot.filter((m) => m.direction === 's2c').map((m) => [m.fields.invokeId, m.pairedFrame, m.fields.requestType])).toEqual([
      [1, 10, 'HEARTBEAT_REQ'],
      [3, 10, 'HEARTBEAT_REQ'],
      [2, 10, 'HEARTBEAT_REQ'],
    ]);
  });

  it('shows secrets only when asked', () => {
    const shown = feedSteps(conversation(), { showSecrets: true });
    expect(shown[0].fields.clientPassword).toBe('pw');
    expect(shown[4].fields.agentPassword).toBe('secret');
    expect(JSON.stringify(out)).not.toContain('secret');
  });
});

describe('heartbeats as events (StreamDecoderContext.heartbeat)', () => {
  type Event = [dir: Direction, reply: boolean, invokeId: number, frame: number, frames: number[], time: number];
  /** A decoder whose receiver takes the heartbeats `take` accepts; the events it got, copied (the object is reused). */
  function eventDecoder(take: (h: HeartbeatEvent) => boolean, options: { forgetEmitted?: boolean; keepRaw?: boolean } = { forgetEmitted: true }) {
    const out: DecodedMessage[] = [];
    const events: Event[] = [];
    let offered = 0;
    const dec = createGed188StreamDecoder({
      flow: FLOW,
      emit: (m) => out.push(m),
      options,
      heartbeat: (h) => {
        offered++;
        expect(h.flowId).toBe(FLOW.id);
        if (!take(h)) return false;
        events.push([h.direction, h.reply, h.invokeId, h.frame, [...h.frames], h.time]);
        return true;
      },
    });
    return { dec, out, events, offered: () => offered };
  }
  const feed = (dec: ReturnType<typeof eventDecoder>['dec'], steps: Step[]): void => {
    steps.forEach(([dir, time, ...msgs], i) => dec.data(dir, concat(...msgs), 10 + i, time));
    dec.end();
  };
  const isHeartbeat = (m: DecodedMessage): boolean => m.type === 'HEARTBEAT_REQ' || m.type === 'HEARTBEAT_CONF';

  it('a heartbeat the receiver takes comes as an event and makes no message; every other message is as before', () => {
    const d = eventDecoder(() => true);
    feed(d.dec, conversation());
    expect(d.events).toEqual([
      ['c2s', false, 5, 18, [18], 15.0],
      ['s2c', true, 5, 19, [19], 15.01],
      ['c2s', false, 6, 20, [20], 25.0],
      ['s2c', true, 6, 21, [21], 25.02],
    ]);
    expect(d.out).toEqual(feedSteps(conversation(), { forgetEmitted: true }).filter((m) => !isHeartbeat(m)));
  });

  it('a heartbeat the receiver refuses comes as its message, paired as ever with the requests taken as events', () => {
    const d = eventDecoder(() => false);
    feed(d.dec, conversation());
    expect(d.offered()).toBe(4);
    expect(d.out).toEqual(feedSteps(conversation(), { forgetEmitted: true }));
    // Requests taken, replies refused: each reply still names its request.
    const r = eventDecoder((h) => !h.reply);
    feed(r.dec, [
      ['c2s', 1, heartbeatReq({ invokeId: 1 }), heartbeatReq({ invokeId: 2 }), heartbeatReq({ invokeId: 3 })],
      ['s2c', 2, heartbeatConf({ invokeId: 1 }), heartbeatConf({ invokeId: 3 }), heartbeatConf({ invokeId: 2 })],
    ]);
    expect(r.events.map((e) => e[2])).toEqual([1, 2, 3]);
    expect(r.out.map((m) => [m.type, m.fields.invokeId, m.pairedFrame, m.fields.requestType])).toEqual([
      ['HEARTBEAT_CONF', 1, 10, 'HEARTBEAT_REQ'],
      ['HEARTBEAT_CONF', 3, 10, 'HEARTBEAT_REQ'],
      ['HEARTBEAT_CONF', 2, 10, 'HEARTBEAT_REQ'],
    ]);
  });

  it('is not offered to a caller that keeps messages or their bytes', () => {
    for (const options of [{}, { forgetEmitted: true, keepRaw: true }]) {
      const d = eventDecoder(() => true, options);
      feed(d.dec, conversation());
      expect(d.offered()).toBe(0);
      expect(d.out.filter(isHeartbeat)).toHaveLength(4);
    }
  });

  it('a heartbeat after a stream anomaly comes as a message that carries it', () => {
    const d = eventDecoder(() => true);
    d.dec.data('s2c', concat(heartbeatConf({ invokeId: 1 }), h('ffffffff 00112233 4455'), heartbeatConf({ invokeId: 2 }), heartbeatConf({ invokeId: 3 })), 1, 1);
    d.dec.end();
    expect(d.events.map((e) => e[2])).toEqual([1, 3]);
    expect(d.out.map((m) => [m.fields.invokeId, m.anomalies?.map((a) => a.code)])).toEqual([[2, ['not-a-message', 'resynchronised']]]);
  });

  it('a heartbeat split across segments lists every frame it spans', () => {
    const d = eventDecoder(() => true);
    const hb = heartbeatReq({ invokeId: 9 });
    d.dec.data('c2s', hb.subarray(0, 5), 1, 1);
    d.dec.data('c2s', hb.subarray(5), 2, 1.5);
    d.dec.end();
    expect(d.events).toEqual([['c2s', false, 9, 2, [1, 2], 1.5]]);
    expect(d.out).toEqual([]);
  });

  it('bytes read where they lie (dataAt, inside a larger buffer) give what views of them give, in any chunks', () => {
    for (const dir of ['c2s', 's2c'] as const) {
      const all = streamOf(dir);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 12 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), (cuts, pad, events) => {
          const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), all.length];
          const run = (at: boolean) => {
            const d = eventDecoder(() => events);
            for (let i = 0; i + 1 < bounds.length; i++) {
              const part = all.subarray(bounds[i], bounds[i + 1]);
              if (!at) {
                d.dec.data(dir, part, 100 + i, i);
                continue;
              }
              // Around the part, bytes that must not be read: a header of a 4-byte HEARTBEAT_REQ.
              const buf = new Uint8Array(part.length + 2 * pad + 8);
              for (let j = 0; j + 8 <= buf.length; j += 8) buf.set([0, 0, 0, 4, 0, 0, 0, 5], j);
              buf.set(part, pad);
              d.dec.dataAt!(dir, buf, pad, part.length, 100 + i, i);
            }
            d.dec.end();
            return JSON.stringify([d.out, d.events]);
          };
          expect(run(true)).toBe(run(false));
        }),
        { numRuns: 40 },
      );
    }
  });
});

/** One direction's bytes of the conversation, and what the decoder makes of them in one chunk. */
function streamOf(dir: Direction): Uint8Array {
  return concat(...conversation().filter((s) => s[0] === dir).flatMap(([, , ...m]) => m));
}

function decodeChunks(dir: Direction, chunks: Uint8Array[]): DecodedMessage[] {
  const { dec, out } = newDecoder();
  chunks.forEach((c, i) => dec.data(dir, c, 100 + i, i));
  dec.end();
  return out;
}

const essence = (ms: DecodedMessage[]): unknown[] => ms.map((m) => [m.type, m.offset, m.length, m.summary, JSON.stringify(m.fields), m.anomalies]);

describe('segmentation', () => {
  for (const dir of ['c2s', 's2c'] as const) {
    const all = streamOf(dir);
    const whole = decodeChunks(dir, [all]);

    it(`${dir}: one byte at a time gives the same messages as one chunk`, () => {
      const bytes = Array.from(all, (_, i) => all.subarray(i, i + 1));
      const one = decodeChunks(dir, bytes);
      expect(essence(one)).toEqual(essence(whole));
      // Each message completes on the frame carrying its last byte and lists every frame it spans.
      for (const m of one) {
        expect(m.frame).toBe(100 + m.offset + m.length - 1);
        expect(m.frames.length).toBe(m.length);
      }
    });

    it(`${dir}: random splits give the same messages`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 12 }), (cuts) => {
          const sorted = [...new Set(cuts)].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let prev = 0;
          for (const c of [...sorted, all.length]) {
            chunks.push(all.subarray(prev, c));
            prev = c;
          }
          expect(essence(decodeChunks(dir, chunks))).toEqual(essence(whole));
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('gaps and resynchronisation', () => {
  it('loses the message cut by a gap, then finds the next one', () => {
    const msgs = [
      heartbeatReq({ invokeId: 1 }),
      setAgentStateReq({ invokeId: 2, agentState: 'LOGIN', agentInstrument: '2001', agentId: '1001' }),
      queryAgentStateReq({ invokeId: 3, agentId: '1001', agentInstrument: '2001' }),
      heartbeatReq({ invokeId: 4 }),
      closeReq({ invokeId: 5 }),
    ];
    const { dec, out } = newDecoder();
    dec.data('c2s', concat(msgs[0], msgs[1].subarray(0, 15)), 1, 1);
    dec.gap('c2s', 10, 2, 2);
    // The rest of message 2 after the hole, then messages 3–5.
    dec.data('c2s', concat(msgs[1].subarray(25), msgs[2]), 3, 3);
    dec.data('c2s', concat(msgs[3], msgs[4]), 4, 4);
    dec.end();
    expect(out.map((m) => m.fields.invokeId)).toEqual([1, 3, 4, 5]);
    const codes = out[1].anomalies!.map((a) => a.code);
    expect(codes).toEqual(['message-cut-by-gap', 'resynchronised']);
    // Stream offsets count the hole.
    const expectOffset = msgs[0].length + msgs[1].length;
    expect(out[1].offset).toBe(expectOffset);
  });

  it('skips garbage between messages', () => {
    const { dec, out } = newDecoder();
    dec.data('s2c', concat(heartbeatConf({ invokeId: 1 }), h('ffffffff 00112233 4455'), heartbeatConf({ invokeId: 2 })), 1, 1);
    dec.end();
    expect(out.map((m) => m.fields.invokeId)).toEqual([1, 2]);
    expect(out[1].anomalies!.map((a) => a.code)).toEqual(['not-a-message', 'resynchronised']);
  });

  it('reports a message left incomplete at the end of the stream', () => {
    const { dec, out } = newDecoder();
    const hb = heartbeatReq({ invokeId: 1 });
    dec.data('c2s', concat(hb, hb.subarray(0, 6)), 1, 1);
    dec.end();
    expect(out).toHaveLength(1);
    expect(out[0].anomalies!.map((a) => a.code)).toEqual(['incomplete-message']);
  });

  leftoverAnomalyTests('ged188', createGed188StreamDecoder, heartbeatReq({ invokeId: 1 }));
});

describe('tag width per stream', () => {
  it('detects 2-byte tags without an OPEN_REQ and keeps them', () => {
    const { dec, out } = newDecoder();
    const w2 = { tagWidth: 2 as const };
    dec.data('s2c', agentStateEvent({ agentState: 'NOT_READY', agentId: '1001', agentExtension: '2001' }, w2), 1, 1);
    dec.data('s2c', failureConf({ invokeId: 9, status: 17, text: 'x' }, w2), 2, 2);
    dec.end();
    expect(out.map((m) => m.fields.tagWidth)).toEqual([2, 2]);
    expect(out[0].fields.tagWidthEvidence).toBe('only-fit');
    expect(out[1].fields.tagWidthEvidence).toBe('detected');
    expect(out[1].fields.text).toBe('x');
  });

  it('takes 2-byte tags from an OPEN_REQ at version 20 and above', () => {
    const { dec, out } = newDecoder();
    dec.data('c2s', openReq({ invokeId: 1, versionNumber: 20, servicesRequested: 1, clientId: 'X', agentInstrument: '2001' }), 1, 1);
    dec.data('s2c', openConf({ invokeId: 1, servicesGranted: 1, departmentId: 4 }, { tagWidth: 2 }), 2, 2);
    dec.end();
    expect(out.map((m) => m.fields.tagWidth)).toEqual([2, 2]);
    expect(out[1].fields.departmentId).toBe(4);
    expect(out[1].fields.tagWidthEvidence).toBe('open-req-version');
  });

  it('keeps raw bytes when asked', () => {
    const { dec, out } = newDecoder({ keepRaw: true });
    const hb = heartbeatReq({ invokeId: 1 });
    dec.data('c2s', hb, 1, 1);
    expect(out[0].raw).toEqual(hb);
  });
});

describe('content probe', () => {
  it('recognises an OPEN_REQ from the client and OPEN_CONF / FAILURE_CONF from the server', () => {
    const req = openReq({ invokeId: 1, versionNumber: 15, servicesRequested: 1, clientId: 'CAD' });
    expect(probeGed188(req, 'c2s')).toBe('yes');
    expect(probeGed188(req.subarray(0, 20), 'c2s')).toBe('yes');
    expect(probeGed188(req.subarray(0, 6), 'c2s')).toBe('maybe');
    expect(probeGed188(openConf({ invokeId: 1, servicesGranted: 1 }), 's2c')).toBe('yes');
    expect(probeGed188(failureConf({ invokeId: 1, status: 92 }), 's2c')).toBe('yes');
    expect(probeGed188(heartbeatReq({ invokeId: 3 }), 'c2s')).toBe('yes');
  });
  it('rejects other protocols', () => {
    expect(probeGed188(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), 'c2s')).toBe('no');
    expect(probeGed188(h('16030100a5010000a10303'), 'c2s')).toBe('no');
    expect(probeGed188(h('47494f50010200000000003c'), 'c2s')).toBe('no');
    expect(probeGed188(h('30 0c 02 01 01 60 07 02 01 03 04 00 80 00'), 'c2s')).toBe('no');
  });
});

describe('robustness (bounded property tests)', () => {
  const valid = [...streamOf('c2s'), ...streamOf('s2c')];
  const sample = Uint8Array.from(valid);

  it('decodeGed188Message never throws on random or mutated bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.integer({ min: 0, max: sample.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 120 })).map(([at, v, n]) => {
            const b = sample.slice(Math.max(0, at - n), at + n);
            b[Math.min(b.length - 1, n)] = v;
            return b;
          }),
        ),
        fc.constantFrom<1 | 2 | 'auto'>(1, 2, 'auto'),
        (bytes, tagWidth) => {
          const m = decodeGed188Message(bytes, { tagWidth });
          expect(typeof m.summary).toBe('string');
          if (bytes.length < 8) expect(m.anomalies.length).toBeGreaterThan(0);
          else if (bytes.length - 8 !== ((bytes[0] << 24) >>> 0) + ((bytes[1] << 16) | (bytes[2] << 8) | bytes[3])) {
            expect(m.anomalies.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a length field that overruns the body is always reported', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), (cut) => {
        const b = setAgentStateReq({ invokeId: 1, agentState: 0, agentInstrument: '2001', agentId: '1001' });
        const m = decodeGed188Message(b.subarray(0, Math.max(8, b.length - 1 - cut)));
        expect(m.anomalies.map((a) => a.code)).toContain('truncated-body');
      }),
      { numRuns: 40 },
    );
  });

  it('the stream decoder survives random and mutated streams, in random chunks', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((muts) => {
            const b = sample.slice();
            for (const [at, v] of muts) b[at % b.length] = v;
            return b;
          }),
        ),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        (bytes, sizes, withGap) => {
          const { dec, out } = newDecoder();
          let pos = 0;
          let i = 0;
          while (pos < bytes.length) {
            const n = sizes[i % sizes.length];
            dec.data('c2s', bytes.subarray(pos, pos + n), i, i);
            if (withGap && i === 1) dec.gap('c2s', 7, i, i);
            pos += n;
            i++;
          }
          dec.end();
          for (const m of out) {
            expect(typeof m.type).toBe('string');
            expect(m.length === 0 || m.length >= 8).toBe(true);
          }
          const decodedBytes = out.reduce((n, m) => n + m.length, 0);
          expect(decodedBytes).toBeLessThanOrEqual(bytes.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('hand-built vectors stay decodable after a round trip through the stream', () => {
    const b = h('0000000f 00000001 00000001 0000005c' + item(1, 7, z('abcd')));
    const { dec, out } = newDecoder();
    dec.data('s2c', b, 1, 1);
    expect(out[0].fields).toMatchObject({ statusName: 'E_CTI_SERVER_NOT_MASTER', text: 'abcd' });
  });
});
