/**
 * `flows`' output built by hand (src/cli/flow-output.ts) is exactly what it was built from objects: each flow's
 * JSON text is JSON.stringify(flowJson(r, cls)) (compact for --jsonl, indented at the array's depth for --json),
 * each table line is tableLine(flowRow(…)), and the whole output, in batches sorted by transport and id with the
 * table's columns widening from batch to batch, is what the object-built way gives. On every record of the
 * samples and public fixtures (ICMP errors, resets, services present and absent, content detection, flows open
 * at the end), and on records altered to carry strings JSON escapes and numbers it writes as null.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlowBatch, FlowJsonLayout, FlowOutput, TABLE_HEADER, type FlowFormat } from '../../src/cli/flow-output.js';
import { flowJson, flowRow, type FlowJson } from '../../src/cli/flows.js';
import { columnWidths, tableHead, tableLine } from '../../src/cli/format.js';
import { JsonArrayWriter, JsonWriter } from '../../src/cli/json-writer.js';
import { Collector } from './collector.js';
import type { FlowClassification } from '../../src/decoders/profile.js';
import type { FlowRecord } from '../../src/decoders/types.js';
import { analyzeFiles } from '../../src/pipeline-node.js';

const ROOT = join(__dirname, '..', '..');
const FILES = [
  ...readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.pcapng')).map((f) => join(ROOT, 'samples', f)),
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'public')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(ROOT, 'test', 'fixtures', 'public', f)),
];

interface Ended {
  r: FlowRecord;
  cls: FlowClassification | undefined;
}

/** Strings JSON.stringify escapes or keeps as they are. */
const AWKWARD = ['a "quoted" name', 'back\\slash', 'tab\there', 'line\nbreak', '\u0001\u001f', 'été', '\u2028', 'lone \ud800 half', 'pair 😀', ''];

/** Real records altered: awkward texts, non-finite and negative-zero numbers, a classification missing a member. */
function altered(real: Ended[]): Ended[] {
  const out: Ended[] = [];
  real.slice(0, 40).forEach(({ r, cls }, i) => {
    const s = AWKWARD[i % AWKWARD.length];
    const rec: FlowRecord = { ...r, client: s + r.client, history: s, state: i % 3 ? r.state : (s as FlowRecord['state']) };
    if (i % 4 === 0) rec.end = Number.NaN;
    if (i % 4 === 1) rec.start = Number.NEGATIVE_INFINITY;
    if (i % 4 === 2) rec.synSpan = -0;
    if (i % 4 === 3) rec.handshakeRtt = Number.NaN;
    if (i % 5 === 0) rec.rstBy = 's2c';
    const base: FlowClassification = cls ?? { flowId: r.id, service: 'x', label: 'x', protocol: 'ldap', phase: 'other', detectedBy: 'port' };
    const c: FlowClassification = { ...base, protocol: i % 7 === 0 ? 'unknown' : 'ldap', service: s };
    if (i % 6 === 0) delete (c as Partial<FlowClassification>).detectedBy;
    out.push({ r: rec, cls: c });
  });
  return out;
}

let real: Ended[] = [];

beforeAll(async () => {
  for (const file of FILES) {
    await analyzeFiles([file], { classifyOnly: true, onFlowEnd: (r, cls) => real.push({ r, cls }) }).catch(() => undefined);
  }
});

function oneJson(e: Ended, indent: number, depth: number): string {
  const w = new JsonWriter(new Collector(), indent);
  const b = new FlowBatch(1);
  b.add(e.r, e.cls);
  return b.json(0, new FlowJsonLayout(w, depth));
}

describe('a flow as JSON text', () => {
  it('the records cover ICMP errors, resets, classified and unclassified flows, content detection, open flows', () => {
    expect(real.length).toBeGreaterThan(3000);
    expect(real.some((e) => e.r.icmpErrors.length > 0)).toBe(true);
    expect(real.some((e) => e.r.rstBy)).toBe(true);
    expect(real.some((e) => e.cls && e.cls.protocol !== 'unknown')).toBe(true);
    expect(real.some((e) => !e.cls || e.cls.protocol === 'unknown')).toBe(true);
    expect(real.some((e) => e.cls?.detectedBy === 'content')).toBe(true);
    expect(real.some((e) => e.r.openAtEnd)).toBe(true);
    expect(real.some((e) => e.r.transport === 'tcp') && real.some((e) => e.r.transport === 'udp')).toBe(true);
    // TCP flows with a handshake round trip and without one (mid-stream, refused, unanswered).
    expect(real.some((e) => e.r.handshakeRtt !== undefined) && real.some((e) => e.r.transport === 'tcp' && e.r.handshakeRtt === undefined)).toBe(true);
  });

  it('is JSON.stringify(flowJson(r, cls)), compact and indented at any depth, for every real record', () => {
    for (const e of real) {
      const j = flowJson(e.r, e.cls);
      expect(oneJson(e, 0, 0)).toBe(JSON.stringify(j));
      expect(oneJson(e, 1, 1)).toBe(JSON.stringify(j, null, 1).replaceAll('\n', '\n '));
      expect(oneJson(e, 2, 3)).toBe(JSON.stringify(j, null, 2).replaceAll('\n', '\n      '));
    }
  });

  it('escapes what JSON.stringify escapes and writes non-finite numbers as null', () => {
    const cases = altered(real);
    expect(cases.some((e) => oneJson(e, 0, 0).includes('\\ud800'))).toBe(true);
    expect(cases.some((e) => oneJson(e, 0, 0).includes('null'))).toBe(true);
    for (const e of cases) {
      const j = flowJson(e.r, e.cls);
      expect(oneJson(e, 0, 0)).toBe(JSON.stringify(j));
      expect(oneJson(e, 1, 1)).toBe(JSON.stringify(j, null, 1).replaceAll('\n', '\n '));
    }
  });
});

/** The object-built output: flowJson per flow, batches of `size` sorted, the table's widths grown per batch. */
function reference(ended: Ended[], format: FlowFormat, size: number): string {
  const flows = ended.map((e) => flowJson(e.r, e.cls));
  if (format === 'jsonl') return flows.map((f) => JSON.stringify(f) + '\n').join('');
  const sorted: FlowJson[] = [];
  let out = '';
  let widths: number[] | undefined;
  for (let i = 0; i < flows.length || (format === 'table' && widths === undefined); i += size) {
    const batch = flows.slice(i, i + size).sort((a, b) => (a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1));
    for (const f of batch) sorted.push(f);
    if (format === 'table') {
      const rows = batch.map(flowRow);
      const first = widths === undefined;
      widths = columnWidths(TABLE_HEADER, rows, widths);
      if (first) out += tableHead(TABLE_HEADER, widths);
      for (const row of rows) out += tableLine(row, widths) + '\n';
    }
  }
  return format === 'json' ? JSON.stringify(sorted, null, 1) + '\n' : out;
}

async function written(ended: Ended[], format: FlowFormat, size: number, holdAt: number, refuse = 0): Promise<string> {
  const out = new Collector(refuse, true);
  const writer = new JsonWriter(out, format === 'jsonl' ? 0 : 1);
  const output = new FlowOutput(writer, format, format === 'json' ? new JsonArrayWriter(writer) : undefined, size);
  for (let i = 0; i < ended.length; i++) {
    if (i === holdAt) output.hold();
    output.add(ended[i].r, ended[i].cls);
    if (i % 50 === 49) await output.pump();
  }
  await output.end();
  await writer.end();
  expect(output.count).toBe(ended.length);
  return out.text;
}

describe('the whole output', () => {
  for (const format of ['table', 'json', 'jsonl'] as const) {
    it(`${format}: the object-built output, with batches of 1, 7, 500 and all, held or not at the end, through a full pipe`, async () => {
      // Records in a shuffled but fixed order, as flows end out of id order.
      const ended = [...real, ...altered(real).map((e, i) => ({ ...e, r: { ...e.r, id: 100_000 + i } }))];
      const mixed = ended.map((e, i) => ({ e, k: (i * 7919) % ended.length })).sort((a, b) => a.k - b.k).map((x) => x.e);
      for (const size of [1, 7, 500, 65_536]) {
        const want = reference(mixed, format, size);
        expect(await written(mixed, format, size, Infinity)).toBe(want);
        expect(await written(mixed, format, size, Math.floor(mixed.length / 2), 3)).toBe(want);
      }
      expect(await written([], format, 7, Infinity)).toBe(reference([], format, 7));
    });
  }
});
