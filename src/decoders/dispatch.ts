/**
 * Chooses the decoder for each flow: by the port profile first, by content when the port says nothing.
 *
 * Contact-center ports are configurable and the CAD service map is only partly public, so a stream on an
 * unexpected port is recognised from its first bytes (GIOP magic, a GED-188 header with OPEN_REQ, a BER
 * LDAPMessage, a TLS record, a SIP start line). The profile wins when both apply; content detection is
 * reported as such ("detected by content"). Bytes seen while probing are replayed to the chosen decoder,
 * so nothing is lost. One exception to the profile: a TCP stream whose start was captured and whose first bytes
 * cannot be the port's protocol (an HTTP request on 3000, MSRPC on a 59000-range port) is detected by content
 * instead, as if no profile named the port; until those bytes come such a flow is not classified.
 */

import type { DecodeOptions, DecodedMessage, Direction, FlowConsumer, HeartbeatEvent, FlowConsumerFactory, FlowInfo, FlowRecord, ProtocolName, StreamDecoder, StreamDecoderFactory, ContentProbe, StartContradicts } from './types.js';
import { PortMap, portCanNameServer, type FlowClassification, type Phase, type ServiceDef } from './profile.js';

/** What the dispatcher knows about one protocol. */
export interface ProtocolEntry {
  /** Decoder over a TCP byte stream. */
  tcp?: StreamDecoderFactory;
  /** Decoder over UDP datagrams (one data() call per datagram). */
  udp?: StreamDecoderFactory;
  /** Content probes, tried on flows the profile does not name. */
  probeTcp?: ContentProbe;
  probeUdp?: ContentProbe;
  /** Says when a TCP stream's first bytes cannot be this protocol, so the port that named it was wrong. */
  startContradicts?: StartContradicts;
  /** Phase and service name used when the protocol was found by content. */
  phase: Phase;
  /**
   * Its TCP sessions may be silent for minutes and still be one session (a CTI session with IdleTimeout 0xFFFFFFFF,
   * an idle directory bind): the flow tracker then holds them while idle (FlowConsumer.keptWhileIdle) instead of
   * ending them after its idle timeout, which would split one session in two.
   */
  quietSessions?: true;
}

export type ProtocolRegistry = Partial<Record<ProtocolName, ProtocolEntry>>;

/** True when a profile's service can be read on this transport: opaque, or its protocol has a decoder for it. */
export function serviceRunsOver(def: ServiceDef, registry: ProtocolRegistry, transport: FlowInfo['transport']): boolean {
  return def.protocol === 'opaque' || registry[def.protocol]?.[transport] !== undefined;
}

export interface DispatchOptions {
  registry: ProtocolRegistry;
  portMap: PortMap;
  decode: DecodeOptions;
  emit(message: DecodedMessage): void;
  /** StreamDecoderContext.heartbeat, for every decoder (only with decode.forgetEmitted and no keepRaw). */
  heartbeat?(h: HeartbeatEvent): boolean;
  /** Called once per flow when its service is known (at once for profile ports, after probing otherwise). */
  classified?(info: FlowInfo, cls: FlowClassification): void;
  /** Called for every flow when it starts (before classification). */
  flowStart?(info: FlowInfo): void;
  /** Called when a flow ends, with the classification if there was one. */
  flowEnd?(record: FlowRecord, cls: FlowClassification | undefined): void;
  /** Called for every hole in a flow's payload (segments not captured). */
  gap?(info: FlowInfo, dir: Direction, length: number, frame: number, time: number): void;
  /** Restrict decoding to these protocols (decode --protocol). */
  only?: ReadonlySet<ProtocolName>;
  /** Classify flows (by port or content) but decode nothing: the connection table needs only the service names. */
  classifyOnly?: boolean;
  /** Only the flows it accepts are classified and decoded; the others are counted only (a pass for one host's messages). */
  decodeFlow?(info: FlowInfo): boolean;
}

/**
 * What a flow a decoder reads counts against the flow table's budget, in flows of bare accounting: its decoder's
 * state and the analyzer's come to about 5 KB (bench/flow-memory.mjs: ged188-analyze), a bare flow's to 1 KB.
 */
export const DECODED_FLOW_WEIGHT = 5;

/** Bytes buffered per flow while probing before giving up on content detection. */
const PROBE_LIMIT = 2048;

/** Order in which content probes are tried: the most distinctive signatures first. */
const PROBE_ORDER: ProtocolName[] = ['giop', 'ged188', 'tls', 'sip', 'ssdp', 'ldap', 'skinny', 'dns'];

interface Pending {
  dir: Direction;
  bytes: Uint8Array;
  frame: number;
  time: number;
}

export function createDispatcher(opts: DispatchOptions): FlowConsumerFactory {
  const { registry } = opts;

  const classify = (info: FlowInfo, protocol: ProtocolName | 'opaque' | 'unknown', base: Partial<FlowClassification>): FlowClassification => {
    const entry = protocol !== 'opaque' && protocol !== 'unknown' ? registry[protocol] : undefined;
    return {
      flowId: info.id,
      service: base.service ?? (protocol === 'unknown' ? `port-${info.serverPort}` : `${protocol}-${info.serverPort}`),
      label: base.label ?? (protocol === 'unknown' ? `${info.transport.toUpperCase()} ${info.serverPort}` : `${protocol} on ${info.serverPort}`),
      protocol,
      phase: base.phase ?? entry?.phase ?? 'other',
      detectedBy: base.detectedBy ?? 'content',
      desktop: base.desktop,
      replyTimeout: base.replyTimeout,
    };
  };

  const decoderFor = (info: FlowInfo, protocol: ProtocolName): StreamDecoder | null => {
    if (opts.classifyOnly || (opts.only && !opts.only.has(protocol))) return null;
    const entry = registry[protocol];
    const factory = info.transport === 'tcp' ? entry?.tcp : entry?.udp;
    return factory ? factory({ flow: info, emit: opts.emit, options: opts.decode, heartbeat: opts.heartbeat }) : null;
  };

  const shared: DispatchShared = { opts, registry, classify, decoderFor };
  return (info: FlowInfo): FlowConsumer => new FlowDispatch(shared, info);
}

/** What every flow's dispatch shares (one object, so a flow's own holds a single reference to it). */
interface DispatchShared {
  opts: DispatchOptions;
  registry: ProtocolRegistry;
  classify(info: FlowInfo, protocol: ProtocolName | 'opaque' | 'unknown', base: Partial<FlowClassification>): FlowClassification;
  decoderFor(info: FlowInfo, protocol: ProtocolName): StreamDecoder | null;
}

/**
 * One flow's consumer: classifies it, then hands its bytes to the chosen decoder. A class rather than closures:
 * every packet of the flow reads this object's fields, and they sit together instead of in a closure context.
 */
class FlowDispatch implements FlowConsumer {
  private cls: FlowClassification | undefined;
  private decoder: StreamDecoder | null = null;
  private probing = false;
  /** Bytes seen while probing, to replay; made on the first such bytes. */
  private pending: Pending[] | null = null;
  private pendingBytes = 0;
  private def: ServiceDef | undefined;
  /** Named by the port, waiting for its first bytes: the check they must pass (the protocol's startContradicts). */
  private verifying: StartContradicts | undefined;
  /** FlowConsumer.weight: more once a decoder reads the flow. */
  weight = 1;
  /** FlowConsumer.keptWhileIdle: the flow is a session of a protocol whose sessions may be quiet (ProtocolEntry.quietSessions). */
  keptWhileIdle = false;

  constructor(
    private readonly shared: DispatchShared,
    private readonly info: FlowInfo,
  ) {
    const { opts, registry } = shared;
    opts.flowStart?.(info);
    if (opts.decodeFlow !== undefined && !opts.decodeFlow(info)) return;
    // The profile names the server port (or, for a flow whose roles were guessed, the client port; and then a port in
    // the dynamic range only facing another, as the flow tracker guessed the roles).
    const guessed = info.roleBy !== 'syn';
    const def =
      (!guessed || portCanNameServer(info.serverPort, info.clientPort) ? opts.portMap.lookup(info.serverPort) : undefined) ??
      (guessed && portCanNameServer(info.clientPort, info.serverPort) ? opts.portMap.lookup(info.clientPort) : undefined);
    this.def = def;
    if (def && serviceRunsOver(def, registry, info.transport)) {
      // Only the default profiles' ports are checked (the user's --port is taken at its word), and only on a stream
      // whose first bytes are its start: a flow picked up mid-stream may begin anywhere in a message.
      const check = def.detectedBy === 'port' && info.roleBy === 'syn' && info.transport === 'tcp' && def.protocol !== 'opaque';
      this.verifying = check ? registry[def.protocol as ProtocolName]!.startContradicts : undefined;
      if (!this.verifying) this.classifyByPort(def);
    } else {
      this.probing = true;
    }
  }

  private classifyByPort(def: ServiceDef): void {
    const { shared, info } = this;
    this.verifying = undefined;
    this.cls = shared.classify(info, def.protocol, def);
    shared.opts.classified?.(info, this.cls);
    if (def.protocol !== 'opaque') this.attach(def.protocol as ProtocolName);
  }

  /**
   * The flow is `protocol`'s: a session of a quiet protocol is kept while idle, decoded or not (the `flows` command
   * counts it as one flow, as tshark does); it goes to the protocol's decoder, if it has one here, and then weighs more.
   */
  private attach(protocol: ProtocolName): void {
    const { shared, info } = this;
    this.keptWhileIdle = info.transport === 'tcp' && shared.registry[protocol]?.quietSessions === true;
    this.decoder = shared.decoderFor(info, protocol);
    if (this.decoder !== null) this.weight = DECODED_FLOW_WEIGHT;
  }

  /** The flow's first bytes: the port's protocol, or, when they cannot be, content detection as for any port. */
  private verify(contradicts: StartContradicts, dir: Direction, bytes: Uint8Array): void {
    if (bytes.length > 0 && contradicts(bytes, dir)) {
      this.verifying = undefined;
      this.def = undefined;
      this.probing = true;
    } else this.classifyByPort(this.def!);
  }

  /** False once no decoder reads the flow: the tracker then stops handing its bytes over. */
  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): boolean | void {
    if (this.verifying) this.verify(this.verifying, dir, bytes);
    if (this.probing) {
      if (this.pending === null) {
        // The flow's first bytes are probed where they lie: most flows are decided by them, and then nothing is
        // copied (a flow no decoder reads, the usual case on a SPAN port, costs no copy at all).
        const verdict = this.decide(dir === 'c2s' ? bytes : NO_BYTES, dir === 's2c' ? bytes : NO_BYTES, bytes.length);
        if (verdict !== undefined) {
          this.settle(verdict);
          if (this.decoder === null) return false;
          this.decoder.data(dir, bytes, frame, time);
          return true;
        }
      }
      // Undecided: the caller may reuse `bytes` after this call, so keep a copy while probing; a flow's first bytes
      // were just probed, later ones are probed with what came before them.
      (this.pending ??= []).push({ dir, bytes: bytes.slice(), frame, time });
      this.pendingBytes += bytes.length;
      if (this.pending.length > 1) this.probe();
      return this.probing || this.decoder !== null;
    }
    if (this.decoder === null) return false;
    this.decoder.data(dir, bytes, frame, time);
  }

  /** A decided flow's bytes go to its decoder where they lie, when it reads them so; else as data() takes them. */
  dataAt(dir: Direction, buf: Uint8Array, offset: number, length: number, frame: number, time: number): boolean | void {
    const d = this.decoder;
    if (this.verifying || this.probing || d === null || d.dataAt === undefined) return this.data(dir, buf.subarray(offset, offset + length), frame, time);
    d.dataAt(dir, buf, offset, length, frame, time);
  }

  gap(dir: Direction, length: number, frame: number, time: number): void {
    // A hole before the first bytes: nothing to check them by, so the port stands.
    if (this.verifying) this.classifyByPort(this.def!);
    this.shared.opts.gap?.(this.info, dir, length, frame, time);
    if (this.probing) {
      // A hole before the protocol is known: decide on what we have, then pass the gap on.
      this.settle('unknown');
    }
    this.decoder?.gap(dir, length, frame, time);
  }

  end(record: FlowRecord): void {
    if (this.verifying) this.classifyByPort(this.def!);
    if (this.probing) this.settle('unknown');
    this.decoder?.end();
    this.shared.opts.flowEnd?.(record, this.cls);
  }

  private settle(protocol: ProtocolName | 'unknown'): void {
    const { shared, info, def } = this;
    this.probing = false;
    const cls = shared.classify(
      info,
      protocol,
      def ? { service: def.service, label: def.label, desktop: def.desktop, detectedBy: 'content' } : { detectedBy: 'content' },
    );
    if (protocol === 'unknown') cls.detectedBy = 'port';
    this.cls = cls;
    shared.opts.classified?.(info, cls);
    if (protocol !== 'unknown') this.attach(protocol);
    const replay = this.pending;
    this.pending = null;
    this.pendingBytes = 0;
    const decoder = this.decoder;
    if (decoder && replay) for (const p of replay) decoder.data(p.dir, p.bytes, p.frame, p.time);
  }

  private probe(): void {
    // Concatenate what each direction sent first, and ask each protocol.
    const pending = this.pending ?? [];
    const verdict = this.decide(joined(pending, 'c2s'), joined(pending, 's2c'), this.pendingBytes);
    if (verdict !== undefined) this.settle(verdict);
  }

  /**
   * The protocol the first bytes of each direction show ('unknown' when every probe says no, or when `seen` bytes
   * are enough to stop asking), or undefined while some probe wants more.
   */
  private decide(c2s: Uint8Array, s2c: Uint8Array, seen: number): ProtocolName | 'unknown' | undefined {
    const { shared, info } = this;
    let undecided = false;
    for (const name of PROBE_ORDER) {
      const entry = shared.registry[name];
      const probeFn = info.transport === 'tcp' ? entry?.probeTcp : entry?.probeUdp;
      if (!probeFn) continue;
      if (c2s.length > 0) {
        const verdict = probeFn(c2s, 'c2s');
        if (verdict === 'yes') return name;
        if (verdict === 'maybe') undecided = true;
      }
      if (s2c.length > 0) {
        const verdict = probeFn(s2c, 's2c');
        if (verdict === 'yes') return name;
        if (verdict === 'maybe') undecided = true;
      }
    }
    return !undecided || seen >= PROBE_LIMIT ? 'unknown' : undefined;
  }
}

const NO_BYTES = new Uint8Array(0);

/** What one direction sent while probing, as one array: the pending copy itself when there is one (the usual case). */
function joined(pending: Pending[], dir: Direction): Uint8Array {
  let n = 0;
  let count = 0;
  let only: Uint8Array = NO_BYTES;
  for (const p of pending) {
    if (p.dir !== dir) continue;
    n += p.bytes.length;
    count++;
    only = p.bytes;
  }
  if (count <= 1) return only;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of pending) {
    if (p.dir !== dir) continue;
    out.set(p.bytes, o);
    o += p.bytes.length;
  }
  return out;
}
