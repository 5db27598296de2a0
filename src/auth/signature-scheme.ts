// An HTTP message signature scheme as an Authenticator: keys are loaded and checked once (HMAC secrets
// of at least 32 bytes, Ed25519 public keys from PEM or JWK files), each bound to its consumer.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { toMs } from '../config/units.ts';
import type { PolicyEnv } from '../core/policy.ts';
import type { Authenticator } from './authenticate.ts';
import { quote } from './bearer.ts';
import { dropClientHeader } from './hide.ts';
import { isClusterWorker, sharedCounters } from '../store/counters/shared.ts';
import { SignatureVerifier, type SigningKey } from './signature.ts';
import type { SignatureSchemeConfig } from './signature-schema.ts';

export function signatureAuthenticator(name: string, config: SignatureSchemeConfig, env: PolicyEnv, where: string): Authenticator & { readonly verifier: SignatureVerifier } {
  const keys = new Map<string, SigningKey>();
  for (const [i, c] of config.consumers.entries()) {
    const identity = Object.freeze({
      consumerId: c.id,
      subject: c.id,
      scopes: Object.freeze([...c.scopes]),
      roles: Object.freeze([...c.roles]),
      claims: Object.freeze({ ...(c.tier === undefined ? {} : { tier: c.tier }), metadata: c.metadata }),
      method: 'signature',
    });
    for (const [j, k] of c.keys.entries()) {
      const at = `${where}consumers[${i}].keys[${j}]`;
      if (keys.has(k.keyid)) throw new Error(`${at}: the keyid "${k.keyid}" is used twice`);
      keys.set(k.keyid, { keyid: k.keyid, alg: k.alg, material: material(k, env.baseDir, at), identity: Object.freeze({ ...identity, claims: Object.freeze({ ...identity.claims, keyId: k.keyid }) }) });
    }
  }
  // Nonces are shared across processes when there is more than one: Redis when named, else the cluster primary.
  const shared =
    config.replayRedis !== undefined || isClusterWorker()
      ? sharedCounters({ redis: config.replayRedis, timeoutMs: toMs(config.replayTimeout), prefix: 'pcl-signature', maxKeys: config.replayEntries })
      : undefined;
  const verifier = new SignatureVerifier({
    keys,
    components: config.components,
    label: config.label,
    maxAgeMs: toMs(config.maxAge),
    skewMs: toMs(config.clockSkew),
    nonceRequired: config.nonce === 'required',
    replayEntries: config.replayEntries,
    replayStore: shared?.counters,
    replayScope: `${env.scope.api ?? ''}/${env.scope.operationId ?? ''}/${where}${name}`,
  });
  return {
    name,
    kind: 'signature',
    verifier,
    close: async () => shared?.release(),
    extract(ctx) {
      const h = ctx.req.headers;
      if (h['signature-input'] === undefined && h.signature === undefined) return undefined;
      return typeof h['signature-input'] === 'string' ? h['signature-input'] : '';
    },
    verify: (_input, ctx) => verifier.verify(ctx),
    credentialId: (input) => verifier.keyidOf(input),
    hide(ctx) {
      dropClientHeader(ctx, 'signature');
      dropClientHeader(ctx, 'signature-input');
    },
    challenge: (realm) => `Signature realm="${quote(realm)}"`,
  };
}

function material(k: SignatureSchemeConfig['consumers'][number]['keys'][number], baseDir: string, at: string): Buffer | KeyObject {
  if (k.alg === 'hmac-sha256') {
    if (k.secret === undefined || k.publicKey !== undefined) throw new Error(`${at}: hmac-sha256 needs a secret (and no publicKey)`);
    if (Buffer.byteLength(k.secret) < 32) throw new Error(`${at}: the secret must be at least 32 bytes`);
    return Buffer.from(k.secret, 'utf8');
  }
  if (k.publicKey === undefined || k.secret !== undefined) throw new Error(`${at}: ed25519 needs a publicKey file (and no secret)`);
  const path = isAbsolute(k.publicKey) ? k.publicKey : resolve(baseDir, k.publicKey);
  let key: KeyObject;
  try {
    const text = readFileSync(path, 'utf8');
    if (text.includes('PRIVATE KEY') || /"d"\s*:/.test(text)) throw new Error('it holds a private key');
    key = text.trimStart().startsWith('{') ? createPublicKey({ key: JSON.parse(text) as import('node:crypto').JsonWebKey, format: 'jwk' }) : createPublicKey(text);
  } catch (error) {
    throw new Error(`${at}.publicKey: ${k.publicKey}: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${at}.publicKey: not an Ed25519 key`);
  return key;
}
