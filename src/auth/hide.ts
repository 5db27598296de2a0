// hideCredentials: removing a credential from the request before it is forwarded. The upstream
// request head is built from `req.rawHeaders` after the request phases (server/forward-headers.ts)
// and its URL from `ctx.query`, so dropping entries there keeps the credential from the upstream,
// while `req.headers` (already read by the auth policies) stays as received.
import type { RequestContext } from '../core/context.ts';

/** Drops every `name` field (lower-case) whose value starts with `prefix` (case-insensitive; "" = any). */
export function dropClientHeader(ctx: RequestContext, name: string, prefix = ''): void {
  const raw = ctx.req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]!.toLowerCase() !== name) continue;
    if (prefix !== '' && raw[i + 1]!.slice(0, prefix.length).toLowerCase() !== prefix) continue;
    raw.splice(i, 2);
  }
}

/** Drops every `name` parameter from the query string forwarded upstream; the others stay as sent. */
export function dropQueryParam(ctx: RequestContext, name: string): void {
  if (ctx.query === '') return;
  ctx.query = ctx.query
    .split('&')
    .filter((pair) => {
      const key = pair.split('=', 1)[0]!;
      try {
        return decodeURIComponent(key.replace(/\+/g, ' ')) !== name;
      } catch {
        return key !== name;
      }
    })
    .join('&');
}
