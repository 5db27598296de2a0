// JSON bodies: every leaf as a `body` input named by its path (`$.user.name`, `$.items[2]`) and every
// key as a `json-key` input, with bounded depth and item count so a hostile document costs little.
// Items past `maxItems` are not inspected and the inputs say so (`markTruncated`).

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
  let items = 0;
  let cut = false;
  const walk = (v: unknown, path: string, depth: number): void => {
    if (items >= limits.maxItems) {
      cut = true;
      return;
    }
    if (v === null || typeof v !== 'object') {
      items++;
      if (typeof v === 'string') out.push({ location: 'body', name: path, value: v });
      return;
    }
    if (depth >= limits.maxDepth) {
      // Too deep to walk: hand the rest over as text so it is still inspected (whole: the engine
      // inspects up to maxValueLength and marks the verdict truncated beyond).
      items++;
      out.push({ location: 'body', name: path, value: JSON.stringify(v) });
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && !cut; i++) walk(v[i], `${path}[${i}]`, depth + 1);
      return;
    }
    for (const key of Object.keys(v as object)) {
      if (items >= limits.maxItems) {
        cut = true;
        return;
      }
      items++;
      const p = `${path}.${key}`;
      out.push({ location: 'json-key', name: p, value: key });
      walk((v as Record<string, unknown>)[key], p, depth + 1);
    }
  };
  walk(doc, '$', 0);
  if (cut) markTruncated(out);
  return true;
}
