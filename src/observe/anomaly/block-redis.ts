// Blocks shared by several gateways through Redis (alerts.anomalies.shareBlocks): a block set by this
// gateway is added to a sorted set (member: what is blocked, score: when the block ends) and published;
// every gateway applies what it hears at once, and one that starts, or gets Redis back after an
// outage, reads the sorted set to catch up. The hot path never waits for Redis: each gateway checks
// its own copy (blocks.ts). While Redis is away, new blocks stay local to the gateway that set them
// (logged once per outage). Bounded like the local table: at most MAX_BLOCKS entries, the ones ending
// soonest dropped first, ended ones pruned on every write.
import type { Logger } from 'pino';
import { MAX_BLOCKS, type Blocks } from './blocks.ts';

export interface BlockSharing {
  close(): void;
}

export async function shareBlocksThroughRedis(blocks: Blocks, url: string, prefix: string, logger: Logger): Promise<BlockSharing> {
  const { Redis } = await import('ioredis');
  const options = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: (times: number) => Math.min(50 * times, 1000) };
  const client = new Redis(url, options);
  // The subscriber queues its SUBSCRIBE until connected; ioredis subscribes again after a reconnect.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
  const key = `${prefix}:anomaly-blocks`;
  let down = false;
  const failed = (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error.message }, 'anomaly blocks: Redis unreachable; new blocks stay local to this gateway until it is back');
  };
  client.on('error', failed);
  subscriber.on('error', failed);
  const catchUp = async () => {
    const rows = await client.zrangebyscore(key, Date.now(), '+inf', 'WITHSCORES');
    for (let i = 0; i + 1 < rows.length; i += 2) blocks.add(rows[i]!, Number(rows[i + 1]), false);
  };
  client.on('ready', () => {
    if (down) logger.info('anomaly blocks: Redis is back');
    down = false;
    catchUp().catch(failed);
  });
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      const { block, until } = JSON.parse(text) as { block?: unknown; until?: unknown };
      if (typeof block === 'string' && typeof until === 'number') blocks.add(block, until, false);
    } catch {
      // not ours: ignored
    }
  });
  subscriber.subscribe(key).catch(failed);
  const previous = blocks.onAdd;
  blocks.onAdd = (block, until) => {
    previous?.(block, until);
    client
      .multi()
      .zadd(key, until, block)
      .zremrangebyscore(key, '-inf', Date.now())
      .zremrangebyrank(key, 0, -MAX_BLOCKS - 1)
      .publish(key, JSON.stringify({ block, until }))
      .exec()
      .catch(failed);
  };
  return {
    close() {
      blocks.onAdd = previous;
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
