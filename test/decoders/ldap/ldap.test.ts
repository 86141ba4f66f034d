import { describe, expect, test } from 'vitest';
import {
  berElementLength,
  berIdentifier,
  berInteger,
  berIntegerContent,
  berLengthBytes,
  berTlv,
  readBerElement,
  readBerInteger,
  readBerOid,
} from '../../../src/decoders/ber.js';
import type { DecodedMessage } from '../../../src/decoders/types.js';
import {
  createLdapStreamDecoder,
  decodeLdapMessage,
  encodeLdapAbandonRequest,
  encodeLdapBindRequest,
  encodeLdapBindResponse,
  encodeLdapDelRequest,
  encodeLdapExtendedRequest,
  encodeLdapExtendedResponse,
  encodeLdapResult,
  encodeLdapSearchRequest,
  encodeLdapSearchResDone,
  encodeLdapSearchResEntry,
  encodeLdapSearchResRef,
  encodeLdapUnbindRequest,
  formatLdapFilter,
  parseLdapFilter,
  probeLdap,
} from '../../../src/decoders/ldap/index.js';
import { feedRandomStream, fromHex, harness, loadExpectedOps, loadTcpVectors, replayTcp } from '../giop/vectors.js';
import { leftoverAnomalyTests } from '../leftovers.js';

const FIXTURES: [string, number[]][] = [
  ['zeek__ldap_simpleauth.pcap', [3268]],
  ['zeek__ldap-who-am-i.pcap', [389]],
  ['zeek__ldap_invalid_credentials.pcap', [389]],
  ['pcapplusplus__ldap.pcapng', [389]],
  ['ndpi__log4j-webapp-exploit.pcap', [1389]],
];

function decodeFixture(fixture: string, ports: number[]): DecodedMessage[] {
  return replayTcp(loadTcpVectors('ldap', fixture), createLdapStreamDecoder, ports).messages;
}

const join = (values: (string | undefined)[]) => values.filter((v) => v !== undefined && v !== '').join('|') || undefined;

describe('fixtures, one for one with tshark', () => {
  for (const [fixture, ports] of FIXTURES) {
    test(fixture, () => {
      const ours = decodeFixture(fixture, ports);
      const expected = loadExpectedOps(fixture, 'ldap');
      const frames = [...new Set(ours.map((m) => m.frame))];
      expect(frames).toEqual(expected.map((e) => Number(e['frame.number'])));
      for (const e of expected) {
        const here = ours.filter((m) => m.frame === Number(e['frame.number']));
        const str = (k: string) => here.map((m) => (m.fields[k] === undefined ? undefined : String(m.fields[k])));
        expect(here.map((m) => m.fields.messageId).join('|')).toBe(e['ldap.messageID']);
        expect(here.map((m) => m.fields.protocolOp).join('|')).toBe(e['ldap.protocolOp']);
        expect(here.map((m) => m.type).join('|')).toBe(e['ldap.protocolOp_name']);
        // tshark shows a bind name only when it is not empty.
        expect(join(here.filter((m) => m.type === 'bindRequest').map((m) => m.fields.name as string))).toBe(e['ldap.name']);
        expect(join(str('baseObject'))).toBe(e['ldap.baseObject']);
        expect(join(str('scope'))).toBe(e['ldap.scope']);
        expect(join(str('scopeName'))).toBe(e['ldap.scope_name']);
        expect(join(here.filter((m) => m.type === 'searchResEntry').map((m) => m.fields.objectName as string))).toBe(e['ldap.objectName']);
        expect(join(str('resultCode'))).toBe(e['ldap.resultCode']);
        expect(join(str('resultCodeName'))).toBe(e['ldap.resultCode_name']);
        expect(join(str('matchedDN'))).toBe(e['ldap.matchedDN']);
        expect(join(str('diagnosticMessage'))).toBe(e['ldap.errorMessage']);
        for (const m of here) expect(m.anomalies).toBeUndefined();
      }
    });
  }
});

describe('what the fixtures show beyond tshark’s columns', () => {
  test('simpleauth: search paired with its entry and done, entry attributes decoded, done counts the entry', () => {
    const ms = decodeFixture('zeek__ldap_simpleauth.pcap', [3268]);
    const search = ms.find((m) => m.type === 'searchRequest')!;
    expect(search.fields.filter).toBe('(&(objectclass=*)(sAMAccountName=xxxxxxxx))');
    expect(search.fields).toMatchObject({ derefAliases: 3, derefAliasesName: 'derefAlways' });
    const entry = ms.find((m) => m.type === 'searchResEntry')!;
    expect(entry.pairedFrame).toBe(search.frame);
    expect(entry.responseTime).toBeUndefined();
    expect(typeof entry.fields.attributes).toBe('object');
    const done = ms.find((m) => m.type === 'searchResDone')!;
    expect(done.pairedFrame).toBe(7);
    expect(done.fields.entries).toBe(1);
    expect(done.responseTime).toBeGreaterThan(0);
    expect(done.summary).toMatch(/^searchResDone id=2 success \(1 entry, [\d.]+ ms\)$/);
    expect(entry.offset + entry.length).toBe(done.offset);
    const bind = ms[0];
    expect(bind.fields).toMatchObject({ version: 3, authentication: 'simple', password: '<redacted>' });
  });

  test('who-am-i: bind summary, extended operation named, authzId in the response', () => {
    const ms = decodeFixture('zeek__ldap-who-am-i.pcap', [389]);
    expect(ms[0].summary).toBe('bindRequest id=1 cn=admin,dc=example,dc=com simple');
    expect(ms[1].summary).toMatch(/^bindResponse id=1 success \([\d.]+ ms\)$/);
    expect(ms[2].fields).toMatchObject({ requestName: '1.3.6.1.4.1.4203.1.11.3', requestNameName: 'Who-am-I' });
    expect(ms[3].fields.responseValue).toBe('dn:cn=admin,dc=example,dc=com');
    expect(ms[3].pairedFrame).toBe(8);
    expect(ms[4].type).toBe('unbindRequest');
  });

  test('invalid credentials: 12 failed NTLM binds, each answer paired with its bind', () => {
    const ms = decodeFixture('zeek__ldap_invalid_credentials.pcap', [389]);
    const failed = ms.filter((m) => m.fields.resultCode === 49);
    expect(failed).toHaveLength(12);
    for (const m of failed) {
      expect(m.fields.resultCodeName).toBe('invalidCredentials');
      expect(m.pairedFrame).toBe(m.frame - 1);
      expect(m.summary).toMatch(/^bindResponse id=\d+ invalidCredentials \(49\): 8009030C: LdapErr: DSID-0C090569, comment: AcceptSecurityContext error, data 52e, v4563 \(/);
    }
    const binds = ms.filter((m) => m.type === 'bindRequest');
    expect(binds.every((m) => m.fields.authentication === 'sasl:GSS-SPNEGO' && m.fields.saslCredentials === true)).toBe(true);
    const progress = ms.filter((m) => m.fields.resultCode === 14);
    expect(progress.every((m) => m.fields.serverSaslCreds === true)).toBe(true);
  });

  test('pcapplusplus: several messages in one segment, long-form lengths, references counted', () => {
    const ms = decodeFixture('pcapplusplus__ldap.pcapng', [389]);
    const frame8 = ms.filter((m) => m.frame === 8);
    expect(frame8.map((m) => m.type)).toEqual(['searchResRef', 'searchResRef', 'searchResRef', 'searchResDone']);
    expect(frame8[0].fields.uris).toEqual(['ldap://ForestDnsZones.matrix.local/DC=ForestDnsZones,DC=matrix,DC=local']);
    expect(frame8[3].fields.references).toBe(3);
    const search = ms.find((m) => m.frame === 7)!;
    expect(search.fields.filter).toBe('(departmentNumber:2.16.840.1.113730.3.3.2.46.1:=>=N4709)');
    const modDn = ms.find((m) => m.type === 'modDNRequest')!;
    expect(modDn.fields).toMatchObject({ objectName: 'cn=b.smith,ou=ldap3-tutorial,dc=demo1,dc=freeipa,dc=org', deleteOldRdn: true });
    const ext = ms.find((m) => m.type === 'extendedResp')!;
    expect(ext.summary).toMatch(/^extendedResp id=29 protocolError \(2\): unsupported extended operation \(/);
  });

  test('a message split over many segments (one byte each) decodes the same', () => {
    const packets = loadTcpVectors('ldap', 'zeek__ldap_simpleauth.pcap');
    const whole = replayTcp(packets, createLdapStreamDecoder, [3268]).messages;
    const h = harness(createLdapStreamDecoder);
    for (const p of packets) {
      const dir = p.sport === 3268 ? 's2c' : 'c2s';
      const b = fromHex(p.hex);
      for (let i = 0; i < b.length; i++) h.decoder.data(dir, b.subarray(i, i + 1), p.frame, p.time);
    }
    h.decoder.end();
    expect(h.messages.map((m) => [m.frame, m.summary])).toEqual(whole.map((m) => [m.frame, m.summary]));
  });
});

describe('encoder round trips', () => {
  test('simple bind: password redacted unless showSecrets', () => {
    const b = encodeLdapBindRequest({ messageId: 1, name: 'cn=admin,dc=example,dc=com', password: 's3cret' });
    const m = decodeLdapMessage(b);
    expect(m.anomalies).toEqual([]);
    expect(m.fields).toMatchObject({ messageId: 1, protocolOp: 0, version: 3, name: 'cn=admin,dc=example,dc=com', authentication: 'simple', password: '<redacted>' });
    expect(m.summary).toBe('bindRequest id=1 cn=admin,dc=example,dc=com simple');
    expect(decodeLdapMessage(b, { showSecrets: true }).fields.password).toBe('s3cret');
    expect(JSON.stringify(m)).not.toContain('s3cret');
  });

  test('SASL bind and bind response with server credentials', () => {
    const req = decodeLdapMessage(encodeLdapBindRequest({ messageId: 4, name: '', sasl: { mechanism: 'GSSAPI', credentials: Uint8Array.of(0x60, 1, 2) } }));
    expect(req.fields).toMatchObject({ authentication: 'sasl:GSSAPI', saslMechanism: 'GSSAPI', saslCredentials: true });
    const noCreds = decodeLdapMessage(encodeLdapBindRequest({ messageId: 5, name: '', sasl: { mechanism: 'EXTERNAL' } }));
    expect(noCreds.fields.saslCredentials).toBe(false);
    const resp = decodeLdapMessage(encodeLdapBindResponse({ messageId: 4, resultCode: 'saslBindInProgress', serverSaslCreds: Uint8Array.of(1) }));
    expect(resp.fields).toMatchObject({ resultCode: 14, resultCodeName: 'saslBindInProgress', serverSaslCreds: true, matchedDN: '', diagnosticMessage: '' });
  });

  test('searchRequest with a filter given as text and as an object', () => {
    const text = '(&(objectClass=user)(|(sAMAccountName=agent1*)(cn=*smith*))(!(userAccountControl:1.2.840.113556.1.4.803:=2))(mail=*))';
    const b = encodeLdapSearchRequest({ messageId: 2, baseObject: 'ou=Agents,dc=cisco,dc=com', scope: 'wholeSubtree', sizeLimit: 10, timeLimit: 30, filter: text, attributes: ['cn', 'mail'] });
    const m = decodeLdapMessage(b);
    expect(m.anomalies).toEqual([]);
    expect(m.fields).toMatchObject({
      baseObject: 'ou=Agents,dc=cisco,dc=com',
      scope: 2,
      scopeName: 'wholeSubtree',
      derefAliases: 0,
      sizeLimit: 10,
      timeLimit: 30,
      typesOnly: false,
      filter: text,
      attributes: ['cn', 'mail'],
    });
    const o = decodeLdapMessage(encodeLdapSearchRequest({ messageId: 3, baseObject: '', scope: 0, filter: { op: 'present', attribute: 'objectClass' } }));
    expect(o.fields.filter).toBe('(objectClass=*)');
    expect(o.summary).toBe('searchRequest id=3 base="" baseObject (objectClass=*)');
  });

  test('searchResEntry: text values, binary values as hex, bounded', () => {
    const many = Array.from({ length: 40 }, (_, i) => `v${i}`);
    const b = encodeLdapSearchResEntry({
      messageId: 2,
      objectName: 'cn=agent1,ou=Agents,dc=cisco,dc=com',
      attributes: { cn: ['agent1'], objectGUID: [Uint8Array.of(0x01, 0x02, 0xff, 0x00)], description: ['héllo'], memberOf: many },
    });
    const m = decodeLdapMessage(b);
    expect(m.anomalies).toEqual([]);
    const attrs = m.fields.attributes as Record<string, string[]>;
    expect(attrs.cn).toEqual(['agent1']);
    expect(attrs.objectGUID).toEqual(['0x0102ff00']);
    expect(attrs.description).toEqual(['héllo']);
    expect(attrs.memberOf).toHaveLength(33);
    expect(attrs.memberOf[32]).toBe('… (40 values)');
  });

  test('LDAPResult responses of every kind', () => {
    for (const op of ['searchResDone', 'modifyResponse', 'addResponse', 'delResponse', 'modDNResponse', 'compareResponse', 'extendedResp', 'bindResponse'] as const) {
      const m = decodeLdapMessage(encodeLdapResult(op, { messageId: 9, resultCode: 'noSuchObject', matchedDN: 'dc=example,dc=com', diagnosticMessage: 'no such entry' }));
      expect(m.type).toBe(op);
      expect(m.anomalies).toEqual([]);
      expect(m.fields).toMatchObject({ resultCode: 32, resultCodeName: 'noSuchObject', matchedDN: 'dc=example,dc=com', diagnosticMessage: 'no such entry' });
      expect(m.summary).toBe(`${op} id=9 noSuchObject (32): no such entry matched=dc=example,dc=com`);
    }
    const ref = decodeLdapMessage(encodeLdapSearchResDone({ messageId: 1, resultCode: 10, referral: ['ldap://dc2.example.com/'] }));
    expect(ref.fields).toMatchObject({ resultCodeName: 'referral', referral: ['ldap://dc2.example.com/'] });
  });

  test('unbind, abandon, del, searchResRef, extended request/response, controls', () => {
    expect(decodeLdapMessage(encodeLdapUnbindRequest({ messageId: 3 })).summary).toBe('unbindRequest id=3');
    expect(decodeLdapMessage(encodeLdapAbandonRequest({ messageId: 4, abandonId: 2 })).fields.abandonId).toBe(2);
    expect(decodeLdapMessage(encodeLdapDelRequest({ messageId: 5, objectName: 'cn=x' })).fields.objectName).toBe('cn=x');
    expect(decodeLdapMessage(encodeLdapSearchResRef({ messageId: 6, uris: ['ldap://a/', 'ldap://b/'] })).fields.uris).toEqual(['ldap://a/', 'ldap://b/']);
    const st = decodeLdapMessage(encodeLdapExtendedRequest({ messageId: 1, requestName: '1.3.6.1.4.1.1466.20037' }));
    expect(st.summary).toBe('extendedReq id=1 1.3.6.1.4.1.1466.20037 (StartTLS)');
    const sr = decodeLdapMessage(encodeLdapExtendedResponse({ messageId: 1, resultCode: 0, responseName: '1.3.6.1.4.1.1466.20037' }));
    expect(sr.fields).toMatchObject({ responseName: '1.3.6.1.4.1.1466.20037', responseNameName: 'StartTLS' });
    const withControls = decodeLdapMessage(
      encodeLdapSearchRequest({ messageId: 7, baseObject: 'dc=x', scope: 1, controls: [{ type: '1.2.840.113556.1.4.319', criticality: true, value: Uint8Array.of(0x30, 0) }, { type: '1.9.9' }] }),
    );
    expect(withControls.anomalies).toEqual([]);
    expect(withControls.fields.controls).toEqual([
      { oid: '1.2.840.113556.1.4.319', critical: true, name: 'Paged Results' },
      { oid: '1.9.9', critical: false },
    ]);
  });
});

describe('RFC 4515 filters', () => {
  const canonical = [
    '(objectClass=*)',
    '(cn=Babs Jensen)',
    '(!(cn=Tim Howes))',
    '(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))',
    '(o=univ*of*mich*)',
    '(seeAlso=)',
    '(cn:caseExactMatch:=Fred Flintstone)',
    '(cn:=Betty Rubble)',
    '(sn:dn:2.4.6.8.10:=Barney Rubble)',
    '(o:dn:=Ace Industry)',
    '(:1.2.3:=Wilma Flintstone)',
    '(:DN:2.4.6.8.10:=Dino)',
    '(o=Parens R Us \\28for all your parenthetical needs\\29)',
    '(cn=*\\2a*)',
    '(filename=C:\\5cMyFile)',
    '(bin=\\00\\00\\00\\04)',
    '(sn=Lu\\c4\\8di\\c4\\87)',
    '(age>=21)',
    '(age<=65)',
    '(name~=jon)',
    '(cn=*end)',
    '(cn=start*)',
  ];
  for (const text of canonical) {
    test(text, () => {
      const rendered = formatLdapFilter(parseLdapFilter(text));
      // Escapes of valid UTF-8 are rendered as the characters themselves; dn is written in lower case.
      const expected = text === '(sn=Lu\\c4\\8di\\c4\\87)' ? '(sn=Lučić)' : text.replace(':DN:', ':dn:');
      expect(rendered).toBe(expected);
    });
  }
  test('shorthand without parentheses and syntax errors', () => {
    expect(formatLdapFilter(parseLdapFilter('uid=agent1'))).toBe('(uid=agent1)');
    for (const bad of ['(cn=a', '(&(cn=a)', '(cn=a)(cn=b)', '(=x)', '(cn=\\zz)', '((cn=a))']) expect(() => parseLdapFilter(bad)).toThrow(SyntaxError);
  });
});

describe('stream behaviour', () => {
  test('search pairing with summary and response time', () => {
    const h = harness(createLdapStreamDecoder);
    h.decoder.data('c2s', encodeLdapSearchRequest({ messageId: 2, baseObject: 'dc=x', scope: 2, filter: '(uid=a)' }), 1, 10);
    h.decoder.data('s2c', encodeLdapSearchResEntry({ messageId: 2, objectName: 'uid=a,dc=x', attributes: {} }), 2, 10.002);
    h.decoder.data('s2c', encodeLdapSearchResDone({ messageId: 2, resultCode: 0 }), 3, 10.004);
    h.decoder.end();
    expect(h.messages[2].summary).toBe('searchResDone id=2 success (1 entry, 4.0 ms)');
    expect(h.messages[2].responseTime).toBeCloseTo(0.004, 6);
    expect(h.messages[1].pairedFrame).toBe(1);
  });

  test('bind failure summary', () => {
    const h = harness(createLdapStreamDecoder);
    h.decoder.data('c2s', encodeLdapBindRequest({ messageId: 1, name: 'cn=admin,dc=example,dc=com', password: 'x' }), 1, 0);
    h.decoder.data('s2c', encodeLdapBindResponse({ messageId: 1, resultCode: 49, diagnosticMessage: '8009030C: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 52e, v3839\0' }), 2, 0.015);
    h.decoder.end();
    expect(h.messages[1].summary).toBe('bindResponse id=1 invalidCredentials (49): 8009030C: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 52e, v3839 (15 ms)');
    expect(h.messages[1].fields.diagnosticMessage).toBe('8009030C: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 52e, v3839');
  });

  test('after a successful StartTLS the decoder stops: TLS records are not read as LDAP', () => {
    const h = harness(createLdapStreamDecoder);
    h.decoder.data('c2s', encodeLdapExtendedRequest({ messageId: 1, requestName: '1.3.6.1.4.1.1466.20037' }), 1, 0);
    h.decoder.data('s2c', encodeLdapExtendedResponse({ messageId: 1, resultCode: 0 }), 2, 0.001);
    h.decoder.data('c2s', fromHex('160301020001000200030300'), 3, 0.002);
    h.decoder.data('s2c', fromHex('16030300510200004d0303'), 4, 0.003);
    h.decoder.end();
    expect(h.messages).toHaveLength(2);
    expect(h.messages[1].fields.startTls).toBe(true);
    expect(h.messages[1].summary).toMatch(/TLS follows\)$/);
    expect(h.messages.every((m) => m.anomalies === undefined)).toBe(true);
  });

  test('a failed StartTLS does not stop decoding', () => {
    const h = harness(createLdapStreamDecoder);
    h.decoder.data('c2s', encodeLdapExtendedRequest({ messageId: 1, requestName: '1.3.6.1.4.1.1466.20037' }), 1, 0);
    h.decoder.data('s2c', encodeLdapExtendedResponse({ messageId: 1, resultCode: 'protocolError' }), 2, 0.001);
    h.decoder.data('c2s', encodeLdapUnbindRequest({ messageId: 2 }), 3, 0.002);
    h.decoder.end();
    expect(h.messages.map((m) => m.type)).toEqual(['extendedReq', 'extendedResp', 'unbindRequest']);
  });

  test('a SASL bind that switches on a security layer: one message, one anomaly, then silence', () => {
    const h = harness(createLdapStreamDecoder);
    h.decoder.data('c2s', encodeLdapBindRequest({ messageId: 1, name: '', sasl: { mechanism: 'GSS-SPNEGO', credentials: Uint8Array.of(1, 2, 3) } }), 1, 0);
    h.decoder.data('s2c', encodeLdapBindResponse({ messageId: 1, resultCode: 0, serverSaslCreds: Uint8Array.of(9) }), 2, 0.01);
    // Sealed traffic: 4-byte length, then an opaque wrapped token.
    const wrapped = Uint8Array.from([0, 0, 0, 40, ...Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff)]);
    h.decoder.data('c2s', wrapped, 3, 0.02);
    h.decoder.data('s2c', wrapped, 4, 0.03);
    h.decoder.data('c2s', wrapped, 5, 0.04);
    h.decoder.end();
    expect(h.messages.map((m) => m.type)).toEqual(['bindRequest', 'bindResponse', 'saslBuffer']);
    const last = h.messages[2];
    expect(last.anomalies?.map((a) => a.code)).toEqual(['sasl-security-layer']);
    expect(last.fields).toEqual({ saslBufferLength: 40, saslMechanism: 'GSS-SPNEGO' });
    expect(last.frame).toBe(3);
  });

  test('a successful SASL bind without a layer keeps decoding LDAP', () => {
    const h = harness(createLdapStreamDecoder);
    h.decoder.data('c2s', encodeLdapBindRequest({ messageId: 1, name: '', sasl: { mechanism: 'GSSAPI', credentials: Uint8Array.of(1) } }), 1, 0);
    h.decoder.data('s2c', encodeLdapBindResponse({ messageId: 1, resultCode: 0 }), 2, 0.01);
    h.decoder.data('c2s', encodeLdapSearchRequest({ messageId: 2, baseObject: '', scope: 0 }), 3, 0.02);
    h.decoder.data('s2c', encodeLdapSearchResDone({ messageId: 2, resultCode: 0 }), 4, 0.03);
    h.decoder.end();
    expect(h.messages.map((m) => m.type)).toEqual(['bindRequest', 'bindResponse', 'searchRequest', 'searchResDone']);
    expect(h.messages.every((m) => m.anomalies === undefined)).toBe(true);
  });

  test('resync after garbage and after a gap', () => {
    const h = harness(createLdapStreamDecoder);
    const a = encodeLdapSearchRequest({ messageId: 2, baseObject: 'dc=x', scope: 2 });
    h.decoder.data('c2s', fromHex('ffffffff0000'), 1, 0);
    h.decoder.data('c2s', a, 2, 0);
    h.decoder.data('c2s', a.subarray(0, 10), 3, 0);
    h.decoder.gap('c2s', 50, 4, 0);
    h.decoder.data('c2s', a.subarray(20), 5, 0);
    h.decoder.data('c2s', encodeLdapUnbindRequest({ messageId: 3 }), 6, 0);
    h.decoder.end();
    expect(h.messages.map((m) => [m.frame, m.type])).toEqual([
      [2, 'searchRequest'],
      [6, 'unbindRequest'],
    ]);
    expect(h.messages[0].anomalies?.map((x) => x.code)).toEqual(['not-a-message', 'resynchronised']);
    expect(h.messages[1].anomalies?.map((x) => x.code)).toContain('message-cut-by-gap');
  });

  leftoverAnomalyTests('ldap', createLdapStreamDecoder, encodeLdapSearchRequest({ messageId: 2, baseObject: 'dc=x', scope: 2 }));
});

describe('malformed BER', () => {
  const good = encodeLdapBindRequest({ messageId: 1, name: 'cn=a', password: 'p' });

  test('indefinite length is refused with an anomaly', () => {
    const b = Uint8Array.from([0x30, 0x80, ...good.subarray(2), 0, 0]);
    const m = decodeLdapMessage(b);
    expect(m.anomalies.map((a) => a.code)).toEqual(['indefinite-length']);
    const inner = good.slice();
    inner[6] = 0x80; // the bindRequest's own length
    expect(decodeLdapMessage(inner).anomalies.map((a) => a.code)).toContain('indefinite-length');
  });

  test('truncated message and lengths past their container', () => {
    expect(decodeLdapMessage(good.subarray(0, good.length - 3)).anomalies[0].code).toBe('truncated');
    const b = good.slice();
    b[10] = 0x7f; // the name's length
    const m = decodeLdapMessage(b);
    expect(m.anomalies.map((a) => a.code)).toEqual(['truncated']);
    expect(m.fields.messageId).toBe(1);
    expect(m.type).toBe('bindRequest');
  });

  test('not a SEQUENCE, unknown operation', () => {
    expect(decodeLdapMessage(fromHex('31050201016000')).anomalies[0].code).toBe('not-ldap');
    const m = decodeLdapMessage(fromHex('30050201017100'));
    expect(m.type).toBe('UNKNOWN_17');
    expect(m.anomalies[0].code).toBe('unknown-operation');
  });
});

describe('BER reader and writer', () => {
  test('multi-byte tags and long-form lengths', () => {
    const id = berIdentifier(2, true, 300);
    expect(Array.from(id)).toEqual([0xbf, 0x82, 0x2c]);
    const content = new Uint8Array(300);
    const tlv = berTlv(id, content);
    expect(Array.from(berLengthBytes(300))).toEqual([0x82, 0x01, 0x2c]);
    const el = readBerElement(tlv, 0, tlv.length);
    expect(el).toMatchObject({ tagClass: 2, constructed: true, tagNumber: 300, contentStart: 6, length: 300, end: 306 });
    expect(el.error).toBeUndefined();
    expect(berElementLength(tlv, 0, 3)).toBe(0);
    expect(berElementLength(tlv, 0, 6)).toBe(306);
    expect(readBerElement(tlv, 0, 100).error).toBe('past-end');
    expect(berElementLength(fromHex('3085'), 0, 2)).toBe(-1);
    expect(readBerElement(fromHex('30850000000001'), 0, 7).error).toBe('length-too-long');
    expect(readBerElement(fromHex('30ff'), 0, 2).error).toBe('reserved-length');
    expect(readBerElement(fromHex('3f'), 0, 1).error).toBe('truncated-header');
  });

  test('integers, both signs, minimal encoding', () => {
    for (const v of [0, 1, 127, 128, 255, 256, -1, -128, -129, 65535, 2147483647, -2147483648]) {
      const c = berIntegerContent(v);
      expect(readBerInteger(c, 0, c.length)).toBe(v);
    }
    expect(Array.from(berInteger(128))).toEqual([0x02, 0x02, 0x00, 0x80]);
    expect(Array.from(berInteger(-128))).toEqual([0x02, 0x01, 0x80]);
    expect(readBerOid(fromHex('2b0601040182370201'), 0, 9)).toBe('1.3.6.1.4.1.311.2.1');
  });
});

test('probeLdap', () => {
  const req = encodeLdapBindRequest({ messageId: 1, name: 'cn=a', password: 'p' });
  const resp = encodeLdapBindResponse({ messageId: 1, resultCode: 0 });
  expect(probeLdap(req, 'c2s')).toBe('yes');
  expect(probeLdap(resp, 's2c')).toBe('yes');
  expect(probeLdap(req, 's2c')).toBe('no');
  expect(probeLdap(req.subarray(0, 3), 'c2s')).toBe('maybe');
  expect(probeLdap(new TextEncoder().encode('GET / HTTP/1.1\r\n'), 'c2s')).toBe('no');
  expect(probeLdap(fromHex('300c020101'), 'c2s')).toBe('maybe');
  expect(probeLdap(fromHex('300c0201010a0100040004000000'), 'c2s')).toBe('no');
  const real = loadTcpVectors('ldap', 'zeek__ldap_invalid_credentials.pcap');
  expect(probeLdap(fromHex(real[0].hex), 'c2s')).toBe('yes');
});

describe('bounded fuzz: no throw, no hang', () => {
  let seed = 0x9e3779b9;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const samples = [
    ...loadTcpVectors('ldap', 'pcapplusplus__ldap.pcapng').map((p) => fromHex(p.hex)),
    encodeLdapSearchRequest({ messageId: 2, baseObject: 'dc=x', scope: 2, filter: '(&(a=b)(|(c=d*e)(!(f>=1)))(g:dn:1.2:=h))' }),
  ];

  test('mutated real and encoded messages', () => {
    for (let i = 0; i < 3000; i++) {
      const b = samples[i % samples.length].slice();
      const flips = 1 + rand(6);
      for (let k = 0; k < flips; k++) b[rand(b.length)] = rand(256);
      const cut = rand(4) === 0 ? b.subarray(0, rand(b.length + 1)) : b;
      const m = decodeLdapMessage(cut, { showSecrets: rand(2) === 0 });
      expect(typeof m.summary).toBe('string');
      probeLdap(cut, rand(2) === 0 ? 'c2s' : 's2c');
    }
  });

  test('random and mutated bytes through the stream decoder with gaps', () => {
    const h = harness(createLdapStreamDecoder);
    feedRandomStream(h.decoder, samples, rand, 400, 128);
    expect(h.messages.length).toBeGreaterThan(50);
  });

  test('deeply nested filters are bounded', () => {
    let filter = '(a=b)';
    for (let i = 0; i < 200; i++) filter = `(!${filter})`;
    const m = decodeLdapMessage(encodeLdapSearchRequest({ messageId: 1, baseObject: '', scope: 0, filter }));
    expect(m.anomalies.map((a) => a.code)).toEqual(['bad-filter']);
  });
});
