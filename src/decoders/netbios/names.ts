/**
 * NetBIOS names (RFC 1001 §14, RFC 1002 §4.1): 15 characters padded with spaces, then a one-byte suffix
 * that says which service registered the name. On the wire each byte becomes two letters 'A'–'P' (its
 * high and low nibble: first-level encoding), so "DESKTOP-1" <00> travels as "EEEFFDELEFFAC…AA", the
 * label that a DNS decoder would print as a meaningless host name. A NetBIOS scope may follow as
 * ordinary DNS labels.
 *
 * Names are shown as Wireshark shows them: trailing spaces dropped, bytes outside printable ASCII and
 * the suffix as <xx> in lower-case hex ("DESKTOP-1<00>", "<01><02>__MSBROWSE__<02><01>").
 */

/** Suffix (the 16th byte) to the service that registers it, as Wireshark names them. */
export const NETBIOS_SUFFIX_NAMES: Record<number, string> = {
  0x00: 'Workstation/Redirector',
  0x01: 'Browser',
  0x02: 'Workstation/Redirector',
  0x03: 'Messenger service/Main name',
  0x05: 'Forwarded name',
  0x06: 'RAS Server service',
  0x1b: 'Domain Master Browser',
  0x1c: 'Domain Controllers',
  0x1d: 'Local Master Browser',
  0x1e: 'Browser Election Service',
  0x1f: 'Net DDE Service',
  0x20: 'Server service',
  0x21: 'RAS client service',
  0x22: 'Exchange Interchange (MSMail Connector)',
  0x23: 'Exchange Store',
  0x24: 'Exchange Directory',
  0x2b: 'Lotus Notes Server service',
  0x30: 'Modem sharing server service',
  0x31: 'Modem sharing client service',
  0x43: 'SMS Clients Remote Control',
  0x44: 'SMS Administrators Remote Control Tool',
  0x45: 'SMS Clients Remote Chat',
  0x46: 'SMS Clients Remote Transfer',
  0x4c: 'DEC Pathworks TCP/IP Service on Windows NT',
  0x52: 'DEC Pathworks TCP/IP Service on Windows NT',
  0x6a: 'Microsoft Exchange IMC',
  0x87: 'Microsoft Exchange MTA',
  0xbe: 'Network Monitor Agent',
  0xbf: 'Network Monitor Analyzer',
};

/** Length of an encoded name's first label: 16 bytes, two letters each. */
export const ENCODED_NAME_LENGTH = 32;

export interface NetbiosName {
  /** As Wireshark shows it: "DESKTOP-1<00>". */
  display: string;
  /** The 15 characters without trailing spaces, non-printable bytes as <xx>: "DESKTOP-1". */
  name: string;
  suffix: number;
  suffixName: string;
  /** The NetBIOS scope (DNS labels after the encoded one), or '' when there is none. */
  scope: string;
}

const hex2 = (b: number): string => (b < 16 ? '0' : '') + b.toString(16);

export function netbiosSuffixName(suffix: number): string {
  return NETBIOS_SUFFIX_NAMES[suffix] ?? `suffix 0x${hex2(suffix)}`;
}

/** The 16 raw bytes of a name (15 characters and the suffix) as Wireshark shows them. */
export function netbiosNameFromBytes(b: Uint8Array, offset: number, scope = ''): NetbiosName {
  let end = offset + 15;
  while (end > offset && b[end - 1] === 0x20) end--;
  let name = '';
  for (let i = offset; i < end; i++) {
    const c = b[i];
    name += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `<${hex2(c)}>`;
  }
  const suffix = b[offset + 15];
  const display = `${name}<${hex2(suffix)}>${scope ? '.' + scope : ''}`;
  return { display, name, suffix, suffixName: netbiosSuffixName(suffix), scope };
}

/**
 * Decodes a first-level encoded name given as text (the labels a DNS name reader returns: the 32-letter
 * label, then the scope). Null when the first label is not 32 letters 'A'–'P'.
 */
export function decodeNetbiosName(encoded: string): NetbiosName | null {
  const dot = encoded.indexOf('.');
  const label = dot < 0 ? encoded : encoded.slice(0, dot);
  if (label.length !== ENCODED_NAME_LENGTH) return null;
  const raw = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const hi = label.charCodeAt(2 * i) - 0x41;
    const lo = label.charCodeAt(2 * i + 1) - 0x41;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return null;
    raw[i] = (hi << 4) | lo;
  }
  return netbiosNameFromBytes(raw, 0, dot < 0 ? '' : encoded.slice(dot + 1));
}

/**
 * A name on the wire: the 32-letter label (with its length byte), the scope's labels and the root.
 * `name` is upper-cased and padded with spaces to 15 characters, as Windows registers it.
 */
export function encodeNetbiosName(name: string, suffix: number, scope = ''): Uint8Array {
  const chars = name.toUpperCase().padEnd(15, ' ').slice(0, 15);
  const raw = [...chars].map((c) => c.charCodeAt(0) & 0xff);
  raw.push(suffix & 0xff);
  const out: number[] = [ENCODED_NAME_LENGTH];
  for (const b of raw) out.push(0x41 + (b >> 4), 0x41 + (b & 15));
  for (const label of scope ? scope.split('.') : []) {
    out.push(label.length);
    for (let i = 0; i < label.length; i++) out.push(label.charCodeAt(i) & 0xff);
  }
  out.push(0);
  return Uint8Array.from(out);
}
