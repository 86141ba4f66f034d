/**
 * The evidence download, built in the analysis worker from the dropped file's own bytes (nothing is uploaded):
 * the subject's flows and DNS lookups as a pcapng, its findings as packet comments on the frames they cite.
 * Same selection and writer as `ctiscope analyze --write-evidence`: a workstation's own flows; a CTI client's
 * sessions, from its host; an agent's login requests on the session of the CTI client that spoke for it, with
 * its desktop's start-up when the capture shows the desktop.
 */

import { EvidenceWriter } from '../../src/capture/evidence-writer.js';
import { readCaptureBlob } from '../../src/capture/source-web.js';
import type { CapturedPacket } from '../../src/capture/types.js';
import type { FlowRecord } from '../../src/decoders/types.js';
import { EvidenceFilter, mergeEvidencePlans, planEvidence } from '../../src/timeline/evidence.js';
import { hostOf } from '../../src/timeline/format.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { agentSubject, ctiClientSubject, workstationSubject, type SequenceSubject } from '../../src/timeline/sequence/subject.js';
import { agentTitle, findSubject, KIND_NOUN, type SubjectRef } from './subjects.js';

/** What one subject's evidence is cut for. */
export interface EvidenceTarget {
  /** The subjects whose flows go in (an agent: itself, then its desktop when the capture shows it). */
  subjects: SequenceSubject[];
  /** The download's name, saying which subject it is. */
  fileName: string;
  /** What the download holds, for the button's title. */
  description: string;
}

/** The evidence of the subject `ref` names, or why it has none (no host to cut it for), to follow "No evidence: ". */
export function evidenceTarget(doc: AnalysisDocument, ref: SubjectRef): EvidenceTarget | string {
  const s = findSubject(doc, ref);
  if (!s) return `no ${KIND_NOUN[ref.kind][0]} ${ref.key} in this capture`;
  // Workstations keep the name they always had; the other kinds say theirs.
  const fileName = `ctiscope-evidence-${s.kind === 'workstation' ? '' : `${s.kind}-`}${s.key.replace(/[^\w.-]+/g, '_')}.pcapng`;
  if (s.kind === 'workstation') {
    return { subjects: [workstationSubject(s.value)], fileName, description: `workstation ${s.key}'s packets (its flows and DNS lookups)` };
  }
  if (s.kind === 'cti-client') {
    return { subjects: [ctiClientSubject(s.value)], fileName, description: `CTI client ${s.value.clientId ?? '?'}'s packets (its sessions from ${s.value.host} and its DNS lookups)` };
  }
  const a = s.value;
  const via = a.via ? hostOf(a.via.client) : null;
  const desktop = a.desktop ? doc.workstations.find((w) => w.host === a.desktop) : undefined;
  if (!via && !desktop) return `the capture shows neither the CTI client session agent ${agentTitle(a)}'s login went over nor its desktop`;
  const parts = [via ? `the session of the CTI client on ${via} its login went over` : '', desktop ? `its desktop ${desktop.host}'s flows` : ''].filter(Boolean);
  return {
    subjects: [agentSubject(a), ...(desktop ? [workstationSubject(desktop)] : [])],
    fileName,
    description: `agent ${agentTitle(a)}'s packets (${parts.join(' and ')}, DNS lookups)`,
  };
}

/** The evidence capture of one subject and its download's name, or a sentence saying why there is none. */
export async function buildEvidence(file: Blob, name: string, doc: AnalysisDocument, flows: readonly FlowRecord[], ref: SubjectRef): Promise<{ bytes: Uint8Array; fileName: string } | string> {
  const target = evidenceTarget(doc, ref);
  if (typeof target === 'string') return target;
  const plan = mergeEvidencePlans(target.subjects.map((s) => planEvidence(s, flows)));
  const filter = new EvidenceFilter(plan);
  const writer = new EvidenceWriter(plan.comments, `ctiscope evidence: ${target.subjects[0].title}, from ${name}`);
  try {
    await readCaptureBlob(file, { packet: (p: CapturedPacket) => filter.accept(p) && writer.packet(p, 0) }, { file: name });
  } catch {
    // The analysis already said what stopped the reading; the packets before it are in the evidence.
  }
  return { bytes: writer.toBytes(), fileName: target.fileName };
}

/** Hands the bytes to the browser as a download. */
export function downloadEvidence(bytes: Uint8Array, fileName: string): void {
  const blob = new Blob([bytes as BlobPart], { type: 'application/vnd.tcpdump.pcap' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
