/**
 * The lab's stand-in for the CTI OS client/server protocol on 42028. Cisco has not published that format, so the lab's
 * desktops and CTI OS server speak a made-up one: a 4-byte total length, a 4-byte kind, then NUL-separated UTF-8
 * fields. ctiscope decodes 42028 as opaque bytes either way; only sizes and timing show in the analysis.
 */

import type { PduFraming } from '../decoders/framing.js';

export const CTIOS_KIND = {
  hello: 1,
  settings: 2,
  login: 3,
  loginResult: 4,
  logout: 5,
  logoutResult: 6,
} as const;

export type CtiosKind = keyof typeof CTIOS_KIND;

export interface CtiosLabMessage {
  kind: CtiosKind;
  fields: string[];
}

const KIND_NAMES = new Map<number, CtiosKind>(Object.entries(CTIOS_KIND).map(([k, v]) => [v, k as CtiosKind]));
const MAX_LENGTH = 64 * 1024;

export function encodeCtiosLab(kind: CtiosKind, fields: string[] = [], padTo = 0): Uint8Array {
  const body = new TextEncoder().encode(fields.join('\0'));
  const out = new Uint8Array(Math.max(8 + body.length, padTo));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, out.length);
  dv.setUint32(4, CTIOS_KIND[kind]);
  out.set(body, 8);
  return out;
}

export function decodeCtiosLab(pdu: Uint8Array): CtiosLabMessage | undefined {
  if (pdu.length < 8) return undefined;
  const dv = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  const kind = KIND_NAMES.get(dv.getUint32(4));
  if (!kind) return undefined;
  let end = pdu.length;
  while (end > 8 && pdu[end - 1] === 0) end--;
  const text = new TextDecoder().decode(pdu.subarray(8, end));
  return { kind, fields: text === '' ? [] : text.split('\0') };
}

export const CTIOS_LAB_FRAMING: PduFraming = {
  pduLength(buf, offset, available) {
    if (available < 4) return 0;
    const n = ((buf[offset] << 24) >>> 0) + ((buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]);
    return n < 8 || n > MAX_LENGTH ? -1 : n;
  },
};
