// Who may use the admin API and the dashboard: the holder of `admin.token` (compared in constant
// time), and, with `admin.oidc`, users of an OpenID Connect provider whose ID token (issued to the
// dashboard's client id, verified with the provider's keys) names one of the allowed roles. Either way
// the credential travels as `Authorization: Bearer`, never a cookie (no CSRF).
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import type { Logger } from 'pino';
import type { Identity } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';
import type { GatewayConfig } from '../config/types.ts';
import { AuthFailure } from '../auth/failure.ts';
import { sharedJwks } from '../auth/jwks.ts';
import { ASYMMETRIC_ALGS, JwtVerifier } from '../auth/jwt.ts';
import { OidcEndpoints } from './admin-oidc.ts';

export interface AdminPrincipal {
  readonly via: 'token' | 'oidc' | 'open';
  readonly subject?: string | undefined;
  readonly name?: string | undefined;
}

export interface AdminCredentials {
  /** A token or a provider is configured: without either, only loopback-open routes are served. */
  readonly configured: boolean;
  /** The provider the dashboard signs in with, when there is one. */
  readonly oidc: OidcEndpoints | undefined;
  /** The caller, or a 401 (no or bad credential) / 403 (a valid user without an allowed role). */
  check(authorization: string | undefined): AdminPrincipal | Promise<AdminPrincipal>;
}

const CHALLENGE = 'Bearer realm="portcullis-admin"';
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function adminCredentials(admin: GatewayConfig['admin'], logger: Logger): AdminCredentials {
  const expected = admin.token === undefined || admin.token === '' ? undefined : digest(admin.token);
  const oidc = admin.oidc;
  const verifier = oidc ? oidcVerifier(oidc, logger) : undefined;
  const allowed = new Set(oidc?.roles ?? []);
  const refuse = (given: boolean, detail: string) =>
    new GatewayError('PCL_ERR_UNAUTHENTICATED', detail, { headers: { 'www-authenticate': given ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE } });
  const accept = (identity: Identity, token: string): AdminPrincipal => {
    idTokenOnly(identity.claims, token, oidc!.clientId);
    if (!identity.roles.some((r) => allowed.has(r))) throw new GatewayError('PCL_ERR_FORBIDDEN', 'This user has none of the roles allowed on the admin API (admin.oidc.roles).');
    const name = identity.claims[oidc!.nameClaim];
    return { via: 'oidc', subject: identity.subject, name: typeof name === 'string' ? name.slice(0, 200) : identity.subject };
  };
  return {
    configured: expected !== undefined || verifier !== undefined,
    oidc: oidc ? new OidcEndpoints(oidc.issuer, logger) : undefined,
    check(authorization) {
      const given = /^Bearer +(\S{1,8192})\s*$/i.exec(authorization ?? '')?.[1];
      if (given === undefined) throw refuse(false, 'The admin API needs a credential: Authorization: Bearer <admin token or ID token>.');
      if (expected !== undefined && timingSafeEqual(digest(given), expected)) return { via: 'token' };
      // Only something shaped like a JWT goes to the verifier: a mistyped admin token is not logged as one.
      if (verifier === undefined || given.split('.').length !== 3) throw refuse(true, 'The admin token was refused.');
      const failed = (error: unknown): never => {
        if (error instanceof AuthFailure) throw refuse(true, 'The ID token was refused: sign in again.');
        throw error;
      };
      try {
        const identity = verifier.verify(given);
        return identity instanceof Promise ? identity.then((i) => accept(i, given), failed) : accept(identity, given);
      } catch (error) {
        return failed(error);
      }
    },
  };
}

/**
 * An ID token issued to the dashboard, not any token of the provider that names it among its audiences
 * (OpenID Connect Core 3.1.3.7): with several audiences the authorized party must be the dashboard, and
 * access tokens (RFC 9068 `typ: at+jwt`, Keycloak's `typ: Bearer` claim) are refused.
 */
function idTokenOnly(claims: Record<string, unknown>, token: string, clientId: string): void {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const wrong = (why: string) => new GatewayError('PCL_ERR_UNAUTHENTICATED', `The ID token was refused: ${why}.`, { headers: { 'www-authenticate': `${CHALLENGE}, error="invalid_token"` } });
  if (claims.azp !== undefined && claims.azp !== clientId) throw wrong('issued to another client (azp)');
  if (audiences.length > 1 && claims.azp === undefined) throw wrong('several audiences and no authorized party (azp)');
  if (typeof claims.typ === 'string' && claims.typ.toLowerCase() === 'bearer') throw wrong('an access token, not an ID token');
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(token).typ;
  } catch {
    typ = undefined;
  }
  if (typeof typ === 'string' && /^(application\/)?at\+jwt$/i.test(typ)) throw wrong('an access token, not an ID token');
}

function oidcVerifier(oidc: NonNullable<GatewayConfig['admin']['oidc']>, logger: Logger): JwtVerifier {
  const jwks = sharedJwks(
    {
      url: `${oidc.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
      discovery: true,
      issuer: oidc.issuer,
      minTtlMs: 60_000,
      maxTtlMs: 86_400_000,
      defaultTtlMs: 3_600_000,
      cooldownMs: 30_000,
      timeoutMs: 5_000,
      maxBytes: 512 * 1024,
    },
    logger,
  );
  jwks.warm();
  return new JwtVerifier({
    issuers: [
      {
        issuer: oidc.issuer,
        getKey: jwks.getKey,
        algorithms: [...ASYMMETRIC_ALGS],
        audiences: [oidc.clientId],
        requiredClaims: ['exp', 'sub'],
        clockToleranceSec: 30,
        maxAgeSec: undefined,
        claims: { subject: 'sub', consumerId: undefined, scopes: ['scope'], roles: oidc.rolesClaim },
      },
    ],
    maxTokenLength: 8192,
    cacheEntries: 1000,
    cacheMaxTtlMs: 300_000,
  });
}
