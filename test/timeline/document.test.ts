import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sim, NODE_A, NODE_B, STALE, cadLoginOk, ctiSession, dnsStep, ldapStep, licensingStep } from './sim.js';
import { validateSchema, type JsonSchema } from '../../src/timeline/validate.js';
import { createAnalyzer } from '../../src/timeline/analyzer.js';
import { ANALYSIS_SCHEMA_ID, FINDING_KINDS } from '../../src/timeline/model.js';
import { NO_DESKTOP_MESSAGE, compareHosts } from '../../src/timeline/document.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/analysis.schema.json', import.meta.url), 'utf8')) as JsonSchema;
const SRC = { files: ['a.pcapng'], packets: 10 };

function busyDocument() {
  const sim = new Sim();
  cadLoginOk(sim, '10.10.20.11', 0, { heartbeats: 2 });
  let t = dnsStep(sim, '10.10.20.12', 1);
  sim.failedConnect('10.10.20.12', STALE, 38983, [t, t + 3, t + 9], 'S0');
  t = ldapStep(sim, '10.10.20.12', NODE_B, t + 21);
  licensingStep(sim, '10.10.20.12', NODE_A, t, 'no-licence');
  ctiSession(sim, '10.10.20.13', NODE_B, 2, { openStatus: { status: 92, statusName: 'E_CTI_SERVER_NOT_MASTER' } });
  sim.an.warning({ code: 'truncated-record', message: 'a.pcapng ends inside a record', frame: sim.frame });
  return sim.an.finish({ ...SRC, packets: sim.frame, truncated: true });
}

describe('summary groups', () => {
  it('failures of one kind on one server but with other codes are other groups, each code named', () => {
    const sim = new Sim();
    const startup = (pc: string, at: number) => licensingStep(sim, pc, NODE_A, ldapStep(sim, pc, NODE_A, at));
    for (const [i, pc] of ['10.10.20.21', '10.10.20.22'].entries()) ctiSession(sim, pc, NODE_A, startup(pc, i), { login: 'device-off' });
    const pc = '10.10.20.23';
    const cti = ctiSession(sim, pc, NODE_A, startup(pc, 3), { login: 'none' });
    cti.flow.send('c2s', 'ged188', 'SET_AGENT_STATE_REQ', { invokeId: 5, agentState: 0, agentStateName: 'LOGIN', agentId: '1031' }, 4);
    cti.flow.send('s2c', 'ged188', 'CONTROL_FAILURE_CONF', { invokeId: 5, failureCode: 0, peripheralErrorCode: 10140, peripheralErrorCodeName: 'INVALID_PASSWORD' }, 4.01);
    const doc = sim.an.finish(SRC);
    expect(validateSchema(schema, doc)).toEqual([]);
    expect(doc.summary.groups.map((g) => [g.kind, g.cause, g.server, g.hosts])).toEqual([
      ['agent-login-failed', 'AGENT_DEVICE_OFF (88004)', `${NODE_A}:12028`, ['10.10.20.21', '10.10.20.22']],
      ['agent-login-failed', 'INVALID_PASSWORD (10140)', `${NODE_A}:12028`, ['10.10.20.23']],
    ]);
    expect(doc.summary.message).toBe(`2 agent-login-failed AGENT_DEVICE_OFF (88004) on ${NODE_A}:12028, 1 agent-login-failed INVALID_PASSWORD (10140) on ${NODE_A}:12028`);
  });
});

describe('analysis document', () => {
  it('validates against schema/analysis.schema.json', () => {
    const doc = busyDocument();
    expect(doc.schema).toBe(ANALYSIS_SCHEMA_ID);
    expect(validateSchema(schema, doc)).toEqual([]);
    expect(doc.source.truncated).toBe(true);
    expect(doc.summary.byFindingKind['truncated-capture']).toBe(3);
  });

  it('the empty document validates and says plainly that no desktop started', () => {
    const doc = createAnalyzer().finish({ files: ['web.pcap'], packets: 0 });
    expect(validateSchema(schema, doc)).toEqual([]);
    expect(doc.workstations).toEqual([]);
    expect(doc.summary).toEqual({
      workstations: 0,
      byOutcome: { 'logged-in': 0, failed: 0, incomplete: 0 },
      byFindingKind: {},
      groups: [],
      agents: 0,
      agentsByOutcome: { 'logged-in': 0, failed: 0, incomplete: 0 },
      agentGroups: [],
      ctiClients: 0,
      message: NO_DESKTOP_MESSAGE,
    });
    expect(doc.agents).toEqual([]);
    expect(doc.ctiClients).toEqual([]);
    expect(doc.source).toMatchObject({ start: null, end: null, duration: null, truncated: false, warnings: [] });
  });

  it('the schema lists exactly the finding kinds of the model, and the docs and the samples\' scenarios name each', () => {
    const defs = schema.$defs as Record<string, JsonSchema>;
    expect(defs.findingKind.enum).toEqual([...FINDING_KINDS]);
    const root = join(__dirname, '..', '..');
    const docs = readFileSync(join(root, 'docs', 'analysis.md'), 'utf8');
    for (const k of FINDING_KINDS) expect(docs, k).toContain(`| \`${k}\``);
    const listed = /Finding kinds \(exactly these\): ([^.]*)\./.exec(readFileSync(join(root, 'samples', 'SCENARIOS.md'), 'utf8'))![1];
    expect([...listed.matchAll(/`([a-z-]+)`/g)].map((m) => m[1])).toEqual([...FINDING_KINDS]);
  });

  it('the validator reports what is wrong, and where', () => {
    const doc = JSON.parse(JSON.stringify(busyDocument()));
    doc.workstations[0].steps[0].phase = 'warp';
    doc.workstations[0].findings.push({ kind: 'bad-luck', severity: 'error', server: null, step: null, message: 'x', frames: [] });
    delete doc.summary.message;
    doc.source.packets = -1;
    doc.workstations[1].agent.nickname = 'x';
    doc.workstations[1].loginSeconds = '3';
    const errors = validateSchema(schema, doc);
    const paths = errors.map((e) => e.path);
    expect(paths).toContain('/workstations/0/steps/0/phase');
    expect(paths).toContain('/workstations/0/findings/' + (doc.workstations[0].findings.length - 1) + '/kind');
    expect(errors).toContainEqual({ path: '/summary', message: 'missing required property "message"' });
    expect(errors).toContainEqual({ path: '/source/packets', message: 'must be ≥ 0, is -1' });
    expect(paths).toContain('/workstations/1/agent/nickname');
    expect(errors).toContainEqual({ path: '/workstations/1/loginSeconds', message: 'must be number or null, is string' });
  });

  it('supports anyOf, const and $ref as the schema uses them', () => {
    const s: JsonSchema = { $defs: { n: { type: 'integer', minimum: 1 } }, anyOf: [{ $ref: '#/$defs/n' }, { const: 'none' }] };
    expect(validateSchema(s, 3)).toEqual([]);
    expect(validateSchema(s, 'none')).toEqual([]);
    expect(validateSchema(s, 0)).toHaveLength(1);
    expect(validateSchema(s, 1.5)).toHaveLength(1);
  });
});

describe('compareHosts', () => {
  // The order as it was defined before the in-place fast path: parts by Number, IPv4 first, then text.
  const reference = (a: string, b: string): number => {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    const quad = (p: number[]) => p.length === 4 && p.every(Number.isFinite);
    if (quad(pa) && quad(pb)) {
      for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
      return 0;
    }
    if (quad(pa)) return -1;
    if (quad(pb)) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  };
  const odd = ['10.0.0.2', '10.0.0.10', '9.255.255.255', '010.1.2.3', '10.1.2.3', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.',
    '1e2.0.0.1', '100.0.0.1', ' 1.2.3.4', '0x1.2.3.4', '1.2.3.4:5060', 'fe80::1', '::ffff:1.2.3.4', 'pc-01.example.com', '', '1.2.3.4 ',
    '999.999.999.999', '1234567890123456.0.0.1', '0.0.0.0', '255.255.255.255'];

  it('orders every pair as the split-and-Number definition does', () => {
    for (const a of odd) for (const b of odd) expect(Math.sign(compareHosts(a, b)), `${a} vs ${b}`).toBe(Math.sign(reference(a, b)));
  });

  it('sorts generated addresses and names alike', async () => {
    const fc = await import('fast-check');
    const host = fc.oneof(
      fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((p) => p.join('.')),
      fc.tuple(fc.nat(9), fc.nat(9), fc.nat(9)).map((p) => p.join('.')),
      fc.string({ unit: fc.constantFrom('0', '1', '.', ':', 'a', 'e', 'x', ' ') }),
    );
    fc.assert(fc.property(fc.array(host, { maxLength: 40 }), (list) => {
      expect([...list].sort(compareHosts)).toEqual([...list].sort(reference));
    }));
  });
});
