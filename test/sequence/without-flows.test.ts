// The browser draws a subject's sequence from its messages alone (it keeps no flow records): the connection rows it
// makes from the steps must tell the same story as the CLI's, made from the flows. A connection that was answered
// and later reset (cti-failover's CTI client) is no "SYN: no answer".
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { analyzeFiles } from '../../src/pipeline-node.js';
import { buildSequence } from '../../src/timeline/sequence/model.js';
import { findSubject } from '../../src/timeline/sequence/subject.js';
import type { DecodedMessage, FlowRecord } from '../../src/decoders/types.js';

const root = join(__dirname, '..', '..');

async function both(sample: string, who: { workstation?: string; ctiClient?: string }) {
  const messages: DecodedMessage[] = [];
  const flows: FlowRecord[] = [];
  const r = await analyzeFiles([join(root, 'samples', `${sample}.pcapng`)], {
    analyze: true,
    onMessage: (m) => void messages.push(m),
    onFlowEnd: (f) => void flows.push(f),
  });
  const subject = findSubject(r.doc!, who);
  if (typeof subject === 'string') throw new Error(subject);
  const rows = (d: ReturnType<typeof buildSequence>) => d.rows.filter((x) => x.kind !== 'message' && x.kind !== 'idle').map((x) => `${x.kind} ${x.label} ${x.frames.join(',')}`);
  return { withFlows: rows(buildSequence(subject, messages, flows)), withoutFlows: rows(buildSequence(subject, messages)) };
}

describe('connection rows without flow records', () => {
  it('cti-failover CTI client: the reset after 44.8 s is drawn, no unanswered SYN', async () => {
    const { withFlows, withoutFlows } = await both('cti-failover', { ctiClient: '10.1.2.30' });
    expect(withoutFlows.join('\n')).not.toMatch(/no answer/);
    const resets = (rows: string[]) => rows.filter((x) => x.startsWith('rst '));
    expect(resets(withoutFlows)).toEqual(resets(withFlows));
    expect(resets(withoutFlows)).toEqual(['rst RST: reset by the server 43']);
    // The reset's step is the end alone: no "TCP connect" drawn at the moment of the RST.
    expect(withoutFlows.filter((x) => x.startsWith('connect '))).toEqual([]);
  });

  it('refused and unanswered connects read the same both ways', async () => {
    for (const [sample, host] of [['licensing-down', '10.10.20.34'], ['stale-ldap-failover', '10.10.20.32'], ['ctios-side-down', '10.10.20.41']]) {
      const { withFlows, withoutFlows } = await both(sample, { workstation: host });
      const failed = (rows: string[]) => rows.filter((x) => /^(syn|rst) /.test(x));
      expect(failed(withoutFlows), sample).toEqual(failed(withFlows));
      expect(failed(withoutFlows).length, sample).toBeGreaterThan(0);
    }
  });

  it('both refused connects of ctios-side-down are drawn, the retry folded into the first attempt\'s step too', async () => {
    const { withFlows } = await both('ctios-side-down', { workstation: '10.10.20.41' });
    expect(withFlows.filter((x) => /^(syn|rst) /.test(x))).toEqual(['syn SYN 5', 'rst RST: connection refused 6', 'syn SYN 7', 'rst RST: connection refused 8']);
  });
});
