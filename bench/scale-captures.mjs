// Writers for the five capture shapes that push ctiscope to its limits (issue: robust at scale), at any size:
// the scale benchmark (bench/scale.mjs) writes million-flow versions, the tests (test/scale.test.ts) small ones.
// Classic pcap, LINKTYPE_RAW (IPv4 without a link header), microsecond timestamps; written in chunks.
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';

const LINKTYPE_RAW = 101;

/** An IPv4 + TCP/UDP packet from 10.x.y.z (client index `c`) port `sport` to 10.200.0.53:`dport`. */
function ipv4Packet(proto, c, sport, dport, payload, seq = 1) {
  const l4 = proto === 17 ? 8 : 20;
  const b = Buffer.alloc(20 + l4 + payload.length);
  b[0] = 0x45;
  b.writeUInt16BE(Math.min(b.length, 0xffff), 2);
  b[8] = 64;
  b[9] = proto;
  b.writeUInt32BE((0x0a000000 + (c % 0xfffffe)) >>> 0, 12);
  b.writeUInt32BE(0x0ac80035, 16);
  b.writeUInt16BE(sport, 20);
  b.writeUInt16BE(dport, 22);
  if (proto === 17) b.writeUInt16BE(8 + payload.length, 24);
  else {
    b.writeUInt32BE(seq >>> 0, 24);
    b[32] = 0x50;
    b[33] = 0x18; // PSH ACK
    b.writeUInt16BE(65535, 34);
  }
  payload.copy ? payload.copy(b, 20 + l4) : b.set(payload, 20 + l4);
  return b;
}

/** A pcap writer that batches records into ~1 MiB writes and waits for the stream. */
class PcapWriter {
  constructor(path) {
    const file = createWriteStream(path);
    this.done = new Promise((resolve, reject) => {
      file.on('finish', resolve);
      file.on('error', reject);
    });
    this.out = path.endsWith('.gz') ? createGzip({ level: 1 }) : file;
    if (this.out !== file) this.out.pipe(file);
    this.parts = [];
    this.size = 0;
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(0xffff, 16);
    h.writeUInt32LE(LINKTYPE_RAW, 20);
    this.parts.push(h);
    this.time = 1_700_000_000;
    this.usec = 0;
  }

  async packet(data, stepUsec = 1) {
    this.usec += stepUsec;
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(this.time + Math.floor(this.usec / 1e6), 0);
    rec.writeUInt32LE(this.usec % 1e6, 4);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    this.parts.push(rec, data);
    this.size += 16 + data.length;
    if (this.size >= 1 << 20) await this.flush();
  }

  async flush() {
    const chunk = Buffer.concat(this.parts);
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk)) await new Promise((r) => this.out.once('drain', r));
  }

  async close() {
    await this.flush();
    this.out.end();
    await this.done;
  }
}

/** Shape 1: one LDAP flow to 389, `n` one-byte client segments with a one-byte hole after each. */
export async function writeLossyLdap(path, n) {
  const w = new PcapWriter(path);
  const one = Buffer.of(0x30);
  for (let i = 0; i < n; i++) await w.packet(ipv4Packet(6, 1, 40000, 389, one, 1000 + 2 * i));
  await w.close();
}

/** A GED-188 OPEN_REQ (protocol version 13, no floating part). */
function openReq(invokeId) {
  const b = Buffer.alloc(8 + 48);
  b.writeUInt32BE(48, 0);
  b.writeUInt32BE(3, 4);
  b.writeUInt32BE(invokeId, 8);
  b.writeUInt32BE(13, 12);
  b.writeUInt32BE(30, 16);
  return b;
}

/** Shape 2: `n` flows from distinct clients, each one unanswered GED-188 OPEN_REQ to 42027. */
export async function writeUnansweredOpens(path, n) {
  const w = new PcapWriter(path);
  for (let i = 0; i < n; i++) await w.packet(ipv4Packet(6, i, 40000 + (i % 20000), 42027, openReq(i + 1)), 10);
  await w.close();
}

/** BER definite length octets. */
function berLength(n) {
  if (n < 0x80) return Buffer.of(n);
  const digits = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) digits.unshift(x & 0xff);
  return Buffer.from([0x80 | digits.length, ...digits]);
}

function ber(tag, content) {
  return Buffer.concat([Buffer.of(tag), berLength(content.length), content]);
}

/** Shape 3: one LDAP flow, `count` searchResEntry messages whose objectName is `bytes` bytes of 0x01. */
export async function writeHugeLdapEntries(path, count, bytes) {
  const w = new PcapWriter(path);
  let seq = 1;
  for (let m = 0; m < count; m++) {
    const entry = ber(0x30, Buffer.concat([ber(0x02, Buffer.of(m + 2)), ber(0x64, Buffer.concat([ber(0x04, Buffer.alloc(bytes, 1)), ber(0x30, Buffer.alloc(0))]))]));
    for (let o = 0; o < entry.length; o += 60000) {
      const part = entry.subarray(o, Math.min(entry.length, o + 60000));
      // Server to client: 389 is the source port.
      const p = ipv4Packet(6, 1, 389, 40000, part, seq);
      // Swap the addresses: the server (10.200.0.53) sends.
      const src = p.readUInt32BE(12);
      p.writeUInt32BE(p.readUInt32BE(16), 12);
      p.writeUInt32BE(src, 16);
      await w.packet(p);
      seq += part.length;
    }
  }
  await w.close();
}

/** Shapes 4 and 5: `n` UDP flows to 10.200.0.53:9999, one empty datagram each, from distinct clients. */
export async function writeUdpFlows(path, n) {
  const w = new PcapWriter(path);
  const empty = Buffer.alloc(0);
  for (let i = 0; i < n; i++) await w.packet(ipv4Packet(17, i, 1024 + (i % 60000), 9999, empty), 0);
  await w.close();
}

/**
 * Checks that `text` chunks form one JSON value (or, with `lines`, one per line): strings closed, brackets
 * balanced, nothing after the end. A structural check that streams, for outputs past JSON.parse's reach.
 * Returns the number of top-level values.
 */
export class JsonShapeCheck {
  constructor(lines = false) {
    this.lines = lines;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    this.values = 0;
    this.error = undefined;
    this.sawToken = false;
  }

  push(text) {
    for (let i = 0; i < text.length && !this.error; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) this.inString = false;
        else if (c < 0x20) this.error = `control character in a string`;
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
        this.sawToken = true;
      } else if (c === 0x5b || c === 0x7b) {
        if (this.depth === 0 && !this.lines && this.values > 0) this.error = 'a second value';
        this.depth++;
        this.sawToken = true;
      } else if (c === 0x5d || c === 0x7d) {
        if (--this.depth < 0) this.error = 'unbalanced bracket';
        if (this.depth === 0) this.values++;
      } else if (c === 0x0a && this.lines && this.depth !== 0) this.error = 'a line break inside a JSON Lines value';
    }
  }

  end() {
    if (this.inString) this.error ??= 'unterminated string';
    if (this.depth !== 0) this.error ??= 'unclosed bracket';
    return this.error ? { ok: false, error: this.error, values: this.values } : { ok: true, values: this.values };
  }
}
