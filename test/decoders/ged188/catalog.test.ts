/**
 * The message catalog: coverage of the protocol-25 type list, an encode -> decode round trip for every layout
 * and variant in both tag widths, the four defects of the issue on bytes of their shape, and strictness that
 * keeps what it can read.
 */

import { describe, expect, it } from 'vitest';
import { decodeGed188Message } from '../../../src/decoders/ged188/decode.js';
import { encodeGed188 } from '../../../src/decoders/ged188/encode.js';
import { MESSAGE_TYPE_NUMBERS, messageTypeName } from '../../../src/decoders/ged188/constants.js';
import { catalog, fieldsForLength, layoutFor } from '../../../src/decoders/ged188/layouts.js';
import { h, item, z } from './helpers.js';

const codes = (m: { anomalies: Array<{ code: string }> }): string[] => m.anomalies.map((a) => a.code);

describe('catalog coverage', () => {
  it('has a layout, with its confidence, for at least 95% of the named message types', () => {
    const withLayout = MESSAGE_TYPE_NUMBERS.filter((t) => layoutFor(t) !== undefined);
    expect(withLayout.length / MESSAGE_TYPE_NUMBERS.length).toBeGreaterThanOrEqual(0.95);
    const byConfidence: Record<string, number> = {};
    for (const { layout } of catalog()) byConfidence[layout.confidence] = (byConfidence[layout.confidence] ?? 0) + 1;
    // Most of the catalog rests on a source, not a guess.
    expect((byConfidence.doc ?? 0) + (byConfidence.impl ?? 0)).toBeGreaterThan(byConfidence.guessed ?? 0);
  });

  it('every variant ends on a field boundary, the longest at the last field', () => {
    for (const { name, layout } of catalog()) {
      const ends = new Set<number>();
      let off = 0;
      for (const { field } of fieldsForLength(layout, 1 << 20)) ends.add((off += field.type === 'u8' ? 1 : field.type === 'u16' || field.type === 'bool' ? 2 : 4));
      for (const v of layout.variants) expect(ends.has(v.length), `${name} ${v.length}`).toBe(true);
      expect(Math.max(...layout.variants.map((v) => v.length)), name).toBe(off);
    }
  });

  it('names every call event, client-control request and confirmation the issue lists', () => {
    for (const name of [
      'BEGIN_CALL_EVENT', 'CALL_DELIVERED_EVENT', 'CALL_QUEUED_EVENT', 'CALL_DEQUEUED_EVENT', 'CALL_ESTABLISHED_EVENT', 'CALL_HELD_EVENT',
      'CALL_RETRIEVED_EVENT', 'CALL_CLEARED_EVENT', 'CALL_CONNECTION_CLEARED_EVENT', 'CALL_ORIGINATED_EVENT', 'CALL_FAILED_EVENT',
      'CALL_CONFERENCED_EVENT', 'CALL_TRANSFERRED_EVENT', 'CALL_DIVERTED_EVENT', 'CALL_SERVICE_INITIATED_EVENT', 'CALL_TRANSLATION_ROUTE_EVENT',
      'CALL_REACHED_NETWORK_EVENT', 'CALL_DATA_UPDATE_EVENT', 'END_CALL_EVENT', 'AGENT_PRE_CALL_EVENT', 'AGENT_PRE_CALL_ABORT_EVENT',
      'RTP_STARTED_EVENT', 'RTP_STOPPED_EVENT', 'MAKE_CALL_REQ', 'ANSWER_CALL_REQ', 'HOLD_CALL_REQ', 'RETRIEVE_CALL_REQ', 'CLEAR_CALL_REQ',
      'CONFERENCE_CALL_REQ', 'TRANSFER_CALL_REQ', 'CONSULTATION_CALL_REQ', 'ALTERNATE_CALL_REQ', 'RECONNECT_CALL_REQ', 'SET_CALL_DATA_REQ',
      'SUPERVISOR_ASSIST_REQ', 'EMERGENCY_CALL_REQ', 'AGENT_DESK_SETTINGS_REQ', 'AGENT_DESK_SETTINGS_CONF', 'REGISTER_VARIABLES_REQ',
      'MONITOR_START_REQ', 'SNAPSHOT_CALL_REQ', 'SNAPSHOT_DEVICE_CONF', 'STANDBY_ACTIVE_EVENT_MSG', 'ACTIVE_MAINTENANCE_REQ',
    ]) {
      const t = MESSAGE_TYPE_NUMBERS.find((n) => messageTypeName(n) === name);
      expect(t, name).toBeDefined();
      expect(layoutFor(t!), name).toBeDefined();
    }
    // Call events and call control rest on sources.
    for (const t of [9, 10, 13, 23, 24, 25, 42, 56, 64, 116]) expect(layoutFor(t)!.confidence).not.toBe('guessed');
  });
});

describe('every layout round-trips (encode -> decode), every variant, both tag widths', () => {
  for (const { type, name, layout } of catalog()) {
    for (const variant of layout.variants) {
      for (const width of [1, 2] as const) {
        it(`${name} (${type}) ${variant.length}-byte fixed part, ${width}-byte tags`, () => {
          const fields: Record<string, number> = {};
          let i = 0;
          for (const { field } of fieldsForLength(layout, variant.length)) {
            i++;
            fields[field.name] =
              field.type === 'u8' ? i % 3 : field.type === 'bool' ? i % 2 : field.type === 'u16' ? 40000 + i : field.type === 'i32' ? -i : 0x80000000 + i * 977;
          }
          const bytes = encodeGed188(
            { type, fields, floating: [{ tag: 5, value: `A${type}` }, { tag: 6, value: `I${type}` }] },
            { tagWidth: width, fixedLength: variant.length },
          );
          const version = width === 2 ? Math.max(20, variant.minVersion ?? 0) : (variant.minVersion ?? 15);
          const m = decodeGed188Message(bytes, { version: width === 1 && version >= 20 ? 19 : version, tagWidth: width });
          expect(m.name).toBe(name);
          expect(m.fixedLength).toBe(variant.length);
          expect(m.fixed).toEqual(fields);
          expect(m.fields.agentId).toBe(`A${type}`);
          expect(m.fields.agentInstrument).toBe(`I${type}`);
          expect(m.anomalies).toEqual([]);
          expect(m.layoutConfidence).toBe(layout.confidence);
        });
      }
    }
  }
});

describe('the issue\'s four defects', () => {
  it('AGENT_TEAM_CONFIG_EVENT (128): team fields and the repeated member groups of tags 86–89', () => {
    const m = decodeGed188Message(
      h(
        `00000036 00000080 00001388 00000065 0002 0001` +
          item(1, 86, z('1001')) + item(1, 87, '0004') + item(1, 88, '0003') + item(1, 89, '00000078') +
          item(1, 86, z('1002')) + item(1, 87, '0000') + item(1, 88, '0002') + item(1, 89, '0000003c'),
      ),
      { tagWidth: 1 },
    );
    expect(m.anomalies).toEqual([]);
    expect(m.fields).toMatchObject({ peripheralId: 5000, teamId: 101, numberOfAgents: 2, configOperation: 1, configOperationName: 'ADD_AGENT' });
    expect(m.fields.members).toEqual([
      { atcAgentId: '1001', agentFlags: 4, atcAgentState: 3, atcAgentStateName: 'AVAILABLE', atcStateDuration: 120 },
      { atcAgentId: '1002', agentFlags: 0, atcAgentState: 2, atcAgentStateName: 'NOT_READY', atcStateDuration: 60 },
    ]);
    expect(m.layoutConfidence).toBe('doc');
  });

  it('CONFIG_REQUEST_KEY_EVENT (230): the first field is the PeripheralID, not an InvokeID', () => {
    const m = decodeGed188Message(h('0000000a 000000e6 00001388' + item(1, 131, '00000000')));
    expect(m.fields.peripheralId).toBe(5000);
    expect(m.fields.invokeId).toBeUndefined();
    expect(m.invokeId).toBeUndefined();
    expect(m.floating).toEqual([{ tag: 131, name: 'CUSTOMER_ID', value: 0 }]);
    expect(m.anomalies).toEqual([]);
  });

  it('CONFIG_REQUEST_EVENT (232): ConfigInformation + PeripheralID, no tag 0 item', () => {
    const m = decodeGed188Message(h('0000000e 000000e8 00000006 00001388' + item(1, 131, '00000000')));
    expect(m.fixedLength).toBe(8);
    expect(m.fields).toMatchObject({ configInformation: 6, configInformationNames: ['SKILL_GROUP', 'AGENT'], peripheralId: 5000 });
    expect(m.floating.map((f) => f.tag)).toEqual([131]);
    expect(m.anomalies).toEqual([]);
  });

  it('a tag 0 is flagged, and the item is still shown', () => {
    // A CONFIG_REQUEST_EVENT whose sender dropped the CUSTOMER_ID item's value: its zero bytes read as tag 0.
    const m = decodeGed188Message(h('0000000a 000000e8 00000006 00008304 0000'), { tagWidth: 1 });
    expect(codes(m)).toContain('tag-zero');
    expect(m.fields.configInformation).toBe(6);
  });

  it('ServicesRequested / ServicesGranted bits 0x200 and 0x40000 are named', () => {
    const req = decodeGed188Message(
      encodeGed188({ type: 'OPEN_REQ', fields: { invokeId: 1, versionNumber: 15, servicesRequested: 0x00040200 }, floating: [{ tag: 1, value: 'c' }, { tag: 2, value: '' }] }, { tagWidth: 1 }),
    );
    expect(req.fields.servicesRequestedNames).toEqual(['UNUSED_0x200', 'CONFIG_EVENTS']);
    const conf = decodeGed188Message(encodeGed188({ type: 'OPEN_CONF', fields: { invokeId: 1, servicesGranted: 0x001c0296 } }, { tagWidth: 1 }));
    expect(conf.fields.servicesGrantedNames).not.toContainEqual(expect.stringMatching(/^0x/));
    expect(conf.fields.servicesGrantedNames).toContain('CONFIG_EVENTS');
  });
});

describe('strictness without data loss', () => {
  it('a fixed part shorter than every variant: the fields that fit, and an anomaly', () => {
    const m = decodeGed188Message(h('00000006 00000080 00001388 0065'));
    expect(codes(m)).toEqual(['short-fixed-part']);
    expect(m.fields.peripheralId).toBe(5000);
  });

  it('a fixed part longer than every variant: the extra bytes kept as hex, the floating part still read', () => {
    // CLOSE_REQ (8 bytes) with 4 more bytes from a newer version, then AGENT_ID.
    const m = decodeGed188Message(h('00000013 00000007 00000009 00000000 0000abcd' + item(1, 5, z('1001'))), { tagWidth: 1 });
    expect(codes(m)).toEqual(['long-fixed-part']);
    expect(m.fields).toMatchObject({ invokeId: 9, status: 0, extraFixed: '0000abcd', agentId: '1001' });
  });

  it('a floating item running past the message: the bytes present are shown', () => {
    const m = decodeGed188Message(h('0000000f 00000001 00000001 0000005c' + '07 09 616263'), { tagWidth: 1 });
    expect(codes(m)).toContain('floating-overrun');
    expect(m.floating[0]).toMatchObject({ tag: 7, value: 'abc', truncated: true });
    expect(m.fields.text).toBe('abc');
  });

  it('a string with no NUL: flagged, the text shown', () => {
    const m = decodeGed188Message(h('0000000e 00000001 00000001 0000005c' + '06 04 31303031'), { tagWidth: 1 });
    expect(codes(m)).toEqual(['string-not-terminated']);
    expect(m.fields.agentInstrument).toBe('1001');
  });

  it('a guessed layout that does not fit leaves the rest undecoded instead of inventing anomalies', () => {
    const t = catalog().find((c) => c.layout.confidence === 'guessed' && /_RESP$/.test(c.name))!;
    const bytes = new Uint8Array([0, 0, 0, 7, 0, 0, t.type >> 8, t.type & 0xff, 0, 0, 0, 1, 0xff, 0xfe, 0xfd]);
    const m = decodeGed188Message(bytes, { tagWidth: 1 });
    expect(m.anomalies).toEqual([]);
    expect(m.invokeId).toBe(1);
    expect(m.undecodedBytes).toBe(3);
  });
});

describe('the encoder reads the same enumerations', () => {
  it('accepts enumeration names for the new fixed fields', () => {
    const bytes = encodeGed188(
      { type: 'CALL_CLEARED_EVENT', fields: { localConnectionState: 'CONNECT', eventCause: 'NEW_CALL', connectionDeviceIdType: 'DYNAMIC', peripheralType: 'PT_ENTERPRISE_AGENT' } },
      { tagWidth: 1 },
    );
    const m = decodeGed188Message(bytes);
    expect(m.fields).toMatchObject({ localConnectionStateName: 'CONNECT', eventCauseName: 'NEW_CALL', connectionDeviceIdTypeName: 'DYNAMIC', peripheralTypeName: 'PT_ENTERPRISE_AGENT' });
  });
});
