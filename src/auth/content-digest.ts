// Content-Digest (RFC 9530): a dictionary of digests of the message content, e.g.
// `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. At least one supported algorithm must be
// present, and every supported one present must match the body (unknown algorithms are ignored).
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseDictionary } from 'structured-headers';

// A Map: the client names the algorithms, and `constructor` is a valid dictionary key.
const ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['sha-256', 'sha256'],
  ['sha-512', 'sha512'],
]);

/** true when the header holds a supported digest and every supported one matches `body`. */
export function contentDigestMatches(header: string, body: Buffer): boolean {
  let dictionary;
  try {
    dictionary = parseDictionary(header);
  } catch {
    return false;
  }
  let checked = 0;
  for (const [name, member] of dictionary) {
    const algorithm = ALGORITHMS.get(name);
    if (algorithm === undefined) continue;
    const value = member[0];
    if (!(value instanceof ArrayBuffer)) return false;
    const expected = createHash(algorithm).update(body).digest();
    const given = Buffer.from(value);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    checked++;
  }
  return checked > 0;
}

/** A Content-Digest value for `body` (sha-256), for clients and tests. */
export function contentDigest(body: Buffer | string): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}
