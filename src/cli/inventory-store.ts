// `portcullis inventory --store LOCATION`: the combined inventory of every node that saves to one store
// (gateways sharing a PostgreSQL store, a cluster's workers), read from the store itself, with no
// gateway running. The operations are named by the routes of the config (`-c`), as a gateway does;
// snapshots are checked like a gateway's own at start (unreadable ones are skipped, with a warning).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config/load.ts';
import { storedInventory } from '../observe/inventory/stored.ts';
import type { InventoryRaw } from '../observe/inventory/usage.ts';
import { compileRuntime, type RouteInfo } from '../server/runtime.ts';
import { describeStore, isPostgresUrl, openStore } from '../store/open.ts';

/** What inventoryView merges: the config's routes, and every node's snapshot. */
export interface StoreInventory {
  readonly routes: readonly RouteInfo[];
  readonly raws: InventoryRaw[];
  readonly nodes: { node: string; savedAt: number }[];
}

export async function inventoryFromStore(location: string, configFile: string): Promise<StoreInventory> {
  const loaded = await loadConfig(resolve(configFile));
  const runtime = await compileRuntime(loaded, pino({ level: 'silent' }));
  const routes = runtime.routes;
  await runtime.close();
  const sqlite = isPostgresUrl(location) ? undefined : resolve(location.replace(/^sqlite:/, ''));
  // Reading must not leave an empty database file behind a typo.
  if (sqlite !== undefined && !existsSync(sqlite)) throw new Error(`no store at ${sqlite}`);
  const store = openStore(sqlite ?? location);
  try {
    await store.migrate();
    const stored = await storedInventory(store.inventory, () => false);
    if (stored.nodes.length === 0) throw new Error(`no inventory saved in ${describeStore(location)}`);
    return { routes, raws: stored.raws, nodes: stored.nodes };
  } finally {
    await store.close();
  }
}
