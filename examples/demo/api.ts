// The demo API of `portcullis demo`: a small shop (users, orders, notes, products) on node:http with a
// local token issuer, an in-memory node:sqlite database and deliberate, documented flaws (flaws.json).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Db } from './db.ts';
import { createIssuer, DEMO_AUDIENCE, generateSigningKeys } from './issuer.ts';
import { Router } from './router.ts';
import { allRoutes } from './routes/index.ts';
import { DEMO_USERS, hashSeedPasswords, seed } from './seed.ts';
import { createHandler } from './server.ts';
import type { App, DemoApi, DemoApiOptions, DemoUser } from './types.ts';

export type { DemoApi, DemoApiOptions, DemoUser } from './types.ts';

export async function startDemoApi(options: DemoApiOptions = {}): Promise<DemoApi> {
  const host = options.host ?? '127.0.0.1';
  const db = new Db();
  const hashes = hashSeedPasswords();
  seed(db, hashes);
  const users: DemoUser[] = DEMO_USERS.map((u) => ({ ...u }));
  const keys = await generateSigningKeys();
  const server = createServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  const app: App = { db, users, issuer: createIssuer(url, keys, DEMO_AUDIENCE), fetchTimeoutMs: options.fetchTimeoutMs ?? 3000 };
  server.on('request', createHandler(app, new Router(allRoutes)));
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    users,
    issuer: url,
    audience: DEMO_AUDIENCE,
    reset: () => {
      db.clear();
      seed(db, hashes);
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => {
          db.close();
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}

/** The host part of the base URL: wildcard addresses are reached over loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
