// Writes audit events off the hot path: the request's last step only pushes into a bounded buffer;
// a timer (or a full batch) makes the waiting events' text storable (text.ts), hashes them onto the
// chain and writes them in one store transaction. The chain only advances once the store has the
// batch, so a write failed because the store is unavailable is retried with the same events. Any
// other failure may lie in one event: the batch is then written event by event, and an event the
// store refuses on its own is replaced on the chain by a placeholder event saying so (counted and
// logged), so neither does one bad event stall the trail nor does the chain skip it silently. Under
// overload, allowed-request events (at most half the buffer) are dropped and counted; decisions and
// refusals get the whole buffer and, beyond it, are counted and logged as errors — never dropped
// silently. A crash loses what is still buffered (≤ bufferSize events, normally one flushInterval's
// worth); a restart reads the chain's last event and continues from it.
import type { Logger } from 'pino';
import type { AuditCheckpoint, AuditRecord, AuditStore } from '../../store/audit.ts';
import { isStoreUnavailable, storeErrorCode } from '../../store/errors.ts';
import { unstorableEvent } from './event.ts';
import { eventHash, GENESIS, type Unhashed } from './hash.ts';
import type { CheckpointSigner } from './signer.ts';
import { makeStorable } from './text.ts';
import { WITNESS_MESSAGE } from './witness.ts';

export interface AuditWriterOptions {
  readonly store: AuditStore;
  readonly chain: string;
  readonly logger: Logger;
  readonly signer?: CheckpointSigner | undefined;
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly flushMs: number;
  readonly checkpointEvery: number;
  readonly checkpointMs: number;
  /** 0: keep forever. */
  readonly retentionMs: number;
}

type Chained = Unhashed & { -readonly [K in 'seq' | 'prevHash' | 'hash']: AuditRecord[K] };

const RETENTION_EVERY_MS = 3_600_000;
const LOG_EVERY_MS = 10_000;

export class AuditWriter {
  readonly chain: string;
  /** Counters read by the metrics. */
  written = 0;
  droppedAllowed = 0;
  droppedDecisions = 0;
  storeErrors = 0;
  /** Events the store refused on their own, each replaced on the chain by a placeholder event. */
  unstorable = 0;
  readonly #o: AuditWriterOptions;
  #buffer: Unhashed[] = [];
  #seq: number;
  #last: string;
  #checkpointSeq: number;
  #checkpointAt = Date.now();
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  #closed = false;
  #loggedAt = 0;
  #unstorableLoggedAt = 0;
  #pruning: Promise<number> | undefined;
  #release: () => Promise<void> = async () => {};
  readonly #timer: NodeJS.Timeout;
  readonly #retention: NodeJS.Timeout | undefined;

  private constructor(o: AuditWriterOptions, head: { seq: number; hash: string } | undefined, checkpointSeq: number) {
    this.#o = o;
    this.chain = o.chain;
    this.#seq = head?.seq ?? 0;
    this.#last = head?.hash ?? GENESIS;
    this.#checkpointSeq = checkpointSeq;
    this.#timer = setInterval(() => void this.flush(), o.flushMs).unref();
    if (o.retentionMs > 0) {
      this.#retention = setInterval(() => void this.prune(), RETENTION_EVERY_MS).unref();
      void this.prune(); // at start, then hourly
    }
  }

  /** Opens the writer on the chain's current head (a restart continues the chain). */
  static async open(o: AuditWriterOptions): Promise<AuditWriter> {
    const claim = await o.store.claim(o.chain);
    if (!claim) throw new Error(`the audit chain "${o.chain}" is being written by another gateway: give each gateway its own audit.chain`);
    try {
      const head = await o.store.head(o.chain);
      const checkpoints = await o.store.checkpoints(o.chain);
      const writer = new AuditWriter(o, head, checkpoints.at(-1)?.seq ?? 0);
      writer.#release = claim.release;
      return writer;
    } catch (error) {
      await claim.release();
      throw error;
    }
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  /** Queues an event; false when it was dropped. `important`: a decision or a refusal. */
  push(event: Unhashed, important: boolean): boolean {
    const n = this.#buffer.length;
    if (this.#closed || n >= (important ? this.#o.bufferSize : this.#o.bufferSize >> 1)) {
      if (important) {
        this.droppedDecisions++;
        this.#complain('audit buffer full: DECISION EVENTS DROPPED (the store is too slow or unreachable)');
      } else this.droppedAllowed++;
      return false;
    }
    this.#buffer.push(event);
    if (n + 1 >= this.#o.batchSize && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        void this.flush();
      });
    }
    return true;
  }

  /** Writes what is buffered now (one batch at a time); resolves when done or failed. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#o.batchSize);
      const error = await this.#append(batch as Chained[], batch.length);
      if (error === undefined) continue;
      this.storeErrors++;
      if (isStoreUnavailable(error) || !(await this.#isolate(batch.length))) {
        this.#complain('audit events could not be written; retrying', error);
        return;
      }
    }
  }

  /**
   * Hashes `records` onto the chain after its head and appends them in one transaction (with a
   * checkpoint when one is due); once stored, the first `consumed` buffered events are done and the
   * chain advances. Returns the store's error, the chain unchanged, when it failed.
   */
  async #append(records: Chained[], consumed: number): Promise<unknown> {
    let prev = this.#last;
    let seq = this.#seq;
    // The buffered events become the records themselves (no copy per event); a failed write
    // leaves them buffered and the next attempt sets these fields again from the same head.
    for (const record of records) {
      makeStorable(record);
      const hash = eventHash(record, prev);
      record.seq = ++seq;
      record.prevHash = prev;
      record.hash = hash;
      prev = hash;
    }
    const due = seq - this.#checkpointSeq >= this.#o.checkpointEvery || Date.now() - this.#checkpointAt >= this.#o.checkpointMs;
    const checkpoint = due ? this.#checkpoint(seq, prev) : undefined;
    try {
      await this.#o.store.append(records, checkpoint);
    } catch (error) {
      return error ?? new Error('the audit store failed without an error');
    }
    this.#buffer.splice(0, consumed);
    this.#seq = seq;
    this.#last = prev;
    this.written += records.length;
    if (checkpoint) this.#checkpointDone(checkpoint);
    return undefined;
  }

  /**
   * After a batch failed for a reason that may lie in one of its events: writes its `n` events one by
   * one. One the store refuses by itself is replaced by a placeholder event (fail closed: the chain
   * records that an event was here and could not be stored). False as soon as the store is unavailable
   * or refuses even the placeholder: the store, not an event, is at fault, and what is left stays
   * buffered for the next attempt.
   */
  async #isolate(n: number): Promise<boolean> {
    for (let i = 0; i < n && this.#buffer.length > 0; i++) {
      const event = this.#buffer[0] as Chained;
      const error = await this.#append([event], 1);
      if (error === undefined) continue;
      if (isStoreUnavailable(error)) return false;
      const code = storeErrorCode(error);
      const placeholder = unstorableEvent(event, event.hash, code) as Chained;
      if ((await this.#append([placeholder], 1)) !== undefined) return false;
      this.unstorable++;
      const now = Date.now();
      if (now - this.#unstorableLoggedAt >= LOG_EVERY_MS) {
        this.#unstorableLoggedAt = now;
        this.#o.logger.error(
          { chain: this.chain, seq: placeholder.seq, requestId: placeholder.requestId, code, unstorable: this.unstorable, err: error },
          'audit event could not be stored (the store refused it): a placeholder event stands in for it on the chain',
        );
      }
    }
    return true;
  }

  #checkpoint(seq: number, hash: string): AuditCheckpoint {
    const time = Date.now();
    const signer = this.#o.signer;
    return { chain: this.chain, seq, hash, time, signature: signer ? signer.sign(this.chain, seq, hash, time) : null, keyId: signer?.keyId ?? null };
  }

  /**
   * A stored checkpoint is also logged: the log leaves the machine (log shipping), so a copy of the
   * chain's latest state exists outside the database, which `audit-log verify --witness` compares
   * (a chain cut back to an earlier checkpoint, checkpoints included, verifies on its own).
   */
  #checkpointDone(checkpoint: AuditCheckpoint): void {
    this.#checkpointSeq = checkpoint.seq;
    this.#checkpointAt = Date.now();
    this.#o.logger.info({ checkpoint }, WITNESS_MESSAGE);
  }

  /** Deletes events older than the retention, up to the newest checkpoint taken before the cutoff (kept as the anchor). */
  prune(): Promise<number> {
    this.#pruning ??= this.#prune().finally(() => (this.#pruning = undefined));
    return this.#pruning;
  }

  async #prune(): Promise<number> {
    try {
      const cutoff = Date.now() - this.#o.retentionMs;
      // The anchor stays before the chain's head, so the verifier always has an event to link to it.
      const anchor = (await this.#o.store.checkpoints(this.chain)).findLast((c) => c.time < cutoff && c.seq < this.#seq);
      if (!anchor) return 0;
      const deleted = await this.#o.store.prune(this.chain, anchor.seq);
      if (deleted) this.#o.logger.info({ chain: this.chain, deleted, throughSeq: anchor.seq }, 'audit events past their retention deleted');
      return deleted;
    } catch (error) {
      this.storeErrors++;
      this.#complain('audit retention could not run', error);
      return 0;
    }
  }

  /** Flushes everything, takes a final checkpoint, stops the timers. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#retention) clearInterval(this.#retention);
    await this.#pruning;
    for (let attempt = 0; attempt < 3 && this.#buffer.length > 0; attempt++) await this.flush();
    if (this.#buffer.length > 0) this.#o.logger.error({ chain: this.chain, lost: this.#buffer.length }, 'audit events lost at shutdown: the store did not take them');
    if (this.#seq > this.#checkpointSeq) {
      try {
        const checkpoint = this.#checkpoint(this.#seq, this.#last);
        await this.#o.store.addCheckpoint(checkpoint);
        this.#checkpointDone(checkpoint);
      } catch (error) {
        this.#o.logger.error({ chain: this.chain, err: error }, 'final audit checkpoint could not be written');
      }
    }
    await this.#release();
  }

  #complain(message: string, error?: unknown): void {
    const now = Date.now();
    if (now - this.#loggedAt < LOG_EVERY_MS) return;
    this.#loggedAt = now;
    this.#o.logger.error(
      { chain: this.chain, buffered: this.#buffer.length, droppedDecisions: this.droppedDecisions, droppedAllowed: this.droppedAllowed, ...(error ? { err: error } : {}) },
      message,
    );
  }
}
