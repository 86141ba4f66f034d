/**
 * Contracts of the decoder stage: packets in, flows and protocol messages out.
 *
 * The network layer (src/decoders/net) turns packets into flows and, for TCP, ordered byte streams per
 * direction; it hands those to a FlowConsumer that the protocol layer creates per flow (gopacket's
 * tcpassembly stream factory, in spirit). Protocol decoders turn stream bytes into DecodedMessages.
 * The timeline stage sees only FlowRecords and DecodedMessages.
 */

export type Transport = 'tcp' | 'udp';
/** c2s: client to server (the side that sent the SYN, else the non-service port). */
export type Direction = 'c2s' | 's2c';

/**
 * Connection states, named as Zeek's conn.log does:
 * S0 SYN seen, no reply; REJ SYN answered by RST; S1 established, not closed; SF closed normally (FIN both ways);
 * S2 / S3 established, close attempt by originator / responder only (half-closed);
 * RSTO / RSTR established, then reset by originator / responder; RSTOS0 originator sent SYN then RST, no SYN-ACK;
 * RSTRH responder sent SYN-ACK then RST, originator's SYN not seen; SH originator sent SYN then FIN, no SYN-ACK;
 * SHR responder sent SYN-ACK then FIN, SYN not seen; OTH no SYN seen (mid-stream), or UDP.
 */
export type ConnState =
  | 'S0'
  | 'REJ'
  | 'S1'
  | 'SF'
  | 'S2'
  | 'S3'
  | 'RSTO'
  | 'RSTR'
  | 'RSTOS0'
  | 'RSTRH'
  | 'SH'
  | 'SHR'
  | 'OTH';

/** What is known about a flow when it is first seen; handed to the FlowConsumerFactory. */
export interface FlowInfo {
  /** 0-based, in order of each flow's first packet (like tshark's tcp.stream / udp.stream, per transport). */
  id: number;
  transport: Transport;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  /** "ip:port", IPv6 as "[addr]:port". */
  client: string;
  server: string;
  /** How the client side was chosen: the handshake, a well-known/profile port, or the first packet's sender. */
  roleBy: 'syn' | 'port' | 'first-packet';
  firstFrame: number;
  start: number;
}

/** An ICMP / ICMPv6 error tied back to the flow whose packet it quotes. */
export interface IcmpErrorInfo {
  frame: number;
  time: number;
  /** e.g. 'destination-unreachable'. */
  kind: string;
  type: number;
  code: number;
  /** e.g. 'port-unreachable', 'host-unreachable', 'fragmentation-needed'. */
  codeName: string;
  /** The router or host that sent the error. */
  from: string;
}

/** The final account of a flow: what `flows --json` prints and what the timeline reasons over. */
export interface FlowRecord extends FlowInfo {
  state: ConnState;
  /** Zeek-style history letters (S h A D F R, upper case from the client, lower from the server). */
  history: string;
  packets: { c2s: number; s2c: number };
  /** Sum of TCP/UDP payload lengths of every captured segment, retransmissions included (tshark's tcp.len). */
  payloadBytes: { c2s: number; s2c: number };
  lastFrame: number;
  end: number;
  /** SYNs sent by the client (1 = no retransmission); time between the first and last SYN. */
  syns: number;
  synSpan: number;
  synFrames: number[];
  synAckFrame?: number;
  /** Frame of the first RST and who sent it. */
  rstFrame?: number;
  rstBy?: Direction;
  finFrames: number[];
  /** Segments counted as retransmissions (data or flags seen again). */
  retransmissions: number;
  /** Bytes never captured (holes skipped by reassembly), per direction. */
  gapBytes: { c2s: number; s2c: number };
  icmpErrors: IcmpErrorInfo[];
  /** True when the flow was still open at the end of the capture (not closed, not expired). */
  openAtEnd: boolean;
  /**
   * Seconds from the client's last SYN to the ACK that completed the handshake: the path's round trip wherever the
   * capture was taken (beside the client it is SYN to SYN-ACK, beside the server SYN-ACK to ACK). Absent when the
   * handshake is not in the capture.
   */
  handshakeRtt?: number;
  /**
   * Set when the flow table finalised the flow early, still open, to stay within its budget (FlowTrackerOptions'
   * maxFlows): the capture time it did. The connection may have gone on (a later packet of it starts a new flow,
   * known from the middle), so what it was still waiting for is judged as of this time, as at the end of a capture.
   */
  evictedAt: number | undefined;
  /**
   * The capture lost the server's packets after this frame: the flow ends with the client's data, which nothing of
   * the server's acknowledged, yet the client never sent it again though the capture went on for 3 s or more after
   * it, as a TCP stack does with data it holds no ACK for. So the server did acknowledge it, in a packet the
   * capture does not have, and may have answered in it. TCP only.
   */
  serverLostAfter?: number;
}

/**
 * Receives one flow's payload, in order. Created per flow by a FlowConsumerFactory.
 * For TCP each call carries bytes of one segment (or the in-order part of it) in sequence order;
 * for UDP each call is one datagram.
 */
export interface FlowConsumer {
  /**
   * In-order bytes of one direction. Returning false says no more bytes of this flow are wanted (no decoder
   * reads it): the flow tracker then only counts them, without views or copies; gaps and the end still come.
   */
  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): boolean | void;
  /** data() for `buf[offset, offset + length)`, with no view made for them (StreamDecoder.dataAt). Optional. */
  dataAt?(dir: Direction, buf: Uint8Array, offset: number, length: number, frame: number, time: number): boolean | void;
  /** `length` bytes in direction `dir` were never captured; the next data() follows the hole. */
  gap(dir: Direction, length: number, frame: number, time: number): void;
  /** The flow is over (closed, reset, expired or the capture ended). */
  end(record: FlowRecord): void;
  /**
   * What holding this consumer's flow costs, in flows of bare accounting (about 1 KB each): a flow a decoder
   * reads holds several times that. The flow table's budget (maxFlows) counts it; read after each delivery.
   * Absent: 1.
   */
  readonly weight?: number;
  /**
   * The flow is a session that may be silent for long and still be one (a CTI session without heartbeats): once it
   * has carried payload, the flow tracker does not end it for idleness, only when it closes, the budget needs its
   * room, or the capture ends. Read with weight.
   */
  readonly keptWhileIdle?: boolean;
}

/** Returns the consumer for a new flow, or null to ignore its payload. */
export type FlowConsumerFactory = (flow: FlowInfo) => FlowConsumer | null;

/**
 * Protocols ctiscope decodes, named as Wireshark's display filters name them. 'ctios' is opaque (no public
 * format). The last five are a Windows PC's name and discovery chatter (NetBIOS name and datagram
 * services, LLMNR, mDNS, SSDP): decoded so that they are named for what they are, never taken for DNS.
 */
export const PROTOCOL_NAMES = ['ged188', 'giop', 'ldap', 'dns', 'tls', 'sip', 'skinny', 'ctios', 'nbns', 'nbdgm', 'llmnr', 'mdns', 'ssdp'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

/** A problem inside a message or stream: the decoder read what it could and says what was wrong. */
export interface Anomaly {
  code: string;
  message: string;
  frame?: number;
  /** Offset within the direction's byte stream (TCP) or the datagram (UDP). */
  offset?: number;
}

/**
 * Anomalies of one code beyond the ones listed on a message (a message lists at most 16 of each code): how
 * many, and the first and last frame they were seen in.
 */
export interface AnomalyCount {
  code: string;
  count: number;
  firstFrame?: number;
  lastFrame?: number;
}

export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

/** One protocol message, decoded. */
export interface DecodedMessage {
  protocol: ProtocolName;
  flowId: number;
  transport: Transport;
  client: string;
  server: string;
  direction: Direction;
  /**
   * The frame where the message is complete (the last segment carrying it): where Wireshark shows a
   * reassembled PDU. `frames` lists every frame that carried a byte of it.
   */
  frame: number;
  frames: number[];
  time: number;
  /** GED-188 message name, GIOP message type, LDAP protocolOp, 'query'/'response', SIP method or status. */
  type: string;
  /** Decoded fields, by name; codes also carry their names (e.g. status and statusName). */
  fields: Record<string, FieldValue>;
  /** One line a person can read: "SET_AGENT_STATE_REQ invoke=7 LOGIN agent=1001 ext=2001". */
  summary: string;
  /** Offset of the message in the direction's byte stream (TCP) and its length in bytes. */
  offset: number;
  length: number;
  /** The message bytes; only kept when the caller asked (decode --hex, UI details). */
  raw?: Uint8Array;
  /** Request/reply pairing: the matching message's frame and the time between them (seconds). */
  pairedFrame?: number;
  responseTime?: number;
  anomalies?: Anomaly[];
  /** Anomalies counted but not listed (beyond 16 of one code), per code. */
  omittedAnomalies?: AnomalyCount[];
}

/** Options every protocol decoder accepts. */
export interface DecodeOptions {
  /** Show passwords (GED-188 tags 2 and 49, LDAP simple bind) instead of "<redacted>". */
  showSecrets?: boolean;
  /** Keep the message bytes in DecodedMessage.raw. */
  keepRaw?: boolean;
  /**
   * The caller keeps no message after emit() returns (the analyzer): a decoder then holds only what pairing
   * needs (frame, time, type) instead of the request itself, and no direction's last message. By default
   * messages are completed after they were emitted, for callers that keep them (decode's output, the UI): a
   * request gets `pairedFrame` when its reply comes, the flow's leftover stream anomalies go on its
   * direction's last message. With this set, leftovers of a direction that emitted messages go nowhere, as
   * they would for such a caller anyway; a direction that emitted none still gets its STREAM_ERROR message.
   */
  forgetEmitted?: boolean;
}

/**
 * A heartbeat (a GED-188 HEARTBEAT_REQ or HEARTBEAT_CONF, whose body is its InvokeID alone) as its facts, with no
 * message made for it: most of a long CTI capture's messages are heartbeats. One object, reused: the receiver keeps
 * none of it, `frames` included.
 */
export interface HeartbeatEvent {
  flowId: number;
  direction: Direction;
  /** HEARTBEAT_CONF (else HEARTBEAT_REQ). */
  reply: boolean;
  invokeId: number;
  frame: number;
  frames: readonly number[];
  time: number;
}

/** Everything a stream decoder gets when it is created for a flow. */
export interface StreamDecoderContext {
  flow: FlowInfo;
  emit(message: DecodedMessage): void;
  options: DecodeOptions;
  /**
   * Set only for a caller that keeps no message and wants no bytes (DecodeOptions.forgetEmitted, no keepRaw): a
   * heartbeat with nothing else to report (no stream anomaly waiting) is offered here first, and emitted as a
   * message only when this returns false (the analyzer takes those of a session it already follows).
   */
  heartbeat?(h: HeartbeatEvent): boolean;
}

/** A protocol decoder bound to one flow; the dispatcher feeds it the flow's bytes. */
export interface StreamDecoder {
  data(dir: Direction, bytes: Uint8Array, frame: number, time: number): void;
  /**
   * data() for the bytes `buf[offset, offset + length)`, read where they lie: a decoder that makes a view only
   * of what it keeps or decodes (GED-188's heartbeats need none). Optional; the caller may reuse `buf` after it.
   */
  dataAt?(dir: Direction, buf: Uint8Array, offset: number, length: number, frame: number, time: number): void;
  gap(dir: Direction, length: number, frame: number, time: number): void;
  /** Flush what is buffered (a partial message becomes an anomaly). */
  end(): void;
}

export type StreamDecoderFactory = (ctx: StreamDecoderContext) => StreamDecoder;

/**
 * Content detection: given the first bytes the client (c2s) or server (s2c) sent, say whether this
 * protocol is spoken. 'maybe' means "need more bytes". Used for streams on unexpected ports.
 */
export type ContentProbe = (firstBytes: Uint8Array, dir: Direction) => 'yes' | 'no' | 'maybe';

/**
 * True when the first bytes of a stream whose start was captured cannot be this protocol, whatever the port says
 * (an HTTP request on the licensing port, MSRPC on a desktop-service port). A loose test of the fixed start of
 * the protocol's first message only: too few bytes, or anything the protocol could begin with, is false.
 */
export type StartContradicts = (firstBytes: Uint8Array, dir: Direction) => boolean;
