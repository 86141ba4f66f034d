/** `ctiscope flows -i IFACE`: the connection table from a live capture, printed when capture stops (Ctrl-C or --duration). */

import { listDevices, openLiveCapture, LiveCaptureError } from '../capture/live-node.js';
import { createDecodePipeline, sourceInfo } from '../decode-pipeline.js';
import type { CaptureSummary } from '../capture/types.js';
import { CliError } from './common.js';
import { ExitCode } from './exit-codes.js';
import { flowJson, renderFlowTable, type FlowJson, type FlowsArgs } from './flows.js';
import { JsonArrayWriter, JsonWriter } from './json-writer.js';

export async function runLiveFlows(args: FlowsArgs): Promise<void> {
  if (args.listInterfaces) {
    const devices = await listDevices().catch((e: Error) => {
      throw new CliError(e.message, ExitCode.BAD_INPUT);
    });
    for (const d of devices) process.stdout.write(`${d.name}${d.description ? `  (${d.description})` : ''}\n`);
    return;
  }
  const flows: FlowJson[] = [];
  let packets = 0;
  let first: number | undefined;
  let last: number | undefined;
  const pipeline = createDecodePipeline({ classifyOnly: true, onFlowEnd: (r, cls) => flows.push(flowJson(r, cls)) });
  let capture;
  try {
    capture = await openLiveCapture({ iface: args.interface!, filter: args.filter }, {
      ...pipeline.sink,
      packet(p) {
        packets++;
        first ??= p.time;
        last = p.time;
        pipeline.sink.packet(p);
      },
    });
  } catch (e) {
    if (e instanceof LiveCaptureError) throw new CliError(e.message, ExitCode.BAD_INPUT);
    throw e;
  }
  process.stderr.write(`capturing on ${args.interface}${args.filter ? ` (${args.filter})` : ''} with ${capture.backend}; Ctrl-C to stop\n`);
  const stopOnSignal = () => void capture.stop();
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const timer = args.duration ? setTimeout(stopOnSignal, args.duration * 1000) : undefined;
  const stats = await capture.closed;
  if (timer) clearTimeout(timer);
  process.off('SIGINT', stopOnSignal);
  process.off('SIGTERM', stopOnSignal);
  const summary: CaptureSummary = {
    format: 'pcap', packets, bytes: 0, interfaces: [], sections: 1, firstTime: first, lastTime: last, truncated: false, warnings: [], comments: [],
  };
  pipeline.finish(sourceInfo([`live:${args.interface}`], [summary]));
  flows.sort((a, b) => (a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1));
  if (args.json) {
    const array = new JsonArrayWriter(new JsonWriter(process.stdout, 1));
    for (const f of flows) array.item(f);
    array.close();
    await array.writer.end();
  } else process.stdout.write(renderFlowTable(flows));
  const drops = stats.dropped ? `, ${stats.dropped} dropped by the kernel` : '';
  process.stderr.write(`${packets} packets captured${drops}, ${flows.length} flows\n`);
}
