// JSON Schema fragments shared by the auth-* policies: JWT and API key schemes, identity headers,
// brute-force limits. Defaults live here; the policies validate the rest when they are created.
import { durationSchema, sizeSchema } from '../config/units.ts';
import type { Duration, Size } from '../config/types.ts';
import { ASYMMETRIC_ALGS, HMAC_ALGS } from './jwt.ts';

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const strings = (description: string, dflt?: string[]) => ({ type: 'array', items: { type: 'string' }, description, ...(dflt ? { default: dflt } : {}) });
const dur = (description: string, dflt?: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, ...(dflt ? { default: dflt } : {}) });
const closed = (description: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', description, additionalProperties: false, properties, ...extra });

export const identityHeadersSchema = closed('Identity headers sent upstream. They are always removed from client requests first, so they cannot be forged. "" sends none.', {
  consumerId: str('Header carrying the consumer id.', { default: 'x-consumer-id' }),
  subject: str('Header carrying the subject (JWT `sub`, or the consumer id).', { default: 'x-auth-subject' }),
  scopes: str('Header carrying the granted scopes, space-separated (a scope containing whitespace or a comma is left out).', { default: 'x-auth-scopes' }),
  roles: str('Header carrying the roles, space-separated (a role containing whitespace or a comma is left out).', { default: '' }),
}, { default: {} });

export const bruteForceSchema = closed('Failed authentications per client address; past the limit the address is locked out (429) for a while.', {
  enabled: { type: 'boolean', default: true, description: 'Count failures and lock out.' },
  maxFailures: { type: 'integer', minimum: 1, default: 10, description: 'Failures within `window` that start a lockout.' },
  window: dur('Window in which failures are counted.', '1m'),
  lockout: dur('How long a locked-out address is refused.', '5m'),
  maxClients: { type: 'integer', minimum: 100, default: 10000, description: 'Addresses whose failures are counted at most (the least recently used are forgotten first), and addresses locked out at most (a lockout is never forgotten before it ends; when all are taken, an address reaching the limit is not locked out until one ends).' },
  perCredential: closed('Failed authentications per credential id (API key id, signature keyid), from any address; past the limit that credential is locked out (429), a valid use of it too.', {
    enabled: { type: 'boolean', default: true, description: 'Count failures per credential and lock out.' },
    maxFailures: { type: 'integer', minimum: 1, default: 20, description: 'Failures within `window` that lock the credential.' },
    window: dur('Window in which failures are counted.', '1m'),
    lockout: dur('How long a locked credential is refused.', '5m'),
    maxCredentials: { type: 'integer', minimum: 100, default: 10000, description: 'Credential ids whose failures are counted at most, and credential ids locked out at most (as maxClients).' },
  }, { default: {} }),
}, { default: {} });

export const commonProperties = {
  realm: str('`realm` of the WWW-Authenticate challenges; defaults to the API name.'),
  identityHeaders: identityHeadersSchema,
  bruteForce: bruteForceSchema,
  hideCredentials: { type: 'boolean', default: false, description: 'Remove the credentials that authenticated the request (Authorization, API key header or query parameter, Signature/Signature-Input) before forwarding it upstream.' },
};

const algorithms = { type: 'array', items: { type: 'string', enum: [...ASYMMETRIC_ALGS, ...HMAC_ALGS] }, minItems: 1, description: 'Allowed `alg` values. Defaults: the asymmetric ones for keys, HS256/384/512 for a secret. `none` is never allowed.' };

const issuer = closed('A token issuer the gateway trusts. Give exactly one key source: jwksUrl, discovery, publicKeys or secret.', {
  issuer: str('Exact `iss` value of its tokens.'),
  jwksUrl: str('URL of its JSON Web Key Set.', { pattern: '^https?://' }),
  discovery: { type: ['boolean', 'string'], description: 'OpenID Connect discovery: true for `<issuer>/.well-known/openid-configuration`, or the URL of the document. Its `jwks_uri` is used.' },
  publicKeys: strings('Files with public keys: PEM (SPKI or certificate), a JWK or a JWK Set (JSON). Relative to the config file.'),
  secret: str('HMAC secret (at least 32 bytes) for HS256/384/512; use ${file:...} or ${ENV}. Only then are HS* algorithms allowed.', { minLength: 32 }),
  algorithms,
  audiences: { ...strings('Accepted `aud` values; a token must name one of them.'), minItems: 1 },
  requiredClaims: strings('Claims a token must have (`exp` is always required).', []),
  clockTolerance: dur('Allowed clock skew for exp, nbf and iat.', '30s'),
  maxAge: dur('Oldest accepted token, by its `iat` (then required).'),
  allowInsecureHttp: { type: 'boolean', default: false, description: 'Accept a `jwksUrl` or discovery URL over plain http:// to a host other than loopback (a warning is logged at load). Anyone on the path could then replace the keys.' },
  claims: closed('Where the identity comes from in the claims (names or dot paths such as "realm_access.roles").', {
    subject: str('Subject claim.', { default: 'sub' }),
    consumerId: str('Claim naming the consumer (e.g. "azp" or "client_id"); none by default.'),
    scopes: strings('Claims holding scopes, tried in order (space-separated string or array).', ['scope', 'scp']),
    roles: str('Claim holding roles (array or space-separated string).', { default: 'roles' }),
  }, { default: {} }),
  jwks: closed('JWKS caching.', {
    minTtl: dur('Shortest time a fetched set is considered fresh, whatever its Cache-Control says.', '30s'),
    maxTtl: dur('Longest time a fetched set is considered fresh.', '1d'),
    defaultTtl: dur('Freshness when the response has no caching headers.', '10m'),
    cooldown: dur('Least time between fetches triggered by an unknown `kid` or after a failed fetch.', '10s'),
    timeout: dur('Time limit of one fetch.', '5s'),
  }, { default: {} }),
}, { required: ['issuer', 'audiences'] });

export const jwtSchemeProperties = {
  issuers: { type: 'array', items: issuer, minItems: 1, description: 'Trusted issuers; the token\'s `iss` picks one.' },
  header: str('Request header carrying the token.', { default: 'authorization' }),
  scheme: str('Authentication scheme before the token in that header ("" for the bare token).', { default: 'Bearer' }),
  maxTokenLength: { ...sizeSchema, default: '8kb', description: `Longer tokens are refused unread. ${sizeSchema.description}` },
  cache: closed('Verified-token cache (bounded LRU keyed by the token\'s SHA-256; never past `exp`).', {
    maxEntries: { type: 'integer', minimum: 1, default: 10000, description: 'Tokens kept at most.' },
    maxTtl: dur('Longest a token is trusted without a new signature check.', '5m'),
  }, { default: {} }),
};

const declaredKey = closed('An API key of this consumer, by its SHA-256 (hex): `portcullis keys hash` prints it.', {
  sha256: str('Hex SHA-256 of the whole key.', { pattern: '^[0-9a-fA-F]{64}$' }),
  scopes: strings('Scopes this key is limited to (narrows the consumer\'s).', []),
  expires: str('Expiry, an ISO 8601 date-time ("2026-01-31T00:00:00Z").'),
}, { required: ['sha256'] });

const consumer = closed('A consumer declared in config.', {
  id: str('Consumer id (sent upstream in X-Consumer-Id).', { minLength: 1 }),
  name: str('Display name.'),
  roles: strings('Roles.', []),
  scopes: strings('Scopes.', []),
  metadata: { type: 'object', description: 'Free-form data.', default: {} },
  tier: str('Rate-limit tier.'),
  keys: { type: 'array', items: declaredKey, default: [], description: 'Its API keys, by hash.' },
}, { required: ['id'] });

export const apiKeySchemeProperties = {
  header: str('Request header carrying the key. Default: the OpenAPI scheme\'s `name`, else "x-api-key".'),
  authorizationScheme: str('Also accept "Authorization: <scheme> <key>"; "" turns it off.', { default: 'ApiKey' }),
  queryParam: str('Also read the key from this query parameter. Off unless set (keys in URLs end up in logs); a warning is logged at startup.'),
  format: { type: 'string', enum: ['portcullis', 'any'], default: 'portcullis', description: 'portcullis: only pcl_ keys (the checksum is verified before any lookup); any: also keys of other shapes declared in `consumers` by hash.' },
  store: str('Store with the keys made by `portcullis keys`: a SQLite file path or a postgres:// URL.'),
  consumers: { type: 'array', items: consumer, default: [], description: 'Consumers and key hashes declared in config.' },
  cacheTtl: dur('How long a store answer is reused (at most 1s: a revoked key is refused by every process within it).', '1s'),
  cacheSize: { type: 'integer', minimum: 1, default: 10000, description: 'Store answers cached at most.' },
};

export interface IdentityHeadersConfig {
  consumerId: string;
  subject: string;
  scopes: string;
  roles: string;
}

export interface BruteForceConfig {
  enabled: boolean;
  maxFailures: number;
  window: Duration;
  lockout: Duration;
  maxClients: number;
  perCredential: { enabled: boolean; maxFailures: number; window: Duration; lockout: Duration; maxCredentials: number };
}

export interface CommonConfig {
  realm?: string;
  identityHeaders: IdentityHeadersConfig;
  bruteForce: BruteForceConfig;
  hideCredentials: boolean;
}

export interface IssuerConfig {
  issuer: string;
  jwksUrl?: string;
  discovery?: boolean | string;
  publicKeys?: string[];
  secret?: string;
  algorithms?: string[];
  audiences: string[];
  requiredClaims: string[];
  clockTolerance: Duration;
  maxAge?: Duration;
  allowInsecureHttp?: boolean;
  claims: { subject: string; consumerId?: string; scopes: string[]; roles: string };
  jwks: { minTtl: Duration; maxTtl: Duration; defaultTtl: Duration; cooldown: Duration; timeout: Duration };
}

export interface JwtSchemeConfig {
  issuers: IssuerConfig[];
  header: string;
  scheme: string;
  maxTokenLength: Size;
  cache: { maxEntries: number; maxTtl: Duration };
}

export interface ApiKeySchemeConfig {
  header?: string;
  authorizationScheme: string;
  queryParam?: string;
  format: 'portcullis' | 'any';
  store?: string;
  consumers: { id: string; name?: string; roles: string[]; scopes: string[]; metadata: Record<string, unknown>; tier?: string; keys: { sha256: string; scopes: string[]; expires?: string }[] }[];
  cacheTtl: Duration;
  cacheSize: number;
}
