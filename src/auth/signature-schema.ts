// JSON Schema of an HTTP message signature scheme (RFC 9421), for auth-signature and the `signature:`
// schemes of auth-schemes: consumers, their keys (by keyid) and the rules a signature must meet.
import { durationSchema } from '../config/units.ts';
import type { Duration } from '../config/types.ts';
import { consumerIdentityProperties } from './consumer-schema.ts';

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const strings = (description: string, dflt: string[] = []) => ({ type: 'array', items: { type: 'string' }, default: dflt, description });
const dur = (description: string, dflt: string) => ({ ...durationSchema, description: `${description} ${durationSchema.description}`, default: dflt });

const key = {
  type: 'object',
  additionalProperties: false,
  description: 'A signing key of this consumer: an HMAC secret or an Ed25519 public key.',
  properties: {
    keyid: str('The `keyid` signatures name.', { minLength: 1 }),
    alg: { type: 'string', enum: ['hmac-sha256', 'ed25519'], description: 'Algorithm; a signature\'s `alg` parameter, when given, must be this.' },
    secret: str('hmac-sha256: the shared secret (at least 32 bytes); use ${file:...} or ${ENV}.', { minLength: 32 }),
    publicKey: str('ed25519: file with the public key (PEM SPKI or a JWK), relative to the config file.'),
  },
  required: ['keyid', 'alg'],
};

const consumer = {
  type: 'object',
  additionalProperties: false,
  description: 'A consumer that signs its requests.',
  properties: {
    ...consumerIdentityProperties,
    keys: { type: 'array', items: key, minItems: 1, description: 'Its keys.' },
  },
  required: ['id', 'keys'],
};

export const signatureSchemeProperties = {
  consumers: { type: 'array', items: consumer, minItems: 1, description: 'Consumers and their signing keys.' },
  components: strings('Components every signature must cover. `@target-uri` may be replaced by `@authority` + `@path` (+ `@query` when there is one). `content-digest` is required in addition whenever the request has a body.', ['@method', '@target-uri']),
  label: str('Signature label to verify (the key in Signature-Input); default: the first one.'),
  maxAge: dur('Oldest accepted signature, by its `created`.', '5m'),
  clockSkew: dur('Allowed clock difference for created and expires.', '30s'),
  nonce: { type: 'string', enum: ['required', 'optional'], default: 'required', description: 'required: every signature carries a `nonce`; a nonce (and a signature) seen within maxAge is refused as a replay.' },
  replayEntries: { type: 'integer', minimum: 1000, default: 100000, description: 'Nonces and signatures remembered at most (in-process); none is forgotten before its lifetime ends: when full, new signed requests get 503.' },
  replayRedis: str('Redis URL where nonces and signatures are also remembered, so that a request replayed to any gateway sharing it is refused. Without it, the workers of one gateway share them through its primary process.'),
  replayTimeout: dur('Longest wait for the shared replay store; beyond it the request gets 503 (never a pass).', '200ms'),
};

export interface SignatureSchemeConfig {
  consumers: { id: string; roles: string[]; scopes: string[]; tier?: string; metadata: Record<string, unknown>; keys: { keyid: string; alg: 'hmac-sha256' | 'ed25519'; secret?: string; publicKey?: string }[] }[];
  components: string[];
  label?: string;
  maxAge: Duration;
  clockSkew: Duration;
  nonce: 'required' | 'optional';
  replayEntries: number;
  replayRedis?: string;
  replayTimeout: Duration;
}
