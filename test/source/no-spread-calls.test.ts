/**
 * No spread into a call anywhere in src/: `Math.max(...rows)`, `list.push(...items)`, `f(...xs)` pass every
 * element as an argument on the stack, and past about 120,000 elements V8 throws "Maximum call stack size
 * exceeded". A loop has no such limit. Spread into an array or object literal (`[...set]`, `{ ...o }`) and
 * rest parameters are fine and not flagged.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Files that may still hold such calls, each with the calls it holds (none now). */
const PENDING: Record<string, string> = {};

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The source with comments, strings and template literals blanked (same length, so offsets and lines hold). */
export function blankLiterals(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    let end = -1;
    if (c === '/' && next === '/') end = src.indexOf('\n', i) === -1 ? src.length : src.indexOf('\n', i);
    else if (c === '/' && next === '*') end = src.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      end = j + 1;
    }
    if (end > i) {
      out += src.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Spreads inside the parentheses of a call (not a parameter list). Returns 1-based line numbers. */
export function spreadCalls(src: string): number[] {
  const code = blankLiterals(src);
  const lines: number[] = [];
  const stack: { ch: string; at: number }[] = [];
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') stack.push({ ch: c, at: i });
    else if (c === ')' || c === ']' || c === '}') stack.pop();
    else if (c === '.' && code.startsWith('...', i)) {
      const top = stack[stack.length - 1];
      if (top && top.ch === '(' && isCall(code, top.at)) lines.push(code.slice(0, i).split('\n').length);
      i += 2;
    }
  }
  return lines;
}

/** Whether the `(` at `open` starts a call's arguments, not a parameter list or a grouping. */
function isCall(code: string, open: number): boolean {
  const before = code.slice(0, open).trimEnd();
  if (!/[\w$)\]>]$/.test(before)) return false;
  if (/\bfunction\s*[\w$]*\s*(<[^>]*>)?$/.test(before)) return false;
  if (/\b(if|while|for|switch|catch|return|typeof|await|yield)$/.test(before)) return false;
  // A parameter list: its ')' is followed by an optional return type, then '{' or '=>'.
  let depth = 0;
  let close = -1;
  for (let j = open; j < code.length; j++) {
    if (code[j] === '(') depth++;
    else if (code[j] === ')' && --depth === 0) {
      close = j;
      break;
    }
  }
  const after = code.slice(close + 1, close + 200);
  return !/^\s*(:\s*[\w$<>[\]|&., ]+?)?\s*(\{|=>)/.test(after);
}

describe('no spread into calls in src/', () => {
  it('the detector sees calls and leaves literals and parameters alone', () => {
    expect(spreadCalls('const m = Math.max(...rows.map((r) => r.length));')).toEqual([1]);
    expect(spreadCalls('out.push(\n  ...lines);')).toEqual([2]);
    expect(spreadCalls('const a = [...set]; const o = { ...p }; f([...x]);')).toEqual([]);
    expect(spreadCalls('function g(...args: number[]): void {}\nconst h = (...xs) => xs;\nclass C { m(...r: string[]) {} }')).toEqual([]);
    expect(spreadCalls("const s = 'Math.max(...x)'; // push(...y)")).toEqual([]);
  });

  for (const file of files(SRC)) {
    const rel = relative(ROOT, file);
    it(rel, () => {
      const found = spreadCalls(readFileSync(file, 'utf8'));
      if (PENDING[rel]) expect(found.length, `${rel}: ${PENDING[rel]}`).toBeGreaterThan(0);
      else expect(found, `${rel}: spread into a call on these lines; use a loop`).toEqual([]);
    });
  }
});
