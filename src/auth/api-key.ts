// The API key format: pcl_<env>_<32 base62 random>_<6 base62 CRC-32>, e.g.
//   pcl_live_4Xw0c8Jq1lZpQmB7TnE2vR9yKd5sHa3G_2Ru8Zk
// The fixed prefix lets secret scanners find leaked keys; the checksum rejects typos and random
// strings without a store lookup (it is not a secret: the 190 random bits are). The key's id is its
// public prefix `pcl_<env>_<first 8 random chars>`; only the SHA-256 of the whole key is stored.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const ID_RANDOM_CHARS = 8;
export const KEY_PATTERN = /^pcl_([a-z0-9]{1,16})_([0-9A-Za-z]{32})_([0-9A-Za-z]{6})$/;
export const ENV_PATTERN = /^[a-z0-9]{1,16}$/;

export interface GeneratedKey {
  /** The key: shown once, never stored. */
  readonly key: string;
  /** Public id (prefix) of the key. */
  readonly id: string;
  /** Hex SHA-256 of the key. */
  readonly hash: string;
}

export function generateApiKey(env = 'live'): GeneratedKey {
  if (!ENV_PATTERN.test(env)) throw new Error('the key environment must be 1-16 lower-case letters or digits');
  let random = '';
  while (random.length < RANDOM_LENGTH) {
    for (const byte of randomBytes(48)) {
      // 248 = 4 * 62: rejection sampling keeps every character equally likely.
      if (byte < 248 && random.length < RANDOM_LENGTH) random += BASE62[byte % 62];
    }
  }
  const body = `pcl_${env}_${random}`;
  const key = `${body}_${checksum(body)}`;
  return { key, id: keyId(key)!, hash: hashApiKey(key) };
}

/** True when the string has the Portcullis key shape AND its checksum matches. */
export function isWellFormedApiKey(key: string): boolean {
  const m = KEY_PATTERN.exec(key);
  return m !== null && checksum(key.slice(0, key.length - CHECKSUM_LENGTH - 1)) === m[3];
}

/** Has the shape of a Portcullis key (whatever its checksum). */
export function looksLikeApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** The public id (prefix) of a well-shaped key, else undefined. */
export function keyId(key: string): string | undefined {
  const m = KEY_PATTERN.exec(key);
  return m ? `pcl_${m[1]}_${m[2]!.slice(0, ID_RANDOM_CHARS)}` : undefined;
}

export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Constant-time comparison of two hex SHA-256 digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
