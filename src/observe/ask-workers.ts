// The cluster primary's questions to its workers over IPC: a question goes to every live worker with
// an id, and the answers (messages of `replyType` carrying that id) are gathered until every worker
// has answered or the time is up; a worker that does not answer in time is skipped.
import cluster, { type Worker } from 'node:cluster';

const TIMEOUT_MS = 2000;

export type AskWorkers<R> = (
  send: (worker: Worker, id: number, index: number) => void,
  onLate?: (answered: number, asked: number) => void,
) => Promise<R[]>;

/** Creates the asker for one kind of answer (one listener on the cluster, whatever the number of questions). */
export function askWorkers<R extends { readonly id: number }>(replyType: string): AskWorkers<R> {
  let next = 0;
  const pending = new Map<number, { replies: R[]; left: number; done: () => void }>();
  cluster.on('message', (_worker, m: (R & { type?: unknown }) | null) => {
    if (m?.type !== replyType) return;
    const p = pending.get(m.id);
    if (!p) return;
    p.replies.push(m);
    if (--p.left === 0) p.done();
  });
  return (send, onLate) => {
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    if (workers.length === 0) return Promise.resolve([]);
    const id = ++next;
    return new Promise((resolve) => {
      const replies: R[] = [];
      const timer = setTimeout(() => {
        onLate?.(replies.length, workers.length);
        finish();
      }, TIMEOUT_MS);
      const finish = () => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(replies);
      };
      pending.set(id, { replies, left: workers.length, done: finish });
      workers.forEach((w, i) => send(w, id, i));
    });
  };
}
