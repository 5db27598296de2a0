// hideCredentials: removing a credential from the request before it is forwarded. The upstream
// request head is built from `req.rawHeaders` after the request phases (server/forward-headers.ts)
// and its URL from `ctx.query`, so dropping entries there keeps the credential from the upstream,
// while `req.headers` (already read by the auth policies) stays as received.
import type { RequestContext } from '../core/context.ts';

/** Drops every `name` field (lower-case), or only those carrying a credential of `scheme` (see afterScheme; "" = any). */
export function dropClientHeader(ctx: RequestContext, name: string, scheme = ''): void {
  const raw = ctx.req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (raw[i]!.toLowerCase() !== name) continue;
    if (scheme !== '' && afterScheme(raw[i + 1]!, scheme) === undefined) continue;
    raw.splice(i, 2);
  }
}

/**
 * The credential of an Authorization-style value "<scheme> <credential>" (`scheme` in lower case; any
 * case sent), or undefined for another scheme. The scheme may be followed by any run of whitespace
 * (tabs, NBSP): upstream parsers split on any (`Bearer\t<token>` is a token to them), so it must be
 * one to the gateway too, or an unchecked token would pass as no credential at all.
 */
export function afterScheme(value: string, scheme: string): string | undefined {
  const found = credentialAfter(value, scheme);
  if (found !== undefined || !value.includes(',')) return found;
  // A list of credentials ("Basic x, Bearer y"): some frameworks take the one of their scheme from it
  // (Flask-JWT-Extended), so the gateway reads it too.
  for (const item of value.split(',').slice(1)) {
    const listed = credentialAfter(trimBlanks(item), scheme);
    if (listed !== undefined) return listed;
  }
  return undefined;
}

function credentialAfter(value: string, scheme: string): string | undefined {
  if (value.length <= scheme.length || value.slice(0, scheme.length).toLowerCase() !== scheme) return undefined;
  return BLANK.test(value[scheme.length]!) ? trimBlanks(value.slice(scheme.length + 1)) : undefined;
}

/** Whitespace to JavaScript or to Python's str.split() (NBSP and U+0085 arrive as latin1 header bytes). */
const WHITESPACE = '[\\s\\u001c-\\u001f\\u0085]';
const BLANK = new RegExp(WHITESPACE);

/** Blanks cut from both ends by index: a `\s+$` regex backtracks from every blank of a run inside the value (quadratic). */
function trimBlanks(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && BLANK.test(s[start]!)) start++;
  while (end > start && BLANK.test(s[end - 1]!)) end--;
  return s.slice(start, end);
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
