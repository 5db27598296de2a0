// The admin API's routes, handed to the admin listener (src/server/admin.ts) as its `extra` map:
//   /metrics                 Prometheus text (this process, or every worker aggregated)
//   /api/events, /api/events/{id}   the audit trail (also administrators' changes: policy "admin")
//   /api/stats               rolling traffic figures and top-k
//   /api/inventory, /api/inventory/openapi   discovery
//   /api/alerts              anomaly findings (audit events of policy "anomaly")
//   /api/blocks, /api/blocks/{key}   the anomaly blocks in force: list, add, lift
// All behind the admin credentials when some are configured (admin.token, admin.oidc). Shapes: docs/admin-api.yaml.
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../core/errors.ts';
import type { RecordAdminChange } from '../../observe/admin-record.ts';
import type { BlockAdmin } from '../../observe/anomaly/block-sync.ts';
import type { StoredInventory } from '../../observe/inventory/stored.ts';
import type { InventoryRaw } from '../../observe/inventory/usage.ts';
import { inventoryView } from '../../observe/inventory/view.ts';
import { openapiDraft } from '../../observe/inventory/openapi-draft.ts';
import type { StatsRaw } from '../../observe/stats/rolling.ts';
import { statsView } from '../../observe/stats/view.ts';
import type { AuditStore } from '../../store/audit.ts';
import type { AdminRoute } from '../admin.ts';
import type { AdminChangeLog } from '../admin-changes.ts';
import type { AdminCredentials } from '../admin-credentials.ts';
import type { RouteInfo } from '../runtime.ts';
import { protect } from './auth.ts';
import { listAlerts } from './alerts.ts';
import { blocksRoute, liftRoute } from './blocks.ts';
import { getEvent, listEvents } from './events.ts';
import { Query, sendJson, sendProblem } from './respond.ts';

/** Where the figures come from: this process, or (cluster primary) every worker. */
export interface AdminSources {
  readonly metrics: boolean;
  readonly api: boolean;
  readonly events: AuditStore | undefined;
  routes(): readonly RouteInfo[];
  stats(): Promise<StatsRaw[]>;
  /** Undefined when the inventory is off (inventory.enabled: false). */
  inventory: (() => Promise<InventoryRaw[]>) | undefined;
  /** The other nodes' inventory snapshots in the inventory store, when the inventory is persisted. */
  readonly storedInventory?: (() => Promise<StoredInventory>) | undefined;
  /** The anomaly blocks, when a detector is in enforce mode. */
  readonly blocks?: BlockAdmin | undefined;
  /** Writes administrators' changes to consumers and keys to the audit trail, when it is on. */
  readonly recordChange?: RecordAdminChange | undefined;
  prometheus(): Promise<{ contentType: string; text: string }>;
}

export function adminRoutes(s: AdminSources, credentials: AdminCredentials, changes: AdminChangeLog): Map<string, AdminRoute> {
  const routes = new Map<string, AdminRoute>();
  if (s.metrics) {
    routes.set('/metrics', async (_req, res) => {
      const { contentType, text } = await s.prometheus();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
      res.end(res.req.method === 'HEAD' ? undefined : text);
    });
  }
  if (s.api) {
    routes.set('/api/events', listEvents(s.events));
    routes.set('/api/events/*', getEvent(s.events));
    routes.set('/api/alerts', listAlerts(s.events));
    routes.set('/api/stats', async (req, res) => {
      let minutes: number;
      let top: number;
      try {
        const q = new Query(req.url, ['minutes', 'top']);
        minutes = q.int('minutes', 1, 15, 15)!;
        top = q.int('top', 1, 50, 10)!;
      } catch (error) {
        return sendProblem(res, error as GatewayError);
      }
      sendJson(res, 200, statsView(await s.stats(), minutes, top));
    });
    // ?scope=all: this gateway's inventory merged with every other node's saved in the same store.
    const inventory = async (url: string | undefined, res: ServerResponse, bodies: boolean) => {
      let all: boolean;
      const ownInventory = s.inventory;
      try {
        if (ownInventory === undefined) throw new GatewayError('PCL_ERR_ROUTE_NOT_FOUND', 'The inventory is off (inventory.enabled: false): nothing is recorded.');
        all = new Query(url, ['scope']).oneOf('scope', ['gateway', 'all']) === 'all';
        if (all && !s.storedInventory) throw new GatewayError('PCL_ERR_ROUTE_NOT_FOUND', 'The inventory is not saved to a store (inventory.persist, inventory.store): there is no other node to merge.');
      } catch (error) {
        sendProblem(res, error as GatewayError);
        return undefined;
      }
      const own = await ownInventory!();
      if (!all) return { view: inventoryView(s.routes(), own, bodies) };
      const stored = await s.storedInventory!();
      return { view: inventoryView(s.routes(), [...own, ...stored.raws], bodies), nodes: stored.nodes };
    };
    routes.set('/api/inventory', async (req, res) => {
      const got = await inventory(req.url, res, false);
      if (got) sendJson(res, 200, got.nodes ? { ...got.view, nodes: got.nodes } : got.view);
    });
    routes.set('/api/inventory/openapi', async (req, res) => {
      const got = await inventory(req.url, res, true);
      if (got) sendJson(res, 200, openapiDraft(got.view));
    });
  }
  for (const [path, route] of routes) routes.set(path, protect(credentials, route));
  if (s.api) {
    routes.set('/api/blocks', protect(credentials, blocksRoute(s.blocks, changes), ['GET', 'HEAD', 'POST']));
    routes.set('/api/blocks/*', protect(credentials, liftRoute(s.blocks, changes), ['DELETE']));
  }
  return routes;
}
