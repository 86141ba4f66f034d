// Attribute lists that are well formed throughout are read without the Reader (most of a directory
// download's bytes). The shortcut must agree with the Reader path on every input, and hand anything
// irregular back to it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { berConstructed, berOctetString, berTlv, readBerElement, readPlainBerElement } from '../../../src/decoders/ber.js';
import { decodeLdapMessage, decodeLdapMessageGeneral, plainAttributes } from '../../../src/decoders/ldap/decode.js';
import { encodeLdapMessage } from '../../../src/decoders/ldap/encode.js';
import { fromHex, loadTcpVectors } from '../giop/vectors.js';

type Attr = [name: string, values: Array<string | Uint8Array>];

/** A searchResEntry whose attribute list is built by hand (so it can repeat names and bend lengths). */
function entry(attrs: Attr[], longLengths = false): Uint8Array {
  const octets = (v: string | Uint8Array): Uint8Array => {
    const plain = berOctetString(v);
    if (!longLengths) return plain;
    // Same content, long-form length (0x82 hh ll): BER allows it, and the reader must too.
    const content = plain.subarray(2);
    return Uint8Array.from([0x04, 0x82, content.length >> 8, content.length & 0xff, ...content]);
  };
  const list = attrs.map(([name, values]) => berConstructed(0x30, [octets(name), berConstructed(0x31, values.map(octets))]));
  return encodeLdapMessage(7, berConstructed(0x64, [berOctetString('cn=agent,ou=People'), berConstructed(0x30, list)]));
}

const same = (bytes: Uint8Array): void => {
  const fast = decodeLdapMessage(bytes);
  const general = decodeLdapMessageGeneral(bytes);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(general));
};

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'a\u0000b', 'tab\there', 'é', 'ü'.repeat(200)),
  fc.uint8Array({ maxLength: 80 }),
);
const attrs = fc.array(fc.tuple(fc.constantFrom('cn', 'mail', 'telephoneNumber', 'objectClass', 'x', ''), fc.array(value, { maxLength: 40, size: 'max' })), { maxLength: 70 });

/** Where the attribute list of an encoded entry starts and ends (it is the last element of the op). */
function listBounds(bytes: Uint8Array): [number, number] {
  const m = decodeLdapMessageGeneral(bytes);
  expect(m.anomalies).toEqual([]);
  // Walk: LDAPMessage(30 ..) id(02 01 07) op(64 ..) dn(04 ..) list(30 ..).
  let p = 0;
  const header = (at: number): [number, number] => {
    const first = bytes[at + 1];
    if (first < 0x80) return [at + 2, at + 2 + first];
    const n = first & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[at + 2 + i];
    return [at + 2 + n, at + 2 + n + len];
  };
  [p] = header(0); // into LDAPMessage
  p = header(p)[1]; // past messageID
  [p] = header(p); // into searchResEntry
  p = header(p)[1]; // past objectName
  return header(p);
}

describe('LDAP attribute lists read without the Reader', () => {
  it('take the shortcut on well-formed lists, short and long lengths, and agree with the Reader path', () => {
    fc.assert(
      fc.property(attrs, fc.boolean(), (a, long) => {
        const bytes = entry(a, long);
        const [start, end] = listBounds(bytes);
        const plain = a.length <= 64 ? plainAttributes(bytes, start, end) : null;
        if (a.length <= 64) expect(plain).not.toBeNull();
        same(bytes);
      }),
      { numRuns: 300 },
    );
    // Around the bounds: 32 values per attribute are shown, then a count; 64 attributes.
    for (const n of [31, 32, 33, 50]) {
      const bytes = entry([['member', Array.from({ length: n }, (_, i) => `cn=m${i}`)], ['member', ['cn=last']]]);
      same(bytes);
      const shown = decodeLdapMessage(bytes).fields.attributes as Record<string, string[]>;
      expect(shown.member.length).toBe(Math.min(n, 32) + (n > 32 ? 1 : 0) + 1);
    }
    for (const n of [63, 64]) same(entry(Array.from({ length: n }, (_, i): Attr => [`a${i}`, ['v']])));
  });

  it('hand irregular lists back to the Reader path, which names the problem', () => {
    const good = entry([
      ['cn', ['Agent One']],
      ['telephoneNumber', ['2001', '2002']],
      ['objectClass', ['top', 'person']],
    ]);
    const [start, end] = listBounds(good);
    // Every single-byte change and every cut inside the list gives what the Reader path gives.
    for (let i = start; i < end; i++) {
      for (const b of [0x00, 0x04, 0x30, 0x31, 0x7f, 0x80, 0x81, 0x84, 0x85, 0xff]) {
        const bad = good.slice();
        bad[i] = b;
        same(bad);
      }
      same(good.subarray(0, i));
    }
    // More than 64 attributes: the count is reported by the Reader path.
    const many = entry(Array.from({ length: 70 }, (_, i): Attr => [`a${i}`, ['v']]));
    const [ms, me] = listBounds(many);
    expect(plainAttributes(many, ms, me)).toBeNull();
    expect(decodeLdapMessage(many).fields.attributeCount).toBe(70);
    same(many);
    // A set of values with a non-OCTET STRING inside.
    const odd = encodeLdapMessage(
      3,
      berConstructed(0x64, [berOctetString('cn=x'), berConstructed(0x30, [berConstructed(0x30, [berOctetString('cn'), berConstructed(0x31, [berTlv(0x02, Uint8Array.of(1))])])])]),
    );
    same(odd);
    expect(decodeLdapMessage(odd).anomalies.map((a) => a.code)).toEqual(['unexpected-tag']);
  });

  it('read an element exactly when readBerElement reads it cleanly, to the same bounds', () => {
    fc.assert(
      fc.property(
        // Mostly plausible headers: one of the identifiers, then a short, long, indefinite or reserved length.
        fc.tuple(
          fc.constantFrom(0x04, 0x30, 0x31, 0x1f),
          fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(0x80, 0x81, 0x82, 0x84, 0x85, 0xff), fc.integer({ min: 0, max: 255 })),
          fc.uint8Array({ maxLength: 14 }),
        ).map(([id, len, rest]) => Uint8Array.from([id, len, ...rest])),
        fc.nat(3),
        fc.nat(18),
        fc.constantFrom(0x04, 0x30, 0x31),
        (buf, offset, limit, id) => {
        const span = { start: -1, end: -1 };
        const plain = readPlainBerElement(buf, offset, limit, id, span);
        const el = readBerElement(buf, offset, limit);
        const clean = el.error === undefined && el.identifier === id;
        expect(plain).toBe(clean);
        if (plain) expect([span.start, span.end]).toEqual([el.contentStart, el.end]);
        },
      ),
      { numRuns: 3000 },
    );
    // Long-form lengths up to 4 bytes, as readBerElement takes them.
    const span = { start: 0, end: 0 };
    expect(readPlainBerElement(Uint8Array.of(0x04, 0x82, 0x00, 0x02, 0x61, 0x62), 0, 6, 0x04, span)).toBe(true);
    expect(span).toEqual({ start: 4, end: 6 });
    expect(readPlainBerElement(Uint8Array.of(0x04, 0x80, 0x61, 0x00, 0x00), 0, 5, 0x04, span)).toBe(false);
  });

  it('agree on the real captures', () => {
    for (const file of ['pcapplusplus__ldap.pcapng', 'zeek__ldap_simpleauth.pcap', 'zeek__ldap-who-am-i.pcap']) {
      for (const v of loadTcpVectors('ldap', file)) same(fromHex(v.hex));
    }
  });
});
