// Forwards a request that passed its policy chain through the upstream's undici Pool with a
// dispatch handler of its own: the response head is written as soon as it arrives and body chunks
// go straight to the client socket with backpressure (pause / resume), without a stream pipeline
// per request. Failures map to 502 / 504; a failure after the head was sent cuts the connection so
// a truncated body is never taken for a whole one. Idempotent requests without a body are retried
// on connect failures only: nothing else can be known not to have reached the upstream.
//
// The handler implements undici's original dispatch interface (onConnect, onHeaders, onData,
// onComplete, onError), the one its HTTP/1 client calls: a handler of the newer controller interface
// is wrapped per request in an adapter that also parses the raw headers and trailers into objects
// (measured at about 2% of a small GET's CPU). The raw response headers are read here, once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { util as undiciUtil, type Dispatcher } from 'undici';
import type { RequestContext } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';
import type { ResponseHead } from '../core/policy.ts';
import type { DeadlineEntry } from './deadlines.ts';
import type { Upstream } from './upstream.ts';
import { CONNECT_FAILURES, errorCode, TIMEOUTS, totalTimeout } from './upstream-failures.ts';
import { forwardCheckOf } from '../core/forward-check.ts';
import { upstreamGet } from './upstream-get.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const BAD_RESPONSES = new Set(['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INFO', 'UND_ERR_RESPONSE_STATUS_CODE']);
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer', 'te', 'proxy-authenticate']);
/**
 * Where the policies read every body whole (and may rewrite it), the fields that describe the
 * upstream's representation rather than what the client gets are not forwarded: a validator or digest
 * of the unfiltered body lets a client search offline for what was removed (an Express ETag is the
 * length and SHA-1 of the body), and Last-Modified moves when only a hidden field changed. They go on
 * every response of such an operation, not only on the rewritten ones: their presence alone would
 * say whether anything was removed for this caller, and since the preconditions that use them are not
 * forwarded (forward-headers.ts) they could not serve revalidation anyway. Ranges are not offered
 * either. A HEAD response's Content-Length is the unfiltered length, so it goes too.
 */
const DESCRIBES_ORIGINAL = new Set(['etag', 'last-modified', 'content-md5', 'digest', 'content-digest', 'repr-digest', 'accept-ranges', 'content-range']);
const DESCRIBES_ORIGINAL_HEAD = new Set([...DESCRIBES_ORIGINAL, 'content-length']);
/** Object stores' checksums of the stored object: S3's x-amz-checksum-*, GCS, Azure, Alibaba OSS. */
const STORE_CHECKSUM = /^x-(?:amz-checksum-|goog-hash$|ms-content-(?:crc64|md5)$|oss-hash-)/;

export interface ProxyCall {
  readonly ctx: RequestContext;
  readonly upstream: Upstream;
  readonly path: string;
  readonly headers: string[];
  /** Edits the response head (policies, request id) just before it is written. */
  onHead(ctx: RequestContext, head: ResponseHead): void;
  /**
   * Called once when the exchange is over; `error` is set when the client still needs an answer, and is
   * CLIENT_LEFT when the connection ended first (the client left, or it was cut): nothing more is sent.
   */
  /** `error`: a GatewayError, or anything else a forward check threw (an internal error: logged, 500). */
  done(ctx: RequestContext, error: GatewayError | Error | typeof CLIENT_LEFT | undefined): void;
  /** > 0: some body policy is on this operation (responses may be buffered, see bodyLimitFor). */
  readonly bufferLimit: number;
  /**
   * Some body policy reads every body: an encoded or partial (206, multipart/byteranges) one cannot be
   * checked and is refused, and the fields describing the upstream's representation are not forwarded.
   */
  readonly identityBodies: boolean;
  /** > 0: this response (seen by its head) is needed whole by body policies, up to that many bytes. */
  bodyLimitFor(ctx: RequestContext, head: ResponseHead): number;
  /** A held body went over its limit: true to send it unchecked (the policies allow it), false to withhold it. */
  passOversize(ctx: RequestContext, head: ResponseHead): boolean;
  onBody(ctx: RequestContext, head: ResponseHead, body: Buffer): Buffer;
  /** > 0: copy this streamed response's body (up to that many bytes) into ctx.responseBody as it passes. */
  tapLimit(ctx: RequestContext, head: ResponseHead): number;
  /** The streamed request body must pass checkBody whole (see checkedWhole). */
  readonly checksBody: boolean;
  /** Throws a GatewayError to refuse the request for its whole body. */
  checkBody(ctx: RequestContext, body: Buffer): void;
}

class BodyTooLarge extends Error {
  readonly code = 'PCL_BODY_TOO_LARGE';
}

class BodyRefused extends Error {
  readonly code = 'PCL_BODY_REFUSED';
  readonly refusal: GatewayError;
  constructor(refusal: GatewayError) {
    super(refusal.message);
    this.refusal = refusal;
  }
}

/** ProxyCall.done's outcome when the client's connection ended before the response did. */
export const CLIENT_LEFT = 'client-left';

const clientGone = () => Object.assign(new Error('client closed the connection'), { code: 'PCL_CLIENT_GONE' });

export function proxy(call: ProxyCall): void {
  const { ctx } = call;
  const req = ctx.req;
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (declared !== undefined && Number(declared) > ctx.bodyLimit) {
    call.done(ctx, new GatewayError('PCL_ERR_BODY_TOO_LARGE', `The body may be at most ${ctx.bodyLimit} bytes.`));
    return;
  }
  const hasBody = chunked || (declared !== undefined && declared !== '0');
  let body: Readable | IncomingMessage | Buffer | null = null;
  if (ctx.body !== undefined) body = ctx.body.length ? ctx.body : null;
  else if (hasBody) {
    const source = chunked ? limited(req, ctx.bodyLimit) : req;
    body = call.checksBody ? Readable.from(checkedWhole(source, call), { objectMode: false }) : chunked ? Readable.from(source, { objectMode: false }) : req;
  }
  // A body already in memory can be sent again, so those requests may be retried like bodiless ones.
  const exchange = new Exchange(call, body, hasBody && ctx.body === undefined ? 0 : call.upstream.retries);
  // A policy's check that needs the request as the upstream gets it (ownership's preflight GET):
  // the request goes only once it passed.
  const check = forwardCheckOf(ctx);
  if (check === undefined) exchange.start();
  else if (ctx.clientGone()) refusedBeforeForward(call, undefined); // left while the policies ran: no GET
  else {
    // A client that leaves gives up the check's GETs at once (their connections and deadlines freed).
    const left = new AbortController();
    const onClose = () => left.abort(clientGone());
    ctx.res.once('close', onClose);
    const target = { path: call.path, headers: call.headers, get: (path: string, headers: string[], limit: number) => upstreamGet(call.upstream, path, headers, limit, left.signal) };
    check(ctx, target)
      .finally(() => ctx.res.off('close', onClose))
      .then(() => exchange.start(), (error: unknown) => refusedBeforeForward(call, error))
      .catch((error: unknown) => refusedBeforeForward(call, error));
  }
}

/**
 * A forward check refused the request (or failed): answered with its refusal, nothing sent upstream.
 * Anything thrown but a GatewayError goes to done() as an Error: the handler logs it as an internal
 * error (onInternalError) and answers 500 PCL_ERR_INTERNAL, as for a failing policy.
 */
function refusedBeforeForward(call: ProxyCall, error: unknown): void {
  const { ctx } = call;
  try {
    call.done(ctx, ctx.clientGone() ? CLIENT_LEFT : error instanceof Error ? error : new Error('forward check failed', { cause: error }));
  } catch {
    ctx.res.destroy();
  }
}

type Abort = (reason?: Error) => void;

class Exchange implements Dispatcher.DispatchHandler, DeadlineEntry {
  readonly #call: ProxyCall;
  readonly #body: Readable | IncomingMessage | Buffer | null;
  #retriesLeft: number;
  /** undici's abort for the attempt in progress, once it started; #resume continues a paused body. */
  #abort: Abort | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #paused = false;
  #sentAt = 0;
  // The upstream's list of total timeouts (deadlines.ts).
  dueAt = 0;
  previousDue: DeadlineEntry | undefined = undefined;
  nextDue: DeadlineEntry | undefined = undefined;
  listed = false;
  #finished = false;
  /** Set when the exchange was given up before undici started it (onConnect). */
  #abortReason: Error | undefined = undefined;
  /** The held response head and body chunks, when a policy needs the whole body. */
  #held: ResponseHead | undefined = undefined;
  #chunks: Buffer[] | undefined = undefined;
  #size = 0;
  #limit = 0;
  /** Copies of a streamed body's chunks for the inventory's sampler (never delays the stream). */
  #tap: Buffer[] | undefined = undefined;
  #tapped = 0;
  #tapLimit = 0;

  constructor(call: ProxyCall, body: Readable | IncomingMessage | Buffer | null, retries: number) {
    this.#call = call;
    this.#body = body;
    this.#retriesLeft = retries;
  }

  start(): void {
    const { ctx, upstream } = this.#call;
    // The client left while the policies waited (an auth server, the counter store, the body): its
    // 'close' may have been emitted already, so nothing would give this exchange up. Nothing is sent.
    if (ctx.clientGone()) {
      this.#finished = true;
      this.#report(CLIENT_LEFT);
      return;
    }
    // Module-level callbacks with the exchange as property: no closures per request.
    (ctx.res as ExchangeResponse)[EXCHANGE] = this;
    ctx.res.on('close', onClientClose);
    this.#dispatch(upstream.deadlines);
  }

  /** `deadlines`: given on the first attempt only (the total timeout covers the retries). */
  #dispatch(deadlines?: Upstream['deadlines']): void {
    const { ctx, upstream, path, headers } = this.#call;
    this.#sentAt = performance.now();
    deadlines?.add(this, this.#sentAt);
    upstream.pool.dispatch({ path, method: ctx.req.method as Dispatcher.HttpMethod, headers, body: this.#body }, this);
  }

  /** The total timeout ran out. */
  expire(): void {
    this.#giveUp(totalTimeout());
  }

  clientClosed(): void {
    if (!this.#finished) this.#giveUp(clientGone());
  }

  drained(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#resume?.();
  }

  #giveUp(reason: Error): void {
    if (this.#abort) this.#abort(reason);
    else {
      // Still queued for a connection: answer now, abort as soon as undici starts it.
      this.#abortReason = reason;
      this.onError(reason);
    }
  }

  onConnect(abort: Abort): void {
    this.#abort = abort;
    if (this.#abortReason) abort(this.#abortReason);
  }

  /** `raw`: [name, value, ...] as received. Returns false to pause the body (see drained). */
  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    if (statusCode < 200 || this.#finished) return true; // 1xx are the upstream's business
    this.#resume = resume;
    const { ctx } = this.#call;
    ctx.upstreamMs = performance.now() - this.#sentAt;
    const whole = this.#call.identityBodies;
    try {
      const hasBody = statusCode !== 204 && statusCode !== 304 && ctx.req.method !== 'HEAD';
      const dropped = whole ? (ctx.req.method === 'HEAD' ? DESCRIBES_ORIGINAL_HEAD : DESCRIBES_ORIGINAL) : undefined;
      const head: ResponseHead = { statusCode, headers: forwardedResponseHeaders(raw, dropped, hasBody) };
      // Range is not forwarded where the policies read every body; a part sent anyway would be checked
      // as if it were the whole body (a slice that is one filtered value, one item of another caller).
      if (whole && isPartial(head)) {
        this.#abort!(Object.assign(new Error('partial response'), { code: 'PCL_PARTIAL' }));
        return false; // aborted: parse nothing more
      }
      this.#call.onHead(ctx, head);
      if (this.#call.bufferLimit > 0 && hasBody) {
        this.#limit = this.#call.bodyLimitFor(ctx, head);
        if (this.#limit > 0) {
          this.#held = head; // written once the body policies have seen the whole body
          return true;
        }
      }
      ctx.responseType = head.headers['content-type'];
      this.#tapLimit = this.#call.tapLimit(ctx, head);
      if (this.#tapLimit > 0) this.#tap = [];
      ctx.res.writeHead(head.statusCode, head.headers as Record<string, string | string[]>);
    } catch (error) {
      // A response policy failed, or the upstream sent a header Node refuses to write or a body the
      // gateway cannot pass on as it is: fail closed.
      this.#abort!(Object.assign(new Error('response head rejected', { cause: error }), { code: 'PCL_BAD_HEAD' }));
      return false; // aborted: parse nothing more
    }
    return true;
  }

  /** Returns false to pause the upstream until the client has taken what was written (drained). */
  onData(chunk: Buffer): boolean {
    const res = this.#call.ctx.res;
    if (this.#held) {
      this.#size += chunk.length;
      if (this.#size <= this.#limit) {
        (this.#chunks ??= []).push(chunk);
        return true;
      }
      if (!this.#call.passOversize(this.#call.ctx, this.#held)) {
        this.#abort!(Object.assign(new Error('response body over the inspection limit'), { code: 'PCL_UNINSPECTABLE' }));
        return false; // aborted: parse nothing more
      }
      // Fail open: what was held goes out as it came, and the rest streams.
      this.#call.ctx.responseType = this.#held.headers['content-type'];
      try {
        res.writeHead(this.#held.statusCode, this.#held.headers as Record<string, string | string[]>);
      } catch (error) {
        this.#abort!(Object.assign(new Error('response head rejected', { cause: error }), { code: 'PCL_BAD_HEAD' }));
        return false; // aborted: parse nothing more
      }
      this.#held = undefined;
      for (const held of this.#chunks ?? []) res.write(held);
      this.#chunks = undefined;
    }
    if (this.#tap !== undefined) {
      this.#tapped += chunk.length;
      if (this.#tapped <= this.#tapLimit) this.#tap.push(Buffer.from(chunk));
      else this.#tap = undefined; // too large to sample: given up, the stream goes on
    }
    if (res.write(chunk)) return true;
    if (!this.#paused) {
      this.#paused = true;
      res.once('drain', onDrain);
    }
    return false;
  }

  onComplete(): void {
    if (this.#finished) return;
    this.#finish();
    if (this.#held) return this.#sendHeld(this.#held);
    if (this.#tap !== undefined) this.#call.ctx.responseBody = this.#tap.length === 1 ? this.#tap[0]! : Buffer.concat(this.#tap, this.#tapped);
    this.#tap = undefined;
    this.#call.ctx.res.end();
    this.#report(undefined);
  }

  /** Runs the body policies on the whole body, then sends head and (possibly rewritten) body at once. */
  #sendHeld(head: ResponseHead): void {
    const { ctx } = this.#call;
    const encoding = head.headers['content-encoding'];
    if (this.#call.identityBodies && encoding !== undefined && encoding !== 'identity') {
      this.#report(new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is encoded and cannot be checked.'));
      return;
    }
    const chunks = this.#chunks ?? [];
    let body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size);
    this.#chunks = undefined;
    try {
      body = this.#call.onBody(ctx, head, body);
    } catch (error) {
      this.#report(error instanceof GatewayError ? error : new GatewayError('PCL_ERR_INTERNAL'));
      return;
    }
    head.headers['content-length'] = String(body.length);
    ctx.responseType = head.headers['content-type'];
    const sentEncoding = head.headers['content-encoding'];
    if (sentEncoding === undefined || sentEncoding === 'identity') ctx.responseBody = body;
    try {
      ctx.res.writeHead(head.statusCode, head.headers as Record<string, string | string[]>);
      ctx.res.end(body);
    } catch {
      ctx.res.destroy();
    }
    this.#report(undefined);
  }

  onError(error: Error): void {
    if (this.#finished) return;
    const { ctx } = this.#call;
    const res = ctx.res;
    const code = errorCode(error);
    if (!res.headersSent && this.#retriesLeft > 0 && CONNECT_FAILURES.has(code) && IDEMPOTENT.has(ctx.req.method ?? '')) {
      this.#retriesLeft--;
      this.#abort = undefined;
      this.#resume = undefined;
      this.#dispatch();
      return;
    }
    this.#finish();
    const sent = res.headersSent;
    if (error instanceof BodyRefused) {
      if (!sent) return this.#report(error.refusal);
      // The upstream answered before the body was refused: the connection is cut, and the log and
      // audit trail keep the refusal with the status sent.
      ctx.errorCode = error.refusal.code;
      res.destroy();
      return this.#report(undefined);
    }
    // The connection ended (the client left, the listener or shutdown cut it): recorded with why, and
    // as 499 rather than the 200 never sent when no head had gone out (handler.ts recordGone).
    if (code === 'PCL_CLIENT_GONE' || ctx.clientGone()) return this.#report(CLIENT_LEFT);
    if (sent || res.destroyed) {
      // The upstream failed during the body: the connection is cut so the client never takes the
      // truncated body for a whole one, and the record keeps the status sent with the failure.
      ctx.errorCode = toGatewayError(code, error).code;
      res.destroy();
      return this.#report(undefined);
    }
    this.#report(toGatewayError(code, error));
  }

  /** Hands the outcome back; nothing thrown past this point may reach undici (it would crash the pool). */
  #report(error: GatewayError | typeof CLIENT_LEFT | undefined): void {
    try {
      this.#call.done(this.#call.ctx, error);
    } catch {
      this.#call.ctx.res.destroy();
    }
  }

  #finish(): void {
    this.#finished = true;
    this.#call.upstream.deadlines.remove(this);
  }
}

const EXCHANGE = Symbol('exchange');
type ExchangeResponse = ServerResponse & { [EXCHANGE]?: Exchange };

function onClientClose(this: ExchangeResponse): void {
  this[EXCHANGE]?.clientClosed();
}

function onDrain(this: ExchangeResponse): void {
  this[EXCHANGE]?.drained();
}

/**
 * The upstream's raw response head as the header object written to the client: names lowercased,
 * repeated fields as arrays, without hop-by-hop fields (RFC 9110 §7.6.1) and those its Connection
 * field names. One pass; a second only in the rare case where Connection names more than the usual
 * keep-alive / close. Never deleted from (deleting keys makes the object a slow dictionary).
 *
 * Throws when a body (`hasBody`) comes with a transfer coding that is more than framing ("gzip,
 * chunked"; see onlyFraming): undici undoes only the chunked framing, and Transfer-Encoding is
 * hop-by-hop, so the client would get compressed bytes it is not told about, which no body policy
 * could read either.
 */
function forwardedResponseHeaders(raw: Buffer[], dropped: ReadonlySet<string> | undefined, hasBody: boolean): Record<string, string | string[] | undefined> {
  let kept: Record<string, string | string[] | undefined> = {};
  let connection: string | undefined;
  let codings: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = undiciUtil.headerNameToString(raw[i]!);
    if (HOP_BY_HOP_RESPONSE.has(name)) {
      if (name === 'connection') connection = connection === undefined ? raw[i + 1]!.toString('latin1') : `${connection},${raw[i + 1]!.toString('latin1')}`;
      else if (name === 'transfer-encoding') codings = codings === undefined ? raw[i + 1]!.toString('latin1') : `${codings},${raw[i + 1]!.toString('latin1')}`;
      continue;
    }
    if (dropped !== undefined && (dropped.has(name) || (name.charCodeAt(0) === 0x78 && STORE_CHECKSUM.test(name)))) continue;
    // "__proto__" would set the object's prototype rather than a field.
    if (name === '__proto__') continue;
    const value = raw[i + 1]!.toString('latin1');
    const before = kept[name];
    if (before === undefined || !Object.hasOwn(kept, name)) kept[name] = value;
    else if (typeof before === 'string') kept[name] = [before, value];
    else before.push(value);
  }
  // The usual single "chunked" needs no list parsing.
  if (hasBody && codings !== undefined && codings.trim().toLowerCase() !== 'chunked' && !onlyFraming(codings)) {
    throw Object.assign(new Error(`unsupported response transfer coding: ${codings.slice(0, 100)}`), { code: 'PCL_BAD_TRANSFER_CODING' });
  }
  if (connection !== undefined) {
    const named = connection.toLowerCase().split(',').map((n) => n.trim()).filter((n) => n !== '' && n !== 'keep-alive' && n !== 'close');
    if (named.length > 0) {
      const all = kept;
      kept = {};
      for (const name of Object.keys(all)) if (!named.includes(name)) kept[name] = all[name];
    }
  }
  return kept;
}

/**
 * Transfer codings that only frame the body: "chunked" (repeated, or after "identity") or "identity"
 * alone. undici undoes the chunked framing only when it is the last coding; anywhere else (or after an
 * empty list item) the client would get the chunk framing as body bytes.
 */
function onlyFraming(codings: string): boolean {
  const list = codings.split(',').map((c) => c.trim().toLowerCase());
  if (!list.every((c) => c === 'chunked' || c === 'identity')) return false;
  return list.at(-1) === 'chunked' || !list.includes('chunked');
}

/** A 206, or a multipart/byteranges body under any status: part of a representation, never all of it. */
function isPartial(head: ResponseHead): boolean {
  if (head.statusCode === 206) return true;
  const type = head.headers['content-type'];
  return type !== undefined && String(type).toLowerCase().includes('multipart/byteranges');
}

function toGatewayError(code: string, error: Error): GatewayError {
  if (error instanceof BodyTooLarge || code === 'PCL_BODY_TOO_LARGE') return new GatewayError('PCL_ERR_BODY_TOO_LARGE', error.message);
  if (error instanceof BodyRefused) return error.refusal;
  if (code === 'PCL_UNINSPECTABLE') return new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is larger than the response policies may read.');
  if (code === 'PCL_PARTIAL') return new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream answered with part of the body (a byte range), which the response policies cannot check.');
  if (TIMEOUTS.has(code)) return new GatewayError('PCL_ERR_UPSTREAM_TIMEOUT', undefined, { cause: error });
  if (BAD_RESPONSES.has(code) || code.startsWith('HPE_') || code === 'PCL_BAD_HEAD') return new GatewayError('PCL_ERR_UPSTREAM_BAD_RESPONSE', undefined, { cause: error });
  return new GatewayError('PCL_ERR_UPSTREAM_UNAVAILABLE', undefined, { cause: error });
}

/**
 * A streamed request body that must pass ProxyCall.checkBody whole: chunks go on as they arrive (the
 * upstream still sees bytes early), except the last, held until the whole has passed, so a refused
 * body never reaches the upstream complete and no handler runs on it. Costs a copy of the body.
 */
async function* checkedWhole(source: AsyncIterable<Buffer>, call: ProxyCall): AsyncGenerator<Buffer> {
  const seen: Buffer[] = [];
  let held: Buffer | undefined;
  for await (const chunk of source) {
    if (held !== undefined) yield held;
    seen.push(chunk);
    held = chunk;
  }
  try {
    call.checkBody(call.ctx, seen.length === 1 ? seen[0]! : Buffer.concat(seen));
  } catch (error) {
    throw new BodyRefused(error instanceof GatewayError ? error : new GatewayError('PCL_ERR_BAD_REQUEST'));
  }
  if (held !== undefined) yield held;
}

/** A chunked request body, refused as soon as it passes the limit. */
async function* limited(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of req as Readable) {
    total += (chunk as Buffer).length;
    if (total > limit) throw new BodyTooLarge(`The body may be at most ${limit} bytes.`);
    yield chunk as Buffer;
  }
}
