// Reading a token from a header ("Authorization: Bearer <token>" by default, or a bare header value),
// and quoting WWW-Authenticate parameters. Shared by the JWT and introspection schemes.
import type { Identity, RequestContext } from '../core/context.ts';
import type { Authenticator } from './authenticate.ts';
import { checkCertificateBinding } from './binding.ts';
import { afterScheme, dropClientHeader } from './hide.ts';

/**
 * The parts of a bearer-token authenticator that do not depend on how the token is checked: where
 * it is read from, the RFC 8705 certificate binding, hideCredentials and the WWW-Authenticate challenge.
 */
export function bearerTokenScheme(
  headerName: string,
  scheme: string,
  check: (token: string) => Identity | Promise<Identity>,
): Pick<Authenticator, 'extract' | 'verify' | 'hide' | 'challenge' | 'headers'> {
  const header = headerName.toLowerCase();
  const lowerScheme = scheme.toLowerCase();
  return {
    extract: headerTokenExtractor(headerName, scheme),
    verify: (token, ctx) => checkCertificateBinding(check(token), ctx),
    hide: (ctx) => dropClientHeader(ctx, header, lowerScheme),
    headers: [header],
    challenge: (realm, invalid) => `${scheme || 'Bearer'} realm="${quote(realm)}"${invalid ? ', error="invalid_token"' : ''}`,
  };
}

export function headerTokenExtractor(headerName: string, scheme: string): (ctx: RequestContext) => string | undefined {
  const header = headerName.toLowerCase();
  const lowerScheme = scheme.toLowerCase();
  return (ctx) => {
    const value = ctx.req.headers[header];
    if (typeof value !== 'string') return undefined;
    return lowerScheme === '' ? value.trim() : afterScheme(value, lowerScheme);
  };
}

export function quote(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
