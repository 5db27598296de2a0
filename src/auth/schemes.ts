// Turns validated scheme configs into Authenticators: where the credential is read from, how it is
// verified, and its challenge. Key material and settings are checked here, once, at config load.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { JWK } from 'jose';
import { toBytes, toMs } from '../config/units.ts';
import type { RequestContext } from '../core/context.ts';
import type { PolicyEnv } from '../core/policy.ts';
import { sharedStore, describeStore } from '../store/open.ts';
import { ApiKeyVerifier } from './apikey.ts';
import { bearerTokenScheme, quote } from './bearer.ts';
import { afterScheme, dropClientHeader, dropQueryParam } from './hide.ts';
import { keyId } from './api-key.ts';
import type { Authenticator } from './authenticate.ts';
import { sharedJwks } from './jwks.ts';
import { ASYMMETRIC_ALGS, HMAC_ALGS, JwtVerifier, staticKeys, type IssuerSettings } from './jwt.ts';
import { checkTransport } from './plain-http.ts';
import type { ApiKeySchemeConfig, IssuerConfig, JwtSchemeConfig } from './schema.ts';

const MAX_CACHE_TTL_MS = 1000;

export function jwtAuthenticator(name: string, config: JwtSchemeConfig, env: PolicyEnv, where: string): Authenticator & { readonly verifier: JwtVerifier } {
  const seen = new Set<string>();
  const issuers = config.issuers.map((issuer, i) => {
    if (seen.has(issuer.issuer)) throw new Error(`${where}issuers[${i}]: the issuer "${issuer.issuer}" is listed twice`);
    seen.add(issuer.issuer);
    return issuerSettings(issuer, env, `${where}issuers[${i}]`);
  });
  const verifier = new JwtVerifier({
    issuers,
    maxTokenLength: toBytes(config.maxTokenLength),
    cacheEntries: config.cache.maxEntries,
    cacheMaxTtlMs: toMs(config.cache.maxTtl),
  });
  return {
    name,
    kind: 'jwt',
    verifier,
    jwtIssuers: seen,
    ...bearerTokenScheme(config.header, config.scheme, (token) => verifier.verify(token)),
  };
}

function issuerSettings(c: IssuerConfig, env: PolicyEnv, where: string): IssuerSettings {
  const sources = [c.jwksUrl, c.discovery || undefined, c.publicKeys, c.secret].filter((s) => s !== undefined);
  if (sources.length !== 1) throw new Error(`${where}: give exactly one of jwksUrl, discovery, publicKeys or secret`);
  const algorithms = c.algorithms ?? (c.secret !== undefined ? [...HMAC_ALGS] : [...ASYMMETRIC_ALGS]);
  const hmac = algorithms.filter((a) => a.startsWith('HS'));
  if (c.secret !== undefined && hmac.length !== algorithms.length) throw new Error(`${where}: with a secret only HS256, HS384 and HS512 are allowed`);
  if (c.secret === undefined && hmac.length > 0) throw new Error(`${where}: HS* algorithms need a secret (and then only HS*): a public key must never be used as an HMAC secret`);
  let getKey: IssuerSettings['getKey'];
  if (c.secret !== undefined) {
    getKey = new TextEncoder().encode(c.secret);
  } else if (c.publicKeys !== undefined) {
    getKey = staticKeys(c.publicKeys.flatMap((file) => readPublicKeys(file, env.baseDir, where)));
  } else {
    const discovery = c.discovery === true ? `${c.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration` : typeof c.discovery === 'string' ? c.discovery : undefined;
    if (discovery !== undefined && !/^https?:\/\//.test(discovery)) throw new Error(`${where}.discovery: an http(s) URL is needed`);
    checkTransport(discovery ?? c.jwksUrl!, c.allowInsecureHttp === true, `${where}.${discovery !== undefined ? 'discovery' : 'jwksUrl'}`, env.logger);
    const jwks = sharedJwks(
      {
        url: discovery ?? c.jwksUrl!,
        discovery: discovery !== undefined,
        issuer: discovery !== undefined ? c.issuer : undefined,
        minTtlMs: toMs(c.jwks.minTtl),
        maxTtlMs: toMs(c.jwks.maxTtl),
        defaultTtlMs: toMs(c.jwks.defaultTtl),
        cooldownMs: toMs(c.jwks.cooldown),
        timeoutMs: toMs(c.jwks.timeout),
        maxBytes: 512 * 1024,
        allowInsecureHttp: c.allowInsecureHttp === true,
      },
      env.logger,
    );
    jwks.warm();
    getKey = jwks.getKey;
  }
  return {
    issuer: c.issuer,
    getKey,
    algorithms,
    audiences: c.audiences,
    requiredClaims: [...new Set(['exp', ...c.requiredClaims])],
    clockToleranceSec: toMs(c.clockTolerance) / 1000,
    maxAgeSec: c.maxAge === undefined ? undefined : toMs(c.maxAge) / 1000,
    claims: { subject: c.claims.subject, consumerId: c.claims.consumerId, scopes: c.claims.scopes, roles: c.claims.roles },
  };
}

/** Public keys from a PEM (SPKI or certificate) or JSON (JWK or JWK Set) file; private parts refused. */
export function readPublicKeys(file: string, baseDir: string, where: string): JWK[] {
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${where}.publicKeys: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    if (text.trimStart().startsWith('{')) {
      const parsed = JSON.parse(text) as { keys?: JWK[] } & JWK;
      const keys = Array.isArray(parsed.keys) ? parsed.keys : [parsed];
      for (const k of keys) if ('d' in k || k.kty === 'oct') throw new Error('it holds a private or secret key');
      return keys;
    }
    if (text.includes('PRIVATE KEY')) throw new Error('it holds a private key');
    const key = text.includes('BEGIN CERTIFICATE') ? new X509Certificate(text).publicKey : createPublicKey(text);
    return [key.export({ format: 'jwk' }) as JWK];
  } catch (error) {
    throw new Error(`${where}.publicKeys: ${file}: ${(error as Error).message}`);
  }
}

export interface ApiKeyLocation {
  /** From the OpenAPI scheme: header or query parameter name. */
  readonly in?: 'header' | 'query' | 'cookie';
  readonly name?: string;
}

export function apiKeyAuthenticator(name: string, config: ApiKeySchemeConfig, env: PolicyEnv, where: string, fromSpec: ApiKeyLocation = {}): Authenticator & { readonly verifier: ApiKeyVerifier } {
  const cacheTtlMs = toMs(config.cacheTtl);
  if (cacheTtlMs > MAX_CACHE_TTL_MS) throw new Error(`${where}cacheTtl: at most 1s, so that a revoked key is refused within a second`);
  if (fromSpec.in === 'cookie') throw new Error(`${where}: the OpenAPI scheme "${name}" reads the key from a cookie, which is not supported`);
  if (fromSpec.in === 'query' && config.queryParam === undefined) {
    throw new Error(`${where}: the OpenAPI scheme "${name}" reads the key from the query parameter "${fromSpec.name}"; set queryParam to accept keys in URLs (they end up in logs)`);
  }
  const header = (config.header ?? (fromSpec.in === 'header' ? fromSpec.name : undefined) ?? 'x-api-key').toLowerCase();
  const authScheme = config.authorizationScheme;
  const authSchemeLower = authScheme === '' ? undefined : authScheme.toLowerCase();
  const query = config.queryParam;
  if (query !== undefined) env.logger.warn({ scheme: name, queryParam: query }, 'API keys are accepted in the query string: they will appear in access logs and browser histories');
  const consumers = config.consumers.map((c, i) => ({
    id: c.id,
    name: c.name,
    roles: c.roles,
    scopes: c.scopes,
    metadata: c.metadata,
    tier: c.tier,
    keys: c.keys.map((k, j) => {
      const expiresAt = k.expires === undefined ? undefined : Date.parse(k.expires);
      if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw new Error(`${where}consumers[${i}].keys[${j}].expires: not an ISO 8601 date-time`);
      return { sha256: k.sha256, scopes: k.scopes, expiresAt };
    }),
  }));
  const location = config.store;
  let store: (() => ReturnType<typeof sharedStore>) | undefined;
  if (location !== undefined) {
    store = () => sharedStore(location, env.baseDir);
    store().catch((error: unknown) => env.logger.error({ store: describeStore(location), err: (error as Error).message }, 'cannot open the key store'));
  }
  const verifier = new ApiKeyVerifier({ format: config.format, consumers, store, cacheTtlMs, cacheEntries: config.cacheSize, maxKeyLength: 256 });
  const headerLabel = config.header ?? (fromSpec.in === 'header' ? fromSpec.name : undefined) ?? 'X-API-Key';
  return {
    name,
    kind: 'apiKey',
    verifier,
    extract(ctx: RequestContext) {
      const value = ctx.req.headers[header];
      if (typeof value === 'string') return value.trim();
      if (authSchemeLower !== undefined) {
        const auth = ctx.req.headers.authorization;
        const key = auth === undefined ? undefined : afterScheme(auth, authSchemeLower);
        if (key !== undefined) return key;
      }
      if (query !== undefined && ctx.query !== '') {
        const value = new URLSearchParams(ctx.query).get(query);
        if (value !== null) return value;
      }
      return undefined;
    },
    verify: (key) => verifier.verify(key),
    credentialId: (key) => keyId(key),
    headers: [header],
    hide(ctx) {
      dropClientHeader(ctx, header);
      if (authSchemeLower !== undefined) dropClientHeader(ctx, 'authorization', authSchemeLower);
      if (query !== undefined) dropQueryParam(ctx, query);
    },
    challenge: (realm) => `${authScheme || 'ApiKey'} realm="${quote(realm)}", header="${quote(headerLabel)}"`,
  };
}



