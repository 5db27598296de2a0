// How an upstream exchange failed, by undici's stable error codes: shared by the proxy and the GETs
// policies make before forwarding (upstream-get.ts), so both retry and answer alike.

/** Failures that happened before the request could reach the upstream: safe to retry. */
export const CONNECT_FAILURES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** Answered with 504; PCL_TOTAL_TIMEOUT is the gateway's own total timeout (timeouts.total). */
export const TIMEOUTS: ReadonlySet<string> = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'PCL_TOTAL_TIMEOUT']);

export function errorCode(error: Error): string {
  const withCode = error as Error & { code?: string; cause?: { code?: string } };
  return withCode.code ?? withCode.cause?.code ?? '';
}

export const totalTimeout = (): Error => Object.assign(new Error('total upstream timeout'), { code: 'PCL_TOTAL_TIMEOUT' });
