// The admin listener (127.0.0.1 by default): health and readiness now; later features add routes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ERRORS, GatewayError } from '../core/errors.ts';
import { renderProblem } from '../core/problem.ts';
import { tagAdminRequest } from './admin-changes.ts';
import type { AdminHandler } from './admin-keys.ts';
import { safeAdminHost } from './admin-host.ts';
import { ADMIN_SECURITY_HEADERS } from './admin-web.ts';

export type AdminRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface AdminStatus {
  ready(): boolean;
}

/** Health and readiness: answered whatever the Host (orchestrators probe by IP or service name). */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * `handlers` (dashboard, admin API) are tried in order for paths that no exact route takes.
 * `guardHost`: the admin address, when the listener has no credential: requests other than the
 * probes must then name it, an IP literal or localhost in Host (see admin-host.ts), or get 421.
 * Every request gets an id (X-Request-Id, and the requestId of its problem documents). A failure
 * (an exception, or a 5xx GatewayError caused by one: the store cannot be reached) is logged at error
 * level with that id, the method and the path (never the query, a header or the body) and answered
 * with a problem+json document that says no more than its code.
 */
export function createAdminServer(logger: Logger, status: AdminStatus, extra: ReadonlyMap<string, AdminRoute> = new Map(), handlers: readonly AdminHandler[] = [], guardHost?: string): Server {
  const routes = new Map<string, AdminRoute>([
    ['/healthz', (_req, res) => json(res, 200, { status: 'ok' })],
    ['/readyz', (_req, res) => (status.ready() ? json(res, 200, { status: 'ready' }) : json(res, 503, { status: 'not ready' }))],
    ...extra,
  ]);
  return createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    for (const [name, value] of Object.entries(ADMIN_SECURITY_HEADERS)) res.setHeader(name, value);
    const id = tagAdminRequest(req, res);
    const path = (req.url ?? '/').split('?')[0]!;
    if (guardHost !== undefined && !PROBES.has(path) && !safeAdminHost(req.headers.host, guardHost)) return problem(res, new GatewayError('PCL_ERR_MISDIRECTED'), id);
    const fail = (error: unknown) => {
      const known = error instanceof GatewayError ? error : undefined;
      // A refusal is not a failure; a 5xx is one when something failed under it (not PCL_ERR_ADMIN_NO_STORE for a missing setting).
      // A client that left mid-request (its body "aborted") is not a failure of the gateway either.
      // (req.destroyed says nothing: a request is destroyed once its body was read.)
      const left = req.socket.destroyed;
      if (left) logger.debug({ reqId: id, method: req.method, path: path.slice(0, 300) }, 'admin client left before the answer');
      else if (known === undefined || (ERRORS[known.code].status >= 500 && (known.cause !== undefined || known.code === 'PCL_ERR_INTERNAL'))) {
        logger.error({ reqId: id, method: req.method, path: path.slice(0, 300), err: known?.cause ?? error, ...(known ? { code: known.code } : {}) }, 'admin request failed');
      }
      problem(res, known ?? new GatewayError('PCL_ERR_INTERNAL'), id);
    };
    // "/a/b/*" routes take one more segment ("/api/events/42").
    const route = routes.get(path) ?? routes.get(`${path.slice(0, path.lastIndexOf('/'))}/*`);
    try {
      if (route) return void Promise.resolve(route(req, res)).catch(fail);
    } catch (error) {
      return fail(error);
    }
    dispatch(handlers, req, res, path).catch(fail);
  });
}

async function dispatch(handlers: readonly AdminHandler[], req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  for (const handle of handlers) if (await handle(req, res, path)) return;
  throw new GatewayError('PCL_ERR_ROUTE_NOT_FOUND');
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function problem(res: ServerResponse, error: GatewayError, requestId: string): void {
  if (res.headersSent) return void res.destroy();
  const p = renderProblem(error, requestId);
  res.writeHead(p.status, p.headers);
  res.end(p.body);
}
