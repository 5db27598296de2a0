// Upstream error bodies that show internals (stack traces, SQL errors with their query, framework
// debug pages) are replaced by a generic problem before the client sees them; by default every 5xx
// body is. The upstream's status code and Retry-After stay, so clients still know what happened.
// Only error responses are buffered: successful ones stream untouched.
import { ERRORS, problemType } from '../../core/errors.ts';
import type { PolicyFactory, ResponseHead } from '../../core/policy.ts';
import { PROBLEM_CONTENT_TYPE } from '../../core/problem.ts';
import { wideEncoding } from '../../core/json-text.ts';
import { toBytes } from '../../config/units.ts';
import { findInternals } from './internals.ts';
import { errorSanitizerSchema, type ErrorSanitizerConfig } from './schema.ts';

const CODE = 'PCL_ERR_UPSTREAM_ERROR';
const DESCRIBES_BODY = new Set(['etag', 'last-modified', 'digest', 'repr-digest', 'content-digest']);

export const errorSanitizer: PolicyFactory<ErrorSanitizerConfig> = {
  name: 'error-sanitizer',
  phase: 'proxy',
  description: 'Replaces upstream error bodies that leak internals (stack traces, SQL errors, framework pages), and by default every 5xx body, with a generic problem.',
  schema: errorSanitizerSchema,
  create(config, env) {
    const inspectServer = config.serverErrors !== 'keep';
    const inspectClient = config.clientErrors !== 'keep';
    return {
      responseBodyLimit: toBytes(config.maxBodySize),
      // Whether a response is an error is only known from its head: every request asks for an
      // unencoded answer, or an upstream that compresses its errors would hide them from the check.
      identityResponses: inspectServer || inspectClient,
      replacesWithProblem: true,
      wantsResponseBody(_ctx, head) {
        const s = head.statusCode;
        return s >= 500 ? inspectServer : s >= 400 && inspectClient;
      },
      onResponseBody(ctx, head, body) {
        const encoded = head.headers['content-encoding'] !== undefined && head.headers['content-encoding'] !== 'identity';
        // An error body encoded anyway (not asked for) cannot be inspected: replaced, fail closed.
        const leaks = encoded ? ['encoded'] : internalsOf(body.bytes(), head.headers['content-type'], body.isJsonType);
        const replaceAll = head.statusCode >= 500 && config.serverErrors === 'replace';
        if (!replaceAll && leaks.length === 0) return undefined;
        env.logger.debug({ reqId: ctx.id, op: ctx.operationId, status: head.statusCode, leaks }, 'upstream error body replaced');
        ctx.record('error-sanitizer', 'deny', CODE);
        // The original goes to the audit trail only (capped there), never to the client.
        (ctx.state ??= {})['error-sanitizer'] = { upstreamStatus: head.statusCode, leaks, original: encoded ? '(encoded)' : body.bytes().toString('utf8', 0, 1024) };
        return replaceBody(ctx.id, head);
      },
    };
  },
};

/**
 * What a body shows, read byte by byte and, when its clients read it as UTF-16 (by its charset, a
 * byte-order mark or, for JSON, its zero bytes), decoded: a stack trace in UTF-16 has a zero byte
 * between its letters. UTF-32, which the gateway does not decode, counts as a leak: replaced.
 */
function internalsOf(raw: Buffer, contentType: unknown, json: boolean): string[] {
  const found = findInternals(raw.toString('latin1'));
  if (found.length > 0) return found;
  const wide = wideEncoding(raw, contentType, json);
  if (wide === 'utf-32') return ['utf-32'];
  return wide === undefined ? found : findInternals(new TextDecoder(wide).decode(raw));
}

function replaceBody(requestId: string, head: ResponseHead): Buffer {
  const headers = head.headers;
  for (const name in headers) {
    // What described the old body goes; so does any header that itself carries internals.
    const value = headers[name];
    if (DESCRIBES_BODY.has(name) || name.startsWith('content-') || (value !== undefined && findInternals(String(value)).length > 0)) delete headers[name];
  }
  headers['content-type'] = PROBLEM_CONTENT_TYPE;
  headers['cache-control'] = 'no-store';
  const status = head.statusCode;
  const doc = { type: problemType(CODE), title: ERRORS[CODE].title, status, code: CODE, detail: status >= 500 ? 'The upstream failed to handle the request.' : 'The upstream refused the request.', requestId };
  return Buffer.from(JSON.stringify(doc));
}
