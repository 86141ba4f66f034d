/**
 * Node byte sources for the capture reader: a file, standard input ('-'), or any byte stream, read in
 * large chunks in constant memory. gzip input is recognised by its magic (1f 8b), not by a .gz name,
 * so `ctiscope … f.pcap.gz` and `gzip -c f | ctiscope … -` both work.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createCaptureReader } from './reader.js';
import { CaptureError, type CaptureReader, type CaptureSink, type CaptureSummary } from './types.js';
import { InternalError } from '../internal-error.js';

export interface ReadSourceOptions {
  /**
   * Called after each chunk read from the source, with the bytes read so far and the source size when
   * known (a file: yes; standard input: no). For gzip input these are compressed bytes, which is what
   * the file size measures.
   */
  onProgress?(bytesRead: number, totalBytes: number | undefined): void;
  /** Read chunk size (default 1 MiB: fewer records cut across chunks than with Node's 64 KiB). */
  highWaterMark?: number;
  /**
   * Called after each chunk was parsed; reading waits for the promise it returns, if any (output
   * backpressure: the next chunk is read once the output has drained).
   */
  afterChunk?(): Promise<void> | undefined;
  /** Asked before each chunk is parsed; reading waits while it returns a promise (a consumer catching up). */
  backpressure?(): Promise<void> | undefined;
}

/** A CaptureError that also carries how far the reader got (packets before the error were delivered). */
export type CaptureErrorWithSummary = CaptureError & { summary?: CaptureSummary };

const DEFAULT_CHUNK = 1 << 20;

/** A plain Uint8Array view of a Buffer: packet views made from it are cheaper than Buffer slices. */
function plain(chunk: Uint8Array): Uint8Array {
  return chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function ioError(file: string, e: NodeJS.ErrnoException): CaptureError {
  const code = e.code ?? '';
  const what =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, not a capture file'
          : e.message;
  const name = code === 'ENOENT' ? 'file-not-found' : code === 'EACCES' || code === 'EPERM' ? 'permission-denied' : 'io-error';
  return new CaptureError(`${file}: ${what}`, name, file, 0);
}

/** Turns what stopped the reading into the CaptureError the caller sees (with the summary so far). */
function failReading(e: unknown, reader: CaptureReader, where: string, file: string | undefined): never {
  if (e instanceof CaptureError) {
    const withSummary = e as CaptureErrorWithSummary;
    if (!withSummary.summary) withSummary.summary = reader.end();
    throw e;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.code.startsWith('E')) throw ioError(where, err);
  // Anything else is ctiscope's own failure (in the reader or a sink), not a fault of the input.
  throw e instanceof InternalError ? e : new InternalError('reading', e);
}

/**
 * Reads a regular file that is not gzip-compressed through two reused buffers: the reader copies what it
 * keeps across chunks, and packet data is only valid during the sink's call, so the buffers can be reused
 * (a fresh buffer per chunk costs page faults and raises the peak RSS by the chunks awaiting GC). The next
 * chunk is read into the other buffer while this one is parsed, so the disk wait overlaps the work.
 * Returns undefined, having delivered nothing, when the file starts with the gzip magic.
 */
async function readPlainFile(
  path: string,
  sink: CaptureSink,
  opts: ReadSourceOptions,
  totalBytes: number | undefined,
  chunkSize: number,
): Promise<CaptureSummary | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e as NodeJS.ErrnoException);
  }
  const reader = createCaptureReader(sink, { file: path });
  const onProgress = opts.onProgress;
  const buffers = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
  let next = 0;
  let position = 0;
  let inFlight: Promise<{ bytesRead: number }> | undefined;
  const readNext = (): Promise<{ bytesRead: number }> => {
    const p = fh.read(buffers[next], 0, chunkSize, position);
    inFlight = p;
    return p;
  };
  try {
    let bytesRead = 0;
    let first = true;
    let reading = readNext();
    for (;;) {
      const { bytesRead: n } = await reading;
      inFlight = undefined;
      if (n === 0) break;
      const buf = buffers[next];
      if (first) {
        first = false;
        // A first read shorter than 2 bytes is the whole file (regular files read in full): not gzip.
        if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return undefined;
      }
      position += n;
      next ^= 1;
      reading = readNext();
      bytesRead += n;
      onProgress?.(bytesRead, totalBytes);
      const before = opts.backpressure?.();
      if (before) await before;
      reader.push(n === chunkSize ? buf : buf.subarray(0, n));
      const after = opts.afterChunk?.();
      if (after) await after;
    }
    return reader.end();
  } catch (e) {
    return failReading(e, reader, path, path);
  } finally {
    // A read may still be in flight (an error while parsing): let it finish before closing.
    if (inFlight) await inFlight.catch(() => undefined);
    await fh.close();
  }
}

/**
 * Reads a capture from a byte stream (chunks of Uint8Array/Buffer), unzipping it if it starts with the
 * gzip magic. `file` names the input in messages.
 */
export async function readCaptureStream(
  source: AsyncIterable<Uint8Array>,
  sink: CaptureSink,
  opts: ReadSourceOptions & { file?: string; totalBytes?: number } = {},
): Promise<CaptureSummary> {
  const file = opts.file;
  const where = file ?? 'input';
  const reader = createCaptureReader(sink, { file });
  const onProgress = opts.onProgress;
  const totalBytes = opts.totalBytes;
  let bytesRead = 0;
  const iterator = source[Symbol.asyncIterator]();

  /** Source chunks, counted for progress; `head` holds what was read to sniff the magic. */
  async function* counted(head: Uint8Array[]): AsyncGenerator<Uint8Array> {
    for (const h of head) yield h;
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) return;
      bytesRead += value.length;
      onProgress?.(bytesRead, totalBytes);
      const wait = opts.backpressure?.();
      if (wait) await wait;
      yield value;
    }
  }

  const fail = (e: unknown): never => failReading(e, reader, where, file);

  try {
    // Sniff the first two bytes (a first chunk may be shorter).
    const head: Uint8Array[] = [];
    let headLen = 0;
    while (headLen < 2) {
      const { value, done } = await iterator.next();
      if (done) break;
      bytesRead += value.length;
      onProgress?.(bytesRead, totalBytes);
      head.push(value);
      headLen += value.length;
    }
    const first = head.length === 0 ? new Uint8Array(0) : head.length === 1 ? head[0] : Buffer.concat(head);
    const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    const afterChunk = opts.afterChunk;
    if (!gzip) {
      for await (const chunk of counted(head)) {
        reader.push(plain(chunk));
        const wait = afterChunk?.();
        if (wait) await wait;
      }
      return reader.end();
    }
    // The reader's own error (not a capture, bad record) is kept here: pipeline() may report it as the
    // AbortError of the stages it tears down instead.
    let readerError: unknown;
    try {
      await pipeline(Readable.from(counted(head)), createGunzip(), async (unzipped: AsyncIterable<Uint8Array>) => {
        for await (const chunk of unzipped) {
          try {
            reader.push(plain(chunk));
          } catch (e) {
            readerError = e;
            throw e;
          }
          const wait = afterChunk?.();
          if (wait) await wait;
        }
      });
    } catch (e) {
      if (readerError !== undefined) throw readerError;
      const z = e as NodeJS.ErrnoException;
      if (z.code === 'Z_BUF_ERROR') {
        // The compressed stream stops early (a file still being written, a cut download): what was
        // inflated was delivered; report it as truncation like a capture cut inside a record.
        const summary = reader.end();
        const warning = {
          code: 'truncated-gzip',
          message: `${where}: gzip data ends early (after ${bytesRead} compressed bytes); packets up to the cut were read`,
          file,
          offset: bytesRead,
        };
        sink.warning?.(warning);
        return { ...summary, truncated: true, warnings: [...summary.warnings, warning] };
      }
      if (typeof z.code === 'string' && z.code.startsWith('Z_')) {
        throw new CaptureError(`${where}: bad gzip data (${z.message})`, 'bad-gzip', file, bytesRead);
      }
      throw e;
    }
    return reader.end();
  } catch (e) {
    return fail(e);
  }
}

/**
 * Reads a capture file, or standard input when `path` is '-'. Rejects with a CaptureError whose message
 * names the file (and the byte offset for bad input); packets before the error were delivered, and the
 * error's `summary` says how far reading got.
 */
export async function readCaptureFile(path: string, sink: CaptureSink, opts: ReadSourceOptions = {}): Promise<CaptureSummary> {
  const highWaterMark = opts.highWaterMark ?? DEFAULT_CHUNK;
  if (path === '-') {
    return readCaptureStream(process.stdin, sink, { ...opts, file: 'stdin' });
  }
  let totalBytes: number | undefined;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    totalBytes = st.isFile() ? st.size : undefined;
  } catch (e) {
    throw ioError(path, e as NodeJS.ErrnoException);
  }
  if (totalBytes !== undefined) {
    const summary = await readPlainFile(path, sink, opts, totalBytes, highWaterMark);
    if (summary) return summary;
  }
  const stream = createReadStream(path, { highWaterMark });
  try {
    return await readCaptureStream(stream, sink, { ...opts, file: path, totalBytes });
  } finally {
    stream.destroy();
  }
}

/** A sink for several files: told where each file's packets begin and end. */
export interface MultiFileSink extends CaptureSink {
  /** Before the first packet of `paths[index]`; frame numbers restart at 1 for each file. */
  beginFile?(index: number, path: string): void;
  /** After the last packet of `paths[index]`. */
  endFile?(index: number, path: string, summary: CaptureSummary): void;
}

export interface ReadFilesOptions extends ReadSourceOptions {
  /**
   * Go on with the next file after a fatal error in one: its summary then holds the packets read before
   * the error plus a warning with the error's code and message. Default false (reject).
   */
  continueOnError?: boolean;
}

/**
 * Reads several captures one after the other into one sink, in the order given. Each file keeps its
 * own frame numbering (as Wireshark shows it when the file is opened alone); `beginFile` tells the sink
 * which file the following packets come from. Merging by time is the caller's job. Progress covers all
 * files: bytes read so far over the sum of the file sizes (undefined if one size is unknown).
 */
export async function readCaptureFiles(paths: string[], sink: MultiFileSink, opts: ReadFilesOptions = {}): Promise<CaptureSummary[]> {
  const sizes: (number | undefined)[] = [];
  for (const p of paths) {
    try {
      sizes.push(p === '-' ? undefined : (await stat(p)).size);
    } catch {
      sizes.push(undefined);
    }
  }
  const grandTotal = sizes.every((s) => s !== undefined) ? sizes.reduce<number>((a, s) => a + (s ?? 0), 0) : undefined;
  const summaries: CaptureSummary[] = [];
  let before = 0;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    sink.beginFile?.(i, path);
    let summary: CaptureSummary;
    try {
      summary = await readCaptureFile(path, sink, {
        highWaterMark: opts.highWaterMark,
        onProgress: opts.onProgress && ((read) => opts.onProgress!(before + read, grandTotal)),
      });
    } catch (e) {
      if (!opts.continueOnError || !(e instanceof CaptureError)) throw e;
      const partial = (e as CaptureErrorWithSummary).summary;
      const warning = { code: e.code, message: e.message, file: path, offset: e.offset, frame: e.frame };
      summary = partial
        ? { ...partial, warnings: [...partial.warnings, warning] }
        : { file: path, format: 'unknown', packets: 0, bytes: 0, interfaces: [], sections: 0, truncated: false, warnings: [warning], comments: [] };
    }
    before += sizes[i] ?? 0;
    summaries.push(summary);
    sink.endFile?.(i, path, summary);
  }
  return summaries;
}
