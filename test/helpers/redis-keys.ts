// Cleanup for tests that write to the shared Redis under a key prefix of their own.
import type { Redis } from 'ioredis';

/** Deletes the keys matching `pattern` (a KEYS pattern such as "{prefix}:*"). */
export async function deleteKeys(raw: Redis, pattern: string): Promise<void> {
  const keys = await raw.keys(pattern);
  if (keys.length) await raw.del(...keys);
}
