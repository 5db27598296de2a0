// Fetches a URL server-side, reading at most `limit` bytes and giving up after `timeoutMs`.
// Used by POST /api/v2/me/avatar, which passes it any URL the caller sends (flaw ssrf-avatar).

export interface Fetched {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer;
  readonly truncated: boolean;
}

export async function fetchLimited(url: string, timeoutMs: number, limit: number): Promise<Fetched> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, { signal, redirect: 'follow', headers: { 'user-agent': 'demo-shop-avatar-fetcher/2.3' } });
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  const reader = response.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > limit) {
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), body: Buffer.concat(chunks), truncated };
}

/** "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9" and the like: handy to the caller, and to an attacker. */
export function describeFetchError(error: unknown): string {
  const err = error as Error & { cause?: Error & { code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timeout: ${err.message}`;
  const cause = err.cause;
  return cause ? `${cause.code ?? cause.name}: ${cause.message}` : `${err.name}: ${err.message}`;
}
