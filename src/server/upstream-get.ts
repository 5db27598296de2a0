// The GET a policy makes to an operation's upstream before the request is forwarded
// (core/forward-check.ts): through the same pooled connections as forwarded requests, retried on
// connect failures like them (a GET is safe to send again) and bounded by the upstream's total
// timeout (its deadline list; a deadline of the GET's own: the request forwarded after it gets another).
// Given up at once when the client leaves (`client`), which frees its connection and deadline. The
// body is read up to a limit; failures are the proxy's 502 / 504.
import type { CheckedResponse } from '../core/forward-check.ts';
import { GatewayError } from '../core/errors.ts';
import type { DeadlineEntry } from './deadlines.ts';
import type { Upstream } from './upstream.ts';
import { CONNECT_FAILURES, errorCode, TIMEOUTS, totalTimeout } from './upstream-failures.ts';

export async function upstreamGet(upstream: Upstream, path: string, headers: string[], limit: number, client?: AbortSignal): Promise<CheckedResponse> {
  const deadline = new Deadline();
  upstream.deadlines.add(deadline, performance.now());
  const signal = client === undefined ? deadline.signal : AbortSignal.any([deadline.signal, client]);
  try {
    for (let retriesLeft = upstream.retries; ; retriesLeft--) {
      try {
        return await attempt(upstream, path, headers, limit, signal);
      } catch (error) {
        if (client?.aborted) throw new GatewayError('PCL_ERR_CLIENT_CLOSED', undefined, { cause: error });
        const code = errorCode(error as Error);
        if (retriesLeft > 0 && CONNECT_FAILURES.has(code) && !signal.aborted) continue;
        throw new GatewayError(TIMEOUTS.has(code) ? 'PCL_ERR_UPSTREAM_TIMEOUT' : 'PCL_ERR_UPSTREAM_UNAVAILABLE', undefined, { cause: error });
      }
    }
  } finally {
    upstream.deadlines.remove(deadline);
  }
}

async function attempt(upstream: Upstream, path: string, headers: string[], limit: number, signal: AbortSignal): Promise<CheckedResponse> {
  const res = await upstream.pool.request({ path, method: 'GET', headers, signal });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.body.destroy(); // not read further: the connection is not reused
      return { statusCode: res.statusCode, headers: res.headers, body: undefined };
    }
    chunks.push(chunk);
  }
  return { statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks, size) };
}

/** An entry of the upstream's total-timeout list: aborts the GET when it runs out. */
class Deadline implements DeadlineEntry {
  dueAt = 0;
  previousDue: DeadlineEntry | undefined = undefined;
  nextDue: DeadlineEntry | undefined = undefined;
  listed = false;
  readonly #controller = new AbortController();

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  expire(): void {
    this.#controller.abort(totalTimeout());
  }
}
