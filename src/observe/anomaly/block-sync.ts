// Blocks shared by the workers of `serve --workers N`: a worker that blocks a caller tells the
// primary, which keeps its own table (bounded like every other) and passes the block on to the other
// workers; a worker that starts (or replaces a dead one) gets the blocks still running once it is
// ready. Each worker checks its local copy: the hot path never waits for IPC.
import cluster, { type Worker } from 'node:cluster';
import { isClusterWorker } from '../../store/counters/shared.ts';
import { Blocks } from './blocks.ts';

const BLOCK = 'pcl:anomaly-block';

interface BlockMessage {
  readonly type: typeof BLOCK;
  readonly key: string;
  readonly until: number;
}

function isBlockMessage(m: unknown): m is BlockMessage {
  const b = m as BlockMessage | null;
  return typeof b === 'object' && b !== null && b.type === BLOCK && typeof b.key === 'string' && typeof b.until === 'number';
}

const joined = new WeakSet<Blocks>();

/** In a cluster worker: send this worker's blocks to the primary and apply the others'. */
export function joinClusterBlocks(blocks: Blocks): void {
  if (!isClusterWorker() || joined.has(blocks)) return;
  joined.add(blocks);
  blocks.onAdd = (key, until) => process.send?.({ type: BLOCK, key, until } satisfies BlockMessage);
  process.on('message', (m: unknown) => {
    if (isBlockMessage(m)) blocks.add(m.key, m.until, false);
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
    if (!isBlockMessage(m)) return;
    blocks.add(m.key, m.until, false);
    for (const other of Object.values(cluster.workers ?? {})) if (other && other !== worker && other.isConnected()) other.send(m);
  });
}
