// Other copies of a parameter an ownership rule checks. Frameworks read a request's names their own
// way, so the value the gateway compared may not be the one the upstream uses: PHP turns `.` and
// blanks into `_` (`customer.id` is `customer_id`, the last copy wins), ASP.NET Core binds names with
// case ignored (the first copy wins), qs and PHP read `customer_id[]` as the same parameter, Laravel's
// `$request->userId` prefers the query or body over the route parameter, and `$request->input()` merges
// the query with the body. A name is read as form.ts reads form fields (percent-decoded, `%uXXXX`,
// brackets and dots, PHP's registration), case folded.
import type { RequestContext } from '../../core/context.ts';
import { readsAsForm, readsAsJson, readsAsMultipart } from '../../core/body-fields.ts';
import { jsonReadings } from '../../core/json-text.ts';
import { someMultipartName } from '../../core/multipart-names.ts';
import { fieldNames, topLevelNames } from '../mass-assignment/form.ts';
import { foldName } from '../mass-assignment/walk.ts';

/** The names one occurrence of a parameter or field may be read as (folded), one list per occurrence. */
export type Occurrences = readonly (readonly string[])[];

const PLAIN = /^[a-z0-9_-]*$/;
const MAX_PARTS = 10000;

/**
 * The readings of a name (folded, deduplicated): the ruled name's own, and each occurrence's; a name
 * with a NUL is read cut there as well, as PHP cuts it.
 */
export function readingsOf(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    for (const top of topLevelNames(name)) out.add(foldName(top));
    const nul = name.indexOf('\0');
    if (nul !== -1) for (const top of topLevelNames(name.slice(0, nul))) out.add(foldName(top));
  }
  return [...out];
}

/**
 * Stands for the fields past MAX_PARTS, which are not read: it counts as two copies of every name, so
 * a rule never takes a value from a list it has not seen whole (a copy could hide behind the padding).
 */
const UNREAD = ['\0unread'];

/** How many occurrences read as one of the names (a ruled parameter's readings). */
export function copiesOf(occurrences: Occurrences, readings: readonly string[]): number {
  let n = 0;
  for (const names of occurrences) {
    if (names === UNREAD) n += 2;
    else if (names.some((name) => readings.includes(name))) n++;
  }
  return n;
}

/** The occurrences of a query string, or of a urlencoded body: split at `&` and `;` (older Rack, Python, Perl). */
export function pairOccurrences(text: string): string[][] {
  const out: string[][] = [];
  if (text === '') return out;
  const pieces = text.split(/[&;]/, MAX_PARTS + 1);
  if (pieces.length > MAX_PARTS) {
    pieces.length = MAX_PARTS;
    out.push(UNREAD);
  }
  for (const piece of pieces) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq === -1 ? piece : piece.slice(0, eq);
    // Most names are plain lower-case words: read only as themselves.
    out.push(PLAIN.test(name) ? [name] : readingsOf(fieldNames(piece)));
  }
  return out;
}

/**
 * The top-level fields of a request body already read (ownership reads the bodies that have fields),
 * every way a parser could read them: a urlencoded form, each name a multipart parser could find
 * (multipart-names.ts), a JSON object's keys; a type read more than one way (`multipart/form-data;
 * x=/json` is JSON to Laravel) gives the fields of each. None when the body was not read; a body
 * that does not parse has no fields of that reading (its policies refuse it).
 */
export function bodyOccurrences(ctx: RequestContext): string[][] {
  const read = ctx.content ?? (ctx.req.headers['content-encoding'] === undefined ? ctx.body : undefined);
  const type = ctx.req.headers['content-type'];
  if (read === undefined || read.length === 0 || type === undefined) return [];
  const out: string[][] = [];
  if (readsAsForm(type)) out.push(...pairOccurrences(read.toString('utf8')));
  if (readsAsMultipart(type)) out.push(...multipartOccurrences(read, type));
  if (readsAsJson(type)) out.push(...jsonOccurrences(read, type));
  return out;
}

function multipartOccurrences(read: Buffer, type: string): string[][] {
  const out: string[][] = [];
  const unread = someMultipartName(read.toString('latin1'), type, (name) => {
    if (out.length === MAX_PARTS) {
      out.push(UNREAD);
      return true;
    }
    out.push(readingsOf([name]));
    return false;
  });
  // True without the callback's say: a part the scan could not read (a header section over its
  // bound, too many boundaries) may hold a copy.
  if (unread && out.at(-1) !== UNREAD) out.push(UNREAD);
  return out;
}

function jsonOccurrences(read: Buffer, type: string): string[][] {
  const out: string[][] = [];
  for (const text of jsonReadings(read, type)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) out.push(readingsOf([key]));
  }
  return out;
}
