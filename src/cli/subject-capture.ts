/**
 * What the sequence, compare and evidence commands need beside the analysis document: the decoded messages and
 * flow records of the subjects they draw, kept while the capture is analysed (only those of the named host when
 * one is named, so a SPAN capture does not keep every message).
 */

import type { DecodedMessage, FlowRecord } from '../decoders/types.js';
import type { FileRunOptions } from '../pipeline-node.js';
import { hostOf } from '../timeline/format.js';

export interface KeptTraffic {
  messages: DecodedMessage[];
  flows: FlowRecord[];
}

/** Pipeline callbacks that keep messages (without their bytes) and flow records, for `host` only when given. */
export function keepTraffic(host?: string): { kept: KeptTraffic; options: Pick<FileRunOptions, 'onMessage' | 'onFlowEnd'> } {
  const kept: KeptTraffic = { messages: [], flows: [] };
  return {
    kept,
    options: {
      onMessage(m) {
        if (host !== undefined && hostOf(m.client) !== host && hostOf(m.server) !== host) return;
        const { raw: _raw, ...rest } = m;
        kept.messages.push(rest);
      },
      onFlowEnd(r) {
        if (host !== undefined && r.clientIp !== host && r.serverIp !== host) return;
        kept.flows.push(r);
      },
    },
  };
}
