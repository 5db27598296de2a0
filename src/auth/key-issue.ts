// Making keys in the Store: one implementation for `portcullis keys` and the admin API. The key
// itself is returned once, to be shown once; only its SHA-256 is stored.
import { generateApiKey, type GeneratedKey } from './api-key.ts';
import { DuplicateKeyError, type ApiKeyRecord, type Store } from '../store/types.ts';

export interface IssueOptions {
  readonly scopes?: readonly string[];
  /** Lifetime in milliseconds; none when undefined. */
  readonly expiresInMs?: number | undefined;
  /** Environment part of the key (live, test...). */
  readonly env?: string;
}

const DAY = 86_400_000;
/**
 * Longest lifetime and rotation grace a key may be given. Expiry times are stored as integers and read
 * back as JavaScript numbers: an unbounded duration (99999999999d) made a row no store read could
 * return, and the key list failed until the database was fixed by hand.
 */
export const KEY_LIMITS = { expiresIn: { ms: 3650 * DAY, text: '3650d (10 years)' }, grace: { ms: 365 * DAY, text: '365d' } } as const;

/** Why a lifetime or grace period is refused, or undefined when it is within KEY_LIMITS. */
export function keyDurationProblem(name: keyof typeof KEY_LIMITS, ms: number): string | undefined {
  const limit = KEY_LIMITS[name];
  // A key that expires as it is made is a mistake (grace 0, an immediate rotation, is not).
  if (name === 'expiresIn' && ms === 0) return 'expiresIn must be longer than 0';
  return Number.isFinite(ms) && ms >= 0 && ms <= limit.ms ? undefined : `${name} may be at most ${limit.text}`;
}

function checkDuration(name: keyof typeof KEY_LIMITS, ms: number | undefined): void {
  const problem = ms === undefined ? undefined : keyDurationProblem(name, ms);
  if (problem !== undefined) throw new RangeError(problem);
}

export interface Issued {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** A fresh key with an unused id (ids are 8 random characters: a clash is rare but possible). */
async function insertNew(make: (generated: GeneratedKey) => ApiKeyRecord, env: string, insert: (record: ApiKeyRecord) => Promise<boolean>): Promise<Issued | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const generated = generateApiKey(env);
    const record = make(generated);
    try {
      if (!(await insert(record))) return undefined;
      return { key: generated.key, record };
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }
  throw new Error('could not find a free key id');
}

/** A new key for an existing consumer. */
export async function issueKey(store: Store, consumerId: string, options: IssueOptions = {}, now = Date.now()): Promise<Issued> {
  checkDuration('expiresIn', options.expiresInMs);
  const issued = await insertNew(
    (g) => ({ id: g.id, consumerId, hash: g.hash, scopes: [...(options.scopes ?? [])], createdAt: now, expiresAt: options.expiresInMs === undefined ? undefined : now + options.expiresInMs }),
    options.env ?? 'live',
    async (record) => (await store.insertKey(record), true),
  );
  return issued!;
}

/**
 * Replaces a key: the new one has the old one's consumer, scopes and lifetime (unless `expiresInMs`
 * says otherwise), the old one keeps working for `graceMs`. Undefined when the old key does not exist, is revoked or has expired: a rotation hands
 * over from a working key, and an expired key has nothing to hand over (nor a grace period to give).
 * Its consumer gets a new key instead (issueKey), with scopes and a lifetime chosen again, rather than
 * a copy of the lapsed key's scopes without its expiry.
 */
export async function rotateKey(store: Store, oldId: string, graceMs: number, expiresInMs?: number, now = Date.now()): Promise<(Issued & { oldExpiresAt: number }) | undefined> {
  checkDuration('grace', graceMs);
  checkDuration('expiresIn', expiresInMs);
  const old = await store.getKey(oldId);
  if (!old || keyState(old, now) === 'revoked' || keyState(old, now) === 'expired') return undefined;
  const env = /^pcl_([a-z0-9]+)_/.exec(oldId)?.[1] ?? 'live';
  const issued = await insertNew(
    (g) => ({ id: g.id, consumerId: old.consumerId, hash: g.hash, scopes: old.scopes, createdAt: now, expiresAt: replacementExpiry(old, expiresInMs, now), rotatedFrom: oldId }),
    env,
    (record) => store.rotateKey(oldId, record, now + graceMs),
  );
  return issued && { ...issued, oldExpiresAt: Math.min(old.expiresAt ?? Infinity, now + graceMs) };
}

/**
 * When a replacement ends: after `expiresInMs`, or as long after `now` as the old key was issued
 * for (rotating a 90-day key must not hand over a key that never expires); never, when neither says.
 */
function replacementExpiry(old: Pick<ApiKeyRecord, 'createdAt' | 'expiresAt'>, expiresInMs: number | undefined, now: number): number | undefined {
  if (expiresInMs !== undefined) return now + expiresInMs;
  return old.expiresAt === undefined ? undefined : now + (old.expiresAt - old.createdAt);
}

/** A key's state at `now`, as shown by `keys list` and the dashboard. */
export function keyState(k: Pick<ApiKeyRecord, 'revokedAt' | 'expiresAt'>, now: number): 'revoked' | 'expired' | 'expiring' | 'active' {
  if (k.revokedAt !== undefined) return 'revoked';
  if (k.expiresAt !== undefined) return k.expiresAt <= now ? 'expired' : 'expiring';
  return 'active';
}
