// Counters of a cluster worker: every decision is asked of the primary (ipc-server.ts). Decisions
// of one event-loop turn go in one message; a batch not answered within the timeout fails with
// CounterStoreError (the limits then follow onStoreError). The primary may still decide it after
// that and grant concurrency slots that no request holds: such a batch is kept for a while (at most
// LATE_KEEP_MS, LATE_MAX batches), and when its answer comes, the slots it granted are released.
import { afterDeadline } from './deadline.ts';
import { isReply, REQUEST, type CountersRequest, type Op } from './ipc-protocol.ts';
import { CounterStoreError, type Counters, type Decision, type Take } from './types.ts';

interface Waiter {
  resolve(decision: Decision): void;
  reject(error: Error): void;
}

interface Batch {
  readonly timer: NodeJS.Timeout;
  readonly ops: readonly Op[];
  readonly waiters: (Waiter | undefined)[];
}

/** A timed-out batch that took concurrency slots, waiting for its late answer until `until`. */
interface Late {
  readonly ops: readonly Op[];
  readonly until: number;
}

/** An answer later than that is a lost cause. */
const LATE_KEEP_MS = 5 * 60_000;
const LATE_MAX = 1024;

export class IpcCounters implements Counters {
  readonly kind = 'ipc';
  readonly #timeoutMs: number;
  readonly #proc: NodeJS.Process;
  readonly #send: (message: CountersRequest) => boolean;
  readonly #inFlight = new Map<number, Batch>();
  /** Timed-out batches by id, oldest first (so also ending first). */
  readonly #late = new Map<number, Late>();
  #ops: Op[] = [];
  #waiters: (Waiter | undefined)[] = [];
  #scheduled = false;
  #nextId = 1;
  readonly #onMessage = (message: unknown) => this.#answer(message);

  constructor(timeoutMs: number, proc: NodeJS.Process = process) {
    if (!proc.send) throw new Error('not a cluster worker: no IPC channel to the primary');
    this.#timeoutMs = timeoutMs;
    this.#proc = proc;
    this.#send = (message) => proc.send!(message);
    proc.on('message', this.#onMessage);
  }

  consume(takes: readonly Take[], maxKeys?: number): Promise<Decision> {
    return new Promise((resolve, reject) => {
      this.#ops.push(maxKeys === undefined ? { takes } : { takes, m: maxKeys });
      this.#waiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  release(takes: readonly Take[]): void {
    if (!takes.some((t) => t.rule.algorithm === 'concurrency')) return;
    this.#ops.push({ r: 1, takes: takes.filter((t) => t.rule.algorithm === 'concurrency') });
    this.#waiters.push(undefined);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const ops = this.#ops;
    const waiters = this.#waiters;
    this.#ops = [];
    this.#waiters = [];
    const id = this.#nextId++;
    const timer = afterDeadline(this.#timeoutMs, () => this.#timedOut(id));
    this.#inFlight.set(id, { timer, ops, waiters });
    try {
      this.#send({ type: REQUEST, id, ops });
    } catch (error) {
      this.#fail(id, new CounterStoreError('cannot reach the cluster primary', { cause: error }));
    }
  }

  #answer(message: unknown): void {
    if (!isReply(message)) return;
    const batch = this.#inFlight.get(message.id);
    if (batch === undefined) return this.#answerLate(message.id, message.decisions);
    this.#inFlight.delete(message.id);
    clearTimeout(batch.timer);
    for (let i = 0; i < batch.waiters.length; i++) {
      const decision = message.decisions[i];
      const waiter = batch.waiters[i];
      if (waiter === undefined) continue;
      if (decision) waiter.resolve(decision);
      else waiter.reject(new CounterStoreError('the cluster primary sent no decision'));
    }
  }

  #timedOut(id: number): void {
    const batch = this.#inFlight.get(id);
    if (batch === undefined) return;
    this.#fail(id, new CounterStoreError(`the cluster primary did not answer within ${this.#timeoutMs} ms`));
    if (!batch.ops.some(takesSlots)) return;
    const now = Date.now();
    for (const [oldId, late] of this.#late) {
      if (late.until > now && this.#late.size < LATE_MAX) break;
      this.#late.delete(oldId);
    }
    this.#late.set(id, { ops: batch.ops, until: now + LATE_KEEP_MS });
  }

  /** The answer to a batch that timed out: frees the concurrency slots it was granted, and only those. */
  #answerLate(id: number, decisions: readonly (Decision | null)[]): void {
    const late = this.#late.get(id);
    if (late === undefined) return;
    this.#late.delete(id);
    for (let i = 0; i < late.ops.length; i++) {
      const op = late.ops[i]!;
      if (takesSlots(op) && decisions[i]?.allowed === true) this.release(op.takes);
    }
  }

  #fail(id: number, error: Error): void {
    const batch = this.#inFlight.get(id);
    if (batch === undefined) return;
    this.#inFlight.delete(id);
    clearTimeout(batch.timer);
    for (const w of batch.waiters) w?.reject(error);
  }

  async close(): Promise<void> {
    this.#proc.off('message', this.#onMessage);
    for (const id of [...this.#inFlight.keys()]) this.#fail(id, new CounterStoreError('counters closed'));
    this.#late.clear();
  }
}

/** A decision (not a release) with a concurrency limit among its takes. */
function takesSlots(op: Op): boolean {
  return op.r !== 1 && op.takes.some((t) => t.rule.algorithm === 'concurrency');
}
