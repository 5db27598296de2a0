// JSON bodies: every leaf as a `body` input named by its path (`$.user.name`, `$.items[2]`) and every
// key as a `json-key` input, with bounded depth and item count so a hostile document costs little.
// Items past `maxItems` are not inspected and the inputs say so (`markTruncated`).

import { isRawJson } from '../../core/exact-numbers.ts';
import { keyColons, Members, parseKeepingDuplicates, serialize, Verbatim } from '../../core/json-duplicates.ts';
import { type Input, markTruncated } from '../types.ts';

export interface JsonLimits {
  maxDepth: number;
  maxItems: number;
}

export function jsonInputs(text: string, out: Input[], limits: JsonLimits): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  const start = out.length;
  const walked = walkJson(doc, out, limits);
  // A key written twice: JSON.parse kept the last copy, an upstream parser may keep the first, so
  // the document is walked again with every copy (rare: only when the text has more keys than the
  // walk saw, or parts too deep to walk, which it handed over as JSON.parse kept them: the second
  // parse keeps their source text).
  if (walked === DEEP || keyColons(text) > walked) {
    const kept = parseKeepingDuplicates(text, limits.maxDepth);
    if (kept.duplicates || walked === DEEP) {
      out.length = start;
      walkJson(kept.value, out, limits);
    }
  }
  return true;
}

/**
 * Every string literal of text that is not JSON to JSON.parse, each as a body value (decoded where
 * its escapes are valid), at most `maxItems`; an unclosed one runs to the end. One pass, linear.
 */
export function jsonStringInputs(text: string, out: Input[], maxItems: number): void {
  let n = 0;
  for (let open = text.indexOf('"'); open !== -1; open = text.indexOf('"', open)) {
    if (n++ === maxItems) {
      markTruncated(out);
      return;
    }
    let close = open + 1;
    for (let c = text.charCodeAt(close); close < text.length && c !== 0x22; c = text.charCodeAt(close)) close += c === 0x5c ? 2 : 1;
    const literal = text.slice(open, Math.min(close + 1, text.length));
    let value = text.slice(open + 1, Math.min(close, text.length));
    try {
      value = JSON.parse(literal) as string;
    } catch {
      // unclosed, or an invalid escape: inspected as written
    }
    out.push({ location: 'body', name: '$', value });
    open = close + 1;
    if (open >= text.length) return;
  }
}

const DEEP = -1;

/**
 * Pushes the leaves and keys of a parsed document (Members: every copy of a repeated key); returns
 * the keys seen, DEEP when a part was too deep to walk, Infinity when cut short at maxItems (the rest
 * is not inspected anyway).
 */
function walkJson(doc: unknown, out: Input[], limits: JsonLimits): number {
  let keys = 0;
  let items = 0;
  let cut = false;
  let deep = false;
  const member = (key: string, value: unknown, path: string, depth: number): void => {
    if (items >= limits.maxItems) {
      cut = true;
      return;
    }
    items++;
    keys++;
    const p = `${path}.${key}`;
    out.push({ location: 'json-key', name: p, value: key });
    walk(value, p, depth + 1);
  };
  const walk = (v: unknown, path: string, depth: number): void => {
    if (items >= limits.maxItems) {
      cut = true;
      return;
    }
    if (v === null || typeof v !== 'object' || isRawJson(v)) {
      items++;
      if (typeof v === 'string') out.push({ location: 'body', name: path, value: v });
      return;
    }
    if (depth >= limits.maxDepth || v instanceof Verbatim) {
      // Too deep to walk: hand the rest over as text so it is still inspected (whole: the engine
      // inspects up to maxValueLength and marks the verdict truncated beyond). Its keys are not
      // counted, so the caller reads the source again for copies of repeated keys in it.
      if (!(v instanceof Verbatim)) deep = true;
      items++;
      out.push({ location: 'body', name: path, value: serialize(v) });
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && !cut; i++) walk(v[i], `${path}[${i}]`, depth + 1);
      return;
    }
    if (v instanceof Members) {
      for (const [key, value] of v.entries) if (!cut) member(key, value, path, depth);
      return;
    }
    for (const key of Object.keys(v as object)) {
      member(key, (v as Record<string, unknown>)[key], path, depth);
      if (cut) return;
    }
  };
  walk(doc, '$', 0);
  if (cut) markTruncated(out);
  return cut ? Infinity : deep ? DEEP : keys;
}
