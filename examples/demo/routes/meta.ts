// Public, correct endpoints: the health check and the token issuer's discovery documents.
import { json } from '../http.ts';
import { DISCOVERY_PATH, JWKS_PATH } from '../issuer.ts';
import type { Route } from '../types.ts';

export const API_VERSION = '2.3.0';

export const metaRoutes: Route[] = [
  { method: 'GET', path: '/api/v2/health', handler: () => json(200, { status: 'ok', version: API_VERSION }) },
  { method: 'GET', path: JWKS_PATH, handler: (ctx) => json(200, ctx.app.issuer.jwks, { 'Cache-Control': 'public, max-age=300' }) },
  { method: 'GET', path: DISCOVERY_PATH, handler: (ctx) => json(200, ctx.app.issuer.discovery()) },
];
