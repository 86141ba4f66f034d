/**
 * Live capture: the source interface and the pure parts (command lines, parsing of the capture tools'
 * messages). Starting processes and loading native modules is in live-node.ts.
 *
 * The default backend runs `tcpdump -U -w -` (or `dumpcap -w -`) and reads its stdout with our own
 * stream reader, so live capture needs no native addon. The optional `pcap` package (node_pcap), when
 * installed, is used through a dynamic import.
 */

export type LiveBackend = 'tcpdump' | 'dumpcap' | 'pcap';

export interface LiveCaptureOptions {
  /** Interface name, e.g. "eth0", "lo", "any". */
  iface: string;
  /** BPF filter expression, e.g. "tcp port 42027 or port 389". */
  filter?: string;
  /** Bytes kept per packet (default: the tool's default, 262144). */
  snaplen?: number;
  /** Backend; default: tcpdump, else dumpcap, else the `pcap` package, whichever is found first. */
  backend?: LiveBackend;
  /** Path of the tcpdump/dumpcap executable when it is not on PATH. */
  executable?: string;
  /** Milliseconds to wait for the backend to report that it is capturing (default 10000). */
  startTimeoutMs?: number;
}

export interface LiveStats {
  backend: LiveBackend;
  /** Packets delivered to the sink. */
  packets: number;
  /** Packets the kernel passed to the filter, when the backend reports it. */
  received?: number;
  /** Packets dropped by the kernel (buffer full), when the backend reports it. */
  dropped?: number;
  /** Packets dropped by the interface or driver, when the backend reports it. */
  droppedByInterface?: number;
  /** The backend's own closing words (tcpdump's statistics lines), for display. */
  message?: string;
}

export interface LiveCapture {
  readonly backend: LiveBackend;
  /** Stops capturing, delivers what is still buffered, and resolves with the statistics. */
  stop(): Promise<LiveStats>;
  /** Settles when the capture ends, by stop() or because the backend exited or failed. */
  readonly closed: Promise<LiveStats>;
}

export interface LiveDevice {
  name: string;
  description?: string;
  /** tcpdump -D flags such as "Up", "Running", "Loopback". */
  flags: string[];
}

export type LiveErrorCode = 'not-installed' | 'permission-denied' | 'no-such-interface' | 'bad-filter' | 'start-timeout' | 'failed';

export class LiveCaptureError extends Error {
  constructor(
    message: string,
    readonly code: LiveErrorCode,
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

export const PERMISSION_HINT =
  'needs root or CAP_NET_RAW: run with sudo or `setcap cap_net_raw,cap_net_admin=eip $(which tcpdump)`';

export function notInstalledMessage(tool: string): string {
  return (
    `${tool} not found: install tcpdump (apt-get install tcpdump; dnf install tcpdump; brew install tcpdump) ` +
    `or Wireshark's dumpcap, or install the optional \`pcap\` package and run as root`
  );
}

/** Arguments for `tcpdump`: packet-buffered pcap on stdout. */
export function tcpdumpArgs(o: LiveCaptureOptions): string[] {
  const args = ['-U', '--immediate-mode', '-w', '-', '-i', o.iface];
  if (o.snaplen !== undefined) args.push('-s', String(o.snaplen));
  if (o.filter) args.push(o.filter);
  return args;
}

/** Arguments for `dumpcap`: pcapng on stdout. */
export function dumpcapArgs(o: LiveCaptureOptions): string[] {
  const args = ['-i', o.iface, '-w', '-'];
  if (o.snaplen !== undefined) args.push('-s', String(o.snaplen));
  if (o.filter) args.push('-f', o.filter);
  return args;
}

/** True once the tool's stderr says that it is capturing. */
export function isCaptureStarted(backend: LiveBackend, stderr: string): boolean {
  if (backend === 'tcpdump') return /listening on /.test(stderr);
  if (backend === 'dumpcap') return /Capturing on /.test(stderr);
  return false;
}

/** Reads the statistics that tcpdump and dumpcap print when they stop. */
export function parseCaptureStats(backend: LiveBackend, stderr: string): Omit<LiveStats, 'backend' | 'packets'> {
  const out: Omit<LiveStats, 'backend' | 'packets'> = {};
  if (backend === 'tcpdump') {
    const received = /(\d+) packets? received by filter/.exec(stderr);
    const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
    const ifDropped = /(\d+) packets? dropped by interface/.exec(stderr);
    if (received) out.received = Number(received[1]);
    if (dropped) out.dropped = Number(dropped[1]);
    if (ifDropped) out.droppedByInterface = Number(ifDropped[1]);
    const lines = stderr.split('\n').filter((l) => /packets? (captured|received by filter|dropped by)/.test(l));
    if (lines.length) out.message = lines.join('\n');
  } else if (backend === 'dumpcap') {
    // "Packets received/dropped on interface 'lo': 5/0 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (100.0%)"
    const m = /received\/dropped on interface '[^']*': (\d+)\/(\d+)(?: \(pcap:(\d+)\/dumpcap:(\d+)\/flushed:(\d+)\/ps_ifdrop:(\d+)\))?/.exec(stderr);
    if (m) {
      out.received = Number(m[1]);
      out.dropped = Number(m[2]);
      if (m[6] !== undefined) out.droppedByInterface = Number(m[6]);
      out.message = m[0];
    }
  }
  return out;
}

/** Turns a capture tool's error output into a LiveCaptureError with advice. */
export function classifyCaptureFailure(tool: string, iface: string, stderr: string, exitCode: number | null): LiveCaptureError {
  const text = stderr.trim();
  const last = text.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' / ');
  if (/permission|not permitted|EPERM|EACCES|superuser|You don't have/i.test(text)) {
    return new LiveCaptureError(`${tool} could not capture on ${iface}: ${PERMISSION_HINT} (${last})`, 'permission-denied');
  }
  if (/No such device|no such device|doesn't exist|There is no device|not found|is not up/i.test(text) && !/syntax error/.test(text)) {
    return new LiveCaptureError(`${tool}: no interface "${iface}" (list them with \`ctiscope devices\` or tcpdump -D): ${last}`, 'no-such-interface');
  }
  if (/syntax error|can't parse filter|parse error|Invalid capture filter|illegal|unknown (host|port|proto)/i.test(text)) {
    return new LiveCaptureError(`${tool}: the capture filter is not valid: ${last}`, 'bad-filter');
  }
  return new LiveCaptureError(`${tool} stopped${exitCode !== null ? ` with exit code ${exitCode}` : ''}: ${last || 'no message'}`, 'failed');
}

/** Parses `tcpdump -D`: "1.eth0 [Up, Running, Connected]", "2.any (Pseudo-device …) [Up, Running]". */
export function parseTcpdumpDevices(text: string): LiveDevice[] {
  const out: LiveDevice[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\.(\S+)(?:\s+\((.*?)\))?(?:\s+\[(.*)\])?\s*$/.exec(line);
    if (!m) continue;
    out.push({
      name: m[1],
      description: m[2] || undefined,
      flags: m[3] ? m[3].split(',').map((s) => s.trim()).filter((s) => s && s !== 'none') : [],
    });
  }
  return out;
}
