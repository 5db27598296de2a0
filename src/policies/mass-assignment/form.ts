// Form bodies (application/x-www-form-urlencoded, multipart/form-data) as the fields mass assignment
// checks. Frameworks bind a field name in more than one way, so each field is checked under every
// name it may be bound to (checking too much only means more checks):
// - the name as sent, percent-decoded once (`%72ole` → role), like a flat JSON key;
// - expanded into a path by brackets and dots (`user[role]`, `user.role`, `items[0][price]`,
//   `tags[]`): Rails, PHP, qs, ASP.NET Core, Spring and gorilla/schema bind nested properties so,
//   and the path is walked like the nested JSON objects it stands for;
// - as PHP registers it (leading blanks dropped, `.` and blanks before the first `[` turned into `_`);
// - with `%uXXXX` escapes decoded (older ASP.NET), and split at `;` too (older Python and Perl).
// Each field is walked on its own; a repeated field is checked once per occurrence.
import { boundaryOf, parseMultipart } from '../../core/multipart.ts';
import { isJsonMediaType } from '../../core/media-type.ts';
import type { FormShape } from '../validate/form-body.ts';

export const FORM = 'application/x-www-form-urlencoded';
export const MULTIPART = 'multipart/form-data';
/** Fields (parts) of one body at most: each is walked on its own, so more would cost unbounded time. */
const MAX_PARTS = 10000;
const MAX_SEGMENTS = 32;

export interface FormField {
  /** Values shaped like the JSON bodies the field may be bound into, one per way its name is read. */
  readonly bindings: unknown[];
}

export interface ParsedForm {
  readonly fields: FormField[];
  /** The body without the given fields (strip mode). */
  without(dropped: ReadonlySet<FormField>): Buffer;
}

/** The fields of a urlencoded body, or why they are not checked (too many). */
export function urlencodedForm(raw: Buffer): ParsedForm | string {
  const pairs = raw.toString('utf8').split('&', MAX_PARTS + 1);
  if (pairs.length > MAX_PARTS) return `has more than ${MAX_PARTS} fields`;
  const fields: FormField[] = [];
  const owner: (FormField | undefined)[] = [];
  for (const pair of pairs) {
    if (pair === '') {
      owner.push(undefined);
      continue;
    }
    const field: FormField = { bindings: fieldNames(pair).flatMap((n) => bindingsOf(n, '')) };
    fields.push(field);
    owner.push(field);
  }
  return {
    fields,
    without: (dropped) => Buffer.from(pairs.filter((_, i) => !(owner[i] && dropped.has(owner[i]))).join('&')),
  };
}

/** The fields (parts) of a multipart body, or why it cannot be read. */
export function multipartForm(raw: Buffer, contentType: string, shape: FormShape): ParsedForm | string {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return 'is multipart/form-data without a valid boundary parameter';
  const parts = parseMultipart(raw, boundary, { maxParts: MAX_PARTS });
  if (typeof parts === 'string') return `is not valid multipart/form-data: it ${parts}`;
  const fields: FormField[] = [];
  for (const part of parts) {
    let leaf: unknown = '';
    // JSON parts are documents the upstream parses (as validate does): their keys are checked too.
    if (isJsonMediaType(part.contentType) || shape.jsonFields.has(part.name)) {
      try {
        leaf = JSON.parse(part.data.toString('utf8'));
      } catch {
        return 'has a part that is not valid JSON';
      }
    }
    fields.push({ bindings: bindingsOf(part.name, leaf) });
  }
  return {
    fields,
    without(dropped) {
      // Part i runs from the CRLF before its delimiter to the end of its content; the body starts
      // with its delimiter (or a preamble and CRLF) and ends with CRLF, the close delimiter and any
      // epilogue. Parts are subarrays of `raw`, so their offsets say where they are.
      const dash = Buffer.from(`--${boundary}`);
      const first = raw.subarray(0, dash.length).equals(dash) ? 0 : raw.indexOf(`\r\n--${boundary}`) + 2;
      const pieces: Buffer[] = [];
      if (first - 2 > 0) pieces.push(raw.subarray(0, first - 2));
      let prev = first - 2;
      parts.forEach((part, i) => {
        const end = part.data.byteOffset - raw.byteOffset + part.data.length;
        if (!dropped.has(fields[i]!)) pieces.push(prev < 0 ? Buffer.concat([Buffer.from('\r\n'), raw.subarray(0, end)]) : raw.subarray(prev, end));
        prev = end;
      });
      pieces.push(raw.subarray(prev));
      const out = Buffer.concat(pieces);
      return first === 0 ? out.subarray(2) : out;
    },
  };
}

/**
 * The names one urlencoded pair (a form field or a query parameter) is read as: percent-decoded once as
 * URLSearchParams does (`+` a space, bad escapes kept), with `%uXXXX` escapes decoded, and each piece
 * between `;` on its own as well.
 */
export function fieldNames(pair: string): string[] {
  if (!/[;%+]/.test(pair)) {
    const eq = pair.indexOf('=');
    return [eq === -1 ? pair : pair.slice(0, eq)];
  }
  const names = new Set<string>();
  for (const piece of pair.includes(';') ? [pair, ...pair.split(';')] : [pair]) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawName = eq === -1 ? piece : piece.slice(0, eq);
    // URLSearchParams decodes as browsers and most servers do (`+` is a space, bad escapes stay).
    for (const [name] of new URLSearchParams(`${rawName}=`)) names.add(name);
    if (/%u[0-9a-f]{4}/i.test(rawName)) names.add(decodeU(rawName));
  }
  return [...names];
}

/** The JSON-shaped values a field may be bound into (see the top of this file). */
export function bindingsOf(name: string, leaf: unknown): unknown[] {
  return pathsOf(name).map((path) => nest(path, leaf));
}

/**
 * The top-level names a field name may be bound to, one per reading (`customer.id`: `customer.id`,
 * `customer`, `customer_id`; `ids[]`: `ids[]`, `ids`), case kept.
 */
export function topLevelNames(name: string): string[] {
  return /[[. ]/.test(name) ? pathsOf(name).map((path) => path[0]!) : [name];
}

/** The property paths a field name may be bound to (see the top of this file). */
function pathsOf(name: string): string[][] {
  if (!/[[. ]/.test(name)) return [[name]];
  const paths = new Map<string, string[]>();
  const add = (path: string[]) => {
    if (path.length > 0) paths.set(JSON.stringify(path), path);
  };
  add([name]);
  add(expand(name, true));
  const php = name.replace(/^[ ]+/, '');
  const bracket = php.indexOf('[');
  const head = bracket === -1 ? php : php.slice(0, bracket);
  add(expand(head.replace(/[. ]/g, '_') + (bracket === -1 ? '' : php.slice(bracket)), false));
  return [...paths.values()];
}

/** `a[b][0].c` → a, b, 0, c (dots only when `dots`); text that does not follow the syntax is one more segment. */
function expand(name: string, dots: boolean): string[] {
  const stop = dots ? /[[.]/ : /\[/;
  const m = stop.exec(name);
  if (!m) return [name];
  const path = m.index > 0 ? [name.slice(0, m.index)] : [];
  let at = m.index;
  while (at < name.length && path.length < MAX_SEGMENTS) {
    if (name[at] === '[') {
      const close = name.indexOf(']', at);
      if (close === -1) break;
      path.push(name.slice(at + 1, close));
      at = close + 1;
    } else if (dots && name[at] === '.') {
      const next = stop.exec(name.slice(at + 1));
      const end = next ? at + 1 + next.index : name.length;
      path.push(name.slice(at + 1, end));
      at = end;
    } else break;
  }
  if (at < name.length) path.push(name.slice(at));
  return path;
}

/** a, b, c → { a: { b: { c: leaf } } } (without prototypes: `__proto__` is a name like another). */
function nest(path: readonly string[], leaf: unknown): unknown {
  let value = leaf;
  for (let i = path.length - 1; i >= 0; i--) {
    const o: Record<string, unknown> = Object.create(null);
    o[path[i]!] = value;
    value = o;
  }
  return value;
}

function decodeU(s: string): string {
  const u = s.replace(/%u([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  try {
    return decodeURIComponent(u.replaceAll('+', ' '));
  } catch {
    return u;
  }
}
