// Loads the Redis client only when a config names a Redis store, so every other gateway process
// (and every CLI command) starts without it.
import type { RedisCounters, RedisCountersOptions } from './redis.ts';
import type { Counters, Decision, Take } from './types.ts';

export class LazyRedisCounters implements Counters {
  readonly kind = 'redis';
  #inner: RedisCounters | undefined;
  readonly #loading: Promise<RedisCounters>;

  constructor(options: RedisCountersOptions) {
    this.#loading = import('./redis.ts').then((m) => (this.#inner = new m.RedisCounters(options)));
  }

  consume(takes: readonly Take[]): Promise<Decision> {
    return this.#inner !== undefined ? this.#inner.consume(takes) : this.#loading.then((c) => c.consume(takes));
  }

  release(takes: readonly Take[], lease: string | undefined): void {
    this.#inner?.release(takes, lease);
  }

  async close(): Promise<void> {
    await (await this.#loading).close();
  }
}
