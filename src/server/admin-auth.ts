// The dashboard's side of the admin credentials (admin-credentials.ts): /api/login-options tells the
// sign-in page how it may sign in (no credential needed: it holds nothing secret); every other /api/
// route needs a credential, and without any configured the consumer and key routes stay closed. The
// caller found is kept for /api/session. With a provider, the dashboard's CSP lets it reach the
// provider's origins (discovery and token endpoint), nothing else.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/errors.ts';
import type { AdminCredentials, AdminPrincipal } from './admin-credentials.ts';
import { json } from './admin.ts';
import type { AdminHandler } from './admin-keys.ts';
import { ADMIN_SECURITY_HEADERS } from './admin-web.ts';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="portcullis-admin"' };
const principals = new WeakMap<IncomingMessage, AdminPrincipal>();

/** The caller of a request that passed requireAdmin. */
export function principalOf(req: IncomingMessage): AdminPrincipal | undefined {
  return principals.get(req);
}

export function loginOptions(credentials: AdminCredentials, tokenConfigured: boolean, scopes: readonly string[], clientId: string | undefined): AdminHandler {
  return async (req, res, path) => {
    if (path !== '/api/login-options') {
      if (credentials.oidc) res.setHeader('content-security-policy', cspWith(credentials.oidc.origins));
      return false;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new GatewayError('PCL_ERR_METHOD_NOT_ALLOWED', undefined, { headers: { allow: 'GET, HEAD' } });
    const provider = await credentials.oidc?.get();
    // After discovery: the token endpoint's origin may differ from the issuer's.
    if (credentials.oidc) res.setHeader('content-security-policy', cspWith(credentials.oidc.origins));
    json(res, 200, {
      token: tokenConfigured,
      ...(provider && clientId ? { oidc: { ...provider, clientId, scopes: [...new Set(['openid', ...scopes])] } } : {}),
      ...(credentials.oidc && !provider ? { oidcUnavailable: true } : {}),
    });
    return true;
  };
}

export function requireAdmin(credentials: AdminCredentials): AdminHandler {
  return async (req, _res, path) => {
    if (!path.startsWith('/api/')) return false;
    if (!credentials.configured) throw new GatewayError('PCL_ERR_UNAUTHENTICATED', 'the admin API is closed: set admin.token or admin.oidc', { headers: CHALLENGE });
    principals.set(req, await credentials.check(req.headers.authorization));
    return false;
  };
}

function cspWith(origins: readonly string[]): string {
  const csp = ADMIN_SECURITY_HEADERS['content-security-policy']!;
  return csp.replace("connect-src 'self'", `connect-src 'self' ${origins.join(' ')}`);
}
