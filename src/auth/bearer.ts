// Reading a token from a header ("Authorization: Bearer <token>" by default, or a bare header value),
// and quoting WWW-Authenticate parameters. Shared by the JWT and introspection schemes.
import type { RequestContext } from '../core/context.ts';

export function headerTokenExtractor(headerName: string, scheme: string): (ctx: RequestContext) => string | undefined {
  const header = headerName.toLowerCase();
  const prefix = scheme === '' ? '' : `${scheme.toLowerCase()} `;
  return (ctx) => {
    const value = ctx.req.headers[header];
    if (typeof value !== 'string') return undefined;
    if (prefix === '') return value.trim();
    if (value.length < prefix.length || value.slice(0, prefix.length).toLowerCase() !== prefix) return undefined;
    return value.slice(prefix.length).trim();
  };
}

export function quote(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
