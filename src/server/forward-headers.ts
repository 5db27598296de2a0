// The request head sent upstream: the client's headers minus hop-by-hop ones (RFC 9110 §7.6.1) and
// the ones the gateway owns, plus X-Forwarded-*, Forwarded and the request id. Built as a flat
// [name, value, ...] array straight from rawHeaders (no header object is materialized).
import { CREDENTIAL_NAME } from '../core/credential-names.ts';
import type { RequestContext } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';

/**
 * Dropped from every request: hop-by-hop fields, fields the gateway sets itself, Expect (answered
 * here), other spellings of the client's address and scheme that upstream frameworks believe, and
 * the URL overrides some of them route on instead of the request line (IIS, Symfony, Envoy, Traefik).
 */
const DROPPED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'proxy-authenticate', 'expect', 'host',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'forwarded', 'x-real-ip',
  'x-forwarded-prefix', 'x-forwarded-server', 'x-forwarded-scheme', 'x-forwarded-ssl', 'x-url-scheme', 'front-end-https',
  'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-cluster-client-ip', 'client-ip', 'x-originating-ip',
  'x-remote-addr', 'x-remote-ip',
  'x-original-url', 'x-rewrite-url', 'x-original-uri', 'x-forwarded-uri', 'x-forwarded-path', 'x-original-path',
  'x-envoy-original-path', 'x-override-url',
]);

export interface ForwardOptions {
  readonly requestIdHeader: string;
  readonly xForwarded: boolean;
  readonly forwarded: boolean;
  /** Extra lower-case names a policy reserved (identity headers); always stripped from the client. */
  readonly reserved: ReadonlySet<string>;
  /** Lower-case names policies read credentials from (their "_" spellings are not forwarded). */
  readonly credentials?: ReadonlySet<string>;
  /** Lower-case names of the header parameters the documents declare and the headers policies decide on: a client may not name them in Connection. */
  readonly readHeaders?: ReadonlySet<string>;
}

export function upstreamHeaders(
  ctx: RequestContext,
  options: ForwardOptions,
  peerTrusted: boolean,
  tls: boolean,
  host: string | undefined,
): string[] {
  const raw = ctx.req.rawHeaders;
  const out: string[] = [];
  let connection: string | undefined;
  let xff: string | undefined;
  let forwarded: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    // CGI-style upstreams (WSGI, PHP, Rack) read "X_Consumer_Id" as "X-Consumer-Id": such a spelling
    // of a field the gateway owns is dropped like the field itself, and so is one of a credential
    // header (X_Partner_Key: the gateway never checks it, the upstream would read the key header).
    if (lower.includes('_') && (owned(lower.replaceAll('_', '-'), options) || CREDENTIAL_NAME.test(lower) || options.credentials?.has(lower.replaceAll('_', '-')))) continue;
    if (owned(lower, options)) {
      if (lower === 'connection') connection = connection === undefined ? raw[i + 1] : `${connection}, ${raw[i + 1]}`;
      else if (peerTrusted) {
        if (lower === 'x-forwarded-for') xff = xff === undefined ? raw[i + 1] : `${xff}, ${raw[i + 1]}`;
        else if (lower === 'forwarded') forwarded = forwarded === undefined ? raw[i + 1] : `${forwarded}, ${raw[i + 1]}`;
        else if (lower === 'x-forwarded-proto') xfProto = raw[i + 1];
        else if (lower === 'x-forwarded-host') xfHost = raw[i + 1];
      }
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  if (connection !== undefined) dropConnectionOptions(out, connection);
  const peer = ctx.peer;
  const proto = tls ? 'https' : 'http';
  const originalHost = ctx.req.headers.host ?? '';
  if (options.xForwarded) {
    out.push('x-forwarded-for', xff === undefined ? peer : `${xff}, ${peer}`);
    out.push('x-forwarded-proto', xfProto ?? proto);
    out.push('x-forwarded-host', xfHost ?? originalHost);
  }
  if (options.forwarded) {
    const element = `for=${forwardedNode(peer)};proto=${proto};host=${quoteIfNeeded(originalHost)}`;
    out.push('forwarded', forwarded === undefined ? element : `${forwarded}, ${element}`);
  }
  out.push(options.requestIdHeader, ctx.id);
  if (ctx.upstreamHeaders) for (const v of ctx.upstreamHeaders) out.push(v);
  if (host !== undefined) out.push('host', host);
  return out;
}

/** Whether the gateway drops a field (lower-case name) from every request, whatever Connection says. */
export function owned(lower: string, options: ForwardOptions): boolean {
  return DROPPED.has(lower) || lower === options.requestIdHeader || options.reserved.has(lower);
}

/** Fields named in Connection are hop-by-hop too (RFC 9110 §7.6.1). */
export function dropConnectionOptions(out: string[], connection: string): void {
  const names = new Set(connection.split(',').map((t) => t.trim().toLowerCase()));
  for (let i = out.length - 2; i >= 0; i -= 2) {
    if (names.has(out[i]!.toLowerCase())) out.splice(i, 2);
  }
}

function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

let lastHost = '';
let lastQuoted = '';
/** A Forwarded host value; clients send the same Host again and again, so the last answer is kept. */
function quoteIfNeeded(value: string): string {
  if (value === lastHost) return lastQuoted;
  lastHost = value;
  lastQuoted = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
  return lastQuoted;
}

/**
 * Fields that ask the upstream for part of the representation (Range, If-Range) or make its answer
 * depend on a validator of it (ETag, Last-Modified). Where the policies read every response body
 * whole (Chain.readsEveryBody) they would check a slice as if it were the body (a byte range of a
 * filtered field, of another caller's array item, half a private key), and a 304 or 412 would tell
 * the client whether its guess of the unfiltered body's ETag was right.
 */
const PARTIAL_OR_CONDITIONAL = new Set(['range', 'if-range', 'if-none-match', 'if-match', 'if-modified-since', 'if-unmodified-since']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Removes Range and the preconditions from the request head of an operation whose response bodies
 * the policies read whole: the upstream answers with the whole, current representation (a server may
 * always ignore them, RFC 9110 §13.2.1, §14.2). A write's preconditions cannot be dropped that way
 * (its lost-update check would silently go): such a request is refused instead, unless it only asks
 * whether the resource exists ("If-Match: *", "If-None-Match: *"), which reveals nothing of its body.
 * Names spelled with "_" count as the "-" names (CGI-style servers read them so).
 */
export function dropPartialAndConditional(flat: string[], method: string): void {
  for (let i = flat.length - 2; i >= 0; i -= 2) {
    const lower = flat[i]!.toLowerCase();
    const name = lower.includes('_') ? lower.replaceAll('_', '-') : lower;
    if (!PARTIAL_OR_CONDITIONAL.has(name)) continue;
    if (!SAFE_METHODS.has(method) && name !== 'range' && name !== 'if-range') {
      if ((name === 'if-match' || name === 'if-none-match') && flat[i + 1]!.trim() === '*') continue;
      throw new GatewayError('PCL_ERR_PRECONDITION_NOT_FORWARDED', `${name} is not forwarded on this operation: its responses are checked whole by the response policies.`);
    }
    flat.splice(i, 2);
  }
}
