/**
 * Live capture in Node: runs tcpdump or dumpcap writing a capture to stdout and feeds it to our stream
 * reader (no native addon needed), or uses the optional `pcap` package (node_pcap) when installed.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createCaptureReader } from './reader.js';
import { CaptureError, LinkType, type CaptureSink, type CapturedPacket } from './types.js';
import {
  classifyCaptureFailure,
  dumpcapArgs,
  isCaptureStarted,
  LiveCaptureError,
  notInstalledMessage,
  parseCaptureStats,
  parseTcpdumpDevices,
  tcpdumpArgs,
  type LiveBackend,
  type LiveCapture,
  type LiveCaptureOptions,
  type LiveDevice,
  type LiveStats,
} from './live.js';

export * from './live.js';

/** Keep at most this much of a tool's stderr (it only prints a few lines, but never trust a pipe). */
const MAX_STDERR = 64 * 1024;
/** After SIGINT, wait this long for the tool to flush and print its statistics before SIGKILL. */
const STOP_GRACE_MS = 5000;

/** Finds an executable on PATH (plus the sbin directories tcpdump often lives in). */
export async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function pcapModuleAvailable(): Promise<boolean> {
  try {
    await loadPcapModule();
    return true;
  } catch {
    return false;
  }
}

/** node_pcap, loaded only when asked for: it is an optional native dependency. */
async function loadPcapModule(): Promise<any> {
  const name = 'pcap'; // a variable, so TypeScript and bundlers do not require the package to exist
  const mod = await import(/* @vite-ignore */ name);
  return mod.default ?? mod;
}

async function chooseBackend(o: LiveCaptureOptions): Promise<LiveBackend> {
  if (o.backend) return o.backend;
  if (o.executable) return /dumpcap[^/]*$/.test(o.executable) ? 'dumpcap' : 'tcpdump';
  if (await findExecutable('tcpdump')) return 'tcpdump';
  if (await findExecutable('dumpcap')) return 'dumpcap';
  if (await pcapModuleAvailable()) return 'pcap';
  throw new LiveCaptureError(notInstalledMessage('tcpdump'), 'not-installed');
}

/**
 * Starts capturing on `opts.iface`; resolves once the backend reports that it is capturing, so traffic
 * sent after this resolves is seen. Packets go to `sink` as they arrive (frame numbers from 1).
 * Rejects with a LiveCaptureError saying what to do (install tcpdump, get CAP_NET_RAW, fix the filter).
 */
export async function openLiveCapture(opts: LiveCaptureOptions, sink: CaptureSink): Promise<LiveCapture> {
  const backend = await chooseBackend(opts);
  if (backend === 'pcap') return openPcapModuleCapture(opts, sink);
  return openToolCapture(backend, opts, sink);
}

async function openToolCapture(backend: 'tcpdump' | 'dumpcap', opts: LiveCaptureOptions, sink: CaptureSink): Promise<LiveCapture> {
  const executable = opts.executable ?? (await findExecutable(backend));
  if (!executable) throw new LiveCaptureError(notInstalledMessage(backend), 'not-installed');
  const args = backend === 'tcpdump' ? tcpdumpArgs(opts) : dumpcapArgs(opts);
  const file = `${backend} on ${opts.iface}`;
  const reader = createCaptureReader(sink, { file });
  let packets = 0;

  const child: ChildProcess = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let started = false;
  let stopping = false;
  let readError: CaptureError | undefined;
  let announced = false;
  let sawOutput = false;
  /**
   * tcpdump prints "listening on" once the filter is in place. dumpcap prints "Capturing on" earlier,
   * before packets flow; its file header on stdout comes once the capture is open, so wait for both.
   */
  let markStarted = (): void => {};
  const checkStarted = () => {
    if (!started && announced && (backend !== 'dumpcap' || sawOutput)) markStarted();
  };

  child.stdout!.on('data', (chunk: Buffer) => {
    if (!sawOutput) {
      sawOutput = true;
      checkStarted();
    }
    if (readError) return;
    try {
      reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      // Our reader cannot follow the tool's output (should not happen): stop the tool, report on close.
      readError = e;
      child.kill('SIGINT');
    }
  });

  const startedPromise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (started) return;
      child.kill('SIGKILL');
      reject(new LiveCaptureError(`${backend} did not start capturing on ${opts.iface} within ${opts.startTimeoutMs ?? 10000} ms: ${stderr.trim()}`, 'start-timeout'));
    }, opts.startTimeoutMs ?? 10000);
    child.stderr!.setEncoding('utf8');
    markStarted = () => {
      started = true;
      clearTimeout(timer);
      resolve();
    };
    child.stderr!.on('data', (text: string) => {
      if (stderr.length < MAX_STDERR) stderr += text;
      if (!announced && isCaptureStarted(backend, stderr)) {
        announced = true;
        checkStarted();
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') reject(new LiveCaptureError(notInstalledMessage(executable), 'not-installed'));
      else if (e.code === 'EACCES') reject(new LiveCaptureError(`${executable}: permission denied; ${opts.executable ? 'check the path' : 'check the installation'}`, 'permission-denied'));
      else reject(new LiveCaptureError(`${backend}: ${e.message}`, 'failed'));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!started) reject(classifyCaptureFailure(backend, opts.iface, stderr, code));
    });
  });

  const closed = new Promise<LiveStats>((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (!started) return; // reported through startedPromise
      try {
        packets = reader.end().packets;
      } catch (e) {
        if (!(e instanceof CaptureError)) throw e;
        // Nothing at all on stdout (stopped before the header was written): zero packets.
      }
      if (readError) {
        reject(readError);
        return;
      }
      const clean = stopping || code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
      if (!clean) {
        reject(classifyCaptureFailure(backend, opts.iface, stderr, code));
        return;
      }
      resolve({ backend, packets, ...parseCaptureStats(backend, stderr) });
    });
  });
  // An unobserved rejection of `closed` must not crash the process; callers see it through stop()/closed.
  closed.catch(() => undefined);

  await startedPromise;

  let stopPromise: Promise<LiveStats> | undefined;
  return {
    backend,
    closed,
    stop(): Promise<LiveStats> {
      if (stopPromise) return stopPromise;
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        closed.finally(() => clearTimeout(killer)).catch(() => undefined);
      }
      stopPromise = closed;
      return stopPromise;
    },
  };
}

/** node_pcap's link type names → LINKTYPE_* numbers. */
const PCAP_MODULE_LINK_TYPES: Record<string, number> = {
  LINKTYPE_NULL: LinkType.NULL,
  LINKTYPE_ETHERNET: LinkType.ETHERNET,
  LINKTYPE_RAW: LinkType.RAW,
  LINKTYPE_LOOP: LinkType.LOOP,
  LINKTYPE_LINUX_SLL: LinkType.LINUX_SLL,
  LINKTYPE_IPV4: LinkType.IPV4,
  LINKTYPE_IPV6: LinkType.IPV6,
  LINKTYPE_LINUX_SLL2: LinkType.LINUX_SLL2,
};

/**
 * The optional native backend. node_pcap hands each packet as { buf, header }, the header being
 * libpcap's pcap_pkthdr as 16 little-endian bytes (seconds, microseconds, caplen, len), and reports
 * kernel drops through session.stats().
 */
async function openPcapModuleCapture(opts: LiveCaptureOptions, sink: CaptureSink): Promise<LiveCapture> {
  let pcap;
  try {
    pcap = await loadPcapModule();
  } catch {
    throw new LiveCaptureError(notInstalledMessage('the `pcap` package'), 'not-installed');
  }
  let session;
  try {
    session = pcap.createSession(opts.iface, {
      filter: opts.filter ?? '',
      snap_length: opts.snaplen,
      buffer_timeout: 0,
    });
  } catch (e) {
    throw classifyCaptureFailure('pcap', opts.iface, (e as Error).message, null);
  }
  const linkType = PCAP_MODULE_LINK_TYPES[session.link_type as string] ?? LinkType.ETHERNET;
  const packet: CapturedPacket = { frame: 0, time: 0, linkType, interfaceId: 0, caplen: 0, origLen: 0, data: new Uint8Array(0) };
  let frames = 0;
  let resolveClosed!: (s: LiveStats) => void;
  const closed = new Promise<LiveStats>((r) => (resolveClosed = r));
  session.on('packet', (raw: { buf: Uint8Array; header: Uint8Array }) => {
    const h = new DataView(raw.header.buffer, raw.header.byteOffset, raw.header.byteLength);
    const caplen = h.getUint32(8, true);
    packet.frame = ++frames;
    packet.time = h.getUint32(0, true) + h.getUint32(4, true) / 1e6;
    packet.caplen = caplen;
    packet.origLen = h.getUint32(12, true);
    packet.data = new Uint8Array(raw.buf.buffer, raw.buf.byteOffset, Math.min(caplen, raw.buf.byteLength));
    sink.packet(packet);
  });
  let stopped: LiveStats | undefined;
  return {
    backend: 'pcap',
    closed,
    async stop(): Promise<LiveStats> {
      if (stopped) return stopped;
      let stats: { ps_recv?: number; ps_drop?: number; ps_ifdrop?: number } = {};
      try {
        stats = session.stats();
      } catch {
        // stats are optional
      }
      session.close();
      stopped = { backend: 'pcap', packets: frames, received: stats.ps_recv, dropped: stats.ps_drop, droppedByInterface: stats.ps_ifdrop };
      resolveClosed(stopped);
      return stopped;
    },
  };
}

/** Capture devices: `tcpdump -D` when available, else the names in /sys/class/net. */
export async function listDevices(opts: { executable?: string } = {}): Promise<LiveDevice[]> {
  const tcpdump = opts.executable ?? (await findExecutable('tcpdump'));
  if (tcpdump) {
    const text = await new Promise<string | undefined>((resolve) => {
      execFile(tcpdump, ['-D'], { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout));
    });
    if (text !== undefined) {
      const devices = parseTcpdumpDevices(text);
      if (devices.length > 0) return devices;
    }
  }
  try {
    const names = (await readdir('/sys/class/net')).sort();
    const out: LiveDevice[] = [];
    for (const name of names) {
      let flags: string[] = [];
      try {
        const state = (await readFile(`/sys/class/net/${name}/operstate`, 'utf8')).trim();
        flags = state === 'up' ? ['Up'] : state === 'unknown' ? [] : [state];
      } catch {
        // no operstate
      }
      out.push({ name, flags });
    }
    return out;
  } catch {
    return [];
  }
}
