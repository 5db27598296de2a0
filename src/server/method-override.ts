// A POST that names another method in a `_method` field: Rails (Rack::MethodOverride), Laravel,
// Symfony and Express's method-override (set up with a field name) then run the handler of that
// method, so a POST the policies allowed would reach a DELETE they never saw, or one the gateway
// does not route at all. The field is looked for where those frameworks read it: the query string
// and form bodies (urlencoded, multipart; read whole for this), the names decoded as they decode
// them. Laravel also reads it from a JSON body: one a body policy read is checked here, one that
// streams is checked whole as it passes, its last chunk held back until then (proxy.ts checkedWhole).
// Refused unless `forwarding.methodOverride` is on. The headers that do the same are refused in
// handler.ts.
import type { IncomingHttpHeaders } from 'node:http';
import { decodedBody, readContent } from '../core/decoded-body.ts';
import type { RequestContext } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';
import { fieldNames } from '../policies/mass-assignment/form.ts';
import { readingsOf } from '../policies/ownership/copies.ts';
import { someMultipartName } from './multipart-names.ts';

const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/';

/** Throws (or rejects) when a POST's form body, or its JSON body already read, has a `_method` field. */
export function refuseBodyOverride(ctx: RequestContext): void | Promise<void> {
  if (ctx.req.method !== 'POST') return;
  const headers = ctx.req.headers;
  const type = headers['content-type'] ?? '';
  const media = formMediaType(type);
  // An untyped body is forwarded as application/octet-stream instead (untypedBody): no form to any parser.
  if (media === FORM || media.startsWith(MULTIPART)) return refuseFormOverride(ctx, media, type);
  if (ctx.body === undefined || !readAsJson(type)) return;
  // A body a policy read raw (a signature's digest) is decoded here as the upstream will read it.
  refuseJsonOverride(ctx.content ?? decodedBody(ctx.body, headers['content-encoding'], ctx.bodyLimit), type);
}

/** A Content-Type Laravel parses as JSON: any that contains "/json" or "+json" (its isJson()), in any case. */
function readAsJson(type: string): boolean {
  return /[/+]json/i.test(type);
}

/** The media type as the most lenient form parser reads it: PHP cuts it at ";", "," or a blank, Rack at ";" or ",". */
function formMediaType(type: string): string {
  return type.trimStart().split(/[;,\s]/, 1)[0]!.toLowerCase();
}

/**
 * A POST body without a Content-Type (or an empty one), which Rack parses as a form: the handler
 * forwards it as application/octet-stream, what RFC 9110 §8.3 lets a recipient assume, so it streams
 * on unread and no parser looks for fields in it.
 */
export function untypedBody(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== 'POST') return false;
  const type = headers['content-type'];
  if (type !== undefined && type.trim() !== '') return false;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A POST JSON body no policy read: it streams, and the proxy holds back its last chunk until
 * refuseStreamedJsonOverride has passed on the whole (Laravel reads `_method` from JSON input).
 */
export function streamedJsonPost(ctx: RequestContext): boolean {
  if (ctx.req.method !== 'POST' || ctx.body !== undefined) return false;
  const type = ctx.req.headers['content-type'];
  return type !== undefined && readAsJson(type);
}

/** The check of a streamed JSON body (streamedJsonPost), decoded as the upstream would read it. */
export function refuseStreamedJsonOverride(ctx: RequestContext, body: Buffer): void {
  refuseJsonOverride(decodedBody(body, ctx.req.headers['content-encoding'], ctx.bodyLimit), ctx.req.headers['content-type']!);
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
  if (someMultipartName(body.toString('latin1'), type, isOverride)) throw refusal('form body');
}

/** A top-level `_method` key (any escapes decoded by the parse); a body that does not parse is the body policies' concern. */
function refuseJsonOverride(content: Buffer, type: string): void {
  // Express's JSON parser also takes UTF-16 bodies.
  const utf16 = /charset\s*=\s*"?utf-?16\s*(le|be)?/i.exec(type);
  const text = utf16 ? new TextDecoder(`utf-16${(utf16[1] ?? 'le').toLowerCase()}`).decode(content) : content.toString('utf8');
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
 * Whether urlencoded pairs (split at `&` and `;`, as older Rack and Python do) name `_method`, each
 * name decoded and read as form fields are (fieldNames, readingsOf).
 */
export function namesOverride(pairs: string): boolean {
  // Fast path: no pair can spell the name without "method" or an escape in it.
  if (!/method|%/i.test(pairs)) return false;
  for (const pair of pairs.split(/[&;]/)) if (pair !== '' && fieldNames(pair).some(isOverride)) return true;
  return false;
}

/**
 * Whether a field name is read as `_method` by some framework: in any letter case, `_method[]` and
 * `_method[x]`, PHP's registration (`.method`, a leading blank), qs's `[_method]x` (readingsOf), and
 * cut at a NUL as PHP cuts it.
 */
function isOverride(name: string): boolean {
  const nul = name.indexOf('\0');
  return readingsOf([nul === -1 ? name : name.slice(0, nul)]).includes('_method');
}

function refusal(where: string): GatewayError {
  return new GatewayError('PCL_ERR_BAD_REQUEST', `A _method field in the ${where} is not forwarded: frameworks read it as a method override. Send the method itself (forwarding.methodOverride).`);
}
