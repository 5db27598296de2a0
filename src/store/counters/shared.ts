// One Counters per store for the whole process, shared by every policy instance and kept across
// config reloads (a reload must not reset limits): in-process by default, the cluster primary's in a
// `serve --workers N` worker, Redis when a URL is configured. Remote ones are closed when the last
// policy using them is closed. In-process tables are one per limit; each policy decides through a
// view that bounds its limits' tables by its own store.maxKeys (so a reload's new bound applies).
import { IpcCounters } from './ipc-client.ts';
import { MemoryCounters } from './memory.ts';
import { LazyRedisCounters } from './lazy-redis.ts';
import type { Counters } from './types.ts';

export interface CountersSpec {
  readonly redis?: string | undefined;
  readonly cluster?: boolean | undefined;
  readonly timeoutMs: number;
  readonly prefix: string;
  readonly maxKeys: number;
}

export interface SharedCounters {
  readonly counters: Counters;
  /** Counters of this process alone: the store itself when in-process, the onStoreError: local fallback otherwise. */
  readonly local: Counters;
  release(): Promise<void>;
}

let local: MemoryCounters | undefined;
const remote = new Map<string, { counters: Counters; users: number }>();

export function isClusterWorker(): boolean {
  return process.env.PORTCULLIS_WORKER === '1' && typeof process.send === 'function';
}

/** Processes of this gateway that count on their own when the shared store is down (its workers). */
export function localShare(): number {
  const workers = Number(process.env.PORTCULLIS_WORKERS);
  return isClusterWorker() && Number.isInteger(workers) && workers > 1 ? workers : 1;
}

export function sharedCounters(spec: CountersSpec): SharedCounters {
  const mem = bounded((local ??= new MemoryCounters()), spec.maxKeys);
  const id = spec.redis !== undefined ? `redis\0${spec.redis}\0${spec.prefix}\0${spec.timeoutMs}\0${spec.cluster === true}` : isClusterWorker() ? `ipc\0${spec.timeoutMs}` : undefined;
  if (id === undefined) return { counters: mem, local: mem, release: async () => {} };
  let entry = remote.get(id);
  if (!entry) {
    const counters: Counters = spec.redis !== undefined ? new LazyRedisCounters({ url: spec.redis, timeoutMs: spec.timeoutMs, prefix: spec.prefix, cluster: spec.cluster }) : new IpcCounters(spec.timeoutMs);
    entry = { counters, users: 0 };
    remote.set(id, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    counters: bounded(held.counters, spec.maxKeys),
    local: mem,
    async release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      remote.delete(id);
      await held.counters.close();
    },
  };
}

/** `counters` deciding with one policy's table bound; closing it is the owner's business (release). */
function bounded(counters: Counters, maxKeys: number): Counters {
  return {
    kind: counters.kind,
    consume: (takes) => counters.consume(takes, maxKeys),
    release: (takes, lease) => counters.release(takes, lease),
    close: async () => {},
  };
}
