// A bound on a store call. When the timer fires, the rejection waits one turn of the event loop
// (setImmediate runs after the poll phase), so an answer that already sits in a socket buffer, because
// the process was busy when it came, is read first instead of being taken for a timeout.
export function withDeadline<T>(pending: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(onTimeout());
      });
    }, ms);
    pending.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Runs `fn` after `ms`, then one more event-loop turn (see withDeadline). */
export function afterDeadline(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(fn), ms);
}
