/**
 * NetBIOS datagram service (RFC 1002 §4.4, UDP 138): the carrier of Windows' browser announcements
 * (a mailslot write to \MAILSLOT\BROWSE inside an SMB transaction, [MS-BRWS]). Each datagram is read for
 * its header, its source and destination NetBIOS names (first-level decoded) and, when it carries one,
 * the browser command with the announced name. Never throws: what does not parse is an anomaly.
 */

import { MessageEmitter } from '../emit.js';
import { ipv4Text, readName } from '../dns/message.js';
import type { Anomaly, Direction, FieldValue, StreamDecoder, StreamDecoderContext, StreamDecoderFactory } from '../types.js';
import {
  BROWSER_ANNOUNCEMENTS,
  BROWSER_COMMAND,
  BROWSER_COMMAND_NAMES,
  MAILSLOT_BROWSE,
  NBDGM_ERROR_NAMES,
  NBDGM_FLAG_FIRST,
  NBDGM_FLAG_MORE,
  NBDGM_TYPE,
  NBDGM_TYPE_NAMES,
  NB_NODE_TYPES,
  SMB_COM_TRANSACTION,
} from './constants.js';
import { decodeNetbiosName } from './names.js';

/** DecodedMessage.type per datagram message type. */
const NBDGM_TYPE_IDS: Record<number, string> = {
  0x10: 'directUnique',
  0x11: 'directGroup',
  0x12: 'broadcast',
  0x13: 'error',
  0x14: 'queryRequest',
  0x15: 'positiveQueryResponse',
  0x16: 'negativeQueryResponse',
};

export interface NbdgmMessage {
  type: string;
  fields: Record<string, FieldValue>;
  summary: string;
  anomalies: Anomaly[];
}

const u16be = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32le = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;

/** ASCII up to a NUL (or `to`); non-printable bytes as <xx>. */
function cString(b: Uint8Array, from: number, to: number): { text: string; end: number } {
  let s = '';
  let i = from;
  for (; i < to && b[i] !== 0; i++) s += b[i] >= 0x20 && b[i] < 0x7f ? String.fromCharCode(b[i]) : `<${b[i].toString(16).padStart(2, '0')}>`;
  return { text: s, end: i + 1 };
}

/** Reads one encoded name at `o` into fields `<prefix>Name`, `<prefix>NetbiosName`, `<prefix>Suffix`. */
function readNbName(b: Uint8Array, o: number, prefix: string, fields: Record<string, FieldValue>, anomalies: Anomaly[]): number {
  const cur = { next: 0, error: null as string | null };
  const encoded = readName(b, o, cur);
  if (cur.error) {
    anomalies.push({ code: 'bad-name', message: `${prefix} name: ${cur.error}`, offset: o });
    return -1;
  }
  const n = decodeNetbiosName(encoded);
  if (!n) {
    anomalies.push({ code: 'bad-netbios-name', message: `${prefix} name ${JSON.stringify(encoded.slice(0, 40))} is not a first-level encoded NetBIOS name`, offset: o });
    fields[`${prefix}Name`] = encoded;
  } else {
    fields[`${prefix}Name`] = n.display;
    fields[`${prefix}NetbiosName`] = n.name;
    fields[`${prefix}Suffix`] = n.suffix;
    fields[`${prefix}SuffixName`] = n.suffixName;
  }
  return cur.next;
}

/** The browser protocol message inside a mailslot write: its command and the name it announces. */
function readBrowser(d: Uint8Array, fields: Record<string, FieldValue>): string {
  if (d.length < 1) return '';
  const cmd = d[0];
  const name = BROWSER_COMMAND_NAMES[cmd] ?? `browser command 0x${cmd.toString(16)}`;
  fields.browserCommand = cmd;
  fields.browserCommandName = name;
  if (BROWSER_ANNOUNCEMENTS.has(cmd) && d.length >= 32) {
    fields.updateCount = d[1];
    fields.periodicity = u32le(d, 2);
    fields.serverName = cString(d, 6, 22).text;
    fields.osVersion = `${d[22]}.${d[23]}`;
    fields.serverType = u32le(d, 24);
    // A domain announcement's comment is the master browser's name.
    fields.comment = cString(d, 32, d.length).text;
    return `${name} ${fields.serverName}`;
  }
  if (cmd === BROWSER_COMMAND.requestAnnouncement && d.length >= 2) {
    fields.responseName = cString(d, 2, d.length).text;
    return `${name} ${fields.responseName}`;
  }
  if (cmd === BROWSER_COMMAND.election && d.length >= 14) {
    fields.electionVersion = d[1];
    fields.electionCriteria = u32le(d, 2);
    fields.serverName = cString(d, 14, d.length).text;
    return `${name} ${fields.serverName}`;
  }
  return name;
}

/**
 * The user data of a direct or broadcast datagram: an SMB transaction (a mailslot write) when it starts
 * with \xffSMB. Sets the mailslot and, for \MAILSLOT\BROWSE, the browser fields; returns a summary part.
 */
function readUserData(b: Uint8Array, o: number, fields: Record<string, FieldValue>, anomalies: Anomaly[]): string {
  if (o + 4 > b.length || b[o] !== 0xff || b[o + 1] !== 0x53 || b[o + 2] !== 0x4d || b[o + 3] !== 0x42) {
    fields.userDataLength = Math.max(0, b.length - o);
    return '';
  }
  const smb = b.subarray(o);
  if (smb.length < 33 || smb[4] !== SMB_COM_TRANSACTION) {
    fields.smbCommand = smb.length > 4 ? smb[4] : null;
    return 'SMB';
  }
  const words = smb[32];
  const w = (i: number): number => u16le(smb, 33 + 2 * i);
  if (words < 14 || 33 + 2 * words + 2 > smb.length) {
    anomalies.push({ code: 'bad-smb-transaction', message: `SMB transaction with ${words} parameter words does not fit in ${smb.length} bytes`, offset: o });
    return 'SMB transaction';
  }
  const dataCount = w(11);
  const dataOffset = w(12);
  const bytesAt = 33 + 2 * words + 2;
  const mailslot = cString(smb, bytesAt, smb.length).text;
  fields.mailslot = mailslot;
  if (dataOffset + dataCount > smb.length) {
    anomalies.push({ code: 'bad-smb-transaction', message: `mailslot data (${dataCount} bytes at ${dataOffset}) runs past the end of the datagram`, offset: o + dataOffset });
    return mailslot;
  }
  if (mailslot.toUpperCase() !== MAILSLOT_BROWSE) return `mailslot ${mailslot}`;
  return readBrowser(smb.subarray(dataOffset, dataOffset + dataCount), fields);
}

/** Decodes one NetBIOS datagram. */
export function decodeNbdgmMessage(b: Uint8Array): NbdgmMessage {
  const anomalies: Anomaly[] = [];
  const fields: Record<string, FieldValue> = {};
  if (b.length < 10) {
    anomalies.push({ code: 'short-message', message: `${b.length} bytes, less than a NetBIOS datagram header (10)`, offset: 0 });
    return { type: 'invalid', fields, summary: 'NetBIOS datagram cut short', anomalies };
  }
  const type = b[0];
  const flags = b[1];
  const typeName = NBDGM_TYPE_NAMES[type] ?? `type 0x${type.toString(16)}`;
  fields.msgType = type;
  fields.msgTypeName = typeName;
  fields.firstFragment = (flags & NBDGM_FLAG_FIRST) !== 0;
  fields.moreFragments = (flags & NBDGM_FLAG_MORE) !== 0;
  fields.nodeType = NB_NODE_TYPES[(flags >> 2) & 3];
  fields.datagramId = u16be(b, 2);
  fields.sourceIp = ipv4Text(b, 4);
  fields.sourcePort = u16be(b, 8);
  let detail = '';
  if (type >= NBDGM_TYPE.directUnique && type <= NBDGM_TYPE.broadcast) {
    if (b.length < 14) anomalies.push({ code: 'short-message', message: `${b.length} bytes, less than a datagram header with its length (14)`, offset: 0 });
    else {
      fields.datagramLength = u16be(b, 10);
      fields.packetOffset = u16be(b, 12);
      let o = readNbName(b, 14, 'source', fields, anomalies);
      if (o > 0) o = readNbName(b, o, 'destination', fields, anomalies);
      // Only the first fragment starts with an SMB header.
      if (o > 0 && fields.firstFragment) detail = readUserData(b, o, fields, anomalies);
    }
  } else if (type === NBDGM_TYPE.error) {
    const code = b.length > 10 ? b[10] : null;
    fields.errorCode = code;
    fields.errorName = code === null ? null : (NBDGM_ERROR_NAMES[code] ?? `error 0x${code.toString(16)}`);
    detail = String(fields.errorName);
  } else if (type >= 0x14 && type <= 0x16) {
    readNbName(b, 10, 'destination', fields, anomalies);
  } else {
    anomalies.push({ code: 'unknown-type', message: `NetBIOS datagram type 0x${type.toString(16)}`, offset: 0 });
  }
  const names = [fields.sourceName, fields.destinationName].filter((x) => typeof x === 'string').join(' → ');
  const summary = detail && names ? `${typeName} ${names}: ${detail}` : [typeName, names, detail].filter(Boolean).join(' ');
  return { type: NBDGM_TYPE_IDS[type] ?? 'unknown', fields, summary, anomalies };
}

class NbdgmFlowDecoder implements StreamDecoder {
  private readonly out: MessageEmitter;

  constructor(ctx: StreamDecoderContext) {
    this.out = new MessageEmitter('nbdgm', ctx);
  }

  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    const m = decodeNbdgmMessage(bytes);
    const msg = this.out.message(dir, m.type, m.fields, m.summary, [frame], time, 0, bytes.length, bytes);
    this.out.attachAnomalies(msg, m.anomalies);
    this.out.emit(msg);
  }

  gap(): void {}

  end(): void {
    this.out.finish();
  }
}

/** NetBIOS datagram service over UDP: one message per datagram, no pairing (datagrams are not answered). */
export const createNbdgmDatagramDecoder: StreamDecoderFactory = (ctx) => new NbdgmFlowDecoder(ctx);
