/** Captures the sequence tests build with the project's synthetic network: a long CTI conversation. */

import { writeFileSync } from 'node:fs';
import { LinkType } from '../../src/capture/types.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { openConf, openReq, queryAgentStateConf, queryAgentStateReq } from '../../src/decoders/ged188/encode.js';
import { SynthNet } from '../../src/lab/synth/tcp.js';

export const LONG_HOST = '10.10.20.77';

/** A desktop's CTI session with `messages` GED-188 messages: OPEN, then agent-state queries 0.2 s apart, closed by `closedBy`'s sender. */
export function writeLongCtiCapture(path: string, messages = 300, closedBy: 'c2s' | 's2c' = 'c2s'): void {
  const net = new SynthNet({ seed: 77 });
  const c = net.tcp({ client: LONG_HOST, server: '192.168.100.1', serverPort: 12028 });
  c.connect();
  c.send('c2s', openReq({ invokeId: 1, versionNumber: 14, servicesRequested: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], clientId: 'cad', agentExtension: '2077', agentId: '1077' }));
  c.send('s2c', openConf({ invokeId: 1, servicesGranted: ['CLIENT_EVENTS', 'CLIENT_CONTROL'], agentState: 'LOGOUT' }), { delay: 0.004 });
  for (let i = 2; i <= messages / 2; i++) {
    c.send('c2s', queryAgentStateReq({ invokeId: i, agentId: '1077' }), { delay: 0.2 });
    c.send('s2c', queryAgentStateConf({ invokeId: i, agentState: i % 2 ? 'NOT_READY' : 'READY', agentId: '1077', agentExtension: '2077' }), { delay: 0.003 });
  }
  c.close(closedBy);
  const w = new PcapngWriter({ tsResolution: 'us' });
  const iface = w.addInterface(LinkType.ETHERNET, { snaplen: 65535 });
  for (const p of net.collect()) w.writePacket(iface, p.time, p.data);
  writeFileSync(path, w.toBytes());
}
