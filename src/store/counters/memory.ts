// In-process counters: exact for one process, synchronous (no promise on the hot path). One bounded
// table per limit (table.ts), holding at most the `maxKeys` of the policy that decides with it, so no
// limit's keys can crowd out another's: a full rate-limit table evicts its least recently used key, a
// full table of other counters refuses new keys. Expired states are swept every 10 s.
import { evaluate } from './algorithms.ts';
import { CounterTable, type Stored, type TableStats } from './table.ts';
import type { Counters, Decision, LimitState, Rule, Take } from './types.ts';

export interface MemoryCountersOptions {
  /** Default bound of each table, for decisions that name none. */
  readonly maxKeys?: number;
  readonly now?: () => number;
  /** Background sweep of expired states; 0 turns it off (tests). */
  readonly sweepEveryMs?: number;
}

const FULL_RETRY_MS = 1000;

export class MemoryCounters implements Counters {
  readonly kind = 'memory';
  /** By rule id: kept across config reloads (the same limit keeps its id), dropped when empty. */
  readonly #tables = new Map<string, CounterTable>();
  readonly #max: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #stats: TableStats = { overflows: 0, evictions: 0 };
  // Scratch space of one decision (consume is synchronous, so one set per store is enough).
  readonly #scratch: Stored[] = [];
  readonly #found: (Stored | undefined)[] = [];
  readonly #in: CounterTable[] = [];

  constructor(options: MemoryCountersOptions = {}) {
    this.#max = options.maxKeys ?? 1_000_000;
    this.#now = options.now ?? Date.now;
    const every = options.sweepEveryMs ?? 10_000;
    if (every > 0) {
      this.#timer = setInterval(() => this.sweep(), every);
      this.#timer.unref();
    }
  }

  /** States kept, over every table. */
  get size(): number {
    let n = 0;
    for (const t of this.#tables.values()) n += t.size;
    return n;
  }

  /** New keys refused because a table that does not evict was full. */
  get overflows(): number {
    return this.#stats.overflows;
  }

  /** Live states evicted from full rate-limit tables. */
  get evictions(): number {
    return this.#stats.evictions;
  }

  consume(takes: readonly Take[], maxKeys = this.#max): Decision {
    const now = this.#now();
    const n = takes.length;
    const states: LimitState[] = new Array(n);
    const next = this.#scratch;
    while (next.length < n) next.push({ a: 0, b: 0, c: 0, expiresAt: 0, used: false });
    const found = this.#found;
    const tables = this.#in;
    let allowed = true;
    let added = 0;
    for (let i = 0; i < n; i++) {
      const take = takes[i]!;
      const table = (tables[i] = this.#table(take.rule, maxKeys));
      const entry = (found[i] = table.get(take.key));
      const state: LimitState = { allowed: true, remaining: 0, resetMs: 0, retryAfterMs: 0 };
      states[i] = state;
      evaluate(take.rule, entry, take.cost, now, state, next[i]!);
      if (!state.allowed) allowed = false;
      if (entry === undefined) added++;
    }
    if (allowed && added > 0 && !this.#makeRoom(n, now)) {
      this.#stats.overflows++;
      for (const s of states) refuse(s);
      return { allowed: false, states };
    }
    if (allowed) {
      // Existing states are updated in place; only a new key allocates.
      for (let i = 0; i < n; i++) {
        const entry = found[i];
        const s = next[i]!;
        if (entry === undefined) tables[i]!.set(takes[i]!.key, { a: s.a, b: s.b, c: s.c, expiresAt: s.expiresAt, used: false });
        else {
          entry.a = s.a;
          entry.b = s.b;
          entry.c = s.c;
          entry.expiresAt = s.expiresAt;
        }
      }
    }
    return { allowed, states };
  }

  release(takes: readonly Take[]): void {
    for (const take of takes) {
      if (take.rule.algorithm !== 'concurrency') continue;
      const table = this.#tables.get(take.rule.id);
      const entry = table?.get(take.key);
      if (entry === undefined) continue;
      entry.b -= take.cost;
      if (entry.b <= 0) table!.delete(take.key);
    }
  }

  /** Drops every state that has expired (and tables left empty). */
  sweep(now = this.#now()): void {
    for (const [id, table] of this.#tables) {
      table.sweep(now);
      if (table.size === 0) this.#tables.delete(id);
    }
  }

  #table(rule: Rule, maxKeys: number): CounterTable {
    const evict = rule.evict === true && rule.algorithm !== 'concurrency';
    let table = this.#tables.get(rule.id);
    if (table === undefined) this.#tables.set(rule.id, (table = new CounterTable(maxKeys, evict, this.#stats)));
    else {
      table.max = maxKeys;
      table.evict = evict;
    }
    return table;
  }

  /** Room in each table for the new keys of a decision (a table may take two, e.g. two replay keys). */
  #makeRoom(n: number, now: number): boolean {
    const tables = this.#in;
    const found = this.#found;
    for (let i = 0; i < n; i++) {
      if (found[i] !== undefined) continue;
      let needed = 1;
      for (let j = i + 1; j < n; j++) if (tables[j] === tables[i] && found[j] === undefined) needed++;
      let first = true;
      for (let j = 0; j < i; j++) if (tables[j] === tables[i] && found[j] === undefined) first = false;
      if (first && !tables[i]!.makeRoom(needed, now)) return false;
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#tables.clear();
  }
}

/** The counter's name across tables: the rule's namespace and the partition key. */
export function counterKey(take: Take): string {
  return `${take.rule.id}\u001f${take.key}`;
}

function refuse(state: LimitState): void {
  state.allowed = false;
  if (state.retryAfterMs < FULL_RETRY_MS) state.retryAfterMs = FULL_RETRY_MS;
}
