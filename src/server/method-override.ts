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
import { contentOf, decodedBody, isEncoded, readContent } from '../core/decoded-body.ts';
import type { RequestContext } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';
import { fieldNames } from '../policies/mass-assignment/form.ts';
import { readingsOf } from '../policies/ownership/copies.ts';
import { hasBody } from '../core/body.ts';
import { readsAsForm, readsAsJson, readsAsMultipart } from '../core/body-fields.ts';
import { jsonReadings } from '../core/json-text.ts';
import { someMultipartName } from '../core/multipart-names.ts';

/** Throws (or rejects) when a POST's form body, or its JSON body already read, has a `_method` field. */
export function refuseBodyOverride(ctx: RequestContext): void | Promise<void> {
  if (ctx.req.method !== 'POST') return;
  const headers = ctx.req.headers;
  const type = headers['content-type'] ?? '';
  // An untyped body is forwarded as application/octet-stream instead (untypedBody): no form to any parser.
  if (readsAsForm(type) || readsAsMultipart(type)) return readContent(ctx).then((body) => refuseFieldOverride(body, type));
  if (!readsAsJson(type)) return;
  // Compressed, it is read whole and forwarded as the gateway encodes what was checked (decoded-body.ts):
  // streamed as sent, its bytes could spell a `_method` the decoded body does not have.
  if (ctx.body === undefined && isEncoded(headers['content-encoding'])) return readContent(ctx).then((body) => refuseJsonOverride(body, type));
  if (ctx.body === undefined) return;
  // A body a policy read raw (a signature's digest) is decoded here as the upstream will read it.
  refuseJsonOverride(contentOf(ctx), type);
}

/**
 * A POST body without a Content-Type (or an empty one), which Rack parses as a form: the handler
 * forwards it as application/octet-stream, what RFC 9110 §8.3 lets a recipient assume, so it streams
 * on unread and no parser looks for fields in it.
 */
export function untypedBody(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== 'POST') return false;
  const type = headers['content-type'];
  return (type === undefined || type.trim() === '') && hasBody(headers);
}

/**
 * A POST JSON body no policy read: it streams, and the proxy holds back its last chunk until
 * refuseStreamedJsonOverride has passed on the whole (Laravel reads `_method` from JSON input).
 */
export function streamedJsonPost(ctx: RequestContext): boolean {
  if (ctx.req.method !== 'POST' || ctx.body !== undefined) return false;
  const type = ctx.req.headers['content-type'];
  return type !== undefined && readsAsJson(type);
}

/** The check of a streamed JSON body (streamedJsonPost), decoded as the upstream would read it. */
export function refuseStreamedJsonOverride(ctx: RequestContext, body: Buffer): void {
  refuseJsonOverride(decodedBody(body, ctx.req.headers['content-encoding'], ctx.bodyLimit), ctx.req.headers['content-type']!);
}

/** Throws when a POST's query string has a `_method` field. */
export function refuseQueryOverride(method: string | undefined, query: string): void {
  if (method === 'POST' && query !== '' && namesOverride(query)) throw refusal('query string');
}

/**
 * A form body read every way that applies to its type: a type read as a form or multipart that also
 * contains "/json" is read as JSON by Laravel as well.
 */
function refuseFieldOverride(body: Buffer, type: string): void {
  if (readsAsForm(type) && namesOverride(body.toString('latin1'))) throw refusal('form body');
  if (readsAsMultipart(type) && someMultipartName(body.toString('latin1'), type, isOverride)) throw refusal('form body');
  if (readsAsJson(type)) refuseJsonOverride(body, type);
}

/** A top-level `_method` key (any escapes decoded by the parse); a body that does not parse is the body policies' concern. */
function refuseJsonOverride(content: Buffer, type: string): void {
  for (const text of jsonReadings(content, type)) {
    // Fast path: the key needs "method" in it, or \u escapes spelling it.
    if (!/method|\\u/i.test(text)) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some(isOverride)) throw refusal('JSON body');
  }
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
 * `_method[x]`, PHP's registration (`.method`, a leading blank), qs's `[_method]x`, cut at a NUL as
 * PHP cuts it (readingsOf).
 */
function isOverride(name: string): boolean {
  return readingsOf([name]).includes('_method');
}

function refusal(where: string): GatewayError {
  return new GatewayError('PCL_ERR_BAD_REQUEST', `A _method field in the ${where} is not forwarded: frameworks read it as a method override. Send the method itself (forwarding.methodOverride).`);
}
