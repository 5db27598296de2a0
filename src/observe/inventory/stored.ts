// The inventory of every node saved in one store (several gateways, or a cluster's workers, sharing
// a PostgreSQL store): the other nodes' snapshots, read back and checked like a node's own at start.
// The nodes of the asking gateway are left out: its live tables are newer than what it last saved.
// Merging is the view's job (view.ts adds up counts and status mixes, takes the earliest first and
// latest last seen, and unions media types and query parameter names).
import type { InventoryStore } from '../../store/inventory.ts';
import { reviveInventory } from './revive.ts';
import type { InventoryRaw } from './usage.ts';

export interface StoredInventory {
  /** The nodes read, with when each last saved (epoch ms). */
  readonly nodes: { node: string; savedAt: number }[];
  readonly raws: InventoryRaw[];
}

/** Whether `node` is the gateway named `base`: itself, or one of its cluster workers ("base/w2"). */
export function ownNode(base: string): (node: string) => boolean {
  return (node) => node === base || (node.startsWith(`${base}/w`) && /^\d+$/.test(node.slice(base.length + 2)));
}

export async function storedInventory(store: InventoryStore, own: (node: string) => boolean): Promise<StoredInventory> {
  const nodes: StoredInventory['nodes'] = [];
  const raws: InventoryRaw[] = [];
  for (const snapshot of await store.list()) {
    if (own(snapshot.node)) continue;
    let raw: InventoryRaw | undefined;
    try {
      raw = reviveInventory(JSON.parse(snapshot.data));
    } catch {
      raw = undefined; // unreadable: left out, as at start
    }
    if (raw === undefined) continue;
    nodes.push({ node: snapshot.node, savedAt: snapshot.savedAt });
    raws.push(raw);
  }
  return { nodes, raws };
}
