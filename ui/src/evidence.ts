/**
 * The evidence download, built in the analysis worker from the dropped file's own bytes (nothing is uploaded):
 * the workstation's flows and DNS lookups as a pcapng, its findings as packet comments on the frames they cite.
 * Same selection and writer as `ctiscope analyze --write-evidence`.
 */

import { EvidenceWriter } from '../../src/capture/evidence-writer.js';
import { readCaptureBlob } from '../../src/capture/source-web.js';
import type { CapturedPacket } from '../../src/capture/types.js';
import type { FlowRecord } from '../../src/decoders/types.js';
import { EvidenceFilter, planEvidence } from '../../src/timeline/evidence.js';
import type { AnalysisDocument } from '../../src/timeline/model.js';
import { findSubject } from '../../src/timeline/sequence/subject.js';

/** The evidence capture of one workstation, or a sentence saying why there is none. */
export async function buildEvidence(file: Blob, name: string, doc: AnalysisDocument, flows: readonly FlowRecord[], host: string): Promise<Uint8Array | string> {
  const subject = findSubject(doc, { workstation: host });
  if (typeof subject === 'string') return subject;
  const plan = planEvidence(subject, flows);
  const filter = new EvidenceFilter(plan);
  const writer = new EvidenceWriter(plan.comments, `ctiscope evidence: ${subject.title}, from ${name}`);
  try {
    await readCaptureBlob(file, { packet: (p: CapturedPacket) => filter.accept(p) && writer.packet(p, 0) }, { file: name });
  } catch {
    // The analysis already said what stopped the reading; the packets before it are in the evidence.
  }
  return writer.toBytes();
}

/** Hands the bytes to the browser as a download. */
export function downloadEvidence(bytes: Uint8Array, host: string): void {
  const blob = new Blob([bytes as BlobPart], { type: 'application/vnd.tcpdump.pcap' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `ctiscope-evidence-${host.replace(/[^\w.-]+/g, '_')}.pcapng`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
