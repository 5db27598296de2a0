// In-process counters: exact for one process, synchronous (no promise on the hot path). One bounded
// table per limit (table.ts), holding at most the `maxKeys` of the policy that decides with it, so no
// limit's keys can crowd out another's: a full rate-limit table evicts its least recently used key, a
// full table of other counters refuses new keys. The tables together hold at most `maxTotalKeys`
// (or the deciding policy's maxKeys when higher): beyond it a new key evicts from the largest rate-limit
// table, the one a key-minting flood fills, so no table is locked out by another's flood; only when no
// rate-limit table holds a key is the new key refused. Expired states are swept every 10 s, by slices
// of SLICE states with a turn of the event loop between them (2,000,000 states in one go took 100-460 ms).
import { evaluate } from './algorithms.ts';
import { CounterTable, type Stored, type TableStats } from './table.ts';
import type { Counters, Decision, LimitState, Rule, Take } from './types.ts';

export interface MemoryCountersOptions {
  /** Default bound of each table, for decisions that name none. */
  readonly maxKeys?: number;
  readonly now?: () => number;
  /** States kept at most over every table (default 4 × the default maxKeys, ~760 MB at ~190 B a state). */
  readonly maxTotalKeys?: number;
  /** Background sweep of expired states; 0 turns it off (tests). */
  readonly sweepEveryMs?: number;
}

const FULL_RETRY_MS = 1000;
/** States walked at most per turn of the background sweep (~1-3 ms). */
const SLICE = 10_000;

export class MemoryCounters implements Counters {
  readonly kind = 'memory';
  /** By rule id: kept across config reloads (the same limit keeps its id), dropped when empty. */
  readonly #tables = new Map<string, CounterTable>();
  readonly #max: number;
  readonly #maxTotal: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  /** The next slice of a background sweep in progress. */
  #slice: NodeJS.Immediate | undefined;
  /** The tables of the sweep in progress, and the one it stands at. */
  #pass: [string, CounterTable][] | undefined;
  #passAt = 0;
  readonly #stats: TableStats = { overflows: 0, evictions: 0, keys: 0 };
  // Scratch space of one decision (consume is synchronous, so one set per store is enough).
  readonly #scratch: Stored[] = [];
  readonly #found: (Stored | undefined)[] = [];
  readonly #in: CounterTable[] = [];

  constructor(options: MemoryCountersOptions = {}) {
    this.#max = options.maxKeys ?? 1_000_000;
    this.#maxTotal = options.maxTotalKeys ?? 4_000_000;
    this.#now = options.now ?? Date.now;
    const every = options.sweepEveryMs ?? 10_000;
    if (every > 0) {
      this.#timer = setInterval(() => {
        if (this.#slice === undefined) this.#sweepSlice();
      }, every);
      this.#timer.unref();
    }
  }

  /** States kept, over every table. */
  get size(): number {
    return this.#stats.keys;
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
    if (allowed && added > 0 && !this.#makeRoom(n, added, now, maxKeys)) {
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

  /**
   * One slice of the sweep: up to `budget` states, from where the last slice stopped, table after
   * table; a table left empty at the end of its pass is dropped. True when the pass is over.
   */
  sweepStep(now = this.#now(), budget = SLICE): boolean {
    const pass = (this.#pass ??= [...this.#tables]);
    while (this.#passAt < pass.length) {
      const [id, table] = pass[this.#passAt]!;
      const walked = table.sweep(now, budget);
      if (walked >= budget) return false;
      budget -= walked;
      this.#passAt++;
      if (table.size === 0 && this.#tables.get(id) === table) this.#tables.delete(id);
    }
    this.#pass = undefined;
    this.#passAt = 0;
    return true;
  }

  /** A whole pass at once, from each table's first state (tests; the background sweep goes by slices). */
  sweep(now = this.#now()): void {
    this.#pass = undefined;
    this.#passAt = 0;
    for (const table of this.#tables.values()) table.rewind();
    this.sweepStep(now, Number.POSITIVE_INFINITY);
  }

  #sweepSlice = (): void => {
    this.#slice = this.sweepStep() ? undefined : setImmediate(this.#sweepSlice).unref();
  };

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

  /**
   * Room in each table for the new keys of a decision (a table may take two, e.g. two replay keys),
   * then under the ceiling of every table together.
   */
  #makeRoom(n: number, added: number, now: number, maxKeys: number): boolean {
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
    const cap = maxKeys > this.#maxTotal ? maxKeys : this.#maxTotal;
    while (this.#stats.keys + added > cap) {
      const victim = this.#largestEvicting();
      if (victim === undefined) return false;
      victim.evictOne(now);
    }
    return true;
  }

  /** The rate-limit table holding most states (O(tables), only when every table together is full). */
  #largestEvicting(): CounterTable | undefined {
    let largest: CounterTable | undefined;
    for (const t of this.#tables.values()) if (t.evict && t.size > 0 && (largest === undefined || t.size > largest.size)) largest = t;
    return largest;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#slice) clearImmediate(this.#slice);
    this.#slice = undefined;
    this.#pass = undefined;
    this.#tables.clear();
    this.#stats.keys = 0;
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
