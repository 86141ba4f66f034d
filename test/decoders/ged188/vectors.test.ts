/**
 * Hand-written byte vectors for every login-flow message, in both floating-field widths, laid out field by
 * field from the reference tables (ged188.md §3). Each vector is decoded (fields and summary checked) and
 * rebuilt with the encoder's builder (bytes compared).
 */

import { describe, expect, it } from 'vitest';
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
import { h, item, toHex, z } from './helpers.js';

describe('recorded CTI OS Server OPEN_REQ (protocol 15, 86-byte body)', () => {
  // Header, then the 44-byte fixed part, then ClientID / ClientPassword / ClientSignature = "CTIOSServer".
  const bytes = h(`
    00000056 00000003
    00000001 0000000f 0000005a 00001388 001c0296 003fffff 00003fff 00000000 00000000 00000000 00000000
    01 0c 43 54 49 4f 53 53 65 72 76 65 72 00
    02 0c 43 54 49 4f 53 53 65 72 76 65 72 00
    03 0c 43 54 49 4f 53 53 65 72 76 65 72 00`);

  it('is 86 body bytes and decodes field by field', () => {
    expect(bytes.length).toBe(8 + 86);
    const m = decodeGed188Message(bytes, { showSecrets: true });
    expect(m.anomalies).toEqual([]);
    expect(m.name).toBe('OPEN_REQ');
    expect(m.bodyLength).toBe(86);
    expect(m.fixedLength).toBe(44);
    expect(m.tagWidth).toBe(1);
    expect(m.tagWidthEvidence).toBe('only-fit');
    expect(m.fields).toMatchObject({
      messageType: 3,
      invokeId: 1,
      versionNumber: 15,
      idleTimeout: 90,
      peripheralId: 5000,
      servicesRequested: 0x001c0296,
      callMsgMask: 0x003fffff,
      agentStateMask: 0x3fff,
      configMsgMask: 0,
      clientId: 'CTIOSServer',
      clientPassword: 'CTIOSServer',
      clientSignature: 'CTIOSServer',
      tagWidth: 1,
    });
    // 0x200 (left out of the guides' table, "unused" in the protocol-19 codec) and 0x40000 (CONFIG_EVENTS, UCCX guide) are named.
    expect(m.fields.servicesRequestedNames).toEqual([
      'CALL_DATA_UPDATE',
      'CLIENT_CONTROL',
      'ALL_EVENTS',
      'SUPERVISOR',
      'UNUSED_0x200',
      'CONFIG_EVENTS',
      'UPDATE_EVENTS',
      'IGNORE_DUPLICATE_AGENT_EVENTS',
    ]);
    expect(m.floating.map((f) => [f.tag, f.name])).toEqual([
      [1, 'CLIENT_ID'],
      [2, 'CLIENT_PASSWORD'],
      [3, 'CLIENT_SIGNATURE'],
    ]);
  });

  it('redacts the client password unless asked', () => {
    const m = decodeGed188Message(bytes);
    expect(m.fields.clientPassword).toBe('<redacted>');
    expect(m.floating[1].value).toBe('<redacted>');
    expect(m.fields.clientId).toBe('CTIOSServer');
  });

  it('is rebuilt byte for byte by openReq()', () => {
    const built = openReq({
      invokeId: 1,
      versionNumber: 15,
      idleTimeout: 90,
      peripheralId: 5000,
      servicesRequested: 0x001c0296,
      callMsgMask: 0x003fffff,
      agentStateMask: 0x3fff,
      clientId: 'CTIOSServer',
      clientPassword: 'CTIOSServer',
      clientSignature: 'CTIOSServer',
    });
    expect(toHex(built)).toBe(toHex(bytes));
  });
});

interface Vector {
  name: string;
  /** Header + body hex for a given width. */
  hex: (w: 1 | 2) => string;
  fields: Record<string, unknown>;
  summary: string;
  build: (w: 1 | 2) => Uint8Array;
}

const hdr = (len: number, type: number): string => len.toString(16).padStart(8, '0') + type.toString(16).padStart(8, '0');
const bodyLen = (hex: string): number => hex.replace(/\s/g, '').length / 2;
const msg = (type: number, body: string): string => hdr(bodyLen(body), type) + body.replace(/\s/g, '');

const VECTORS: Vector[] = [
  {
    name: 'OPEN_REQ (agent mode, UCCX AgentID in tag 194)',
    hex: (w) =>
      msg(
        3,
        `00000001 ${w === 1 ? '0000000d' : '00000018'} 0000003c ffffffff 00000005 0000ffff 00003fff 00000000
         00000000 00000000 00000000` +
          item(w, 1, z('CAD')) +
          item(w, 2, '00') +
          item(w, 4, z('2001')) +
          item(w, 194, z('1001')) +
          item(w, 6, z('2001')),
      ),
    fields: {
      invokeId: 1,
      idleTimeout: 60,
      peripheralId: 0xffffffff,
      servicesRequested: 5,
      servicesRequestedNames: ['CLIENT_EVENTS', 'CLIENT_CONTROL'],
      clientId: 'CAD',
      clientPassword: '<redacted>',
      agentExtension: '2001',
      agentId: '1001',
      agentInstrument: '2001',
    },
    summary: 'OPEN_REQ invoke=1 v=$V services=CLIENT_EVENTS|CLIENT_CONTROL agent=1001 ext=2001',
    build: (w) =>
      openReq({
        invokeId: 1,
        versionNumber: w === 1 ? 13 : 24,
        idleTimeout: 60,
        peripheralId: 0xffffffff,
        servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'],
        callMsgMask: 0xffff,
        agentStateMask: 0x3fff,
        clientId: 'CAD',
        clientPassword: '',
        agentExtension: '2001',
        agentId: '1001',
        agentIdTag: 194,
        agentInstrument: '2001',
      }),
  },
  {
    name: 'OPEN_CONF (26-byte fixed part at v<20, 32 bytes with DepartmentID and SessionType at v24)',
    hex: (w) =>
      msg(
        4,
        `00000001 00000005 00000000 00000000 5f5e1000 0001 0015 0001` +
          (w === 2 ? '00000007 0001' : '') +
          item(w, 228, '0001') +
          item(w, 208, '00001388') +
          item(w, 224, '0000'),
      ),
    fields: {
      invokeId: 1,
      servicesGranted: 5,
      servicesGrantedNames: ['CLIENT_EVENTS', 'CLIENT_CONTROL'],
      monitorId: 0,
      pgStatus: 0,
      pgStatusNames: [],
      icmCentralControllerTime: 1600000000,
      peripheralOnline: true,
      peripheralType: 21,
      peripheralTypeName: 'PT_ACMI_CRS',
      agentState: 1,
      agentStateName: 'LOGOUT',
    },
    summary: 'OPEN_CONF invoke=1 services=CLIENT_EVENTS|CLIENT_CONTROL pg=OK peripheral=online state=LOGOUT',
    build: (w) =>
      openConf(
        {
          invokeId: 1,
          servicesGranted: 5,
          icmCentralControllerTime: 1600000000,
          peripheralOnline: true,
          peripheralType: 'PT_ACMI_CRS',
          agentState: 'LOGOUT',
          ...(w === 2 ? { departmentId: 7, sessionType: 1 } : {}),
          peripherals: [{ peripheralId: 5000, multilineAgentControl: 0 }],
        },
        { tagWidth: w },
      ),
  },
  {
    name: 'FAILURE_CONF E_CTI_SERVER_NOT_MASTER with Text',
    hex: (w) => msg(1, `00000001 0000005c` + item(w, 7, z('standby'))),
    fields: {
      invokeId: 1,
      status: 92,
      statusName: 'E_CTI_SERVER_NOT_MASTER',
      statusDescription: 'this CTI server is the standby node',
      text: 'standby',
    },
    summary: 'FAILURE_CONF invoke=1 E_CTI_SERVER_NOT_MASTER (92)',
    build: (w) => failureConf({ invokeId: 1, status: 'E_CTI_SERVER_NOT_MASTER', text: 'standby' }, { tagWidth: w }),
  },
  {
    name: 'HEARTBEAT_REQ',
    hex: () => '00000004 00000005 00000005',
    fields: { invokeId: 5 },
    summary: 'HEARTBEAT_REQ invoke=5',
    build: (w) => heartbeatReq({ invokeId: 5 }, { tagWidth: w }),
  },
  {
    name: 'HEARTBEAT_CONF',
    hex: () => '00000004 00000006 00000005',
    fields: { invokeId: 5 },
    summary: 'HEARTBEAT_CONF invoke=5',
    build: (w) => heartbeatConf({ invokeId: 5 }, { tagWidth: w }),
  },
  {
    name: 'QUERY_AGENT_STATE_REQ (UCCX reserved values, AgentID in 194)',
    hex: (w) => msg(36, `00000002 00000001 00000001 00000000` + item(w, 194, z('1001')) + item(w, 6, z('2001'))),
    fields: { invokeId: 2, peripheralId: 1, mrdId: 1, icmAgentId: 0, agentId: '1001', agentInstrument: '2001' },
    summary: 'QUERY_AGENT_STATE_REQ invoke=2 agent=1001 ext=2001',
    build: (w) =>
      queryAgentStateReq(
        { invokeId: 2, peripheralId: 1, mrdId: 1, agentId: '1001', agentIdTag: 194, agentInstrument: '2001' },
        { tagWidth: w },
      ),
  },
  {
    name: 'QUERY_AGENT_STATE_CONF (30-byte fixed part, 34 with DepartmentID at 2+2)',
    hex: (w) =>
      msg(
        37,
        `00000002 0001 0000 00000001 00000000 0000 00000000 00000000 00000001` +
          (w === 2 ? '00000003' : '') +
          item(w, 194, z('1001')) +
          item(w, 4, z('2001')) +
          item(w, 6, z('2001')),
      ),
    fields: {
      invokeId: 2,
      agentState: 1,
      agentStateName: 'LOGOUT',
      numSkillGroups: 0,
      mrdId: 1,
      agentAvailabilityStatus: 1,
      agentId: '1001',
      agentExtension: '2001',
    },
    summary: 'QUERY_AGENT_STATE_CONF invoke=2 LOGOUT agent=1001 ext=2001',
    build: (w) =>
      queryAgentStateConf(
        {
          invokeId: 2,
          agentState: 'LOGOUT',
          mrdId: 1,
          agentAvailabilityStatus: 1,
          ...(w === 2 ? { departmentId: 3 } : {}),
          agentId: '1001',
          agentIdTag: 194,
          agentExtension: '2001',
          agentInstrument: '2001',
        },
        { tagWidth: w },
      ),
  },
  {
    name: 'SET_AGENT_STATE_REQ LOGIN (21-byte odd-aligned fixed part, forced, with password)',
    hex: (w) =>
      msg(
        38,
        `00000003 00000001 0000 0000 0000 0000 01 00000000` +
          item(w, 6, z('2001')) +
          item(w, 194, z('1001')) +
          item(w, 49, z('secret')),
      ),
    fields: {
      invokeId: 3,
      peripheralId: 1,
      agentState: 0,
      agentStateName: 'LOGIN',
      agentWorkMode: 0,
      eventReasonCode: 0,
      forcedFlag: 1,
      agentServiceReq: 0,
      agentInstrument: '2001',
      agentId: '1001',
      agentPassword: '<redacted>',
    },
    summary: 'SET_AGENT_STATE_REQ invoke=3 LOGIN agent=1001 ext=2001 forced=1',
    build: (w) =>
      setAgentStateReq(
        {
          invokeId: 3,
          peripheralId: 1,
          agentState: 'LOGIN',
          forcedFlag: 1,
          agentInstrument: '2001',
          agentId: '1001',
          agentIdTag: 194,
          agentPassword: 'secret',
        },
        { tagWidth: w },
      ),
  },
  {
    name: 'SET_AGENT_STATE_CONF',
    hex: () => '00000004 00000027 00000003',
    fields: { invokeId: 3 },
    summary: 'SET_AGENT_STATE_CONF invoke=3',
    build: (w) => setAgentStateConf({ invokeId: 3 }, { tagWidth: w }),
  },
  {
    name: 'AGENT_STATE_EVENT NOT_READY / AGT_LOGON (58-byte fixed part, 62 with DepartmentID at 2+2)',
    hex: (w) =>
      msg(
        30,
        `00000000 00000001 00000000 0015 0002 00000000 00000000 ffffffff 0000 0002 7ff8
         00000001 00000000 0000 00000000 00000000 00000001 0000` +
          (w === 2 ? '00000002' : '') +
          item(w, 194, z('1001')) +
          item(w, 4, z('2001')) +
          item(w, 6, z('2001')),
      ),
    fields: {
      monitorId: 0,
      peripheralId: 1,
      sessionId: 0,
      peripheralType: 21,
      skillGroupState: 2,
      skillGroupStateName: 'NOT_READY',
      skillGroupId: 0xffffffff,
      agentState: 2,
      agentStateName: 'NOT_READY',
      eventReasonCode: 32760,
      eventReasonCodeName: 'AGT_LOGON',
      mrdId: 1,
      agentAvailabilityStatus: 1,
      numFltSkillGroups: 0,
      agentId: '1001',
      agentExtension: '2001',
      agentInstrument: '2001',
    },
    summary: 'AGENT_STATE_EVENT NOT_READY agent=1001 ext=2001 reason=32760 AGT_LOGON',
    build: (w) =>
      agentStateEvent(
        {
          peripheralId: 1,
          peripheralType: 21,
          skillGroupState: 'NOT_READY',
          skillGroupId: 0xffffffff,
          agentState: 'NOT_READY',
          eventReasonCode: 32760,
          mrdId: 1,
          agentAvailabilityStatus: 1,
          ...(w === 2 ? { departmentId: 2 } : {}),
          agentId: '1001',
          agentIdTag: 194,
          agentExtension: '2001',
          agentInstrument: '2001',
        },
        { tagWidth: w },
      ),
  },
  {
    name: 'SYSTEM_EVENT INSTRUMENT_OUT_OF_SERVICE',
    hex: (w) =>
      msg(31, `00000000 5f5e1000 0000000a 00000000 00000000 00000000 0000` + item(w, 7, z('phone down')) + item(w, 206, z('2001'))),
    fields: {
      pgStatus: 0,
      icmCentralControllerTime: 1600000000,
      systemEventId: 10,
      systemEventIdName: 'SYS_INSTRUMENT_OUT_OF_SERVICE',
      systemEventArg1: 0,
      eventDeviceType: 0,
      text: 'phone down',
      eventDeviceId: '2001',
    },
    summary: 'SYSTEM_EVENT SYS_INSTRUMENT_OUT_OF_SERVICE (10) device=2001',
    build: (w) =>
      systemEvent(
        { icmCentralControllerTime: 1600000000, systemEventId: 'SYS_INSTRUMENT_OUT_OF_SERVICE', text: 'phone down', eventDeviceId: '2001' },
        { tagWidth: w },
      ),
  },
  {
    name: 'CONTROL_FAILURE_CONF 88004 AGENT_DEVICE_OFF',
    hex: (w) => msg(35, `00000003 0000 000157c4` + item(w, 7, z('device off'))),
    fields: {
      invokeId: 3,
      failureCode: 0,
      failureCodeName: 'CF_GENERIC_UNSPECIFIED',
      peripheralErrorCode: 88004,
      peripheralErrorCodeName: 'AGENT_DEVICE_OFF',
      peripheralErrorCodeDescription: 'agent device out of service',
      text: 'device off',
    },
    summary: 'CONTROL_FAILURE_CONF invoke=3 88004 AGENT_DEVICE_OFF CF_GENERIC_UNSPECIFIED (0)',
    build: (w) =>
      controlFailureConf({ invokeId: 3, failureCode: 0, peripheralErrorCode: 'AGENT_DEVICE_OFF', text: 'device off' }, { tagWidth: w }),
  },
  {
    name: 'CLOSE_REQ',
    hex: () => '00000008 00000007 00000009 00000000',
    fields: { invokeId: 9, status: 0, statusName: 'E_CTI_NO_ERROR' },
    summary: 'CLOSE_REQ invoke=9 E_CTI_NO_ERROR (0)',
    build: (w) => closeReq({ invokeId: 9 }, { tagWidth: w }),
  },
  {
    name: 'CLOSE_CONF',
    hex: () => '00000004 00000008 00000009',
    fields: { invokeId: 9 },
    summary: 'CLOSE_CONF invoke=9',
    build: (w) => closeConf({ invokeId: 9 }, { tagWidth: w }),
  },
];

for (const w of [1, 2] as const) {
  describe(`login-flow vectors, ${w === 1 ? '1-byte' : '2-byte'} tags`, () => {
    for (const v of VECTORS) {
      const bytes = h(v.hex(w));
      const version = w === 1 ? 13 : 24;
      it(`${v.name}: decodes with the width given`, () => {
        const m = decodeGed188Message(bytes, { tagWidth: w });
        expect(m.anomalies).toEqual([]);
        expect(m.fields).toMatchObject(v.fields);
        expect(m.fields.tagWidth).toBe(w);
        expect(m.summary).toBe(v.summary.replace('$V', String(version)));
      });
      it(`${v.name}: decodes with the width detected or taken from the version`, () => {
        const auto = decodeGed188Message(bytes);
        expect(auto.anomalies).toEqual([]);
        expect(auto.fields).toMatchObject(v.fields);
        if (auto.floating.length) {
          expect(auto.tagWidth).toBe(w);
          expect(auto.tagWidthEvidence).toBe('only-fit');
        } else {
          expect(auto.tagWidthEvidence).toBe('no-floating');
          expect(auto.tagWidthDecisive).toBe(false);
        }
        const byVersion = decodeGed188Message(bytes, { version });
        expect(byVersion.fields).toMatchObject(v.fields);
        expect(byVersion.tagWidthEvidence).toBe('version');
      });
      it(`${v.name}: the builder writes the same bytes`, () => {
        expect(toHex(v.build(w))).toBe(toHex(bytes));
      });
    }
  });
}

it('heartbeats carry no floating part, so both widths give the same bytes', () => {
  expect(toHex(heartbeatReq({ invokeId: 5 }, { tagWidth: 1 }))).toBe(toHex(heartbeatReq({ invokeId: 5 }, { tagWidth: 2 })));
});
