// The one registry of error codes the gateway answers with. Every code here is documented in
// docs/errors.md (a test fails when one is missing). Users match on `code`, never on the text.

export interface ErrorDef {
  readonly status: number;
  readonly title: string;
}

export const ERRORS = {
  // listen
  PCL_ERR_BAD_REQUEST: { status: 400, title: 'Malformed request' },
  PCL_ERR_AMBIGUOUS_FRAMING: { status: 400, title: 'Ambiguous message framing' },
  PCL_ERR_BAD_PATH: { status: 400, title: 'Path cannot be normalized unambiguously' },
  PCL_ERR_HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  PCL_ERR_URI_TOO_LONG: { status: 414, title: 'URI too long' },
  PCL_ERR_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  PCL_ERR_REQUEST_TIMEOUT: { status: 408, title: 'Request not received in time' },
  PCL_ERR_EXPECTATION_FAILED: { status: 417, title: 'Expectation not supported' },
  PCL_ERR_IP_DENIED: { status: 403, title: 'Client address not allowed' },
  PCL_ERR_HTTPS_REQUIRED: { status: 403, title: 'HTTPS required' },
  // route
  PCL_ERR_ROUTE_NOT_FOUND: { status: 404, title: 'No such operation' },
  PCL_ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed for this path' },
  PCL_ERR_CORS_ORIGIN: { status: 403, title: 'Origin not allowed' },
  // authenticate / authorize / limit / validate / inspect (filled in by their policies)
  PCL_ERR_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  PCL_ERR_TOO_MANY_AUTH_FAILURES: { status: 429, title: 'Too many failed authentication attempts' },
  PCL_ERR_AUTH_UNAVAILABLE: { status: 503, title: 'Authentication temporarily unavailable' },
  PCL_ERR_FORBIDDEN: { status: 403, title: 'Access denied' },
  PCL_ERR_OBJECT_NOT_FOUND: { status: 404, title: 'No such object' },
  PCL_ERR_MISDIRECTED: { status: 421, title: 'Misdirected request' },
  PCL_ERR_MASS_ASSIGNMENT: { status: 400, title: 'Request sets properties it may not write' },
  PCL_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  PCL_ERR_QUOTA_EXCEEDED: { status: 429, title: 'Quota exceeded' },
  PCL_ERR_RATE_LIMIT_UNAVAILABLE: { status: 503, title: 'Rate limits temporarily unavailable' },
  PCL_ERR_VALIDATION: { status: 400, title: 'Request does not match the API description' },
  PCL_ERR_JSON_TOO_COMPLEX: { status: 400, title: 'JSON body over a structural limit' },
  PCL_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  PCL_ERR_ATTACK_DETECTED: { status: 403, title: 'Request blocked by attack detection' },
  PCL_ERR_UNINSPECTABLE: { status: 413, title: 'Request too large or complex to inspect' },
  // anomaly detectors in enforce mode (checked before routing, and again once the consumer is known)
  PCL_ERR_CALLER_BLOCKED: { status: 429, title: 'Caller temporarily blocked by anomaly detection' },
  // a client that left while a step waited: never answered, recorded with nginx's 499
  PCL_ERR_CLIENT_CLOSED: { status: 499, title: 'Client closed the connection before it was answered' },
  // proxy
  PCL_ERR_PRECONDITION_NOT_FORWARDED: { status: 400, title: 'Precondition not forwarded on this operation' },
  PCL_ERR_UPSTREAM_UNAVAILABLE: { status: 502, title: 'Upstream unavailable' },
  PCL_ERR_UPSTREAM_BAD_RESPONSE: { status: 502, title: 'Upstream sent an invalid response' },
  PCL_ERR_RESPONSE_UNINSPECTABLE: { status: 502, title: 'Upstream response could not be checked' },
  PCL_ERR_RESPONSE_INVALID: { status: 502, title: 'Upstream response does not match the API description' },
  PCL_ERR_UPSTREAM_ERROR: { status: 502, title: 'Upstream error' },
  PCL_ERR_RESPONSE_DATA_LEAK: { status: 502, title: 'Upstream response withheld: it contains secrets or personal data' },
  PCL_ERR_UPSTREAM_TIMEOUT: { status: 504, title: 'Upstream did not answer in time' },
  PCL_ERR_UPSTREAM_OVERLOADED: { status: 503, title: 'Upstream temporarily unavailable' },
  PCL_ERR_SHUTTING_DOWN: { status: 503, title: 'Gateway is shutting down' },
  // admin API
  PCL_ERR_ADMIN_NOT_FOUND: { status: 404, title: 'No such admin resource' },
  PCL_ERR_ADMIN_NO_STORE: { status: 503, title: 'Key store not available' },
  // last resort: a bug in the gateway itself, never with details
  PCL_ERR_INTERNAL: { status: 500, title: 'Internal gateway error' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

/** A decision to refuse a request, carried up to the pipeline which renders it as problem+json. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Safe, client-facing explanation. Never contains credentials or request data. */
  readonly detail: string | undefined;
  /** Extra response headers (Allow, WWW-Authenticate, Retry-After...). */
  readonly headers: Record<string, string> | undefined;
  /** Extra members added to the problem document (e.g. validation errors). */
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    options?: { headers?: Record<string, string>; extensions?: Record<string, unknown>; cause?: unknown },
  ) {
    super(detail ?? ERRORS[code].title, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail;
    this.headers = options?.headers;
    this.extensions = options?.extensions;
  }
}

export function problemType(code: ErrorCode): string {
  return `urn:portcullis:problem:${code.slice('PCL_ERR_'.length).toLowerCase().replaceAll('_', '-')}`;
}
