// The admin listener (127.0.0.1 by default): health and readiness now; later features add routes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GatewayError } from '../core/errors.ts';
import { renderProblem } from '../core/problem.ts';
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
 */
export function createAdminServer(status: AdminStatus, extra: ReadonlyMap<string, AdminRoute> = new Map(), handlers: readonly AdminHandler[] = [], guardHost?: string): Server {
  const routes = new Map<string, AdminRoute>([
    ['/healthz', (_req, res) => json(res, 200, { status: 'ok' })],
    ['/readyz', (_req, res) => (status.ready() ? json(res, 200, { status: 'ready' }) : json(res, 503, { status: 'not ready' }))],
    ...extra,
  ]);
  return createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    for (const [name, value] of Object.entries(ADMIN_SECURITY_HEADERS)) res.setHeader(name, value);
    const path = (req.url ?? '/').split('?')[0]!;
    if (guardHost !== undefined && !PROBES.has(path) && !safeAdminHost(req.headers.host, guardHost)) return problem(res, new GatewayError('PCL_ERR_MISDIRECTED'));
    // "/a/b/*" routes take one more segment ("/api/events/42").
    const route = routes.get(path) ?? routes.get(`${path.slice(0, path.lastIndexOf('/'))}/*`);
    if (route) return void Promise.resolve(route(req, res)).catch(() => problem(res, new GatewayError('PCL_ERR_INTERNAL')));
    dispatch(handlers, req, res, path).catch((error: unknown) => problem(res, error instanceof GatewayError ? error : new GatewayError('PCL_ERR_INTERNAL')));
  });
}

async function dispatch(handlers: readonly AdminHandler[], req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  for (const handle of handlers) if (await handle(req, res, path)) return;
  problem(res, new GatewayError('PCL_ERR_ROUTE_NOT_FOUND'));
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function problem(res: ServerResponse, error: GatewayError): void {
  if (res.headersSent) return void res.destroy();
  const p = renderProblem(error, '');
  res.writeHead(p.status, p.headers);
  res.end(p.body);
}
