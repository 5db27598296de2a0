// The dashboard's static assets (built by `npm run build` into dist/web), served by the admin
// listener from memory: read once at startup, hashed file names cached for a year, index.html
// revalidated. Every admin response carries a strict CSP: scripts, styles and connections from this
// origin only, nothing inline, never framed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../core/errors.ts';
import type { AdminHandler } from './admin-keys.ts';

export const ADMIN_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cache: string;
}

/** dist/web of the package, from the sources (src/server) or from the build (dist/src/server). */
export function defaultWebRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

function load(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) {
        walk(file);
        continue;
      }
      const type = TYPES[extname(name)];
      if (!type) continue;
      const url = `/${relative(root, file).split(sep).join('/')}`;
      const body = readFileSync(file);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      // Vite puts a content hash in every name under assets/: such a file never changes.
      const cache = url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      assets.set(url === '/index.html' ? '/' : url, { body, type, etag, cache });
    }
  };
  walk(root);
  return assets;
}

/** Serves the dashboard; without built assets, `/` explains how to build them. */
export function webRoutes(root = defaultWebRoot()): AdminHandler {
  const assets = root ? load(root) : new Map<string, Asset>();
  return (req, res, path) => {
    const asset = assets.get(path === '/index.html' ? '/' : path);
    if (!asset) {
      if (path !== '/') return false;
      throw new GatewayError('PCL_ERR_ADMIN_NOT_FOUND', 'the dashboard is not built: run `npm run build`');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow: 'GET, HEAD' } });
    send(res, asset, req.headers['if-none-match'] === asset.etag, req.method === 'HEAD');
    return true;
  };
}

function send(res: ServerResponse, asset: Asset, notModified: boolean, head: boolean): void {
  const headers = { 'content-type': asset.type, 'cache-control': asset.cache, etag: asset.etag };
  if (notModified) return void res.writeHead(304, headers).end();
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(head ? undefined : asset.body);
}
