// JSON that comes framed: one JSON text after another (NDJSON, JSON Lines, RFC 7464 sequences, or a
// JSON body that does not parse whole), or JSONP's callback around one. Each JSON text is masked as
// JSON, so a card sent as a number becomes a string and the record stays JSON (masked as text it
// would become `************1111`, which no parser reads); what is no JSON text is masked as text.
import type { LeakFindings } from './scan.ts';
import type { LeakType } from './detectors.ts';

/** What was found, and the text masked (undefined when nothing was). */
export interface Masked {
  readonly findings: LeakFindings;
  readonly out: string | undefined;
}

/** Masks one JSON text; undefined when the text is not one. */
export type MaskJson = (text: string) => Masked | undefined;
export type MaskText = (text: string) => Masked;

/** Where one JSON text may end and the next begin: LF (NDJSON, JSON Lines), RS (RFC 7464). */
export const RECORD_BREAK = /[\n\x1e]/;
/** A record is an object or an array: a line of a PEM block's base64 may parse as a number. */
const RECORD_START = /^[ \t\r]*[[{]/;

/** A sequence of JSON texts masked record by record; a record with nothing found keeps its bytes. */
export function maskSequence(text: string, json: MaskJson, plain: MaskText): Masked {
  const findings: LeakFindings = { found: {}, masked: false };
  const parts = text.split(/([\n\x1e])/); // separators at odd indexes
  let out = '';
  let changed = false;
  // Lines that are no JSON text are masked together, as one text: a PEM block spans lines.
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    out += take(plain(pending), pending, false);
    pending = '';
  };
  const take = (m: Masked, original: string, record: boolean) => {
    add(findings, m.findings);
    if (m.out === undefined) return original;
    changed = true;
    return record ? keepBlanks(original, m.out) : m.out;
  };
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const record = i % 2 === 0 && RECORD_START.test(part) ? json(part) : undefined;
    if (record === undefined) pending += part;
    else {
      flush();
      out += take(record, part, true);
    }
  }
  flush();
  return { findings, out: changed ? out : undefined };
}

/** `cb(`, after the guard Express writes (`/**\/ typeof cb === 'function' && `). */
const JSONP_HEAD = /^\s*(?:\/\*\*\/\s*)?(?:typeof\s+[\w$.]+\s*===?\s*(['"])function\1\s*&&\s*)?[A-Za-z_$][\w$.]*\s*\(/;
const JSONP_TAIL = /^\)[\s;]*$/;

/** JSONP masked: the JSON inside the callback as JSON, the callback as text; undefined when the text is no JSONP. */
export function maskJsonp(text: string, json: MaskJson, plain: MaskText): Masked | undefined {
  const head = JSONP_HEAD.exec(text);
  const close = text.lastIndexOf(')');
  if (head === null || close < head[0].length || !JSONP_TAIL.test(text.slice(close))) return undefined;
  const inner = text.slice(head[0].length, close);
  const value = json(inner);
  if (value === undefined) return undefined;
  const callback = plain(head[0]);
  const findings = add(add({ found: {}, masked: false }, callback.findings), value.findings);
  if (callback.out === undefined && value.out === undefined) return { findings, out: undefined };
  return { findings, out: `${callback.out ?? head[0]}${value.out === undefined ? inner : keepBlanks(inner, value.out)}${text.slice(close)}` };
}

/** A JSON text written again, with the blanks around the original (a record's CR, a space after `(`). */
function keepBlanks(original: string, masked: string): string {
  return original.slice(0, original.length - original.trimStart().length) + masked + original.slice(original.trimEnd().length);
}

/** Two parts of one body: their counts added. */
function add(into: LeakFindings, other: LeakFindings): LeakFindings {
  for (const [t, n] of Object.entries(other.found) as [LeakType, number][]) into.found[t] = (into.found[t] ?? 0) + n;
  into.masked ||= other.masked;
  return into;
}
