// A debug endpoint left in production and in no spec (shadow API): the configuration, including every
// account's credentials (flaw shadow-debug-config).
import { json } from '../http.ts';
import type { Route } from '../types.ts';

export const debugRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v2/debug/config',
    handler: (ctx) =>
      json(200, {
        node: process.version,
        pid: process.pid,
        env: { NODE_ENV: process.env.NODE_ENV ?? 'development', cwd: process.cwd() },
        database: { driver: 'node:sqlite', file: ':memory:' },
        jwt: { issuer: ctx.app.issuer.issuer, audience: ctx.app.issuer.audience, kid: ctx.app.issuer.jwks.keys[0]?.kid },
        avatarFetch: { timeoutMs: ctx.app.fetchTimeoutMs },
        seedAccounts: ctx.app.users,
      }),
  },
];
