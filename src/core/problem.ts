// RFC 9457 problem documents. The body never carries request data, credentials or internals:
// only the registry's title, a detail written by the gateway, and the request id.
import { ERRORS, GatewayError, problemType, type ErrorCode } from './errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function renderProblem(error: GatewayError, requestId: string): Problem {
  const def = ERRORS[error.code];
  const doc: Record<string, unknown> = {
    type: problemType(error.code),
    title: def.title,
    status: def.status,
    code: error.code,
  };
  if (error.detail !== undefined) doc.detail = error.detail;
  if (requestId) doc.requestId = requestId;
  if (error.extensions) for (const [k, v] of Object.entries(error.extensions)) if (!(k in doc)) doc[k] = v;
  return {
    status: def.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...error.headers },
    body: JSON.stringify(doc),
  };
}

export function problem(code: ErrorCode, detail?: string): GatewayError {
  return new GatewayError(code, detail);
}

/** Any thrown value as a GatewayError; unknown errors become a detail-free 500. */
export function asGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : new GatewayError('PCL_ERR_INTERNAL');
}
