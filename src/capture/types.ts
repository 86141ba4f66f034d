/**
 * Contracts of the capture stage: bytes in, packets out.
 *
 * Readers are push parsers (`push(chunk)` then `end()`), so the same code reads a file stream in Node,
 * standard input, a live `tcpdump -w -` pipe, or a dropped File in the browser, in constant memory.
 * Packets are handed to a sink callback rather than returned as an async iterator: a callback per
 * packet costs a few nanoseconds, an awaited iterator step several hundred.
 */

/** LINKTYPE_* values (tcpdump.org/linktypes.html) that ctiscope decodes. */
export const LinkType = {
  NULL: 0, // BSD loopback: 4-byte address family in host byte order
  ETHERNET: 1,
  RAW: 101, // raw IPv4/IPv6
  LOOP: 108, // OpenBSD loopback: address family in network byte order
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
  /** No pcap link type: a record that is a frame but no network packet (a NetMon capture filter, adapter list, ETW event); counted, never decoded. */
  NON_PACKET: 0x10000,
} as const;

/**
 * One captured packet.
 *
 * The object and its `data` view may be reused by the reader for the next packet: a consumer that
 * keeps anything past the callback must copy it (`data.slice()`), as gopacket's zero-copy decoders do.
 */
export interface CapturedPacket {
  /** 1-based frame number; equals Wireshark's for the same file. */
  frame: number;
  /** Seconds since the epoch, with the file's resolution (µs, ns, or the interface's if_tsresol). */
  time: number;
  /** LINKTYPE_* of the interface that captured it. */
  linkType: number;
  /** Interface index within its pcapng section (0 for classic pcap). */
  interfaceId: number;
  /** Bytes captured (data.length); smaller than origLen when the snaplen cut the frame. */
  caplen: number;
  /** Length of the frame on the wire. */
  origLen: number;
  /** The captured bytes (the file readers' packets make this view only when it is read: see ReaderPacket). */
  data: Uint8Array;
  /** pcapng opt_comment, when present. */
  comment?: string;
}

/** Something wrong with the input that did not stop the reading (or stopped it after some packets). */
export interface CaptureWarning {
  /** Machine-readable code, e.g. 'truncated-record', 'unknown-link-type', 'bad-block-length'. */
  code: string;
  /** A sentence naming the file and the byte offset (and frame where known). */
  message: string;
  file?: string;
  offset?: number;
  frame?: number;
}

/** Where a reader delivers what it reads. Only `packet` is required. */
export interface CaptureSink {
  packet(p: CapturedPacket): void;
  /** Name resolution (pcapng NRB): an address ("192.0.2.1" / "2001:db8::1") and its names. */
  names?(address: string, names: string[]): void;
  warning?(w: CaptureWarning): void;
}

export interface CaptureInterface {
  linkType: number;
  snaplen: number;
  /** Seconds per timestamp unit (1e-6 by default; from if_tsresol). */
  tsUnit: number;
  name?: string;
  description?: string;
}

/** What a reader knows once the input has ended. */
export interface CaptureSummary {
  file?: string;
  format: 'pcap' | 'pcapng' | 'netmon' | 'unknown';
  /** Packets delivered to the sink. */
  packets: number;
  bytes: number;
  interfaces: CaptureInterface[];
  sections: number;
  firstTime?: number;
  lastTime?: number;
  /** True when the input ended inside a record: everything before the cut was delivered. */
  truncated: boolean;
  warnings: CaptureWarning[];
  /** pcapng section comments and similar. */
  comments: string[];
}

/**
 * A fatal input error: the input is not a capture, or its structure cannot be followed any further.
 * Packets read before the error were already delivered; `summary` says how far the reader got.
 */
export class CaptureError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly file: string | undefined,
    readonly offset: number,
    readonly frame?: number,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

/**
 * A push parser for one capture (classic pcap or pcapng, detected by magic number).
 * Implemented in src/capture/reader.ts as `createCaptureReader(sink, { file })`.
 */
export interface CaptureReader {
  /** Feeds the next bytes of the file; delivers every complete record to the sink. Throws CaptureError when the input cannot be followed. */
  push(chunk: Uint8Array): void;
  /** The input has ended: reports a record cut short as truncation (a warning, not an error). */
  end(): CaptureSummary;
  /** Bytes consumed so far (for progress and error offsets). */
  readonly offset: number;
}

export interface ReaderOptions {
  /** File name used in warnings and errors. */
  file?: string;
}
