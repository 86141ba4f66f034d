/**
 * Just enough X.509 (RFC 5280) DER reading to name a server certificate in a timeline: subject and
 * issuer, validity, subject alternative DNS names, and whether it is self-signed. No signature is
 * checked; nothing here trusts or distrusts anything.
 */

export interface CertificateSummary {
  /** Distinguished names as "CN=…, O=…" in the order the certificate lists them. */
  subject: string;
  issuer: string;
  subjectCN: string | null;
  subjectO: string | null;
  issuerCN: string | null;
  issuerO: string | null;
  /** ISO 8601, UTC. */
  notBefore: string | null;
  notAfter: string | null;
  /** Seconds since the epoch, for comparing with the capture time. */
  notBeforeTime: number | null;
  notAfterTime: number | null;
  /** Subject equals issuer (byte for byte): the certificate signed itself. */
  selfSigned: boolean;
  dnsNames: string[];
  serialNumber: string;
  /** Set when the DER did not parse to the end of what we read. */
  error?: string;
}

interface Tlv {
  tag: number;
  /** Offset of the value and its end. */
  start: number;
  end: number;
}

/** Reads the TLV at `o` (bounded by `limit`); null when it does not fit. Only single-byte tags. */
function tlv(b: Uint8Array, o: number, limit: number): Tlv | null {
  if (o + 2 > limit) return null;
  const tag = b[o];
  let len = b[o + 1];
  let p = o + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  if (p + len > limit) return null;
  return { tag, start: p, end: p + len };
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function oidText(b: Uint8Array, start: number, end: number): string {
  if (start >= end) return '';
  const parts: number[] = [Math.floor(b[start] / 40), b[start] % 40];
  let v = 0;
  for (let i = start + 1; i < end; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const utf8 = new TextDecoder('utf-8');

function stringValue(b: Uint8Array, t: Tlv): string {
  const bytes = b.subarray(t.start, t.end);
  if (t.tag === 0x1e) {
    // BMPString: UTF-16BE.
    let s = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
    return s;
  }
  if (t.tag === 0x0c) return utf8.decode(bytes);
  let s = '';
  for (const c of bytes) s += String.fromCharCode(c);
  return s;
}

interface NameText {
  text: string;
  cn: string | null;
  o: string | null;
}

function readName(b: Uint8Array, name: Tlv): NameText {
  const out: string[] = [];
  let cn: string | null = null;
  let o: string | null = null;
  let p = name.start;
  while (p < name.end) {
    const set = tlv(b, p, name.end);
    if (!set) break;
    let q = set.start;
    while (q < set.end) {
      const atv = tlv(b, q, set.end);
      if (!atv) break;
      const oid = tlv(b, atv.start, atv.end);
      const val = oid ? tlv(b, oid.end, atv.end) : null;
      if (oid && val && oid.tag === 0x06) {
        const id = oidText(b, oid.start, oid.end);
        const key = ATTRIBUTE_NAMES[id] ?? id;
        const value = stringValue(b, val);
        out.push(`${key}=${value}`);
        if (key === 'CN' && cn === null) cn = value;
        if (key === 'O' && o === null) o = value;
      }
      q = atv.end;
    }
    p = set.end;
  }
  return { text: out.join(', '), cn, o };
}

/** UTCTime (YYMMDDHHMM[SS]Z) or GeneralizedTime (YYYYMMDDHHMM[SS][.f]Z) to epoch seconds. */
function readTime(b: Uint8Array, t: Tlv): number | null {
  let s = '';
  for (let i = t.start; i < t.end; i++) s += String.fromCharCode(b[i]);
  let m: RegExpMatchArray | null;
  let year: number;
  if (t.tag === 0x17) {
    m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/);
    if (!m) return null;
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
  } else if (t.tag === 0x18) {
    m = s.match(/^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:\.\d+)?Z$/);
    if (!m) return null;
    year = Number(m[1]);
  } else {
    return null;
  }
  const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isFinite(ms) ? ms / 1000 : null;
}

function sameBytes(b: Uint8Array, x: Tlv, y: Tlv): boolean {
  if (x.end - x.start !== y.end - y.start) return false;
  for (let i = 0; i < x.end - x.start; i++) if (b[x.start + i] !== b[y.start + i]) return false;
  return true;
}

function subjectAltDnsNames(b: Uint8Array, extensions: Tlv, out: string[]): void {
  const seq = tlv(b, extensions.start, extensions.end);
  if (!seq) return;
  let p = seq.start;
  while (p < seq.end) {
    const ext = tlv(b, p, seq.end);
    if (!ext) return;
    const oid = tlv(b, ext.start, ext.end);
    if (oid && oid.tag === 0x06 && oidText(b, oid.start, oid.end) === '2.5.29.17') {
      let q = oid.end;
      let value = tlv(b, q, ext.end);
      if (value && value.tag === 0x01) {
        q = value.end; // the optional critical flag
        value = tlv(b, q, ext.end);
      }
      const names = value && value.tag === 0x04 ? tlv(b, value.start, value.end) : null;
      if (names) {
        let r = names.start;
        while (r < names.end) {
          const gn = tlv(b, r, names.end);
          if (!gn) break;
          if (gn.tag === 0x82) out.push(stringValue(b, gn)); // dNSName [2] IA5String
          r = gn.end;
        }
      }
    }
    p = ext.end;
  }
}

/** Reads one DER certificate. Never throws; what could not be read is null and `error` says why. */
export function parseCertificate(der: Uint8Array): CertificateSummary {
  const out: CertificateSummary = {
    subject: '',
    issuer: '',
    subjectCN: null,
    subjectO: null,
    issuerCN: null,
    issuerO: null,
    notBefore: null,
    notAfter: null,
    notBeforeTime: null,
    notAfterTime: null,
    selfSigned: false,
    dnsNames: [],
    serialNumber: '',
  };
  const cert = tlv(der, 0, der.length);
  const tbs = cert && cert.tag === 0x30 ? tlv(der, cert.start, cert.end) : null;
  if (!cert || !tbs || tbs.tag !== 0x30) {
    out.error = 'not a DER certificate';
    return out;
  }
  let p = tbs.start;
  const next = (): Tlv | null => {
    const t = tlv(der, p, tbs.end);
    if (t) p = t.end;
    return t;
  };
  let t = next();
  if (t && t.tag === 0xa0) t = next(); // [0] version
  if (!t || t.tag !== 0x02) {
    out.error = 'no serial number';
    return out;
  }
  for (let i = t.start; i < t.end; i++) out.serialNumber += der[i].toString(16).padStart(2, '0');
  const sigAlg = next();
  const issuer = next();
  const validity = next();
  const subject = next();
  if (!sigAlg || !issuer || !validity || !subject || issuer.tag !== 0x30 || subject.tag !== 0x30 || validity.tag !== 0x30) {
    out.error = 'certificate fields cut short';
    return out;
  }
  const iss = readName(der, issuer);
  const sub = readName(der, subject);
  out.issuer = iss.text;
  out.issuerCN = iss.cn;
  out.issuerO = iss.o;
  out.subject = sub.text;
  out.subjectCN = sub.cn;
  out.subjectO = sub.o;
  out.selfSigned = sameBytes(der, issuer, subject);
  const nb = tlv(der, validity.start, validity.end);
  const na = nb ? tlv(der, nb.end, validity.end) : null;
  if (nb) out.notBeforeTime = readTime(der, nb);
  if (na) out.notAfterTime = readTime(der, na);
  if (out.notBeforeTime !== null) out.notBefore = new Date(out.notBeforeTime * 1000).toISOString();
  if (out.notAfterTime !== null) out.notAfter = new Date(out.notAfterTime * 1000).toISOString();
  // subjectPublicKeyInfo, then optional [1] [2] unique ids and [3] extensions.
  next();
  for (let e = next(); e; e = next()) if (e.tag === 0xa3) subjectAltDnsNames(der, e, out.dnsNames);
  return out;
}
