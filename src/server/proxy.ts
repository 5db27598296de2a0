// Forwards a request that passed its policy chain: streams the body up (counted against the body
// limit when chunked), streams the response straight into the client response (undici Pool.stream),
// and maps upstream failures to 502 / 504. Idempotent requests without a body are retried on
// connect failures only: nothing else can be known not to have reached the upstream.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RequestContext } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';
import type { ResponseHead } from '../core/policy.ts';
import type { Upstream } from './upstream.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const BAD_RESPONSES = new Set(['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INFO', 'HPE_INVALID_CONSTANT', 'UND_ERR_RESPONSE_STATUS_CODE']);
const HOP_BY_HOP_RESPONSE = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer', 'te', 'proxy-authenticate'];

export interface ProxyCall {
  readonly ctx: RequestContext;
  readonly upstream: Upstream;
  readonly path: string;
  readonly headers: string[];
  /** Edits the response head (policies, request id) just before it is written. */
  readonly onHead: (ctx: RequestContext, head: ResponseHead) => void;
  /** Called once when the exchange is over; `error` is set when nothing could be sent upstream or back. */
  readonly done: (ctx: RequestContext, error: GatewayError | undefined) => void;
}

class BodyTooLarge extends Error {}

export function proxy(call: ProxyCall): void {
  const { ctx, upstream } = call;
  const req = ctx.req;
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (declared !== undefined && Number(declared) > ctx.bodyLimit) {
    call.done(ctx, new GatewayError('PCL_ERR_BODY_TOO_LARGE', `The body may be at most ${ctx.bodyLimit} bytes.`));
    return;
  }
  const hasBody = chunked || (declared !== undefined && declared !== '0');
  const body: Dispatcher.DispatchOptions['body'] = hasBody ? (chunked ? Readable.from(limited(req, ctx.bodyLimit), { objectMode: false }) : req) : null;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(timeoutReason), upstream.totalTimeoutMs);
  send(call, body, abort, timer, hasBody ? 0 : upstream.retries);
}

const timeoutReason = Object.assign(new Error('total upstream timeout'), { code: 'PCL_TOTAL_TIMEOUT' });

function send(
  call: ProxyCall,
  body: Dispatcher.DispatchOptions['body'],
  abort: AbortController,
  timer: NodeJS.Timeout,
  retriesLeft: number,
): void {
  const { ctx, upstream } = call;
  const res = ctx.res;
  const sentAt = performance.now();
  upstream.pool.stream(
    { path: call.path, method: ctx.req.method as Dispatcher.HttpMethod, headers: call.headers, body, signal: abort.signal, opaque: call },
    ({ statusCode, headers }) => {
      ctx.upstreamMs = performance.now() - sentAt;
      for (const name of HOP_BY_HOP_RESPONSE) if (headers[name] !== undefined) delete headers[name];
      const head: ResponseHead = { statusCode, headers };
      call.onHead(ctx, head);
      res.writeHead(head.statusCode, head.headers as Record<string, string | string[]>);
      return res;
    },
    (error) => {
      if (error === null) {
        clearTimeout(timer);
        call.done(ctx, undefined);
        return;
      }
      const code = errorCode(error, abort);
      if (!res.headersSent && retriesLeft > 0 && CONNECT_FAILURES.has(code) && IDEMPOTENT.has(ctx.req.method ?? '')) {
        send(call, body, abort, timer, retriesLeft - 1);
        return;
      }
      clearTimeout(timer);
      if (res.headersSent || res.destroyed) {
        // Mid-stream failure: the status is already out; cut the connection so the client sees it.
        res.destroy();
        call.done(ctx, undefined);
        return;
      }
      call.done(ctx, toGatewayError(code, error));
    },
  );
}

function errorCode(error: Error, abort: AbortController): string {
  if (abort.signal.aborted) return 'PCL_TOTAL_TIMEOUT';
  const withCode = error as Error & { code?: string; cause?: { code?: string } };
  return withCode.code ?? withCode.cause?.code ?? (error instanceof BodyTooLarge ? 'PCL_BODY_TOO_LARGE' : '');
}

function toGatewayError(code: string, error: Error): GatewayError {
  if (error instanceof BodyTooLarge || code === 'PCL_BODY_TOO_LARGE') return new GatewayError('PCL_ERR_BODY_TOO_LARGE', error.message);
  if (code === 'PCL_TOTAL_TIMEOUT' || TIMEOUTS.has(code)) return new GatewayError('PCL_ERR_UPSTREAM_TIMEOUT', undefined, { cause: error });
  if (BAD_RESPONSES.has(code) || code.startsWith('HPE_')) return new GatewayError('PCL_ERR_UPSTREAM_BAD_RESPONSE', undefined, { cause: error });
  return new GatewayError('PCL_ERR_UPSTREAM_UNAVAILABLE', undefined, { cause: error });
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
