// A small local token issuer: an RS256 key pair made at start, its JWKS and OpenID discovery document,
// 15-minute access tokens, and their verification (signature, iss, aud, exp).
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import type { Role } from './types.ts';

export const DEMO_AUDIENCE = 'portcullis-demo';
export const TOKEN_TTL_SECONDS = 15 * 60;
export const USER_SCOPES = ['profile:read', 'profile:write', 'orders:read', 'orders:write', 'notes:read', 'notes:write'];
export const ADMIN_SCOPES = [...USER_SCOPES, 'admin'];
export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const TOKEN_PATH = '/api/v2/auth/login';

export function scopesFor(role: Role): string[] {
  return role === 'admin' ? ADMIN_SCOPES : USER_SCOPES;
}

export interface TokenClaims {
  readonly sub: string;
  readonly scope: string;
  readonly roles: readonly string[];
}

export interface Issuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwks: { keys: JWK[] };
  discovery(): Record<string, unknown>;
  sign(subject: { id: number; username: string; role: Role }): Promise<string>;
  /** Throws when the token is not one of ours or is expired; the message names the failed check. */
  verify(token: string): Promise<TokenClaims>;
}

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface SigningKeys {
  readonly privateKey: KeyPair['privateKey'];
  readonly publicKey: KeyPair['publicKey'];
  readonly kid: string;
  readonly jwks: { keys: JWK[] };
}

/** Made before the server listens (async); the issuer URL is known only once it does. */
export async function generateSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, publicKey, kid, jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] } };
}

export function createIssuer(issuer: string, keys: SigningKeys, audience = DEMO_AUDIENCE): Issuer {
  const { privateKey, publicKey, kid, jwks } = keys;
  return {
    issuer,
    audience,
    jwks,
    discovery: () => ({
      issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      token_endpoint: `${issuer}${TOKEN_PATH}`,
      grant_types_supported: ['password'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['none'],
      scopes_supported: ADMIN_SCOPES,
      claims_supported: ['iss', 'aud', 'sub', 'exp', 'iat', 'scope', 'roles', 'preferred_username'],
    }),
    sign: (subject) =>
      new SignJWT({ scope: scopesFor(subject.role).join(' '), roles: [subject.role], preferred_username: subject.username })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(String(subject.id))
        .setIssuedAt()
        .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
        .sign(privateKey),
    verify: async (token) => {
      const { payload } = await jwtVerify(token, publicKey, { issuer, audience, algorithms: ['RS256'], requiredClaims: ['sub', 'exp'] });
      return {
        sub: String(payload.sub),
        scope: typeof payload.scope === 'string' ? payload.scope : '',
        roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [],
      };
    },
  };
}
