// JSON Schema of an OAuth2 token introspection scheme (RFC 7662), for auth-introspection and the
// `introspection:` schemes of auth-schemes.
import { durationSchema, sizeSchema } from '../config/units.ts';
import type { Duration, Size } from '../config/types.ts';
import { ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS, type ClientAuthMethod } from './client-auth.ts';
import { INTROSPECT_JWTS, type IntrospectJwts } from './jwt-routing.ts';

/** RFC 7662 leaves `token_type` open: servers answer the RFC 7009 hint, the RFC 6750 type or the RFC 8693 URN. */
export const DEFAULT_TOKEN_TYPES = ['access_token', 'bearer', 'urn:ietf:params:oauth:token-type:access_token'];

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const dur = (description: string, dflt: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, default: dflt });
const closed = (description: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', description, additionalProperties: false, properties, ...extra });

export const introspectionSchemeProperties = {
  endpoint: str('URL of the authorization server\'s introspection endpoint. Plain http:// only to a loopback host, or with allowInsecureHttp.', { pattern: '^https?://' }),
  allowInsecureHttp: { type: 'boolean', default: false, description: 'Accept an `endpoint` over plain http:// to a host other than loopback (a warning is logged at load). Tokens and the client secret then cross the network in clear text.' },
  clientId: str('Client id the gateway authenticates with.', { minLength: 1 }),
  clientAuthentication: str('How the gateway authenticates to the endpoint: the secret in HTTP Basic (`client_secret_basic`) or in the form (`client_secret_post`), or an assertion signed with `privateKey` (`private_key_jwt`, RFC 7523).', { enum: [...CLIENT_AUTH_METHODS], default: 'client_secret_basic' }),
  clientSecret: str('The client secret (client_secret_basic, client_secret_post); use ${file:...} or ${ENV}, never a literal in a shared file.', { minLength: 1 }),
  privateKey: str('private_key_jwt: PEM file of the client\'s private key (RSA, EC or Ed25519), relative to the config file.'),
  assertionAlgorithm: str('private_key_jwt: signing algorithm (default: RS256, ES256/ES384 or EdDSA after the key type).', { enum: [...ASSERTION_ALGORITHMS] }),
  assertionKeyId: str('private_key_jwt: `kid` of the assertion header, when the authorization server wants one.'),
  assertionAudience: str('private_key_jwt: `aud` of the assertion (default: the endpoint URL; some servers want their issuer).'),
  tokenTypeHint: str('token_type_hint sent with each token ("" sends none).', { default: 'access_token' }),
  issuer: str('When set, an active token\'s `iss` must be exactly this.'),
  audiences: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'When set, an active token\'s `aud` must name one of them.' },
  acceptTokenTypes: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, default: DEFAULT_TOKEN_TYPES, description: 'Accepted `token_type` values of an active answer (any letter case); an answer with another one (refresh_token, id_token, DPoP...) is refused. An answer without `token_type` is accepted.' },
  introspectJwts: str('Which JWT-shaped tokens (compact JWS) are sent to the endpoint. unknownIssuers: those whose `iss` is no issuer of a JWT scheme of the same requirement (that scheme alone judges its own); never: none (refused by this scheme); always: every one, and a JWT of a configured issuer must then pass both its JWT scheme and introspection.', { enum: [...INTROSPECT_JWTS], default: 'unknownIssuers' }),
  claims: closed('Where the identity comes from in the introspection answer (names or dot paths).', {
    subject: str('Subject member (falls back to `username`).', { default: 'sub' }),
    consumerId: str('Member naming the consumer.', { default: 'client_id' }),
    scopes: { type: 'array', items: { type: 'string' }, default: ['scope'], description: 'Members holding scopes, tried in order.' },
    roles: str('Member holding roles.', { default: 'roles' }),
  }, { default: {} }),
  timeout: dur('Time limit of one introspection call; slower is a 503.', '3s'),
  clockTolerance: dur('Allowed clock skew for exp and nbf.', '30s'),
  header: str('Request header carrying the token.', { default: 'authorization' }),
  scheme: str('Authentication scheme before the token in that header ("" for the bare token).', { default: 'Bearer' }),
  maxTokenLength: { ...sizeSchema, default: '4kb', description: `Longer tokens are refused unsent. ${sizeSchema.description}` },
  cache: closed('Introspection answers, cached by the SHA-256 of the token.', {
    maxEntries: { type: 'integer', minimum: 1, default: 10000, description: 'Answers kept at most.' },
    maxTtl: dur('Longest an active answer is reused (never past the token\'s `exp`); a revoked token keeps working at most this long.', '1m'),
    negativeTtl: dur('How long an inactive answer is reused.', '10s'),
  }, { default: {} }),
};

export const introspectionRequired = ['endpoint', 'clientId'];

export interface IntrospectionSchemeConfig {
  endpoint: string;
  clientId: string;
  clientAuthentication: ClientAuthMethod;
  clientSecret?: string;
  privateKey?: string;
  assertionAlgorithm?: (typeof ASSERTION_ALGORITHMS)[number];
  assertionKeyId?: string;
  assertionAudience?: string;
  allowInsecureHttp: boolean;
  tokenTypeHint: string;
  issuer?: string;
  audiences?: string[];
  acceptTokenTypes: string[];
  introspectJwts: IntrospectJwts;
  claims: { subject: string; consumerId: string; scopes: string[]; roles: string };
  timeout: Duration;
  clockTolerance: Duration;
  header: string;
  scheme: string;
  maxTokenLength: Size;
  cache: { maxEntries: number; maxTtl: Duration; negativeTtl: Duration };
}
