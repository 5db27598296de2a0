// What the admin listener serves beyond health: the admin token check for /api/..., the session
// probe the dashboard signs in with, the consumer and key routes, and the dashboard's static assets.
import type { GatewayConfig } from '../config/types.ts';
import { sharedStore } from '../store/open.ts';
import { json } from './admin.ts';
import { requireAdminToken } from './admin-auth.ts';
import { keyRoutes, type AdminHandler } from './admin-keys.ts';
import { webRoutes } from './admin-web.ts';

export function dashboardHandlers(config: GatewayConfig, baseDir: string): AdminHandler[] {
  const location = config.admin.store;
  const store = location === undefined ? undefined : () => sharedStore(location, baseDir);
  return [requireAdminToken(config.admin.token), session(store !== undefined), keyRoutes(store), webRoutes()];
}

/** GET /api/session: 200 when the token is right (checked before), with what this gateway offers. */
function session(keys: boolean): AdminHandler {
  return (req, res, path) => {
    if (path !== '/api/session' || req.method !== 'GET') return false;
    json(res, 200, { authenticated: true, features: { keys } });
    return true;
  };
}
