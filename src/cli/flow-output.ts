/**
 * `flows`' output at scale. The flows that end are held in batches with no object per flow (numbers in one typed
 * array, texts in arrays, reused from batch to batch), each batch sorted by one numeric sort, and written as text
 * built by hand. The text is exactly what the flow's FlowJson (flows.ts) gives through JSON.stringify, and the
 * table exactly what renderFlowTable's rows give (test/cli/flow-output.test.ts holds them together); what it
 * saves is an object graph per flow, kept alive for up to a batch, and the garbage of making and walking it.
 */

import type { FlowClassification } from '../decoders/profile.js';
import type { FlowRecord, IcmpErrorInfo } from '../decoders/types.js';
import { stateWords } from '../decoders/net/conn-states.js';
import { formatDuration, tableHead } from './format.js';
import { roundSeconds } from '../timeline/format.js';
import type { JsonArrayWriter, JsonWriter } from './json-writer.js';

export const TABLE_HEADER = ['flow', 'client', 'server', 'service', 'state', 'pkts →/←', 'bytes →/←', 'duration', 'rtt', 'retx', 'frame'];


/** The state cell of a flow with no packet of its own: known only from the header an ICMP error quoted. */
export const ICMP_ONLY_STATE = 'ICMP error only';

/** The table's state cell. */
export function stateCell(transport: string, state: string, syns: number, synSpan: number, packets = 1): string {
  if (packets === 0) return ICMP_ONLY_STATE;
  if (transport === 'udp') return 'UDP';
  return `${state} ${stateWords(state) ?? ''}`.trim() + (syns > 1 ? ` (${syns} SYNs over ${formatDuration(synSpan)})` : '');
}

/** Flows held before a batch is sorted and written (the whole table, for captures with fewer flows). */
export const FLOW_BATCH = 65_536;

// A flow's numbers, NUMS per flow.
const N_ID = 0;
const N_PKT_C2S = 1;
const N_PKT_S2C = 2;
const N_BYTES_C2S = 3;
const N_BYTES_S2C = 4;
const N_FIRST_FRAME = 5;
const N_LAST_FRAME = 6;
const N_START = 7;
const N_END = 8;
const N_SYNS = 9;
const N_SYN_SPAN = 10;
const N_RETRANSMISSIONS = 11;
const N_GAP_C2S = 12;
const N_GAP_S2C = 13;
const N_FLAGS = 14;
/** Set when F_RTT is. */
const N_RTT = 15;
const NUMS = 16;
const F_UDP = 1;
const F_OPEN_AT_END = 2;
const F_RTT = 4;

/** A held flow's duration as flowJson gives it (rounded to the microsecond). */
function durationAt(n: Float64Array, o: number): number {
  return roundSeconds(Math.max(0, n[o + N_END] - n[o + N_START]));
}

// A flow's texts, TEXTS per flow; service, protocol and detectedBy only for a classified flow, rstBy only if set.
const T_CLIENT = 0;
const T_SERVER = 1;
const T_STATE = 2;
const T_HISTORY = 3;
const T_SERVICE = 4;
const T_PROTOCOL = 5;
const T_DETECTED_BY = 6;
const T_RST_BY = 7;
const TEXTS = 8;

/** Ended flows, as `flows` prints them, in arrays that grow as needed and are reused once written. */
export class FlowBatch {
  length = 0;
  private capacity: number;
  private nums: Float64Array;
  private texts: (string | undefined)[];
  /** icmpErrors, for the few flows that have any. */
  private lists: (IcmpErrorInfo[] | undefined)[] | null = null;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.nums = new Float64Array(capacity * NUMS);
    this.texts = new Array<string | undefined>(capacity * TEXTS).fill(undefined);
  }

  /** Adds the flow as flowJson(r, cls) describes it. */
  add(r: FlowRecord, cls: FlowClassification | undefined): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    const n = this.nums;
    const o = i * NUMS;
    n[o + N_ID] = r.id;
    n[o + N_PKT_C2S] = r.packets.c2s;
    n[o + N_PKT_S2C] = r.packets.s2c;
    n[o + N_BYTES_C2S] = r.payloadBytes.c2s;
    n[o + N_BYTES_S2C] = r.payloadBytes.s2c;
    n[o + N_FIRST_FRAME] = r.firstFrame;
    n[o + N_LAST_FRAME] = r.lastFrame;
    n[o + N_START] = r.start;
    n[o + N_END] = r.end;
    n[o + N_SYNS] = r.syns;
    n[o + N_SYN_SPAN] = roundSeconds(r.synSpan);
    n[o + N_RTT] = r.handshakeRtt !== undefined ? roundSeconds(r.handshakeRtt) : 0;
    n[o + N_RETRANSMISSIONS] = r.retransmissions;
    n[o + N_GAP_C2S] = r.gapBytes.c2s;
    n[o + N_GAP_S2C] = r.gapBytes.s2c;
    n[o + N_FLAGS] = (r.transport === 'udp' ? F_UDP : 0) | (r.openAtEnd ? F_OPEN_AT_END : 0) | (r.handshakeRtt !== undefined ? F_RTT : 0);
    const t = this.texts;
    const to = i * TEXTS;
    t[to + T_CLIENT] = r.client;
    t[to + T_SERVER] = r.server;
    t[to + T_STATE] = r.state;
    t[to + T_HISTORY] = r.history;
    if (cls && cls.protocol !== 'unknown') {
      t[to + T_SERVICE] = cls.service;
      t[to + T_PROTOCOL] = cls.protocol;
      t[to + T_DETECTED_BY] = cls.detectedBy;
    }
    if (r.rstBy) t[to + T_RST_BY] = r.rstBy;
    if (r.icmpErrors.length) (this.lists ??= new Array<IcmpErrorInfo[] | undefined>(this.capacity).fill(undefined))[i] = r.icmpErrors;
  }

  /** Forgets every flow (and lets its texts go). */
  clear(): void {
    this.texts.fill(undefined, 0, this.length * TEXTS);
    if (this.lists) this.lists.fill(undefined, 0, this.length);
    this.length = 0;
  }

  /** Indices of the flows in the table's order: TCP first, then by id. */
  sortedOrder(): Uint32Array {
    const count = this.length;
    const order = new Uint32Array(count);
    const n = this.nums;
    // One numeric sort of (transport, id, index) packed in a double, when they fit in its 53 bits.
    let packed = count <= 65_536;
    for (let i = 0; i < count && packed; i++) {
      const id = n[i * NUMS + N_ID];
      if (!(Number.isInteger(id) && id >= 0 && id < 2 ** 36)) packed = false;
    }
    if (packed) {
      const keys = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const o = i * NUMS;
        keys[i] = ((n[o + N_FLAGS] & F_UDP) * 2 ** 36 + n[o + N_ID]) * 65_536 + i;
      }
      keys.sort();
      for (let j = 0; j < count; j++) order[j] = keys[j] % 65_536;
      return order;
    }
    for (let i = 0; i < count; i++) order[i] = i;
    return order.sort((a, b) => {
      const ua = n[a * NUMS + N_FLAGS] & F_UDP;
      const ub = n[b * NUMS + N_FLAGS] & F_UDP;
      return ua === ub ? n[a * NUMS + N_ID] - n[b * NUMS + N_ID] || a - b : ua - ub;
    });
  }

  /** Widens `widths` (the table's columns) to fit flow i's row. */
  widen(i: number, widths: number[]): void {
    const n = this.nums;
    const o = i * NUMS;
    const t = this.texts;
    const to = i * TEXTS;
    const udp = (n[o + N_FLAGS] & F_UDP) !== 0;
    const syns = n[o + N_SYNS];
    const retransmissions = n[o + N_RETRANSMISSIONS];
    // Each cell's length as tableLine would measure it, made without the cell where that is easy.
    widths[0] = Math.max(widths[0], 4 + decimalLength(n[o + N_ID]));
    widths[1] = Math.max(widths[1], t[to + T_CLIENT]!.length);
    widths[2] = Math.max(widths[2], t[to + T_SERVER]!.length);
    widths[3] = Math.max(widths[3], (t[to + T_SERVICE] ?? '').length);
    const state = n[o + N_PKT_C2S] + n[o + N_PKT_S2C] === 0 ? ICMP_ONLY_STATE.length : udp ? 3 : syns > 1 ? stateCell('tcp', t[to + T_STATE]!, syns, n[o + N_SYN_SPAN]).length : plainStateLength(t[to + T_STATE]!);
    widths[4] = Math.max(widths[4], state);
    widths[5] = Math.max(widths[5], decimalLength(n[o + N_PKT_C2S]) + 1 + decimalLength(n[o + N_PKT_S2C]));
    widths[6] = Math.max(widths[6], decimalLength(n[o + N_BYTES_C2S]) + 1 + decimalLength(n[o + N_BYTES_S2C]));
    widths[7] = Math.max(widths[7], durationLength(durationAt(n, o)));
    widths[8] = Math.max(widths[8], n[o + N_FLAGS] & F_RTT ? formatDuration(n[o + N_RTT]).length : 0);
    widths[9] = Math.max(widths[9], retransmissions ? decimalLength(retransmissions) : 0);
    widths[10] = Math.max(widths[10], decimalLength(n[o + N_FIRST_FRAME]));
  }

  /** Flow i's line of the table laid out with `widths` (what tableLine gives for its row). */
  tableLine(i: number, widths: number[]): string {
    const n = this.nums;
    const o = i * NUMS;
    const t = this.texts;
    const to = i * TEXTS;
    const transport = n[o + N_FLAGS] & F_UDP ? 'udp' : 'tcp';
    const retransmissions = n[o + N_RETRANSMISSIONS];
    const line =
      `${transport}/${n[o + N_ID]}`.padEnd(widths[0]) + '  ' +
      t[to + T_CLIENT]!.padEnd(widths[1]) + '  ' +
      t[to + T_SERVER]!.padEnd(widths[2]) + '  ' +
      (t[to + T_SERVICE] ?? '').padEnd(widths[3]) + '  ' +
      stateCell(transport, t[to + T_STATE]!, n[o + N_SYNS], n[o + N_SYN_SPAN], n[o + N_PKT_C2S] + n[o + N_PKT_S2C]).padEnd(widths[4]) + '  ' +
      `${n[o + N_PKT_C2S]}/${n[o + N_PKT_S2C]}`.padEnd(widths[5]) + '  ' +
      `${n[o + N_BYTES_C2S]}/${n[o + N_BYTES_S2C]}`.padEnd(widths[6]) + '  ' +
      formatDuration(durationAt(n, o)).padEnd(widths[7]) + '  ' +
      (n[o + N_FLAGS] & F_RTT ? formatDuration(n[o + N_RTT]) : '').padEnd(widths[8]) + '  ' +
      (retransmissions ? String(retransmissions) : '').padEnd(widths[9]) + '  ' +
      String(n[o + N_FIRST_FRAME]).padEnd(widths[10]);
    return line.trimEnd();
  }

  /** Flow i as JSON text, laid out by `layout`. */
  json(i: number, layout: FlowJsonLayout): string {
    const L = layout;
    const n = this.nums;
    const o = i * NUMS;
    const t = this.texts;
    const to = i * TEXTS;
    const flags = n[o + N_FLAGS];
    let s = L.id + num(n[o + N_ID]) + (flags & F_UDP ? L.udp : L.tcp) + text(t[to + T_CLIENT]) + L.server + text(t[to + T_SERVER]);
    const service = t[to + T_SERVICE];
    const protocol = t[to + T_PROTOCOL];
    const detectedBy = t[to + T_DETECTED_BY];
    if (service !== undefined) s += L.service + text(service);
    if (protocol !== undefined) s += L.protocol + text(protocol);
    if (detectedBy !== undefined) s += L.detectedBy + text(detectedBy);
    const start = n[o + N_START];
    const end = n[o + N_END];
    s +=
      L.state + text(t[to + T_STATE]) +
      L.history + text(t[to + T_HISTORY]) +
      L.packets + num(n[o + N_PKT_C2S]) + L.s2c + num(n[o + N_PKT_S2C]) + L.close +
      L.payloadBytes + num(n[o + N_BYTES_C2S]) + L.s2c + num(n[o + N_BYTES_S2C]) + L.close +
      L.firstFrame + num(n[o + N_FIRST_FRAME]) +
      L.lastFrame + num(n[o + N_LAST_FRAME]) +
      L.start + num(start) +
      L.end + num(end) +
      L.duration + num(durationAt(n, o)) +
      L.syns + num(n[o + N_SYNS]) +
      L.synSpan + num(n[o + N_SYN_SPAN]) +
      (flags & F_RTT ? L.handshakeRtt + num(n[o + N_RTT]) : '') +
      L.retransmissions + num(n[o + N_RETRANSMISSIONS]) +
      L.gapBytes + num(n[o + N_GAP_C2S]) + L.s2c + num(n[o + N_GAP_S2C]) + L.close;
    const rstBy = t[to + T_RST_BY];
    if (rstBy !== undefined) s += L.rstBy + text(rstBy);
    const icmpErrors = this.lists ? this.lists[i] : undefined;
    if (icmpErrors !== undefined) s += L.icmpErrors + L.nested(icmpErrors);
    return s + (flags & F_OPEN_AT_END ? L.openAtEndTrue : L.openAtEndFalse);
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const nums = new Float64Array(capacity * NUMS);
    nums.set(this.nums);
    this.nums = nums;
    for (let i = this.texts.length; i < capacity * TEXTS; i++) this.texts.push(undefined);
    if (this.lists) for (let i = this.lists.length; i < capacity; i++) this.lists.push(undefined);
    this.capacity = capacity;
  }
}

/**
 * The constant parts of a flow's JSON text at one depth of one writer's layout: each member's separator, line
 * start and key, as JSON.stringify(flowJson(…), null, indent) lays them out once the writer has indented the
 * whole to its depth.
 */
export class FlowJsonLayout {
  readonly id: string;
  readonly tcp: string;
  readonly udp: string;
  readonly server: string;
  readonly service: string;
  readonly protocol: string;
  readonly detectedBy: string;
  readonly state: string;
  readonly history: string;
  readonly packets: string;
  readonly s2c: string;
  readonly close: string;
  readonly payloadBytes: string;
  readonly firstFrame: string;
  readonly lastFrame: string;
  readonly start: string;
  readonly end: string;
  readonly duration: string;
  readonly syns: string;
  readonly synSpan: string;
  readonly handshakeRtt: string;
  readonly retransmissions: string;
  readonly gapBytes: string;
  readonly rstBy: string;
  readonly icmpErrors: string;
  readonly openAtEndTrue: string;
  readonly openAtEndFalse: string;
  private readonly indent: number;
  private readonly memberLine: string;

  constructor(writer: JsonWriter, depth: number) {
    this.indent = writer.indent;
    const colon = this.indent > 0 ? ': ' : ':';
    const line = writer.lineStart(depth + 1);
    const inner = writer.lineStart(depth + 2);
    this.memberLine = line;
    const member = (key: string): string => ',' + line + JSON.stringify(key) + colon;
    const pair = (key: string): string => member(key) + '{' + inner + '"c2s"' + colon;
    this.id = '{' + line + '"id"' + colon;
    this.tcp = member('transport') + '"tcp"' + member('client');
    this.udp = member('transport') + '"udp"' + member('client');
    this.server = member('server');
    this.service = member('service');
    this.protocol = member('protocol');
    this.detectedBy = member('detectedBy');
    this.state = member('state');
    this.history = member('history');
    this.packets = pair('packets');
    this.s2c = ',' + inner + '"s2c"' + colon;
    this.close = line + '}';
    this.payloadBytes = pair('payloadBytes');
    this.firstFrame = member('firstFrame');
    this.lastFrame = member('lastFrame');
    this.start = member('start');
    this.end = member('end');
    this.duration = member('duration');
    this.syns = member('syns');
    this.synSpan = member('synSpan');
    this.handshakeRtt = member('handshakeRtt');
    this.retransmissions = member('retransmissions');
    this.gapBytes = pair('gapBytes');
    this.rstBy = member('rstBy');
    this.icmpErrors = member('icmpErrors');
    this.openAtEndTrue = member('openAtEnd') + 'true' + writer.lineStart(depth) + '}';
    this.openAtEndFalse = member('openAtEnd') + 'false' + writer.lineStart(depth) + '}';
  }

  /** A member's value that is itself a structure (icmpErrors), as JSON.stringify lays it out there. */
  nested(value: unknown): string {
    const s = JSON.stringify(value, null, this.indent);
    return this.indent > 0 ? s.replaceAll('\n', this.memberLine) : s;
  }
}

/** A number as JSON writes it (a non-finite one as null). */
function num(v: number): string {
  return v - v === 0 ? '' + v : 'null';
}

/** Characters JSON.stringify escapes: the quote, the backslash, controls, and (when unpaired) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON writes it. */
function text(s: string | undefined): string {
  return typeof s === 'string' && !NEEDS_ESCAPE.test(s) ? '"' + s + '"' : JSON.stringify(s)!;
}

/** Characters of String(v) for v a count (a non-negative integer), without making the string. */
function decimalLength(v: number): number {
  if (!(Number.isInteger(v) && v >= 0 && v < 1e15)) return String(v).length;
  let digits = 1;
  for (let x = 10; x <= v; x *= 10) digits++;
  return digits;
}

/** The state cell's length for a TCP flow with at most one SYN, per state. */
const plainStateLengths = new Map<string, number>();
function plainStateLength(state: string): number {
  let length = plainStateLengths.get(state);
  if (length === undefined) {
    length = stateCell('tcp', state, 0, 0).length;
    plainStateLengths.set(state, length);
  }
  return length;
}

/** formatDuration(seconds).length, remembered for the last duration asked (flows often share one). */
let lastDuration = NaN;
let lastDurationLength = 0;
function durationLength(seconds: number): number {
  if (seconds !== lastDuration) {
    lastDuration = seconds;
    lastDurationLength = formatDuration(seconds).length;
  }
  return lastDurationLength;
}

export type FlowFormat = 'table' | 'json' | 'jsonl';

/**
 * Writes `flows`' output as flows end: `jsonl` one line per flow at once; the table and `json` in batches of
 * `batchSize` ended flows, each sorted by transport and id (a capture with fewer flows gets one sorted table).
 * The table's columns are as wide as the widest cell so far, and its header is written with the first batch.
 */
export class FlowOutput {
  /** Flows ended so far. */
  count = 0;
  /** Of them, flows with no packet of their own (known only from an ICMP error's quoted header): tshark counts none. */
  icmpOnly = 0;
  private batch = new FlowBatch();
  /** Sorted batches being written, oldest first: written at the output's pace (see pump). */
  private readonly sorted: { batch: FlowBatch; order: Uint32Array; widths: number[] | undefined; next: number }[] = [];
  private readonly spare: FlowBatch[] = [];
  /** jsonl: flows kept to be written later (hold()). */
  private held: FlowBatch | null = null;
  private heldNext = 0;
  private widths: number[] | undefined;
  private readonly layout: FlowJsonLayout | undefined;

  constructor(
    private readonly writer: JsonWriter,
    private readonly format: FlowFormat,
    private readonly array: JsonArrayWriter | undefined,
    private readonly batchSize = FLOW_BATCH,
  ) {
    if (format === 'json' && !array) throw new Error('flows --json needs its array writer');
    this.layout = format === 'table' ? undefined : new FlowJsonLayout(writer, format === 'json' ? 1 : 0);
  }

  /** A flow ended. */
  add(r: FlowRecord, cls: FlowClassification | undefined): void {
    this.count++;
    if (r.packets.c2s + r.packets.s2c === 0) this.icmpOnly++;
    if (this.format === 'jsonl') {
      if (this.held) return this.held.add(r, cls);
      const one = this.batch;
      one.add(r, cls);
      this.writer.text(one.json(0, this.layout!) + '\n');
      one.clear();
      return;
    }
    this.batch.add(r, cls);
    if (this.batch.length >= this.batchSize) this.closeBatch();
  }

  /**
   * Many flows are about to end at once (the end of the input): jsonl keeps them to be written at the output's
   * pace by pump(); the batches of the others wait in any case.
   */
  hold(): void {
    if (this.format === 'jsonl') this.held ??= new FlowBatch();
  }

  /** Writes what is ready until the output asks for a pause; resolves when all of it is written. */
  pump = (): Promise<void> | undefined => {
    const writer = this.writer;
    const held = this.held;
    if (held) {
      while (this.heldNext < held.length) {
        writer.text(held.json(this.heldNext++, this.layout!) + '\n');
        const wait = writer.ready();
        if (wait) return wait.then(this.pump);
      }
      held.clear();
      this.heldNext = 0;
    }
    const sorted = this.sorted;
    while (sorted.length) {
      const s = sorted[0];
      const { batch, order, widths } = s;
      while (s.next < order.length) {
        const i = order[s.next++];
        if (this.array) this.array.itemText(batch.json(i, this.layout!));
        else writer.text(batch.tableLine(i, widths!) + '\n');
        const wait = writer.ready();
        if (wait) return wait.then(this.pump);
      }
      sorted.shift();
      batch.clear();
      this.spare.push(batch);
    }
    return writer.ready();
  };

  /** Every flow has ended: writes the last batch and the rest, then closes the JSON array. */
  async end(): Promise<void> {
    if (this.format !== 'jsonl' && (this.batch.length || (this.format === 'table' && this.widths === undefined))) this.closeBatch();
    await this.pump();
    if (this.array) this.array.close();
  }

  private closeBatch(): void {
    const batch = this.batch;
    const order = batch.sortedOrder();
    if (this.format === 'table') {
      // Later batches keep the columns at least as wide as before, and the header is written once.
      const first = this.widths === undefined;
      const widths = this.widths ?? TABLE_HEADER.map((h) => h.length);
      for (let i = 0; i < batch.length; i++) batch.widen(i, widths);
      this.widths = widths;
      if (first) this.writer.text(tableHead(TABLE_HEADER, widths));
    }
    // Each batch is laid out with the widths as they were when it closed, however late it is written.
    this.sorted.push({ batch, order, widths: this.widths?.slice(), next: 0 });
    this.batch = this.spare.pop() ?? new FlowBatch();
  }
}
