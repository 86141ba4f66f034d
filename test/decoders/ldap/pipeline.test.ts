import { expect, test } from 'vitest';
import { createLdapStreamDecoder } from '../../../src/decoders/ldap/index.js';
import { decodeCaptureFile } from '../giop/pipeline.js';
import { loadExpectedOps } from '../giop/vectors.js';

const FIXTURES: [string, number][] = [
  ['zeek__ldap_simpleauth.pcap', 3268],
  ['zeek__ldap-who-am-i.pcap', 389],
  ['zeek__ldap_invalid_credentials.pcap', 389],
  ['pcapplusplus__ldap.pcapng', 389],
  ['ndpi__log4j-webapp-exploit.pcap', 1389],
];

for (const [fixture, port] of FIXTURES) {
  test(`${fixture} through capture reader and flow tracker agrees with tshark`, () => {
    let { messages } = decodeCaptureFile(fixture, createLdapStreamDecoder, (f) => f.serverPort === port || f.clientPort === port);
    if (fixture === 'pcapplusplus__ldap.pcapng') {
      // Frame 25 comes from another capture glued on 31 days later with the same endpoints. tshark keeps it
      // in stream 5 and calls it a spurious retransmission; the flow tracker starts a new flow after its idle
      // timeout, so the LDAP in it is decoded. Check that message, then compare the rest with tshark.
      const late = messages.filter((m) => m.frame === 25);
      expect(late.map((m) => [m.type, m.fields.messageId, m.fields.resultCodeName, m.offset])).toEqual([['delResponse', 27, 'noSuchObject', 0]]);
      messages = messages.filter((m) => m.frame !== 25);
    }
    const expected = loadExpectedOps(fixture, 'ldap');
    const byFrame = new Map<number, typeof messages>();
    for (const m of messages) byFrame.set(m.frame, [...(byFrame.get(m.frame) ?? []), m]);
    expect([...byFrame.keys()]).toEqual(expected.map((e) => Number(e['frame.number'])));
    for (const e of expected) {
      const here = byFrame.get(Number(e['frame.number']))!;
      expect(here.map((m) => m.fields.messageId).join('|')).toBe(e['ldap.messageID']);
      expect(here.map((m) => m.type).join('|')).toBe(e['ldap.protocolOp_name']);
      const codes = here.filter((m) => m.fields.resultCode !== undefined).map((m) => m.fields.resultCode);
      expect(codes.join('|') || undefined).toBe(e['ldap.resultCode']);
    }
    expect(messages.every((m) => m.anomalies === undefined)).toBe(true);
  });
}
