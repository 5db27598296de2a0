// Blocks shared by the workers of `serve --workers N`: a worker that blocks a caller tells the
// primary, which keeps its own table (bounded like every other) and passes the block on to the other
// workers; a worker that starts (or replaces a dead one) gets the blocks still running once it is
// ready. Each worker checks its local copy: the hot path never waits for IPC.
//
// The primary also answers the admin API (/api/blocks): it lists the workers' blocks, and relays a
// lift or a manual block to every worker, waiting for their answers so that the change is in force
// everywhere when the API answers. One worker, the lead, also shares it with the other gateways
// (Redis) and records it in the audit trail: once per gateway, not once per worker.
import cluster, { type Worker } from 'node:cluster';
import { isClusterWorker } from '../../store/counters/shared.ts';
import type { AdminAction, BlockControl } from './block-control.ts';
import { askWorkers } from '../ask-workers.ts';
import { Blocks } from './blocks.ts';

const BLOCK = 'pcl:anomaly-block';
const HEARD_LIFT = 'pcl:anomaly-heard-lift';
const ADMIN = 'pcl:anomaly-admin';
const REPLY = 'pcl:anomaly-admin-reply';

interface BlockMessage {
  readonly type: typeof BLOCK;
  readonly key: string;
  readonly until: number;
}

type AdminOp =
  | { readonly op: 'list' }
  | { readonly op: 'lift'; readonly key: string; readonly known: number; readonly action: AdminAction }
  | { readonly op: 'add'; readonly key: string; readonly until: number; readonly action: AdminAction };

type AdminMessage = AdminOp & { readonly type: typeof ADMIN; readonly id: number; readonly lead: boolean };

interface ReplyMessage {
  readonly type: typeof REPLY;
  readonly id: number;
  /** list: the worker's blocks; lift: the end of the block lifted (0: none). */
  readonly entries?: [string, number][];
  readonly until?: number;
}

function isBlockMessage(m: unknown): m is BlockMessage {
  const b = m as BlockMessage | null;
  return typeof b === 'object' && b !== null && b.type === BLOCK && typeof b.key === 'string' && typeof b.until === 'number';
}

const joined = new WeakSet<Blocks>();

/** In a cluster worker: send this worker's blocks to the primary, apply the others', answer the admin API's relays. */
export function joinClusterBlocks(blocks: Blocks, control: BlockControl): void {
  if (!isClusterWorker() || joined.has(blocks)) return;
  joined.add(blocks);
  blocks.onAdd = (key, until) => process.send?.({ type: BLOCK, key, until } satisfies BlockMessage);
  // A lift heard from another gateway: the primary must not hand the block to a worker starting later.
  blocks.onHeardLift = (key, until) => process.send?.({ type: HEARD_LIFT, key, until });
  process.on('message', (m: unknown) => {
    if (isBlockMessage(m)) return blocks.add(m.key, m.until, false);
    const a = m as AdminMessage | null;
    if (a?.type !== ADMIN) return;
    const now = Date.now();
    const reply: ReplyMessage =
      a.op === 'list'
        ? { type: REPLY, id: a.id, entries: control.list(now) }
        : a.op === 'lift'
          ? { type: REPLY, id: a.id, until: control.lift(a.key, now, a.lead, a.action, a.known) }
          : (control.add(a.key, a.until, a.lead, a.action), { type: REPLY, id: a.id });
    process.send?.(reply);
  });
}

let table: Blocks | undefined;

/** In the primary: relays one worker's blocks to the others, and catches it up once it is ready. */
export function serveBlocks(worker: Worker): void {
  const blocks = (table ??= new Blocks());
  worker.on('message', (m: unknown) => {
    if ((m as { type?: unknown } | null)?.type === 'ready') {
      for (const [key, until] of blocks.entries(Date.now())) worker.send({ type: BLOCK, key, until } satisfies BlockMessage);
      return;
    }
    if ((m as { type?: unknown } | null)?.type === HEARD_LIFT) {
      const { key, until } = m as { key?: unknown; until?: unknown };
      if (typeof key === 'string' && typeof until === 'number') blocks.lift(key, Date.now(), until, false);
      return;
    }
    if (!isBlockMessage(m)) return;
    blocks.add(m.key, m.until, false);
    for (const other of Object.values(cluster.workers ?? {})) if (other && other !== worker && other.isConnected()) other.send(m);
  });
}

/** What the admin API does with the blocks: of this process, or (cluster primary) of every worker. */
export interface BlockAdmin {
  list(): Promise<[string, number][]>;
  /** Whether there was such a block. */
  lift(key: string, action: AdminAction): Promise<boolean>;
  add(key: string, until: number, action: AdminAction): Promise<void>;
}

/** A standalone gateway's: its own table, shared with the other gateways. */
export function localBlockAdmin(control: BlockControl): BlockAdmin {
  return {
    list: async () => control.list(Date.now()),
    lift: async (key, action) => control.lift(key, Date.now(), true, action) > 0,
    add: async (key, until, action) => control.add(key, until, true, action),
  };
}

/** The primary's: asks every worker (missing answers skipped after 2 s). */
export function clusterBlockAdmin(): BlockAdmin {
  const ask = askWorkers<ReplyMessage>(REPLY);
  const send = (op: AdminOp) => ask((w, id, i) => w.send({ ...op, type: ADMIN, id, lead: i === 0 } satisfies AdminMessage));
  const own = () => (table ??= new Blocks());
  return {
    async list() {
      // The workers' tables, not the primary's: a lift heard from Redis reaches the workers only.
      const merged = new Map<string, number>();
      for (const r of await send({ op: 'list' })) for (const [key, until] of r.entries ?? []) merged.set(key, Math.max(until, merged.get(key) ?? 0));
      return [...merged];
    },
    async lift(key, action) {
      // Out of the primary's table first: a worker starting now must not get it back.
      const known = own().lift(key, Date.now(), Number.POSITIVE_INFINITY, false);
      const replies = await send({ op: 'lift', key, known, action });
      return known > 0 || replies.some((r) => (r.until ?? 0) > 0);
    },
    async add(key, until, action) {
      own().forgetLift(key);
      own().add(key, until, false);
      await send({ op: 'add', key, until, action });
    },
  };
}
