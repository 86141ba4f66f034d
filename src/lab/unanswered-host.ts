/**
 * A loopback endpoint that never answers a SYN: the "stale IP address" of a directory host that no longer exists.
 *
 * On loopback a closed port answers RST at once, so silence needs a listener that drops SYNs. Linux drops a
 * SYN (no RST, with the default tcp_abort_on_overflow=0) when the listener's accept queue is full. So: a
 * listening socket with a backlog of 1, held by a worker thread that blocks in Atomics.wait and therefore never
 * accepts, and two filler connections from a lab-only address that fill its queue. Every later SYN is dropped
 * and the client retransmits until its connect timeout, exactly as toward a dead host. Nothing outside the
 * process changes (no firewall rule), and closing ends the fillers, wakes the worker and closes the socket.
 *
 * The fillers come from `fillerAddress`, which the lab's capture filter leaves out.
 */

import { Worker } from 'node:worker_threads';
import { connect, type Socket } from 'node:net';
import { assertLoopback, endpointText, LabError, type Endpoint, type LabServer } from './loopback.js';

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const wake = new Int32Array(workerData.wake);
const server = net.createServer((s) => s.destroy());
server.on('error', (e) => { parentPort.postMessage({ error: e.code || e.message }); });
server.listen({ host: workerData.host, port: workerData.port, backlog: 1 }, () => {
  parentPort.postMessage({ listening: true });
  // Block this thread's event loop: the listening socket is never accepted from while we wait.
  setImmediate(() => {
    Atomics.wait(wake, 0, 0);
    server.close();
    process.exit(0);
  });
});
`;

/** How long a filler may take to connect before it counts as dropped (the queue is full). */
const FILLER_CONNECT_MS = 300;
const MAX_FILLERS = 8;

export interface UnansweredHostOptions extends Endpoint {
  /** Source address of the filler connections (default 127.0.1.250). */
  fillerAddress?: string;
}

export async function startUnansweredHost(opts: UnansweredHostOptions): Promise<LabServer> {
  assertLoopback(opts.host, 'unanswered host');
  const fillerAddress = opts.fillerAddress ?? '127.0.1.250';
  assertLoopback(fillerAddress, 'filler address');
  const wakeBuffer = new SharedArrayBuffer(4);
  const wake = new Int32Array(wakeBuffer);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { host: opts.host, port: opts.port, wake: wakeBuffer } });
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  const fillers: Socket[] = [];
  const release = async (): Promise<void> => {
    for (const f of fillers) f.destroy();
    Atomics.store(wake, 0, 1);
    Atomics.notify(wake, 0);
    const t = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(t);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { listening?: boolean; error?: string }) => {
        if (m.listening) resolve();
        else if (m.error === 'EADDRINUSE') reject(new LabError(`unanswered host: ${endpointText(opts)} is already in use`, 'address-in-use'));
        else reject(new LabError(`unanswered host: cannot listen on ${endpointText(opts)}: ${m.error}`, 'failed'));
      });
      worker.once('error', reject);
    });
    // Fill the accept queue until a connection attempt goes unanswered.
    let full = false;
    for (let i = 0; i < MAX_FILLERS && !full; i++) {
      const s = connect({ host: opts.host, port: opts.port, localAddress: fillerAddress });
      fillers.push(s);
      s.on('error', () => undefined);
      full = !(await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), FILLER_CONNECT_MS);
        s.once('connect', () => {
          clearTimeout(t);
          resolve(true);
        });
        s.once('error', () => {
          clearTimeout(t);
          resolve(false);
        });
      }));
      if (full) s.destroy();
    }
    if (!full) throw new LabError(`unanswered host: ${endpointText(opts)} kept accepting connections; cannot make it drop SYNs`, 'environment');
  } catch (e) {
    await release();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    name: 'unanswered host (drops SYNs)',
    host: opts.host,
    port: opts.port,
    close: () => (closing ??= release()),
  };
}
