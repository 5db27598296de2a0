// JWT verification with jose, for one or several issuers. The token's (unverified) `iss` picks the
// issuer's settings; the signature is then checked with that issuer's keys only (JWKS, static public
// keys, or an HMAC secret), against its allowed algorithms (never `none`; HS* only with a secret;
// the key type must fit the alg, which jose enforces). Verified tokens are cached by SHA-256 of the
// whole token (bounded LRU), never past `exp`, so a repeated token costs no signature check.
import { hash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWK, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import type { Identity } from '../core/context.ts';
import { AuthFailure } from './failure.ts';
import { claimAt, listClaim } from './identity.ts';
import { ExpiringLru } from './lru.ts';

export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;

export interface ClaimMapping {
  readonly subject: string;
  readonly consumerId: string | undefined;
  /** Claims tried in order; the first present one gives the scopes. */
  readonly scopes: readonly string[];
  readonly roles: string;
}

export interface IssuerSettings {
  readonly issuer: string;
  readonly getKey: JWTVerifyGetKey | Uint8Array;
  readonly algorithms: readonly string[];
  readonly audiences: readonly string[];
  readonly requiredClaims: readonly string[];
  readonly clockToleranceSec: number;
  readonly maxAgeSec: number | undefined;
  readonly claims: ClaimMapping;
}

export interface VerifierOptions {
  readonly issuers: readonly IssuerSettings[];
  readonly maxTokenLength: number;
  readonly cacheEntries: number;
  /** Longest a verified token is trusted without a new signature check (key removals take effect after it). */
  readonly cacheMaxTtlMs: number;
}

export class JwtVerifier {
  readonly #byIssuer: Map<string, { settings: IssuerSettings; options: JWTVerifyOptions }>;
  readonly #cache: ExpiringLru<Identity>;
  readonly #o: VerifierOptions;
  /** Signature checks done, for tests and metrics. */
  verifications = 0;

  constructor(options: VerifierOptions) {
    this.#o = options;
    this.#cache = new ExpiringLru(options.cacheEntries);
    this.#byIssuer = new Map(
      options.issuers.map((s) => [
        s.issuer,
        {
          settings: s,
          options: {
            issuer: s.issuer,
            audience: [...s.audiences],
            algorithms: [...s.algorithms],
            requiredClaims: [...s.requiredClaims],
            clockTolerance: s.clockToleranceSec,
            ...(s.maxAgeSec === undefined ? {} : { maxTokenAge: s.maxAgeSec }),
            crit: {},
          },
        },
      ]),
    );
  }

  /** The identity of a valid token: synchronous on a cache hit. Throws AuthFailure. */
  verify(token: string): Identity | Promise<Identity> {
    if (token.length > this.#o.maxTokenLength) throw new AuthFailure('too_large');
    const key = hash('sha256', token, 'base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    let claims: JWTPayload;
    let header: ProtectedHeaderParameters;
    try {
      if (token.split('.').length !== 3) throw new Error('not a JWS compact serialization');
      claims = decodeJwt(token);
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthFailure('malformed');
    }
    // No extension is understood: any `crit` is refused (jose itself would take "b64").
    if (header.crit !== undefined) throw new AuthFailure('unsupported', 'crit');
    const issuer = typeof claims.iss === 'string' ? this.#byIssuer.get(claims.iss) : undefined;
    if (!issuer) throw new AuthFailure('unknown_issuer');
    return this.#check(token, key, issuer.settings, issuer.options);
  }

  async #check(token: string, cacheKey: string, s: IssuerSettings, options: JWTVerifyOptions): Promise<Identity> {
    this.verifications++;
    let payload: JWTPayload;
    try {
      payload = (await verifyWithAnyKey(token, s.getKey, options)).payload;
    } catch (error) {
      throw toFailure(error);
    }
    const now = Date.now();
    // jose checks `iat` against the clock only with maxTokenAge: a token from the future is refused always.
    if (typeof payload.iat === 'number' && payload.iat * 1000 > now + s.clockToleranceSec * 1000) throw new AuthFailure('claim_invalid', 'iat');
    const identity = toIdentity(payload, s.claims);
    let until = now + this.#o.cacheMaxTtlMs;
    if (typeof payload.exp === 'number') until = Math.min(until, payload.exp * 1000);
    if (s.maxAgeSec !== undefined && typeof payload.iat === 'number') until = Math.min(until, (payload.iat + s.maxAgeSec) * 1000);
    if (until > now) this.#cache.set(cacheKey, identity, until);
    return identity;
  }
}

/** jose refuses when several keys of a set fit the header (no `kid`): try each of them. */
async function verifyWithAnyKey(token: string, key: JWTVerifyGetKey | Uint8Array, options: JWTVerifyOptions) {
  try {
    return typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    let last: unknown = error;
    for await (const candidate of error as unknown as AsyncIterable<Parameters<typeof jwtVerify>[1] & object>) {
      try {
        return await jwtVerify(token, candidate, options);
      } catch (e) {
        last = e;
        if (!(e instanceof errors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw last;
  }
}

function toFailure(error: unknown): AuthFailure {
  if (error instanceof AuthFailure) return error;
  const code = (error as { code?: string }).code;
  const claim = (error as { claim?: string }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthFailure('expired', claim);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return new AuthFailure(claim === 'nbf' ? 'not_yet_valid' : 'claim_invalid', claim);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthFailure('alg_not_allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new AuthFailure('unknown_kid');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthFailure('bad_signature');
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new AuthFailure('unsupported');
    default:
      return new AuthFailure('malformed', undefined, { cause: error });
  }
}

export function toIdentity(payload: JWTPayload, map: ClaimMapping): Identity {
  const claims = payload as Record<string, unknown>;
  const subject = claimAt(claims, map.subject);
  const consumer = map.consumerId === undefined ? undefined : claimAt(claims, map.consumerId);
  let scopes: string[] = [];
  for (const name of map.scopes) {
    const value = claimAt(claims, name);
    if (value !== undefined) {
      scopes = listClaim(value);
      break;
    }
  }
  return Object.freeze({
    consumerId: typeof consumer === 'string' || typeof consumer === 'number' ? String(consumer) : undefined,
    subject: typeof subject === 'string' || typeof subject === 'number' ? String(subject) : undefined,
    scopes: Object.freeze(scopes),
    roles: Object.freeze(listClaim(claimAt(claims, map.roles))),
    claims: Object.freeze({ ...claims }),
    method: 'jwt',
  });
}

/** A jose resolver over static public keys (JWKs, each with an optional kid). */
export function staticKeys(jwks: JWK[]): JWTVerifyGetKey {
  return createLocalJWKSet({ keys: jwks });
}
