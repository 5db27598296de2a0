// API key verification. A key of the Portcullis shape with a wrong checksum is refused without any
// lookup. Keys are found by their SHA-256 among the consumers declared in config, then by their public
// id in the Store (hash compared in constant time). Store answers are cached for at most `cacheTtlMs`
// (≤ 1 s), so a revocation reaches every gateway process within that time without Redis; expiry is
// checked against the clock on every request.
import type { Identity } from '../core/context.ts';
import type { ApiKeyRecord, Consumer, Store } from '../store/types.ts';
import { hashApiKey, isWellFormedApiKey, keyId, looksLikeApiKey, sameHash } from './api-key.ts';
import { AuthFailure, AuthUnavailable } from './failure.ts';
import { ExpiringLru } from './lru.ts';

export interface DeclaredKey {
  readonly sha256: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number | undefined;
}

export interface DeclaredConsumer extends Consumer {
  readonly keys: readonly DeclaredKey[];
}

export interface ApiKeyVerifierOptions {
  /** 'portcullis': only keys of the pcl_ format; 'any': also other shapes declared in config by hash. */
  readonly format: 'portcullis' | 'any';
  readonly consumers: readonly DeclaredConsumer[];
  /** Opens (once) the Store holding created keys; undefined when keys live in config only. */
  readonly store: (() => Promise<Store>) | undefined;
  readonly cacheTtlMs: number;
  readonly cacheEntries: number;
  readonly maxKeyLength: number;
}

interface Found {
  readonly record: Pick<ApiKeyRecord, 'id' | 'scopes' | 'expiresAt' | 'revokedAt'>;
  readonly consumer: Consumer;
}

/** Negative answers are cached too (unknown keys cost the store one lookup per TTL). */
const UNKNOWN = Symbol('unknown');

export class ApiKeyVerifier {
  readonly #o: ApiKeyVerifierOptions;
  readonly #declared = new Map<string, Found>();
  readonly #declaredConsumers: Map<string, Consumer>;
  readonly #cache: ExpiringLru<Found | typeof UNKNOWN>;
  /** Store lookups done, for tests and metrics. */
  lookups = 0;

  constructor(options: ApiKeyVerifierOptions) {
    this.#o = options;
    this.#cache = new ExpiringLru(options.cacheEntries);
    this.#declaredConsumers = new Map(options.consumers.map((c) => [c.id, c]));
    for (const c of options.consumers) {
      for (const [i, k] of c.keys.entries()) {
        const sha = k.sha256.toLowerCase();
        if (this.#declared.has(sha)) throw new Error(`the key hash ${sha.slice(0, 8)}... is declared twice`);
        this.#declared.set(sha, { record: { id: `${c.id}#${i}`, scopes: k.scopes, expiresAt: k.expiresAt, revokedAt: undefined }, consumer: c });
      }
    }
  }

  verify(key: string): Identity | Promise<Identity> {
    if (key.length === 0 || key.length > this.#o.maxKeyLength) throw new AuthFailure('malformed');
    const shaped = looksLikeApiKey(key);
    if (shaped && !isWellFormedApiKey(key)) throw new AuthFailure('bad_checksum');
    if (!shaped && this.#o.format === 'portcullis') throw new AuthFailure('malformed');
    const sha = hashApiKey(key);
    const declared = this.#declared.get(sha);
    if (declared) return check(declared, Date.now());
    if (!shaped || !this.#o.store) throw new AuthFailure('unknown_key');
    const cached = this.#cache.get(sha);
    if (cached === UNKNOWN) throw new AuthFailure('unknown_key');
    if (cached !== undefined) return check(cached, Date.now());
    return this.#lookup(keyId(key)!, sha);
  }

  async #lookup(id: string, sha: string): Promise<Identity> {
    let found: Found | typeof UNKNOWN = UNKNOWN;
    try {
      this.lookups++;
      const store = await this.#o.store!();
      const record = await store.getKey(id);
      if (record && sameHash(record.hash, sha)) {
        const consumer = this.#declaredConsumers.get(record.consumerId) ?? (await store.getConsumer(record.consumerId)) ?? { id: record.consumerId, roles: [], scopes: [], metadata: {} };
        found = { record, consumer };
      }
    } catch (error) {
      throw new AuthUnavailable('the key store cannot be reached', { cause: error });
    }
    this.#cache.set(sha, found, Date.now() + this.#o.cacheTtlMs);
    if (found === UNKNOWN) throw new AuthFailure('unknown_key');
    return check(found, Date.now());
  }
}

function check(found: Found, now: number): Identity {
  const { record, consumer } = found;
  if (record.revokedAt !== undefined && record.revokedAt <= now) throw new AuthFailure('revoked');
  if (record.expiresAt !== undefined && record.expiresAt <= now) throw new AuthFailure('expired');
  // A key's scopes narrow its consumer's (when the consumer has any).
  const scopes = record.scopes.length === 0 ? consumer.scopes : consumer.scopes.length === 0 ? record.scopes : record.scopes.filter((s) => consumer.scopes.includes(s));
  return {
    consumerId: consumer.id,
    subject: consumer.id,
    scopes,
    roles: consumer.roles,
    claims: { keyId: record.id, ...(consumer.tier === undefined ? {} : { tier: consumer.tier }), metadata: consumer.metadata },
    method: 'apiKey',
  };
}
