// The request handler: the misconfigured headers every answer carries (flaws cors-reflect-origin,
// missing-security-headers), routing, and error answers: 4xx for HttpError, and for anything else a
// 500 with the message and stack trace (flaw verbose-errors). It never lets an error escape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './auth.ts';
import { HttpError, parseJson, readBody } from './http.ts';
import type { Router } from './router.ts';
import type { App, Ctx, Principal, Reply } from './types.ts';

export const SERVER_HEADER = `demo-shop/2.3.0 node/${process.versions.node}`;

/** Reflects any Origin with credentials, and announces the software versions; no security headers. */
function misconfiguredHeaders(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Server', SERVER_HEADER);
  res.setHeader('X-Powered-By', 'node:http');
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
}

function preflight(req: IncomingMessage): Reply {
  const headers: Record<string, string> = {
    'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'Access-Control-Max-Age': '86400',
  };
  const requested = req.headers['access-control-request-headers'];
  if (requested) headers['Access-Control-Allow-Headers'] = requested;
  return { status: 204, headers };
}

function errorReply(error: unknown): Reply {
  if (error instanceof HttpError) return { status: error.status, body: { error: error.code, message: error.message }, headers: error.headers };
  const err = error instanceof Error ? error : new Error(String(error));
  const extra = err as Error & { code?: unknown; query?: unknown };
  return {
    status: 500,
    body: {
      error: 'internal_error',
      message: err.message,
      name: err.name,
      ...(extra.code !== undefined ? { code: extra.code } : {}),
      ...(extra.query !== undefined ? { query: extra.query } : {}),
      stack: (err.stack ?? '').split('\n'),
      node: process.version,
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['Content-Type'] ??= 'application/json; charset=utf-8';
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(reply.status, headers);
  res.end(text);
}

function makeCtx(app: App, req: IncomingMessage, url: URL, params: Record<string, string>): Ctx {
  let body: Promise<unknown> | undefined;
  let principal: Promise<Principal> | undefined;
  return {
    app,
    req,
    method: req.method ?? 'GET',
    url,
    params,
    body: () => (body ??= readBody(req).then(parseJson)),
    principal: () => (principal ??= authenticate(app, req)),
  };
}

async function route(app: App, router: Router, req: IncomingMessage): Promise<Reply> {
  if (req.method === 'OPTIONS') return preflight(req);
  const target = req.url ?? '';
  if (!target.startsWith('/')) throw new HttpError(400, 'bad_request', 'The request target must be a path.');
  const url = new URL(`http://demo.invalid${target}`);
  let match: ReturnType<Router['match']>;
  try {
    match = router.match(req.method ?? 'GET', url.pathname);
  } catch {
    throw new HttpError(400, 'bad_path', 'The path is not validly percent-encoded.');
  }
  if (match.kind === 'none') throw new HttpError(404, 'not_found', `No route for ${req.method} ${url.pathname}.`);
  if (match.kind === 'method') {
    throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here.`, { Allow: match.allow.join(', ') });
  }
  return match.route.handler(makeCtx(app, req, url, match.params));
}

export function createHandler(app: App, router: Router): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    misconfiguredHeaders(req, res);
    route(app, router, req)
      .catch(errorReply)
      .then((reply) => send(res, reply))
      .catch(() => res.destroy());
  };
}
