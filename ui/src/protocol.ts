/** Messages between the page and the analysis worker. */

import type { AnalysisDocument } from '../../src/timeline/model.js';
import type { StoredMessage } from './message-store.js';
import type { SubjectRef } from './subjects.js';
import type { SequenceFlow } from '../../src/timeline/sequence/model.js';

export type ToWorker =
  | { type: 'analyze'; file: Blob; name: string; showSecrets: boolean; /** A second capture to compare with: the current analysis stays. */ reference?: boolean }
  | { type: 'messages'; host: string; requestId: number }
  | { type: 'evidence'; subject: SubjectRef; requestId: number };

export type FromWorker =
  | { type: 'progress'; bytesRead: number; totalBytes: number; packets: number }
  | { type: 'done'; doc: AnalysisDocument; name: string; elapsed: number }
  /** `name`: the capture the error is about (absent: a pass over the analysed one); `reference`: a comparison's. */
  | { type: 'error'; message: string; name?: string; reference?: boolean }
  | { type: 'reference'; doc: AnalysisDocument; name: string }
  /** `flows`: the host's TCP connections (it the client), for the sequence view. */
  | { type: 'messages'; host: string; requestId: number; messages: StoredMessage[]; total: number; flows?: SequenceFlow[] }
  /** `fileName`: the download's (it names the subject); `error`: why there is no evidence. */
  | { type: 'evidence'; subject: SubjectRef; requestId: number; fileName?: string; bytes?: Uint8Array; error?: string };
