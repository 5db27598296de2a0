// Writes and HEAD on an operation whose owner is read from the response. The response of a PATCH,
// PUT, POST or DELETE arrives after the upstream carried it out (a 204 has nothing to read at all),
// and a HEAD's has no body: checking it there refuses too late, or never. So before such a request
// is forwarded, the gateway GETs the same path from the same upstream, with the credentials and
// identity headers the request itself carries, and judges that response as it would judge a GET's:
// the request goes only when the caller owns the object, or when a PUT finds none (it creates it).
// Any other outcome refuses it (fail closed). Creates by POST are not checked first (preflight-plan.ts).
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import type { CheckedResponse, ForwardTarget } from '../../core/forward-check.ts';
import { isSingleMediaType } from '../../core/media-type.ts';
import { ResponseBody } from '../../core/response-body.ts';

/**
 * Not sent with the GET: what describes the request's body, preconditions and ranges (which would
 * make the upstream answer 304, 412 or a part instead of the whole object), method overrides, the
 * write's idempotency key (an upstream or middleware keyed on it could store the GET's answer as the
 * write's, or refuse the write as a replay), and cache directives and preferences (the GET sends its
 * own `no-cache`). Matched with "_" read as "-" (CGI-style upstreams read If_None_Match as If-None-Match).
 */
const NOT_SENT = new Set([
  'content-length', 'content-type', 'content-encoding', 'content-language', 'content-location', 'content-range',
  'content-md5', 'digest', 'content-digest', 'repr-digest', 'transfer-encoding', 'expect', 'range', 'accept', 'accept-encoding',
  // forwarded only with forwarding.methodOverride (upstreams that ignore them): never risked on the GET
  'x-http-method-override', 'x-http-method', 'x-method-override',
  'idempotency-key', 'x-idempotency-key', 'cache-control', 'pragma', 'prefer',
]);

/** The GET's headers: the request's as forwarded (credentials, identity headers, request id), less NOT_SENT and if-*. */
export function preflightHeaders(forwarded: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < forwarded.length; i += 2) {
    const name = forwarded[i]!.toLowerCase().replaceAll('_', '-');
    if (NOT_SENT.has(name) || name.startsWith('if-')) continue;
    out.push(forwarded[i]!, forwarded[i + 1]!);
  }
  // JSON, unencoded: what the rule reads; and the owner as it is now, never a cached copy (a cache
  // between the gateway and the upstream may hold the object from before it changed owners).
  out.push('accept', 'application/json', 'cache-control', 'no-cache');
  return out;
}

/**
 * GETs the object and hands its response to `judge` (which throws a GatewayError to refuse). An upstream
 * that does not show the object refuses the request as a GET would be: 404 as not found, 403 as
 * forbidden; any other answer, or none, refuses it as a failure (502 / 504).
 */
export async function preflight(
  ctx: RequestContext,
  target: ForwardTarget,
  limit: number,
  passOversize: boolean,
  judge: (body: ResponseBody) => void,
): Promise<void> {
  const res = await target.get(target.path, preflightHeaders(target.headers), limit);
  const status = res.statusCode;
  // Not found is refused for a PUT too: an upstream that hides others' objects behind 404 would
  // otherwise let a PUT overwrite one as a "create" (and its response, which the caller's body
  // shapes, is no guard). Creating with PUT needs a path, query or header rule.
  if (status === 404) throw new GatewayError('PCL_ERR_OBJECT_NOT_FOUND');
  if (status === 403) throw new GatewayError('PCL_ERR_FORBIDDEN', 'The caller may not read this object.');
  if (status < 200 || status >= 300) throw unreadable('the upstream did not answer the GET with the object');
  if (res.body === undefined) {
    if (passOversize) return ctx.record('ownership', 'report', 'PCL_ERR_RESPONSE_UNINSPECTABLE');
    throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The object is larger than the ownership policy may read.');
  }
  if (!readable(res)) throw unreadable('the object is encoded, or its Content-Type is ambiguous');
  judge(new ResponseBody({ statusCode: status, headers: res.headers }, res.body));
}

function readable(res: CheckedResponse): boolean {
  const encoding = res.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') return false;
  return isSingleMediaType(res.headers['content-type']);
}

function unreadable(why: string): GatewayError {
  return new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', `The owner of the object could not be checked (${why}): the request was not forwarded.`);
}
