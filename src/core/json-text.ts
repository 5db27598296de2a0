// The text of a JSON request body as upstream parsers decode it. Express (body-parser) decodes by the
// Content-Type's charset (any `utf-*` its decoder knows: UTF-7 too) and drops a byte-order mark;
// Spring decodes any charset; Python's json (Flask, Django) ignores the charset and detects UTF-8,
// UTF-16 and UTF-32 from the first bytes (a BOM, or the zero bytes of RFC 4627's detection). So a
// JSON body labelled with any charset but UTF-8 or UTF-16 is refused when the request arrives
// (unsupportedJsonCharset: `+ACc-` is a quote in UTF-7), and where the readings of a body still
// disagree (a UTF-8 body labelled UTF-16, a UTF-16 body whose BOM contradicts its label) or the
// gateway cannot decode it (UTF-32), there is no one text to check: undefined, and the body
// policies refuse it.
import type { RequestContext } from './context.ts';
import { readsAsJson } from './body-fields.ts';
import { repeatsKeys } from './json-duplicates.ts';

const CHARSET = /charset\s*=\s*("[^"]*"|[^;,\s]*)/gi;
const DECODED = /^"?\s*utf-?(8|16|16le|16be)\s*"?$/i;

/**
 * Whether a Content-Type read as JSON names a charset other than UTF-8 or UTF-16, or several (what
 * they name is then up to the parser): such a body is refused (415) before any policy reads it.
 * WHATWG's other UTF-16 labels (`unicode`, `ucs-2`...) are refused too: Express refuses any charset
 * not spelled `utf-…`, and Java reads `unicode` without a BOM as big-endian where browsers read it
 * little-endian.
 */
export function unsupportedJsonCharset(contentType: string): boolean {
  if (!/charset/i.test(contentType) || !readsAsJson(contentType)) return false;
  const found = [...contentType.matchAll(CHARSET)];
  return found.length > 1 || (found.length === 1 && !DECODED.test(found[0]![1]!));
}

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32';

/** Python's json.detect_encoding: the encoding and the BOM's length. */
function detect(raw: Buffer): [Encoding, number] {
  const [a, b, c, d] = raw;
  if ((a === 0 && b === 0 && c === 0xfe && d === 0xff) || (a === 0xff && b === 0xfe && c === 0 && d === 0)) return ['utf-32', 4];
  if (a === 0xfe && b === 0xff) return ['utf-16be', 2];
  if (a === 0xff && b === 0xfe) return ['utf-16le', 2];
  if (a === 0xef && b === 0xbb && c === 0xbf) return ['utf-8', 3];
  if (raw.length >= 4) {
    if (a === 0) return b ? ['utf-16be', 0] : ['utf-32', 0];
    if (b === 0) return c || d ? ['utf-16le', 0] : ['utf-32', 0];
  } else if (raw.length === 2) {
    if (a === 0) return ['utf-16be', 0];
    if (b === 0) return ['utf-16le', 0];
  }
  return ['utf-8', 0];
}

/** The encoding Python's detection reads a JSON body's first bytes as. */
export function detectedJsonEncoding(raw: Buffer): Encoding {
  return detect(raw)[0];
}

/** The charset labels a Content-Type names, in order: unquoted, trimmed, lower-case. */
export function charsetLabels(contentType: string): string[] {
  return [...contentType.matchAll(CHARSET)].map((m) => m[1]!.replaceAll('"', '').trim().toLowerCase());
}

// UTF-16 labels: the spellings decoders know (utf16le, utf_16_be, ucs2) and WHATWG's, by which browsers
// read `unicode`, `ucs-2`, `csunicode`, `iso-10646-ucs-2` and `unicodefeff` as UTF-16LE like `utf-16`
// (Java reads `unicode` by its BOM), `unicodefffe` as UTF-16BE. A byte-order mark overrides any of them
// in a browser: the little-endian ones but `utf-16le` are read by the BOM here too, as `utf-16` is.
const UTF16_LABEL = /^(?:utf[-_]?16(?:[-_\s]*(le|be))?|unicode(?:feff)?|ucs-?2|csunicode|iso-10646-ucs-2|(unicodefffe))$/;

/** The UTF-16 a charset label (lower-case) names: `utf-16` is by the BOM, little-endian without. */
export function utf16Label(label: string): Encoding | 'utf-16' | undefined {
  const m = UTF16_LABEL.exec(label);
  if (m === null) return undefined;
  return m[2] !== undefined || m[1] === 'be' ? 'utf-16be' : m[1] === 'le' ? 'utf-16le' : 'utf-16';
}

/** The UTF-16 a Content-Type's charset declares (the first UTF-16 label of several). */
function declaredUtf16(contentType: string | undefined): Encoding | 'utf-16' | undefined {
  if (contentType === undefined || !/charset/i.test(contentType)) return undefined;
  for (const label of charsetLabels(contentType)) {
    const declared = utf16Label(label);
    if (declared !== undefined) return declared;
  }
  return undefined;
}

/**
 * The encoding a body's clients read when it is not UTF-8: UTF-16 or UTF-32 by its charset, by a
 * byte-order mark, or (`sniff`, for JSON) by the zero bytes Python's detection reads; undefined for
 * UTF-8. Without `sniff`, zero bytes alone say nothing (any binary format has them).
 */
export function wideEncoding(raw: Buffer, contentType: unknown, sniff: boolean): Exclude<Encoding, 'utf-8'> | undefined {
  const type = String(contentType ?? '');
  if (/charset\s*=\s*"?\s*utf-?32/i.test(type)) return 'utf-32';
  const [found, bom] = detect(raw);
  const declared = declaredUtf16(type);
  if (declared === 'utf-16') return found === 'utf-16be' ? 'utf-16be' : 'utf-16le';
  if (declared !== undefined) return declared as Exclude<Encoding, 'utf-8'>;
  if (found === 'utf-8') return undefined;
  return bom > 0 || sniff ? found : undefined;
}

/**
 * Whether parsers decode a JSON body to one text (no decoding done: its first bytes and its label
 * decide). Labelled UTF-16, the bytes must read as UTF-16 of the same order to Python's detection
 * too; unlabelled UTF-16 is read as Python reads it (body-parser reads its zero bytes as UTF-8 and
 * refuses them); UTF-32 the gateway does not decode.
 */
export function decodesAlike(raw: Buffer, contentType: string | undefined): boolean {
  const found = detect(raw)[0];
  if (found === 'utf-32') return false;
  const declared = declaredUtf16(contentType);
  return declared === undefined || raw.length === 0 || (found !== 'utf-8' && (declared === 'utf-16' || declared === found));
}

/** The body's JSON text, or undefined when parsers would read it differently or it cannot be decoded. */
export function jsonText(raw: Buffer, contentType: string | undefined): string | undefined {
  if (!decodesAlike(raw, contentType)) return undefined;
  const [found, bom] = detect(raw);
  const body = raw.subarray(bom);
  return found === 'utf-8' ? body.toString('utf8') : new TextDecoder(found).decode(body);
}

/**
 * Every text a parser could read a JSON body as, for checks that look for a field (any reading that
 * has it counts): the decoded text, and the bytes as UTF-8 (PHP's json_decode reads nothing else).
 */
export function jsonReadings(raw: Buffer, contentType: string | undefined): string[] {
  const utf8 = raw.toString('utf8');
  const decoded = jsonText(raw, contentType);
  return decoded === undefined || decoded === utf8 ? [utf8] : [decoded, utf8];
}

/** A JSON request body as the policies that check it read it, or why it cannot be checked. */
export type RequestJson = { value: unknown; text: string; plainUtf8: boolean } | { problem: string };

/**
 * Decodes and parses a JSON request body for a policy that checks it: refused (a problem) when
 * parsers would decode it differently, when it does not parse, or when an object repeats a key
 * (JSON.parse keeps the last copy; some upstream parsers the first). `plainUtf8`: UTF-8 without a
 * BOM, so a body rewritten as JSON.stringify's UTF-8 is read the same way.
 */
export function readRequestJson(raw: Buffer, contentType: string | undefined): RequestJson {
  const text = jsonText(raw, contentType);
  if (text === undefined) return { problem: 'is not in an encoding every parser reads the same way (UTF-8, or UTF-16 as both its charset and its first bytes say)' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not valid JSON' };
  }
  if (repeatsKeys(text, value)) return { problem: 'repeats a key in an object (parsers differ on which copy counts)' };
  const [encoding, bom] = detect(raw);
  return { value, text, plainUtf8: encoding === 'utf-8' && bom === 0 };
}

const READ = new WeakMap<Buffer, RequestJson>();

/**
 * readRequestJson of the request's decoded body, once per body (validate and mass-assignment both
 * check it; a body a policy rewrote is a new buffer, read again). The value is shared: never edit it.
 */
export function requestJsonOf(ctx: RequestContext, raw: Buffer): RequestJson {
  let json = READ.get(raw);
  if (json === undefined) READ.set(raw, (json = readRequestJson(raw, ctx.req.headers['content-type'])));
  return json;
}
