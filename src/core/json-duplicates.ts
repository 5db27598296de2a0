// JSON objects with a key written more than once: JSON.parse keeps the last copy only, so what an
// earlier copy holds (a card number, a sensitive field, another caller's item) would never be seen,
// and the bytes forwarded unchanged carry it to a client whose parser keeps the first copy (or every
// one). Duplicates are rare: a cheap count over the text (keyColons) tells when the parse may have
// dropped keys, and only then is the body parsed again keeping every copy (Members). data-leak scans
// every copy and writes them out again; the other body policies send what they checked
// (repeatsKeys).
import { rawJson } from './exact-numbers.ts';

/** An object as written: every member in order, repeated keys included. */
export class Members {
  readonly entries: [string, unknown][];
  constructor(entries: [string, unknown][]) {
    this.entries = entries;
  }
}

/** A value nested deeper than the scan goes, kept as its source text. */
export class Verbatim {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/**
 * At least the number of object members written in JSON text: the colons that follow a closing
 * quote (a colon inside a string may count too). When it equals the members JSON.parse kept, no key
 * was written twice.
 */
export function keyColons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    let j = i - 1;
    let c = text.charCodeAt(j);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(--j);
    if (c === 0x22) n++;
  }
  return n;
}

/**
 * Parses JSON text that JSON.parse accepted, keeping every copy of a repeated key (objects are
 * Members, numbers their source text: JSON.rawJSON); containers deeper than `maxDepth` stay Verbatim.
 * `duplicates`: whether some object repeats a key.
 */
export function parseKeepingDuplicates(text: string, maxDepth: number): { value: unknown; duplicates: boolean } {
  let i = 0;
  let duplicates = false;
  const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const space = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  };
  /** The end (exclusive) of the string starting at i. */
  const stringEnd = (at: number) => {
    for (let q = text.indexOf('"', at + 1); ; q = text.indexOf('"', q + 1)) {
      let b = q - 1;
      while (text.charCodeAt(b) === 0x5c) b--;
      if ((q - 1 - b) % 2 === 0) return q + 1;
    }
  };
  const string = () => {
    const end = stringEnd(i);
    const s = JSON.parse(text.slice(i, end)) as string;
    i = end;
    return s;
  };
  /** Skips a container without building it (iteratively: it may be nested very deep). */
  const skip = () => {
    const start = i;
    let depth = 0;
    do {
      const c = text.charCodeAt(i);
      if (c === 0x22) i = stringEnd(i);
      else {
        if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) depth--;
        i++;
      }
    } while (depth > 0);
    return new Verbatim(text.slice(start, i));
  };
  const value = (depth: number): unknown => {
    space();
    const c = text.charCodeAt(i);
    if (c === 0x22) return string();
    if (c === 0x7b || c === 0x5b) {
      if (depth > maxDepth) return skip();
      i++;
      space();
      if (c === 0x5b) {
        const items: unknown[] = [];
        if (text.charCodeAt(i) === 0x5d) return i++, items;
        for (;;) {
          items.push(value(depth + 1));
          space();
          if (text.charCodeAt(i++) === 0x5d) return items;
        }
      }
      const entries: [string, unknown][] = [];
      const keys = new Set<string>();
      if (text.charCodeAt(i) === 0x7d) return i++, new Members(entries);
      for (;;) {
        space();
        const key = string();
        if (keys.has(key)) duplicates = true;
        keys.add(key);
        space();
        i++; // :
        entries.push([key, value(depth + 1)]);
        space();
        if (text.charCodeAt(i++) === 0x7d) return new Members(entries);
      }
    }
    if (c === 0x74) return (i += 4), true;
    if (c === 0x66) return (i += 5), false;
    if (c === 0x6e) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text)!;
    i += m[0].length;
    return rawJson(m[0]);
  };
  const parsed = value(0);
  return { value: parsed, duplicates };
}

/** JSON text of a value from parseKeepingDuplicates (after the scan): every copy of a key written again. */
export function serialize(value: unknown): string {
  if (value instanceof Members) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(',')}}`;
  if (value instanceof Verbatim) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  return JSON.stringify(value);
}

/** The members of every object in a parsed JSON value (iteratively: it may be nested very deep). */
function membersOf(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) for (const item of v) stack.push(item);
    else {
      const values = Object.values(v);
      n += values.length;
      for (const item of values) stack.push(item);
    }
  }
  return n;
}

/**
 * Whether JSON text repeats a key in some object (`value`: what JSON.parse made of it). A policy that
 * passes such a body on unchanged would pass copies it never looked at: it sends `value` instead,
 * serialized again with the copies it checked.
 */
export function repeatsKeys(text: string, value: unknown, maxDepth = 128): boolean {
  return keyColons(text) > membersOf(value) && parseKeepingDuplicates(text, maxDepth).duplicates;
}
