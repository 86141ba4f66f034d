import { describe, expect, it } from 'vitest';
import {
  agentStateEvent,
  decodeGed188Message,
  encodeGed188,
  messageTypeName,
  openConf,
  peripheralErrorCodeName,
  statusDescription,
  statusName,
} from '../../../src/decoders/ged188/index.js';
import { h, item, z } from './helpers.js';

const codes = (m: { anomalies: Array<{ code: string }> }): string[] => m.anomalies.map((a) => a.code);

describe('tables', () => {
  it('names message types and leaves reserved numbers unnamed', () => {
    expect(messageTypeName(38)).toBe('SET_AGENT_STATE_REQ');
    expect(messageTypeName(282)).toBe('CONFIG_AGENT_SERVICE_EVENT');
    expect(messageTypeName(70)).toBe('UNKNOWN_70');
    expect(statusName(92)).toBe('E_CTI_SERVER_NOT_MASTER');
    expect(statusDescription(92)).toBe('this CTI server is the standby node');
    expect(peripheralErrorCodeName(88003)).toBe('AGENT_DN_NOT_ASSIGNED');
    expect(peripheralErrorCodeName(88009)).toBe('AGENT_INVALID');
  });
});

describe('appended fixed fields', () => {
  // OPEN_CONF with NumPeripherals/PeripheralID/MultilineAgentControl: with 1-byte tags a 30-byte reading
  // (4 bytes swallowed as DepartmentID) also parses; the 26-byte one is right for protocol < 20.
  const v15 = h(
    '00000028 00000004 00000001 00000015 00000000 00000000 00000000 0001 0011 0002' +
      item(1, 228, '0001') +
      item(1, 208, '00001388') +
      item(1, 224, '0000'),
  );
  it('OPEN_CONF keeps the 26-byte layout when 1-byte tags show protocol < 20', () => {
    const m = decodeGed188Message(v15);
    expect(m.fixedLength).toBe(26);
    expect(m.fields.departmentId).toBeUndefined();
    expect(m.floating.map((f) => f.tag)).toEqual([228, 208, 224]);
    expect(m.floating.map((f) => f.value)).toEqual([1, 5000, 0]);
  });

  it('OPEN_CONF 30 bytes (DepartmentID) and 32 bytes (SessionType) with 2-byte tags', () => {
    const base = '00000001 00000001 00000000 00000000 00000000 0001 0015 0002';
    const m30 = decodeGed188Message(h(`0000002a 00000004 ${base} 0000000c` + item(2, 4, z('2001'))));
    expect(m30.fixedLength).toBe(30);
    expect(m30.fields).toMatchObject({ departmentId: 12, agentExtension: '2001', tagWidth: 2 });
    expect(m30.fields.sessionType).toBeUndefined();
    const m32 = decodeGed188Message(h(`00000020 00000004 ${base} 0000000c 0002`), { version: 24 });
    expect(m32.fixedLength).toBe(32);
    expect(m32.fields).toMatchObject({ departmentId: 12, sessionType: 2 });
    expect(m32.anomalies).toEqual([]);
  });

  it('AGENT_STATE_EVENT: 58 vs 62 bytes chosen from the body, in both widths', () => {
    for (const w of [1, 2] as const) {
      const short = agentStateEvent({ agentState: 'TALKING', agentId: '1001' }, { tagWidth: w });
      const long = agentStateEvent({ agentState: 'TALKING', departmentId: 9, agentId: '1001' }, { tagWidth: w, fixedLength: 62 });
      expect(short.length + 4).toBe(long.length);
      const ms = decodeGed188Message(short, { version: w === 1 ? 15 : 22 });
      const ml = decodeGed188Message(long, w === 2 ? { version: 22 } : {});
      expect([ms.fixedLength, ml.fixedLength]).toEqual([58, 62]);
      expect(ml.fields.departmentId).toBe(9);
      expect(ms.fields.agentId).toBe('1001');
      expect(ml.fields.agentId).toBe('1001');
      expect(ml.anomalies).toEqual([]);
    }
  });

  it('AGENT_STATE_EVENT of 62 bytes with no floating part is read whole', () => {
    const m = decodeGed188Message(agentStateEvent({ agentState: 2, departmentId: 0 }, { tagWidth: 1, fixedLength: 62 }));
    expect(m.fixedLength).toBe(62);
    expect(m.anomalies).toEqual([]);
  });

  it('QUERY_AGENT_STATE_CONF 30 vs 34', () => {
    const b30 = encodeGed188({ type: 'QUERY_AGENT_STATE_CONF', fields: { invokeId: 4, agentState: 3 }, floating: [{ tag: 5, value: '77' }] }, { tagWidth: 1 });
    const b34 = encodeGed188(
      { type: 'QUERY_AGENT_STATE_CONF', fields: { invokeId: 4, agentState: 3, departmentId: 1 }, floating: [{ tag: 5, value: '77' }] },
      { tagWidth: 2 },
    );
    expect(decodeGed188Message(b30).fixedLength).toBe(30);
    const m = decodeGed188Message(b34);
    expect(m.fixedLength).toBe(34);
    expect(m.fields).toMatchObject({ agentStateName: 'AVAILABLE', departmentId: 1, agentId: '77', tagWidth: 2 });
  });
});

describe('tag width detection', () => {
  it('takes 2+2 for a body whose items start with a zero high tag byte', () => {
    const b = openConf({ invokeId: 1, servicesGranted: 1, agentExtension: '2001', agentId: '1001' }, { tagWidth: 2 });
    const m = decodeGed188Message(b);
    expect(m.tagWidth).toBe(2);
    expect(m.tagWidthEvidence).toBe('only-fit');
    expect(m.tagWidthDecisive).toBe(true);
  });

  it('reports the wrong width as anomalies when forced', () => {
    const b = openConf({ invokeId: 1, servicesGranted: 1, agentExtension: '2001' }, { tagWidth: 2 });
    const m = decodeGed188Message(b, { tagWidth: 1 });
    expect(m.anomalies.length).toBeGreaterThan(0);
  });
});

describe('anomalies', () => {
  it('body shorter than the fixed part', () => {
    const m = decodeGed188Message(h('00000006 00000026 00000003 0000'));
    expect(codes(m)).toContain('short-fixed-part');
    expect(m.fields.invokeId).toBe(3);
    expect(m.fields.peripheralId).toBeUndefined();
  });
  it('floating item running past the body', () => {
    const m = decodeGed188Message(h('0000000c 00000001 00000001 0000005c 07 09 6162'), { tagWidth: 1 });
    expect(codes(m)).toContain('floating-overrun');
    expect(m.fields.status).toBe(92);
  });
  it('unknown tag', () => {
    const m = decodeGed188Message(h('0000000b 00000001 00000001 0000005c 6f 01 00'), { tagWidth: 1 });
    expect(codes(m)).toEqual(['unknown-tag']);
    expect(m.floating[0]).toMatchObject({ tag: 0x6f, name: 'TAG_111' });
  });
  it('string without NUL', () => {
    const m = decodeGed188Message(h('0000000c 00000001 00000001 0000005c 07 02 6162'), { tagWidth: 1 });
    expect(codes(m)).toEqual(['string-not-terminated']);
    expect(m.fields.text).toBe('ab');
  });
  it('length beyond 12500 (desynchronised)', () => {
    const m = decodeGed188Message(h('000030d5 00000005 00000001'));
    expect(codes(m)).toContain('length-too-large');
  });
  it('body length 0', () => {
    const m = decodeGed188Message(h('00000000 00000005'));
    expect(codes(m)).toEqual(['empty-body']);
    expect(m.name).toBe('HEARTBEAT_REQ');
  });
  it('header cut short', () => {
    expect(codes(decodeGed188Message(h('000000')))).toEqual(['truncated-header']);
  });
  it('NAMEDVAR and repeated tags', () => {
    const nv = encodeGed188(
      {
        type: 'CLIENT_EVENT_REPORT_REQ',
        fields: { invokeId: 8, state: 1 },
        floating: [
          { tag: 'NAMED_VARIABLE', value: { name: 'user.x', value: 'y' } },
          { tag: 'TEXT', value: 'one' },
          { tag: 'TEXT', value: 'two' },
        ],
      },
      { tagWidth: 1 },
    );
    const m = decodeGed188Message(nv);
    expect(m.anomalies).toEqual([]);
    expect(m.floating.map((f) => f.value)).toEqual([{ name: 'user.x', value: 'y' }, 'one', 'two']);
    expect(m.fields.text).toBe('one');
  });
});
