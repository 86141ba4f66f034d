/**
 * Browser byte source: a dropped or picked File (any Blob) read as a stream into the capture reader,
 * in constant memory. gzip input is recognised by its magic (1f 8b) and inflated with the platform's
 * DecompressionStream. No Node imports here: this runs in a Web Worker.
 */
import { createCaptureReader } from './reader.js';
import { CaptureError, type CaptureSink, type CaptureSummary } from './types.js';

export interface ReadBlobOptions {
  /** Called after each chunk read from the blob: bytes read so far (compressed, for gzip) and blob.size. */
  onProgress?(bytesRead: number, totalBytes: number | undefined): void;
  /** Name used in messages (default: the File's name, else "input"). */
  file?: string;
}

/** Reads a capture held in a Blob or File; rejects with a CaptureError naming the file. */
export async function readCaptureBlob(blob: Blob, sink: CaptureSink, opts: ReadBlobOptions = {}): Promise<CaptureSummary> {
  const file = opts.file ?? ((blob as Blob & { name?: string }).name || undefined);
  const where = file ?? 'input';
  const total = blob.size;
  const onProgress = opts.onProgress;
  const reader = createCaptureReader(sink, { file });

  const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  const gzip = head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;

  // Count the raw (compressed) bytes as they leave the blob, for progress.
  let bytesRead = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytesRead += chunk.byteLength;
      onProgress?.(bytesRead, total);
      controller.enqueue(chunk);
    },
  });
  let stream = blob.stream().pipeThrough(counter);
  if (gzip) stream = stream.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);

  const chunks = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await chunks.read();
      if (done) break;
      reader.push(value);
    }
  } catch (e) {
    await chunks.cancel().catch(() => undefined);
    if (e instanceof CaptureError) throw e;
    if (gzip) {
      // The inflater reports a cut or corrupt stream only as a TypeError: name the input either way.
      throw new CaptureError(`${where}: bad or truncated gzip data (${(e as Error).message})`, 'bad-gzip', file, bytesRead);
    }
    throw new CaptureError(`${where}: ${(e as Error).message}`, 'io-error', file, bytesRead);
  } finally {
    chunks.releaseLock();
  }
  return reader.end();
}
