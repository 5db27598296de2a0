// Blocks shared by several gateways through Redis (alerts.anomalies.shareBlocks): a block set by this
// gateway is added to a sorted set (member: what is blocked, score: when the block ends) and published;
// every gateway applies what it hears at once, and one that starts, or gets Redis back after an
// outage, reads the sorted set to catch up. The hot path never waits for Redis: each gateway checks
// its own copy (blocks.ts). While Redis is away, new blocks stay local to the gateway that set them
// (logged once per outage). Bounded like the local table: at most MAX_BLOCKS entries, the ones ending
// soonest dropped first, ended ones pruned on every write.
//
// A block lifted by an administrator leaves the set (only if it ends no later than the one lifted: a
// longer block set meanwhile elsewhere stays), is published, and is kept in a second sorted set of
// lifts until it would have ended, so that a gateway catching up after an outage removes its copy
// instead of keeping it. A lift made here while Redis is away waits in `pending` and is written
// before the catch-up once Redis is back: the catch-up cannot bring the lifted block back.
import type { Logger } from 'pino';
import { MAX_BLOCKS, type Blocks } from './blocks.ts';

export interface BlockSharing {
  close(): void;
}

// Removes the block only if it ends no later than the lifted one; records the lift; publishes it.
const LIFT = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[4]) - 1)
redis.call('PUBLISH', KEYS[1], ARGV[5])
return 1`;

export async function shareBlocksThroughRedis(blocks: Blocks, url: string, prefix: string, logger: Logger): Promise<BlockSharing> {
  const { Redis } = await import('ioredis');
  const options = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: (times: number) => Math.min(50 * times, 1000) };
  const client = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
  const key = `${prefix}:anomaly-blocks`;
  const liftsKey = `${prefix}:anomaly-lifts`;
  /** Lifts made here that Redis has not taken yet (bounded: the oldest dropped first). */
  const pending = new Map<string, number>();
  let down = false;
  const failed = (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error.message }, 'anomaly blocks: Redis unreachable; new blocks stay local to this gateway until it is back');
  };
  client.on('error', failed);
  subscriber.on('error', failed);
  const heard = (block: string, until: number) => {
    if (blocks.lift(block, Date.now(), until, false) > 0) blocks.onHeardLift?.(block, until);
  };
  const writeLift = (block: string, until: number) =>
    client.eval(LIFT, 2, key, liftsKey, block, until, Date.now(), MAX_BLOCKS, JSON.stringify({ lift: block, until }));
  const catchUp = async () => {
    for (const [block, until] of [...pending]) {
      await writeLift(block, until);
      pending.delete(block);
    }
    const now = Date.now();
    const lifts = await client.zrangebyscore(liftsKey, now, '+inf', 'WITHSCORES');
    for (let i = 0; i + 1 < lifts.length; i += 2) heard(lifts[i]!, Number(lifts[i + 1]));
    const rows = await client.zrangebyscore(key, now, '+inf', 'WITHSCORES');
    for (let i = 0; i + 1 < rows.length; i += 2) blocks.add(rows[i]!, Number(rows[i + 1]), false);
  };
  client.on('ready', () => {
    if (down) logger.info('anomaly blocks: Redis is back');
    down = false;
    catchUp().catch(failed);
  });
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      const { block, lift, until } = JSON.parse(text) as { block?: unknown; lift?: unknown; until?: unknown };
      if (typeof until !== 'number') return;
      if (typeof block === 'string') blocks.add(block, until, false);
      else if (typeof lift === 'string') heard(lift, until);
    } catch {
      // not ours: ignored
    }
  });
  // On every (re)connection, not once: with maxRetriesPerRequest 0 a SUBSCRIBE queued while Redis is
  // unreachable fails, and ioredis only resubscribes to channels it had subscribed to, so a gateway
  // (or worker) that starts during an outage would otherwise never hear anything. A second SUBSCRIBE
  // to the same channel is harmless.
  subscriber.on('ready', () => void subscriber.subscribe(key).catch(failed));
  const previous = blocks.onAdd;
  blocks.onAdd = (block, until) => {
    previous?.(block, until);
    pending.delete(block);
    client
      .multi()
      .zadd(key, until, block)
      .zrem(liftsKey, block) // a new block of a lifted caller is not a copy of the lifted one
      .zremrangebyscore(key, '-inf', Date.now())
      .zremrangebyrank(key, 0, -MAX_BLOCKS - 1)
      .publish(key, JSON.stringify({ block, until }))
      .exec()
      .catch(failed);
  };
  const previousLift = blocks.onLift;
  blocks.onLift = (block, until) => {
    previousLift?.(block, until);
    writeLift(block, until).catch((error: Error) => {
      if (pending.size >= MAX_BLOCKS) pending.delete(pending.keys().next().value!);
      pending.set(block, Math.max(until, pending.get(block) ?? 0));
      failed(error);
    });
  };
  return {
    close() {
      blocks.onAdd = previous;
      blocks.onLift = previousLift;
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
