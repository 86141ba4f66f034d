/** decode(encode(x)) == x for every builder, in both tag widths, over random inputs (bounded). */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  agentStateEvent,
  closeConf,
  closeReq,
  controlFailureConf,
  decodeGed188Message,
  failureConf,
  heartbeatConf,
  heartbeatReq,
  openConf,
  openReq,
  queryAgentStateConf,
  queryAgentStateReq,
  setAgentStateConf,
  setAgentStateReq,
  systemEvent,
} from '../../../src/decoders/ged188/index.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const state = fc.integer({ min: 0, max: 14 });
// Printable text including non-ASCII (UCCX strings are UTF-8); short enough for a 1-byte length.
const text = fc.string({ unit: fc.constantFrom('1', '0', 'a', 'Z', ' ', '.', 'é', 'ü', '-'), minLength: 1, maxLength: 40 });

type Case = { name: string; arb: fc.Arbitrary<Record<string, unknown>>; build: (p: never, o: { tagWidth: 1 | 2 }) => Uint8Array; floatingKeys: string[] };

const CASES: Case[] = [
  {
    name: 'openReq',
    arb: fc.record({ invokeId: u32, versionNumber: fc.integer({ min: 9, max: 25 }), idleTimeout: u32, peripheralId: u32, servicesRequested: u32, callMsgMask: u32, agentStateMask: u16, configMsgMask: u16, clientId: text, clientPassword: text, agentExtension: text, agentId: text, agentInstrument: text }),
    build: openReq as never,
    floatingKeys: ['clientId', 'clientPassword', 'agentExtension', 'agentId', 'agentInstrument'],
  },
  {
    name: 'openConf',
    arb: fc.record({ invokeId: u32, servicesGranted: u32, monitorId: u32, pgStatus: fc.integer({ min: 0, max: 31 }), icmCentralControllerTime: u32, peripheralOnline: fc.boolean(), peripheralType: u16, agentState: state, agentExtension: text }),
    build: openConf as never,
    floatingKeys: ['agentExtension'],
  },
  { name: 'failureConf', arb: fc.record({ invokeId: u32, status: fc.integer({ min: 0, max: 110 }), text }), build: failureConf as never, floatingKeys: ['text'] },
  { name: 'heartbeatReq', arb: fc.record({ invokeId: u32 }), build: heartbeatReq as never, floatingKeys: [] },
  { name: 'heartbeatConf', arb: fc.record({ invokeId: u32 }), build: heartbeatConf as never, floatingKeys: [] },
  { name: 'closeReq', arb: fc.record({ invokeId: u32, status: fc.integer({ min: 0, max: 110 }) }), build: closeReq as never, floatingKeys: [] },
  { name: 'closeConf', arb: fc.record({ invokeId: u32 }), build: closeConf as never, floatingKeys: [] },
  {
    name: 'queryAgentStateReq',
    arb: fc.record({ invokeId: u32, peripheralId: u32, mrdId: fc.integer({ min: -5, max: 5 }), icmAgentId: fc.integer(), agentId: text, agentInstrument: text }),
    build: queryAgentStateReq as never,
    floatingKeys: ['agentId', 'agentInstrument'],
  },
  {
    name: 'queryAgentStateConf',
    arb: fc.record({ invokeId: u32, agentState: state, numSkillGroups: fc.integer({ min: 0, max: 20 }), mrdId: fc.integer({ min: -5, max: 5 }), numTasks: u32, agentMode: fc.integer({ min: 0, max: 1 }), maxTaskLimit: u32, icmAgentId: fc.integer(), agentAvailabilityStatus: fc.integer({ min: 0, max: 2 }), agentId: text, agentExtension: text }),
    build: queryAgentStateConf as never,
    floatingKeys: ['agentId', 'agentExtension'],
  },
  {
    name: 'setAgentStateReq',
    arb: fc.record({ invokeId: u32, peripheralId: u32, agentState: state, agentWorkMode: fc.integer({ min: 0, max: 4 }), numSkillGroups: fc.integer({ min: 0, max: 10 }), eventReasonCode: u16, forcedFlag: fc.integer({ min: 0, max: 2 }), agentServiceReq: u32, agentInstrument: text, agentId: text, agentPassword: text }),
    build: setAgentStateReq as never,
    floatingKeys: ['agentInstrument', 'agentId', 'agentPassword'],
  },
  { name: 'setAgentStateConf', arb: fc.record({ invokeId: u32 }), build: setAgentStateConf as never, floatingKeys: [] },
  {
    name: 'agentStateEvent',
    arb: fc.record({ monitorId: u32, peripheralId: u32, sessionId: u32, peripheralType: u16, skillGroupState: state, stateDuration: u32, skillGroupNumber: u32, skillGroupId: u32, skillGroupPriority: u16, agentState: state, eventReasonCode: u16, mrdId: fc.integer(), numTasks: u32, agentMode: u16, maxTaskLimit: u32, icmAgentId: fc.integer(), agentAvailabilityStatus: u32, numFltSkillGroups: fc.integer({ min: 0, max: 0 }), agentId: text, agentExtension: text, agentInstrument: text }),
    build: agentStateEvent as never,
    floatingKeys: ['agentId', 'agentExtension', 'agentInstrument'],
  },
  {
    name: 'controlFailureConf',
    arb: fc.record({ invokeId: u32, failureCode: u16, peripheralErrorCode: u32, text }),
    build: controlFailureConf as never,
    floatingKeys: ['text'],
  },
  {
    name: 'systemEvent',
    arb: fc.record({ pgStatus: fc.integer({ min: 0, max: 31 }), icmCentralControllerTime: u32, systemEventId: fc.integer({ min: 1, max: 11 }), systemEventArg1: u32, systemEventArg2: u32, systemEventArg3: u32, eventDeviceType: u16, text, eventDeviceId: text }),
    build: systemEvent as never,
    floatingKeys: ['text', 'eventDeviceId'],
  },
];

describe('builders round-trip through the decoder', () => {
  for (const c of CASES) {
    for (const w of [1, 2] as const) {
      it(`${c.name}, ${w}-byte tags`, () => {
        fc.assert(
          fc.property(c.arb, (p) => {
            // OPEN_REQ's width follows its version; pin it so the case tests the width asked for.
            const params = c.name === 'openReq' ? { ...p, versionNumber: w === 1 ? Math.min(19, p.versionNumber as number) : Math.max(20, p.versionNumber as number) } : p;
            const bytes = c.build(params as never, { tagWidth: w });
            for (const opts of [{ tagWidth: w }, {}] as const) {
              const m = decodeGed188Message(bytes, { ...opts, showSecrets: true });
              expect(m.anomalies).toEqual([]);
              const expected: Record<string, unknown> = {};
              for (const [k, v] of Object.entries(params)) expected[k] = v;
              expect(m.fields).toMatchObject(expected);
              if (c.floatingKeys.length) expect(m.tagWidth).toBe(w);
              expect(m.floating.map((f) => f.value)).toEqual(c.floatingKeys.map((k) => params[k]));
            }
          }),
          { numRuns: 25 },
        );
      });
    }
  }
});
