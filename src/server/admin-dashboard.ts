// What the admin listener serves beyond health: the sign-in options, the credential check for /api/...,
// the session probe the dashboard signs in with, the consumer and key routes, and the dashboard's assets.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/types.ts';
import { sharedStore } from '../store/open.ts';
import { createAdminServer, json, type AdminStatus } from './admin.ts';
import { adminRoutes, type AdminSources } from './admin-api/index.ts';
import { loginOptions, principalOf, requireAdmin } from './admin-auth.ts';
import { adminChangeLog, type AdminChangeLog } from './admin-changes.ts';
import { adminCredentials, type AdminCredentials } from './admin-credentials.ts';
import { keyRoutes, type AdminHandler } from './admin-keys.ts';
import { webRoutes } from './admin-web.ts';

/** The admin listener: health, the admin API (metrics, events...) and the dashboard, behind one set of credentials. */
export function adminServer(config: GatewayConfig, baseDir: string, logger: Logger, status: AdminStatus, sources: AdminSources): Server {
  const credentials = adminCredentials(config.admin, logger);
  const adminLog = logger.child({ component: 'admin' });
  const changes = adminChangeLog(adminLog, sources.recordChange);
  // Without a credential, the Host guard stands in for one against DNS rebinding (admin-host.ts).
  return createAdminServer(adminLog, status, adminRoutes(sources, credentials, changes), dashboardHandlers(config, baseDir, credentials, changes), credentials.configured ? undefined : config.admin.host);
}

export function dashboardHandlers(config: GatewayConfig, baseDir: string, credentials: AdminCredentials, changes: AdminChangeLog): AdminHandler[] {
  const location = config.admin.store;
  const store = location === undefined ? undefined : () => sharedStore(location, baseDir);
  const oidc = config.admin.oidc;
  return [loginOptions(credentials, config.admin.token !== undefined, oidc?.scopes ?? [], oidc?.clientId), requireAdmin(credentials), session(store !== undefined), keyRoutes(store, changes), webRoutes()];
}

/** GET /api/session: 200 when the credential is right (checked before), with who signed in and what this gateway offers. */
function session(keys: boolean): AdminHandler {
  return (req, res, path) => {
    if (path !== '/api/session' || req.method !== 'GET') return false;
    const who = principalOf(req);
    json(res, 200, { authenticated: true, via: who?.via ?? 'token', ...(who?.name ? { user: who.name } : {}), features: { keys } });
    return true;
  };
}
