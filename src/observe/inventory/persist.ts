// Keeps one node's inventory across restarts: loaded from the store at start (counts, media types and
// body shapes continue from it), saved every `intervalMs` and at shutdown. A failed save is logged and
// retried at the next interval; an unreadable snapshot is logged and skipped (the node starts empty).
import type { Logger } from 'pino';
import type { InventoryStore } from '../../store/inventory.ts';
import { reviveInventory } from './revive.ts';
import type { BodySampler } from './sampler.ts';
import type { UsageTable } from './usage.ts';

export interface PersistOptions {
  readonly store: InventoryStore;
  /** This writer's name: the audit chain's (host name by default; cluster workers add "/w<slot>"). */
  readonly node: string;
  readonly table: UsageTable;
  readonly sampler: BodySampler | undefined;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class InventoryPersistence {
  readonly #o: PersistOptions;
  #timer: NodeJS.Timeout | undefined = undefined;
  #saving: Promise<void> | undefined = undefined;
  #lastSaved = '';

  constructor(options: PersistOptions) {
    this.#o = options;
  }

  /** Loads the node's last snapshot into the table; call before traffic is recorded. */
  async load(): Promise<void> {
    const { store, node, table, logger } = this.#o;
    const snapshot = await store.load(node);
    if (snapshot === undefined) return;
    let raw;
    try {
      raw = reviveInventory(JSON.parse(snapshot.data));
    } catch {
      raw = undefined;
    }
    if (raw === undefined) {
      logger.warn({ node }, 'the saved inventory could not be read; starting from an empty one');
      return;
    }
    table.load(raw);
    this.#lastSaved = snapshot.data;
    logger.info({ node, operations: raw.operations.length, shadow: raw.shadow.length, since: new Date(raw.since).toISOString() }, 'inventory loaded');
  }

  start(): void {
    this.#timer = setInterval(() => void this.save(), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Saves now (skipped when nothing changed since the last save). Never throws. */
  save(): Promise<void> {
    return (this.#saving ??= this.#save().finally(() => (this.#saving = undefined)));
  }

  async #save(): Promise<void> {
    const { store, node, table, sampler, logger } = this.#o;
    try {
      sampler?.flush();
      const data = JSON.stringify(table.raw());
      if (data === this.#lastSaved) return;
      await store.save({ node, savedAt: Date.now(), data });
      this.#lastSaved = data;
    } catch (error) {
      logger.error({ err: error, node }, 'saving the inventory failed; retried at the next interval');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#saving;
    await this.save();
  }
}
