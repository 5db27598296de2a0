// What the admin listener serves beyond health: the admin token check for /api/..., the consumer and
// key routes, and the dashboard's static assets (routes of other features are added to this list).
import type { GatewayConfig } from '../config/types.ts';
import { sharedStore } from '../store/open.ts';
import { requireAdminToken } from './admin-auth.ts';
import { keyRoutes, type AdminHandler } from './admin-keys.ts';
import { webRoutes } from './admin-web.ts';

export function dashboardHandlers(config: GatewayConfig, baseDir: string): AdminHandler[] {
  const location = config.admin.store;
  const store = location === undefined ? undefined : () => sharedStore(location, baseDir);
  return [requireAdminToken(config.admin.token), keyRoutes(store), webRoutes()];
}
