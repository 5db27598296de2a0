// The background checkpointer of a SQLite store (see SqliteStore.checkpointInBackground): its own
// connection to the file copies the write-ahead log into the database every intervalMs, so the
// copy and its fsync happen on this thread instead of stalling the one that serves requests.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path);
db.exec('PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL');
// PASSIVE: copies what no reader still needs, never waits for readers or blocks the writer.
const timer = setInterval(() => db.exec('PRAGMA wal_checkpoint(PASSIVE)'), intervalMs);
parentPort!.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
