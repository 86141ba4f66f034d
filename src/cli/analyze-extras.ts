/**
 * What `analyze` does beyond the report when asked: `--write-evidence FILE` (the subject's packets as a small
 * pcapng with comments on the frames its findings cite) and `--explain` (what each step means, in plain words).
 */

import { writeFileSync } from 'node:fs';
import { readCaptureFile } from '../capture/source-node.js';
import type { CapturedPacket } from '../capture/types.js';
import { EvidenceWriter } from '../capture/evidence-writer.js';
import type { DecodedMessage, FlowRecord } from '../decoders/types.js';
import type { FileRunOptions } from '../pipeline-node.js';
import { EvidenceFilter, mergeEvidencePlans, planEvidence } from '../timeline/evidence.js';
import { explainStep } from '../timeline/explain-steps.js';
import { formatDuration, hostOf, plural } from '../timeline/format.js';
import type { HtmlReportOptions } from '../timeline/report-html.js';
import { buildSequence } from '../timeline/sequence/model.js';
import type { AnalysisDocument, Step } from '../timeline/model.js';
import { DETAIL_LIMIT } from '../timeline/report-text.js';
import { agentSubject, findSubject, workstationSubject } from '../timeline/sequence/subject.js';
import { CliError } from './common.js';
import { ExitCode } from './exit-codes.js';

export interface ExtraArgs {
  files?: string[];
  html?: string;
  workstation?: string;
  agent?: string;
  writeEvidence?: string;
  explain?: boolean;
  verbose?: boolean;
}

export interface Extras {
  /** Pipeline callbacks to add to the analysis. */
  options: Partial<FileRunOptions>;
  /** Runs after the analysis, before the report; returns text to print after the report. */
  after(doc: AnalysisDocument): Promise<string>;
  /** What the HTML report draws beyond the document (failed workstations' sequence diagrams). */
  html: HtmlReportOptions;
}

/** Messages kept per host for the HTML report's sequence diagrams (a login is at the start of its conversation). */
const HTML_MESSAGES_PER_HOST = 400;

export function prepareExtras(args: ExtraArgs): Extras {
  let lastDoc: AnalysisDocument | undefined;
  const files = (args.files ?? []).map((f) => (f === '\u0000stdin' ? '-' : f));
  if (args.writeEvidence && files.includes('-')) throw new CliError('--write-evidence reads the capture twice: give a file, not standard input', ExitCode.USAGE);
  const flows: FlowRecord[] = [];
  const host = args.workstation;
  const messages: DecodedMessage[] = [];
  const perHost = new Map<string, number>();
  const options: Partial<FileRunOptions> = {};
  if (args.writeEvidence || args.html) options.onFlowEnd = (r) => (host === undefined || r.clientIp === host || r.serverIp === host ? void flows.push(r) : undefined);
  if (args.html) {
    options.onMessage = (m) => {
      const h = hostOf(m.client);
      const n = perHost.get(h) ?? 0;
      if (n >= HTML_MESSAGES_PER_HOST || (host !== undefined && h !== host)) return;
      perHost.set(h, n + 1);
      const { raw: _raw, ...rest } = m;
      messages.push(rest);
    };
  }
  return {
    options,
    html: {
      sequence(ws) {
        const subject = lastDoc ? findSubject(lastDoc, { workstation: ws.host }) : undefined;
        return subject && typeof subject === 'object' ? buildSequence(subject, messages, flows) : undefined;
      },
    },
    async after(doc) {
      lastDoc = doc;
      let text = '';
      if (args.writeEvidence) process.stderr.write(`${await writeEvidence(doc, flows, args)}\n`);
      if (args.explain) text += explainReport(doc, args.verbose ?? false);
      return text;
    },
  };
}

async function writeEvidence(doc: AnalysisDocument, flows: FlowRecord[], args: ExtraArgs): Promise<string> {
  const subject = findSubject(doc, { workstation: args.workstation, agent: args.agent });
  if (typeof subject === 'string') throw new CliError(`--write-evidence: ${subject}`, ExitCode.USAGE);
  // An agent's evidence includes its desktop's start-up when the capture shows the desktop.
  const desktop = subject.kind === 'agent' ? (doc.agents ?? []).find((a) => a.id === subject.id)?.desktop : undefined;
  const desktopSubject = desktop && doc.workstations.some((w) => w.host === desktop) ? findSubject(doc, { workstation: desktop }) : undefined;
  const plan = mergeEvidencePlans([planEvidence(subject, flows), ...(typeof desktopSubject === 'object' ? [planEvidence(desktopSubject, flows)] : [])]);
  const filter = new EvidenceFilter(plan);
  const writer = new EvidenceWriter(plan.comments, `ctiscope evidence: ${subject.title}, from ${doc.source.files.join(', ')}`);
  // The files in the order the analysis read them, frames numbered on across files as it did.
  let base = 0;
  for (let i = 0; i < doc.source.files.length; i++) {
    const file = doc.source.files[i];
    let count = 0;
    const sink = {
      packet(p: CapturedPacket) {
        count++;
        p.frame += base;
        if (filter.accept(p)) writer.packet(p, i);
        p.frame -= base;
      },
    };
    try {
      await readCaptureFile(file, sink, {});
    } catch {
      // The analysis already reported what stopped the reading; the packets before it are written.
    }
    base += count;
  }
  const bytes = writer.toBytes();
  try {
    writeFileSync(args.writeEvidence!, bytes);
  } catch (e) {
    throw new CliError(`--write-evidence ${args.writeEvidence}: ${(e as Error).message}`, ExitCode.USAGE);
  }
  const commented = writer.frames.filter((f) => plan.comments.has(f)).length;
  return `evidence written to ${args.writeEvidence}: ${plural(writer.frames.length, 'packet')} of ${plural(plan.flows.length, 'flow')} (${subject.title}), ${plural(commented, 'frame')} commented`;
}

/** Each shown subject's steps with what they mean, each explanation once per subject. */
export function explainReport(doc: AnalysisDocument, verbose: boolean): string {
  const list = doc.workstations.length > DETAIL_LIMIT && !verbose ? doc.workstations.filter((w) => w.outcome !== 'logged-in') : doc.workstations;
  // Every step, the PC's own lookups too (a sequence subject leaves those out): what they are is worth saying.
  const subjects: { title: string; steps: readonly Step[]; start: number; end: number }[] = list.map((w) => ({ ...w, title: workstationSubject(w).title }));
  if (subjects.length === 0) for (const a of doc.agents ?? []) subjects.push({ ...a, title: agentSubject(a).title });
  const out: string[] = ['', 'What the steps mean'];
  for (const s of subjects) {
    out.push('', `${s.title}`);
    const said = new Set<string>();
    for (const st of s.steps) {
      const text = explainStep(st);
      if (!text || said.has(text)) continue;
      said.add(text);
      out.push(`  +${(st.start - s.start).toFixed(3)}s ${st.phase} ${st.ok ? '✓' : '✗'} ${st.summary.length > 70 ? `${st.summary.slice(0, 69)}…` : st.summary}`, `      ${text}`);
    }
    if (said.size === 0) out.push(`  (no step to explain; ${formatDuration(s.end - s.start)} of traffic)`);
  }
  return out.join('\n') + '\n';
}
