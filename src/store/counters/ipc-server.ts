// The primary of `serve --workers N` holds the counters of the whole gateway, so N workers share one
// limit instead of N. Each worker's concurrency slots are remembered and freed if the worker dies.
// Tables are one per limit, each bounded by the store.maxKeys its worker sends with the decision.
import type { Worker } from 'node:cluster';
import { isRequest, REPLY, type CountersReply } from './ipc-protocol.ts';
import { counterKey, MemoryCounters } from './memory.ts';
import type { Decision, Take } from './types.ts';

let counters: MemoryCounters | undefined;

/** Answers one worker's counter requests from the primary's table. */
export function serveCounters(worker: Worker): void {
  const table = (counters ??= new MemoryCounters());
  const held = new Map<string, Take>();
  worker.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    const decisions: (Decision | null)[] = new Array(message.ops.length);
    for (let i = 0; i < message.ops.length; i++) {
      const op = message.ops[i]!;
      if (op.r === 1) {
        table.release(op.takes);
        forget(held, op.takes);
        decisions[i] = null;
        continue;
      }
      const decision = table.consume(op.takes, boundOf(op.m));
      if (decision.allowed) remember(held, op.takes);
      decisions[i] = decision;
    }
    if (worker.isConnected()) worker.send({ type: REPLY, id: message.id, decisions } satisfies CountersReply);
  });
  worker.on('exit', () => {
    for (const take of held.values()) table.release([take]);
    held.clear();
  });
}

function remember(held: Map<string, Take>, takes: readonly Take[]): void {
  for (const take of takes) {
    if (take.rule.algorithm !== 'concurrency') continue;
    const key = counterKey(take);
    const prior = held.get(key);
    held.set(key, { ...take, cost: (prior?.cost ?? 0) + take.cost });
  }
}

function forget(held: Map<string, Take>, takes: readonly Take[]): void {
  for (const take of takes) {
    if (take.rule.algorithm !== 'concurrency') continue;
    const key = counterKey(take);
    const prior = held.get(key);
    if (prior === undefined) continue;
    if (prior.cost <= take.cost) held.delete(key);
    else held.set(key, { ...prior, cost: prior.cost - take.cost });
  }
}

/** A worker's bound, else the schema's default (a worker of an older build sends none). */
function boundOf(m: unknown): number | undefined {
  return typeof m === 'number' && Number.isInteger(m) && m >= 1 ? m : undefined;
}
