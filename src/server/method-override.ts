// A POST that names another method in a `_method` field: Rails (Rack::MethodOverride), Laravel,
// Symfony and Express's method-override (set up with a field name) then run the handler of that
// method, so a POST the policies allowed would reach a DELETE they never saw, or one the gateway
// does not route at all. The field is looked for where those frameworks read it: the query string
// and form bodies (urlencoded, multipart; read whole for this), the names decoded as they decode
// them. Laravel also reads it from a JSON body, which is checked when a body policy has read it
// (JSON bodies otherwise stream untouched). Refused unless `forwarding.methodOverride` is on. The
// headers that do the same are refused in handler.ts.
import { readContent } from '../core/decoded-body.ts';
import type { RequestContext } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';
import { bareMediaType, isJsonMediaType } from '../core/media-type.ts';
import { boundaryOf, parseMultipart } from '../core/multipart.ts';

const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/';
const MAX_PARTS = 10000;

/** Throws (or rejects) when a POST's form body, or its JSON body already read, has a `_method` field. */
export function refuseBodyOverride(ctx: RequestContext): void | Promise<void> {
  if (ctx.req.method !== 'POST') return;
  const headers = ctx.req.headers;
  const type = headers['content-type'];
  // Rack parses a POST body without a Content-Type as a form, and multipart/mixed and /related too.
  const media = type === undefined ? FORM : bareMediaType(type);
  if (media === FORM || media.startsWith(MULTIPART)) {
    if (type === undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return;
    return refuseFormOverride(ctx, media, type ?? '');
  }
  const read = ctx.content ?? (ctx.req.headers['content-encoding'] === undefined ? ctx.body : undefined);
  if (read !== undefined && isJsonMediaType(media)) refuseJsonOverride(read);
}

/** Throws when a POST's query string has a `_method` field. */
export function refuseQueryOverride(method: string | undefined, query: string): void {
  if (method === 'POST' && query !== '' && namesOverride(query)) throw refusal('query string');
}

async function refuseFormOverride(ctx: RequestContext, media: string, type: string): Promise<void> {
  const body = await readContent(ctx);
  if (media === FORM) {
    if (namesOverride(body.toString('latin1'))) throw refusal('form body');
    return;
  }
  const boundary = boundaryOf(type);
  const parts = boundary === undefined ? 'has no boundary' : parseMultipart(body, boundary, { maxParts: MAX_PARTS });
  // A body this parser cannot read may still be read by a lenient one: any part header naming the
  // field counts.
  if (typeof parts === 'string' ? NAMED_PART.test(body.toString('latin1')) : parts.some((p) => isOverride(p.name))) throw refusal('form body');
}

const NAMED_PART = /name\s*=\s*"?\s*[._ ]method\b/i;

/** A top-level `_method` key (any escapes decoded by the parse); a body that does not parse is the body policies' concern. */
function refuseJsonOverride(content: Buffer): void {
  const text = content.toString('utf8');
  // Fast path: the key needs "method" in it, or \u escapes spelling it.
  if (!/method|\\u/i.test(text)) return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some(isOverride)) throw refusal('JSON body');
}

/**
 * Whether urlencoded pairs (split at `&` and `;`, as older Rack and Python do) name `_method`: the
 * name percent-decoded with `+` as a space, `_method[]` and `_method[x]` included.
 */
export function namesOverride(pairs: string): boolean {
  // Fast path: no pair can spell the name without "method" or an escape in it.
  if (!/method|%/i.test(pairs)) return false;
  for (const pair of pairs.split(/[&;]/)) {
    const eq = pair.indexOf('=');
    const raw = eq === -1 ? pair : pair.slice(0, eq);
    if (isOverride(decodeName(raw))) return true;
  }
  return false;
}

/**
 * `_method`, `_method[]`, `_method[x]`, in any letter case, also as PHP registers a name (leading
 * blanks dropped, "." and " " before the first "[" read as "_": ".method" is `_method` to Laravel).
 */
function isOverride(name: string): boolean {
  const bracket = name.indexOf('[');
  const base = (bracket === -1 ? name : name.slice(0, bracket)).trimStart().replace(/[. ]/g, '_').toLowerCase();
  return base === '_method';
}

function decodeName(raw: string): string {
  const spaced = raw.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Bad escapes stay as they are (URLSearchParams and Rack keep them), valid ones around them decode.
    return spaced.replace(/%[0-9a-f]{2}/gi, (e) => String.fromCharCode(parseInt(e.slice(1), 16)));
  }
}

function refusal(where: string): GatewayError {
  return new GatewayError('PCL_ERR_BAD_REQUEST', `A _method field in the ${where} is not forwarded: frameworks read it as a method override. Send the method itself (forwarding.methodOverride).`);
}
