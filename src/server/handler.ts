// The request lifecycle: admit (framing, limits, client address, request id, path) → global
// listen-phase policies → route (404 / 405 / preflight) → the operation's chain → proxy. Every
// refusal on the way is a GatewayError rendered once, as problem+json, by `fail`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext } from '../core/context.ts';
import { ERRORS, GatewayError, type ErrorCode } from '../core/errors.ts';
import { CREDENTIAL_NAME } from '../core/credential-names.ts';
import { own } from '../core/own.ts';
import { CLIENT_GONE, runHooks, type Chain } from '../core/pipeline.ts';
import type { ResponseHead } from '../core/policy.ts';
import { asGatewayError, renderProblem } from '../core/problem.ts';
import type { AccessLog } from '../observe/access-log.ts';
import { checkAddressBlock } from '../observe/anomaly/block-check.ts';
import { clientAddress, requestId } from './client-address.ts';
import { dropPartialAndConditional, owned, upstreamHeaders, type ForwardOptions } from './forward-headers.ts';
import { refuseBodyOverride, refuseQueryOverride, refuseStreamedJsonOverride, streamedJsonPost, untypedBody } from './method-override.ts';
import { ANSWERED } from './client-error.ts';
import { normalizePath } from './normalize-path.ts';
import { CLIENT_LEFT, proxy, type ProxyCall } from './proxy.ts';
import type { CompiledRoute, Runtime } from './runtime.ts';
import { unsupportedJsonCharset } from '../core/json-text.ts';

export interface ListenerInfo {
  readonly tls: boolean;
  /** Strict-Transport-Security value for TLS listeners. */
  readonly hsts: string | undefined;
}

export interface Gateway {
  runtime: Runtime;
  draining: boolean;
  /** Set when shutdown cuts the connections still open at limits.drainTimeout. */
  cut?: boolean;
  accessLog: AccessLog;
  onInternalError: (error: unknown, ctx: RequestContext) => void;
  /** Streamed responses to copy for the inventory's body sampler: bytes to copy, 0 for none. */
  tapResponses?: ((ctx: RequestContext, head: ResponseHead) => number) | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The Allow of a refused TRACE: the methods a route can accept. */
const FORWARDED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

const CLOSE_AFTER: ReadonlySet<ErrorCode> = new Set(['PCL_ERR_BAD_REQUEST', 'PCL_ERR_AMBIGUOUS_FRAMING', 'PCL_ERR_HEADERS_TOO_LARGE', 'PCL_ERR_URI_TOO_LONG']);

export function createHandler(gateway: Gateway, listener: ListenerInfo): Handler {
  return (req, res) => {
    // A connection reset before its request is handled can have no address: getpeername fails (Node
    // keeps the address once read; the listener's 'connection' handler reads it for plain TCP, a TLS
    // socket reads it here once). Such a request is dropped before any policy runs, unanswered and
    // unrecorded like the connections the listener drops: an unknown address cannot be judged (as ''
    // it matched no deny rule, and shared one bucket for every per-address limit, block and lockout).
    const peer = req.socket.remoteAddress;
    if (peer === undefined) {
      res.destroy();
      return;
    }
    const rt = gateway.runtime;
    const ctx = new RequestContext(req, res, performance.now());
    try {
      admit(ctx, rt, peer);
      if (rt.blocks !== undefined) checkAddressBlock(ctx, rt.blocks);
      const pending = runHooks(ctx, rt.preRoute.requestHooks);
      if (pending === undefined) route(ctx, rt, gateway, listener);
      else pending.then(() => route(ctx, rt, gateway, listener)).catch((error: unknown) => fail(ctx, rt, gateway, listener, undefined, error));
    } catch (error) {
      fail(ctx, rt, gateway, listener, undefined, error);
    }
  };
}

function admit(ctx: RequestContext, rt: Runtime, peer: string): void {
  const req = ctx.req;
  ctx.peer = peer;
  const peerTrusted = rt.trustedProxies.size > 0 && rt.trustedProxies.has(peer);
  ctx.peerTrusted = peerTrusted;
  ctx.id = requestId(own(req.headers, rt.config.forwarding.requestIdHeader) as string | undefined, peerTrusted);
  ctx.clientIp = clientAddress(peer, req.headers['x-forwarded-for'] as string | undefined, rt.trustedProxies);
  ctx.bodyLimit = rt.limits.maxBody;
  if (req.httpVersionMajor !== 1) throw new GatewayError('PCL_ERR_BAD_REQUEST', 'Only HTTP/1.0 and HTTP/1.1 are accepted.');
  if (req.httpVersionMinor === 1 && req.headers.host === undefined) throw new GatewayError('PCL_ERR_BAD_REQUEST', 'An HTTP/1.1 request needs a Host header.');
  // Host goes on upstream (X-Forwarded-Host, Forwarded, preserveHost): a host name or address and a port, nothing else.
  const host = req.headers.host;
  if (host !== undefined && host !== lastGoodHost && host !== '') {
    if (!HOST.test(host)) throw new GatewayError('PCL_ERR_BAD_REQUEST', 'The Host header is not a host name or address with an optional port.');
    lastGoodHost = host; // clients send the same Host again and again
  }
  // TRACE makes a server echo the request, credentials and cookies included, back to the client
  // (cross-site tracing): never forwarded, whatever methods a route allows. (TRACK does not parse.)
  if (req.method === 'TRACE') throw new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', `${req.method} is not forwarded.`, { headers: { allow: FORWARDED_METHODS } });
  const raw = req.rawHeaders;
  if (raw.length > rt.limits.maxHeaderCount * 2) {
    throw new GatewayError('PCL_ERR_HEADERS_TOO_LARGE', `At most ${rt.limits.maxHeaderCount} header fields are accepted.`);
  }
  refuseAmbiguousFields(req, rt.config.forwarding.methodOverride);
  const connection = req.headers.connection;
  if (connection !== undefined && !PLAIN_CONNECTION.has(connection.toLowerCase())) refuseReadFieldsInConnection(req, connection, rt.forwardOptions);
  const type = req.headers['content-type'];
  if (type !== undefined && unsupportedJsonCharset(type)) {
    throw new GatewayError('PCL_ERR_UNSUPPORTED_MEDIA_TYPE', 'A JSON body must be UTF-8 or UTF-16: its charset names another encoding, or several.');
  }
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') {
    throw new GatewayError('PCL_ERR_AMBIGUOUS_FRAMING', 'Only the chunked transfer coding is accepted.');
  }
  let url = req.url ?? '';
  if (url.length > rt.limits.maxUrlLength) throw new GatewayError('PCL_ERR_URI_TOO_LONG');
  if (url.charCodeAt(0) !== 0x2f) url = originForm(url, req.method);
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  ctx.query = q === -1 ? '' : url.slice(q + 1);
  if (ctx.query.includes('#')) throw new GatewayError('PCL_ERR_BAD_REQUEST', 'A fragment is not allowed in the request target.'); // in the path: normalizePath
  if (!rt.config.forwarding.methodOverride) refuseQueryOverride(req.method, ctx.query);
  ctx.path = normalizePath(rawPath, rt.config.forwarding.mergeSlashes, rt.config.forwarding.pathParameters);
}

let lastGoodHost = '';
/** RFC 3986 reg-name or IP literal, optional port (RFC 9110 §7.2). */
const HOST = /^(?:[a-z0-9._~!$&'()*+,;=%-]+|\[[0-9a-f:.]+(?:%25[a-z0-9._~-]+)?\])(?::\d{0,5})?$/i;

const PLAIN_CONNECTION = new Set(['keep-alive', 'close', 'upgrade']);

/**
 * Fields named in Connection are not forwarded (RFC 9110 §7.6.1). A client naming one the gateway
 * reads would remove it after the policies checked it: "Connection: Content-Type" made a JSON body
 * checked as JSON reach the upstream untyped (Rack then parses it as a form), and a header an owner
 * rule or a parameter schema checked would reach the upstream missing. Such a request is refused;
 * other fields named there (a client's own hop-by-hop field) are dropped as the RFC says.
 */
function refuseReadFieldsInConnection(req: IncomingMessage, connection: string, options: ForwardOptions): void {
  for (const token of connection.split(',')) {
    const name = token.trim().toLowerCase();
    // Absent, or dropped anyway (hop-by-hop, the gateway's own): naming it changes nothing.
    if (own(req.headers, name) === undefined || owned(name, options)) continue;
    if (name.startsWith('content-') || name === 'authorization' || name === 'cookie' || CREDENTIAL_NAME.test(name) || options.credentials?.has(name) || options.readHeaders?.has(name)) {
      throw new GatewayError('PCL_ERR_BAD_REQUEST', 'Connection names a field the gateway reads (Content-*, Authorization, a credential, a header parameter): it cannot be removed on the way.');
    }
  }
}

/** Upstreams that honour them act on another method than the one the policies authorized. */
const METHOD_OVERRIDES = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

/**
 * Fields Node keeps once, the first (it drops the repeats): the policies read that one while the
 * upstream, which gets every line, may read the last or all of them ("User-Agent: curl" then
 * "User-Agent: <attack>" passed the detection; two Content-Types made the upstream parse a JSON body
 * as a form). A repeat of any of them is refused.
 */
const SINGLETONS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

/**
 * Refuses method overrides and repeated singletons, in one walk over the header names in the common
 * case. CGI-style servers (Rack, Werkzeug, PHP) read "_" in a name as "-": "X_HTTP_Method_Override"
 * and "User_Agent" count as the fields they spell.
 */
function refuseAmbiguousFields(req: IncomingMessage, overridesAllowed: boolean): void {
  let distinct = 0;
  let underscored = false;
  for (const name in req.headers) {
    distinct++;
    if (name.includes('_')) underscored = true;
    else if (name.charCodeAt(0) === 0x78 && !overridesAllowed && METHOD_OVERRIDES.has(name)) throw methodOverride();
  }
  // The common case, no field repeated at all: as many distinct names as lines.
  if (underscored || distinct * 2 !== req.rawHeaders.length) refuseRepeatedSingletons(req.rawHeaders, overridesAllowed);
}

const methodOverride = () => new GatewayError('PCL_ERR_BAD_REQUEST', 'Method override headers are not forwarded: send the method itself (forwarding.methodOverride).');

function refuseRepeatedSingletons(raw: string[], overridesAllowed: boolean): void {
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase().replaceAll('_', '-');
    if (!overridesAllowed && METHOD_OVERRIDES.has(name)) throw methodOverride();
    if (!SINGLETONS.has(name)) continue;
    if (seen.has(name)) throw new GatewayError('PCL_ERR_BAD_REQUEST', `More than one ${name} header.`);
    seen.add(name);
  }
}

/**
 * Absolute-form targets ("GET http://host/path") are accepted as their path, taken as sent: a URL
 * parser would resolve "..", "%2e%2e" and "\\" in it, which normalizePath refuses in an origin-form
 * target. Anything else is 400.
 */
function originForm(url: string, method: string | undefined): string {
  const authority = /^https?:\/\/(?:[a-z0-9._~-]+|\[[0-9a-f:.]+(?:%25[a-z0-9._~-]+)?\])(?::\d{1,5})?/i.exec(url);
  if (authority !== null) {
    const rest = url.slice(authority[0].length);
    if (rest === '' || rest.charCodeAt(0) === 0x3f) return `/${rest}`;
    if (rest.charCodeAt(0) === 0x2f) return rest;
  }
  if (url === '*' && method === 'OPTIONS') throw new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow: '' } });
  throw new GatewayError('PCL_ERR_BAD_REQUEST', 'The request target must be a path.');
}

function route(ctx: RequestContext, rt: Runtime, gateway: Gateway, listener: ListenerInfo): void {
  const method = ctx.req.method ?? '';
  const preflightFor = method === 'OPTIONS' ? ctx.req.headers['access-control-request-method'] : undefined;
  let found = rt.router.lookup(preflightFor ?? method, ctx.path);
  if (preflightFor !== undefined && found.kind === 'match') {
    // A CORS preflight is answered by the cors policy of the operation it asks about.
    const target = found.match.value;
    enter(ctx, target, found.match.params);
    ctx.res.setHeader(rt.config.forwarding.requestIdHeader, ctx.id);
    try {
      for (const p of target.chain.interceptors) {
        if (p.intercept!(ctx)) {
          gateway.accessLog(ctx, ctx.res.statusCode, rt.preRoute, target.chain);
          return;
        }
      }
    } catch (error) {
      fail(ctx, rt, gateway, listener, target, error);
      return;
    }
    found = rt.router.lookup(method, ctx.path);
  }
  if (found.kind === 'not-found') throw new GatewayError('PCL_ERR_ROUTE_NOT_FOUND');
  if (found.kind === 'variant') throw new GatewayError('PCL_ERR_BAD_PATH', 'The path is a variant of a documented one (letter case, a trailing slash, trailing dots or spaces, a suffix such as .json) that an upstream could read as that one (forwarding.pathVariants).');
  if (found.kind === 'method-not-allowed') throw new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow: found.allow } });
  const compiled = found.match.value;
  enter(ctx, compiled, found.match.params);
  try {
    let pending = runHooks(ctx, compiled.chain.requestHooks);
    if (!rt.config.forwarding.methodOverride && ctx.req.method === 'POST') pending = pending === undefined ? refuseBodyOverride(ctx) : pending.then(() => refuseBodyOverride(ctx));
    if (pending === undefined) forward(ctx, rt, gateway, listener, compiled);
    else pending.then(() => forward(ctx, rt, gateway, listener, compiled)).catch((error: unknown) => fail(ctx, rt, gateway, listener, compiled, error));
  } catch (error) {
    fail(ctx, rt, gateway, listener, compiled, error);
  }
}

function enter(ctx: RequestContext, compiled: CompiledRoute, params: Record<string, string>): void {
  ctx.api = compiled.api;
  ctx.operationId = compiled.operationId;
  ctx.params = params;
}

function forward(ctx: RequestContext, rt: Runtime, gateway: Gateway, listener: ListenerInfo, compiled: CompiledRoute): void {
  const upstream = compiled.upstream;
  const headers = upstreamHeaders(ctx, rt.forwardOptions, ctx.peerTrusted, listener.tls, upstream.preserveHost ? ctx.req.headers.host : undefined);
  // Body policies read the response: ask for it unencoded.
  if (compiled.chain.asksIdentity) dropHeader(headers, 'accept-encoding');
  // ...and whole, unconditionally: no byte range of it, no 304 / 412 that compares it with a guess.
  if (compiled.chain.readsEveryBody) dropPartialAndConditional(headers, ctx.req.method ?? '');
  if (!rt.config.forwarding.methodOverride && untypedBody(ctx.req.method, ctx.req.headers)) {
    dropHeader(headers, 'content-type');
    headers.push('content-type', 'application/octet-stream');
  }
  // A body read by the policies is sent from memory; one a policy rewrote (stripped properties, a
  // chunked one read whole) needs its own Content-Length.
  if (ctx.body !== undefined && ctx.req.headers['content-length'] !== String(ctx.body.length)) {
    dropHeader(headers, 'content-length');
    headers.push('content-length', String(ctx.body.length));
  }
  const path = upstream.basePath + (compiled.strip ? ctx.path.slice(compiled.strip) || '/' : ctx.path) + (ctx.query ? `?${ctx.query}` : '');
  proxy(new Forwarding(ctx, rt, gateway, listener, compiled, path, headers));
}

/** One proxied exchange's context and callbacks, in one object (no closures per request). */
class Forwarding implements ProxyCall {
  readonly ctx: RequestContext;
  readonly upstream: CompiledRoute['upstream'];
  readonly path: string;
  readonly headers: string[];
  readonly bufferLimit: number;
  readonly identityBodies: boolean;
  readonly checksBody: boolean;
  readonly #rt: Runtime;
  readonly #gateway: Gateway;
  readonly #listener: ListenerInfo;
  readonly #compiled: CompiledRoute;

  constructor(ctx: RequestContext, rt: Runtime, gateway: Gateway, listener: ListenerInfo, compiled: CompiledRoute, path: string, headers: string[]) {
    this.ctx = ctx;
    this.upstream = compiled.upstream;
    this.path = path;
    this.headers = headers;
    this.bufferLimit = compiled.chain.responseBodyLimit;
    this.identityBodies = compiled.chain.readsEveryBody;
    this.checksBody = !rt.config.forwarding.methodOverride && streamedJsonPost(ctx);
    this.#rt = rt;
    this.#gateway = gateway;
    this.#listener = listener;
    this.#compiled = compiled;
  }

  onHead(ctx: RequestContext, head: ResponseHead): void {
    finishHead(ctx, head, this.#gateway, this.#listener, this.#compiled.chain);
  }

  bodyLimitFor(ctx: RequestContext, head: ResponseHead): number {
    return this.#compiled.chain.bodyLimitFor(ctx, head);
  }

  passOversize(ctx: RequestContext, head: ResponseHead): boolean {
    return this.#compiled.chain.passOversize(ctx, head);
  }

  onBody(ctx: RequestContext, head: ResponseHead, body: Buffer): Buffer {
    return this.#compiled.chain.onResponseBody(ctx, head, body);
  }

  checkBody(ctx: RequestContext, body: Buffer): void {
    refuseStreamedJsonOverride(ctx, body);
  }

  tapLimit(ctx: RequestContext, head: ResponseHead): number {
    return this.#gateway.tapResponses === undefined ? 0 : this.#gateway.tapResponses(ctx, head);
  }

  done(ctx: RequestContext, error: GatewayError | Error | typeof CLIENT_LEFT | undefined): void {
    if (error === CLIENT_LEFT) recordGone(ctx, this.#rt, this.#gateway, this.#compiled);
    else if (error) fail(ctx, this.#rt, this.#gateway, this.#listener, this.#compiled, error);
    else this.#gateway.accessLog(ctx, ctx.res.statusCode, this.#rt.preRoute, this.#compiled.chain);
  }
}

function dropHeader(flat: string[], lowerName: string): void {
  for (let i = flat.length - 2; i >= 0; i -= 2) if (flat[i]!.toLowerCase() === lowerName) flat.splice(i, 2);
}

function finishHead(ctx: RequestContext, head: ResponseHead, gateway: Gateway, listener: ListenerInfo, chain: Chain | undefined): void {
  chain?.onResponseHead(ctx, head);
  head.headers[gateway.runtime.config.forwarding.requestIdHeader] = ctx.id;
  if (listener.hsts) head.headers['strict-transport-security'] = listener.hsts;
  if (gateway.draining) head.headers.connection = 'close';
}

/**
 * A request whose connection ended before it was answered in full: nothing more is sent. It is recorded
 * with why the connection ended: the client left (PCL_ERR_CLIENT_CLOSED), the listener answered or cut
 * it (a 408 when the request timeout struck), or shutdown cut it (PCL_ERR_SHUTTING_DOWN); and with the
 * status sent when the response head had gone out, else that code's status (499 for a client that left,
 * nginx's status for it; never the 200 it never got).
 */
function recordGone(ctx: RequestContext, rt: Runtime, gateway: Gateway, compiled: CompiledRoute | undefined): void {
  const res = ctx.res;
  res.destroy();
  const code = (ctx.socket as { [ANSWERED]?: ErrorCode })[ANSWERED] ?? (gateway.cut ? 'PCL_ERR_SHUTTING_DOWN' : 'PCL_ERR_CLIENT_CLOSED');
  ctx.errorCode = code;
  gateway.accessLog(ctx, res.headersSent ? res.statusCode : ERRORS[code].status, rt.preRoute, compiled?.chain);
}

/** What reading a request body fails with when its client has gone. */
const ABORTED = new Set(['ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

function fail(ctx: RequestContext, rt: Runtime, gateway: Gateway, listener: ListenerInfo, compiled: CompiledRoute | undefined, thrown: unknown): void {
  const res = ctx.res;
  if (thrown === CLIENT_GONE || (ctx.clientGone() && !(thrown instanceof GatewayError) && ABORTED.has((thrown as NodeJS.ErrnoException | null)?.code ?? ''))) {
    // Stopped because the client left while a step waited: the later policies never ran, nothing went upstream.
    ctx.stopped = true;
    recordGone(ctx, rt, gateway, compiled);
    return;
  }
  const error = asGatewayError(thrown);
  if (!(thrown instanceof GatewayError)) gateway.onInternalError(thrown, ctx);
  ctx.errorCode = error.code;
  if (res.headersSent || res.destroyed || ctx.clientGone()) {
    const answered = res.headersSent;
    res.destroy();
    if (!answered) {
      // Refused, but the client has left: the response policies still see the outcome (the circuit
      // breaker settles its call) and the refusal is recorded; a response under way records itself.
      finishHead(ctx, { statusCode: error.status, headers: {} }, gateway, listener, compiled?.chain ?? rt.globalHead);
      gateway.accessLog(ctx, error.status, rt.preRoute, compiled?.chain);
    }
    return;
  }
  const problem = renderProblem(error, ctx.id);
  const head: ResponseHead = { statusCode: problem.status, headers: { ...problem.headers, 'content-length': String(Buffer.byteLength(problem.body)) } };
  // Responses sent before the body was read close the connection: the unread body is never parsed
  // as a next request, and a client cannot make the gateway read a large body it refused.
  // So do refusals of malformed requests: what follows them on the connection cannot be trusted.
  if (
    CLOSE_AFTER.has(error.code) ||
    (!ctx.req.complete && (ctx.req.headers['content-length'] !== undefined || ctx.req.headers['transfer-encoding'] !== undefined))
  ) {
    head.headers.connection = 'close';
  }
  finishHead(ctx, head, gateway, listener, compiled?.chain ?? rt.globalHead);
  res.writeHead(head.statusCode, head.headers as Record<string, string>);
  res.end(ctx.req.method === 'HEAD' ? undefined : problem.body);
  gateway.accessLog(ctx, head.statusCode, rt.preRoute, compiled?.chain);
}
