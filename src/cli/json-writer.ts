/**
 * Writes JSON to a stream as it goes, so the output is bounded by the disk and not by V8's largest string.
 *
 * The text is exactly what `JSON.stringify(value, null, indent)` gives (a test holds them together): the
 * value is walked with an explicit stack (no recursion, so any depth is fine), and any part of it that is
 * small (a flow record, a message, a step) is handed to `JSON.stringify` whole and re-indented, which is
 * where the speed comes from. Long strings are escaped a slice at a time. Chunks of about 64 KiB go to
 * the stream; `ready()` waits for it to drain when it asks for a pause (backpressure).
 */

/** The part of a Writable the writer needs (process.stdout, a file stream, a test's collector). */
export interface ChunkStream {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

const CHUNK_CHARS = 64 * 1024;
/** A subtree with at most this many nodes, and strings of at most STRING_BUDGET chars in all, is stringified whole. */
const NODE_BUDGET = 512;
const STRING_BUDGET = 64 * 1024;
/** Strings longer than this are escaped in slices of this many chars. */
const STRING_SLICE = 16 * 1024;

interface Frame {
  /** The object or array being written. */
  value: any;
  isArray: boolean;
  keys: string[] | undefined;
  next: number;
  /** Members written so far (an object whose members are all skipped is `{}`). */
  written: number;
  depth: number;
}

export class JsonWriter {
  private parts: string[] = [];
  private size = 0;
  private blocked = false;
  private drained: Promise<void> | undefined = undefined;
  private readonly indents: string[] = [];

  /** `indent` as JSON.stringify's third argument: a number of spaces, or 0 for compact JSON. */
  constructor(
    private readonly out: ChunkStream,
    readonly indent = 0,
  ) {}

  /** Raw text (brackets and separators the caller lays out itself). */
  text(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK_CHARS) this.flush();
  }

  /** The newline and indentation that start a line at `depth` ('' for compact JSON). */
  lineStart(depth: number): string {
    if (this.indent === 0) return '';
    let s = this.indents[depth];
    if (s === undefined) {
      s = '\n' + ' '.repeat(this.indent * depth);
      this.indents[depth] = s;
    }
    return s;
  }

  /**
   * Writes `value` as JSON.stringify would at nesting level `depth` (the caller already wrote what comes
   * before it on its line). Returns false, writing nothing, when JSON.stringify would give undefined. Runs to
   * the end at once: what the stream cannot take yet waits in its buffer (see valueAsync).
   */
  value(value: unknown, depth = 0): boolean {
    const v = toJsonValue(value, '');
    if (!isWritable(v)) return false;
    if (this.small(v, depth)) return true;
    const walk = this.walk(v, depth);
    while (!walk.next().done);
    return true;
  }

  /** value(), pausing whenever the stream asks to (a large document written to a slow pipe stays out of memory). */
  async valueAsync(value: unknown, depth = 0): Promise<boolean> {
    const v = toJsonValue(value, '');
    if (!isWritable(v)) return false;
    if (!this.small(v, depth)) for (const _ of this.walk(v, depth)) await this.ready();
    else await this.ready();
    return true;
  }

  /** Writes a primitive or a small subtree whole; false when `v` needs the walk. */
  private small(v: unknown, depth: number): boolean {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'string' && v.length > STRING_SLICE) return false;
      this.text(JSON.stringify(v));
      return true;
    }
    if (!isSmall(v)) return false;
    const s = JSON.stringify(v, null, this.indent);
    this.text(depth > 0 && this.indent > 0 ? s.replaceAll('\n', this.lineStart(depth)) : s);
    return true;
  }

  /** The walk over a large value; yields whenever the stream has asked for a pause. */
  private *walk(root: unknown, depth: number): Generator<void> {
    if (root === null || typeof root !== 'object') {
      yield* this.longString(root as string);
      return;
    }
    const stack: Frame[] = [];
    const onStack = new Set<object>();
    const open = (obj: any, d: number): void => {
      if (onStack.has(obj)) throw new TypeError('Converting circular structure to JSON');
      onStack.add(obj);
      const isArray = Array.isArray(obj);
      stack.push({ value: obj, isArray, keys: isArray ? undefined : Object.keys(obj), next: 0, written: 0, depth: d });
      this.text(isArray ? '[' : '{');
    };
    open(root, depth);
    while (stack.length) {
      if (this.blocked) yield;
      const f = stack[stack.length - 1];
      const count = f.isArray ? f.value.length : f.keys!.length;
      if (f.next >= count) {
        stack.pop();
        onStack.delete(f.value);
        if (f.written === 0) this.text(f.isArray ? ']' : '}');
        else this.text(this.lineStart(f.depth) + (f.isArray ? ']' : '}'));
        continue;
      }
      const i = f.next++;
      const key = f.isArray ? String(i) : f.keys![i];
      const v = toJsonValue(f.value[key], key);
      const writable = isWritable(v);
      if (!writable && !f.isArray) continue;
      const sep = (f.written++ === 0 ? '' : ',') + this.lineStart(f.depth + 1);
      this.text(f.isArray ? sep : sep + JSON.stringify(key) + (this.indent > 0 ? ': ' : ':'));
      if (!writable) this.text('null');
      else if (this.small(v, f.depth + 1)) continue;
      else if (typeof v === 'string') yield* this.longString(v);
      else if (onStack.has(v as object)) throw new TypeError('Converting circular structure to JSON');
      else open(v, f.depth + 1);
    }
  }

  /** True while the stream has asked for a pause; `ready()` then waits for it. */
  get waiting(): boolean {
    return this.blocked;
  }

  /** Resolves when the stream can take more (at once unless it asked for a pause). */
  ready(): Promise<void> | undefined {
    return this.blocked ? this.drained : undefined;
  }

  /** Hands what is buffered to the stream. */
  flush(): void {
    if (this.size === 0) return;
    const chunk = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk) && !this.blocked) {
      // Listen at once: the drain may come before anyone waits for it.
      this.blocked = true;
      this.drained = new Promise((resolve) =>
        this.out.once('drain', () => {
          this.blocked = false;
          resolve();
        }),
      );
    }
  }

  /** Flushes and waits for the stream to take everything. */
  async end(): Promise<void> {
    this.flush();
    await this.ready();
  }

  /** A long string, escaped a slice at a time (never split between the halves of a surrogate pair). */
  private *longString(s: string): Generator<void> {
    this.text('"');
    for (let i = 0; i < s.length; ) {
      if (this.blocked) yield;
      let end = Math.min(s.length, i + STRING_SLICE);
      const last = s.charCodeAt(end - 1);
      if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
      const part = JSON.stringify(s.slice(i, end));
      this.text(part.slice(1, -1));
      i = end;
    }
    this.text('"');
  }
}

/**
 * A JSON array written one item at a time (`[` … `]` laid out as JSON.stringify would). Nothing is written
 * before the first item or close(): a command that fails before its first result leaves its output empty.
 */
export class JsonArrayWriter {
  private count = 0;

  constructor(
    readonly writer: JsonWriter,
    private readonly depth = 0,
  ) {}

  item(v: unknown): void {
    this.writer.text((this.count++ === 0 ? '[' : ',') + this.writer.lineStart(this.depth + 1));
    if (!this.writer.value(v, this.depth + 1)) this.writer.text('null');
  }

  /** An item already written as JSON text, laid out as JSON.stringify would at this array's depth + 1. */
  itemText(json: string): void {
    this.writer.text((this.count++ === 0 ? '[' : ',') + this.writer.lineStart(this.depth + 1));
    this.writer.text(json);
  }

  /** item(), waiting for the stream whenever it asks to. */
  async itemAsync(v: unknown): Promise<void> {
    this.writer.text((this.count++ === 0 ? '[' : ',') + this.writer.lineStart(this.depth + 1));
    if (!(await this.writer.valueAsync(v, this.depth + 1))) this.writer.text('null');
  }

  /** Closes the array (and the line, at the top level). */
  close(): void {
    this.writer.text(this.count === 0 ? '[]' : this.writer.lineStart(this.depth) + ']');
    if (this.depth === 0) this.writer.text('\n');
  }
}

/** JSON Lines: one compact JSON value per line. */
export class JsonLinesWriter {
  constructor(readonly writer: JsonWriter) {}

  item(v: unknown): void {
    if (this.writer.value(v, 0)) this.writer.text('\n');
  }

  async itemAsync(v: unknown): Promise<void> {
    if (await this.writer.valueAsync(v, 0)) this.writer.text('\n');
  }
}

/** What JSON.stringify serialises in place of `v` (its toJSON result, if it has one). */
function toJsonValue(v: unknown, key: string): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return (v as { toJSON(k: string): unknown }).toJSON(key);
  }
  return v;
}

function isWritable(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

/**
 * Whether `root` fits the budgets (nodes, string characters): then JSON.stringify can take it whole without a
 * large string. Walks at most NODE_BUDGET nodes, iteratively.
 */
function isSmall(root: object): boolean {
  let nodes = 0;
  let chars = 0;
  const todo: unknown[] = [root];
  while (todo.length) {
    const v = todo.pop();
    if (++nodes > NODE_BUDGET) return false;
    if (typeof v === 'string') {
      chars += v.length;
      if (chars > STRING_BUDGET) return false;
    } else if (v !== null && typeof v === 'object') {
      if (Array.isArray(v)) {
        if (nodes + v.length > NODE_BUDGET) return false;
        for (let i = 0; i < v.length; i++) todo.push(v[i]);
      } else {
        const o = v as Record<string, unknown>;
        for (const k in o) {
          if (++nodes > NODE_BUDGET) return false;
          chars += k.length;
          todo.push(o[k]);
        }
      }
    }
  }
  return chars <= STRING_BUDGET;
}

/** Writes `value` as JSON.stringify(value, null, indent) and a newline, in chunks, as the stream takes them. */
export async function writeJson(out: ChunkStream, value: unknown, indent = 1): Promise<void> {
  const w = new JsonWriter(out, indent);
  await w.valueAsync(value);
  w.text('\n');
  await w.end();
}
