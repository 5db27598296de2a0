// Brings a request path to the one canonical form that is both routed and forwarded, so no encoding
// trick can reach an operation the policy chain did not see. What cannot be normalized without
// guessing how the upstream would read it is refused (400):
//   encoded "/" "\" or NUL, raw "\", dot-segments (also "%2e", and "..;param"), control or non-ASCII bytes,
//   malformed percent-escapes and percent-escapes that are not UTF-8, a raw "#" (servers that read it
//   as the start of a fragment route "/admin#" as "/admin"), and unless allowed, ";" path parameters
//   (Tomcat and Spring drop ";x" from a segment before routing, others keep it: "/admin;x" would be
//   the gateway's catch-all and the upstream's /admin).
// Percent-escapes of unreserved characters are decoded (RFC 3986 §6.2.2.2), the rest upper-cased;
// "//" is merged into "/" when mergeSlashes is on, refused otherwise.
import { isUtf8 } from 'node:buffer';
import { GatewayError } from '../core/errors.ts';

export function normalizePath(raw: string, mergeSlashes: boolean, pathParameters = false): string {
  return isCanonical(raw) ? raw : slowNormalize(raw, mergeSlashes, pathParameters);
}

/** The common case: printable ASCII without "%", "\", "#", ";", "//" or "/." costs one scan and no allocation. */
function isCanonical(raw: string): boolean {
  if (raw.charCodeAt(0) !== 0x2f) return false;
  let prev = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x25 || c === 0x5c || c === 0x23 || c === 0x3b) return false;
    if (prev === 0x2f && (c === 0x2f || c === 0x2e)) return false;
    prev = c;
  }
  return true;
}

function bad(detail: string): GatewayError {
  return new GatewayError('PCL_ERR_BAD_PATH', detail);
}

function slowNormalize(raw: string, mergeSlashes: boolean, pathParameters: boolean): string {
  if (raw.charCodeAt(0) !== 0x2f) throw bad('the path must start with "/"');
  const parts = raw.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '' && i !== parts.length - 1) {
      if (!mergeSlashes) throw bad('empty path segments ("//") are not allowed');
      continue;
    }
    const normalized = normalizeSegment(seg, pathParameters);
    if (isDotSegment(normalized)) throw bad('dot-segments are not allowed in the path');
    out.push(normalized);
  }
  return `/${out.join('/')}`;
}

// "..;x" is a dot-segment too for servers that drop ";" path parameters before resolving dot-segments
// (Tomcat, Jetty): "/public/..;/admin" would reach /admin there. An encoded ";" counts as well.
function isDotSegment(segment: string): boolean {
  const semicolon = segment.search(/;|%3B/);
  const bare = semicolon === -1 ? segment : segment.slice(0, semicolon);
  return bare === '.' || bare === '..';
}

const HEX = '0123456789ABCDEF';

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  );
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function normalizeSegment(seg: string, pathParameters: boolean): string {
  let out = '';
  let escaped = false;
  const bytes: number[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(seg.charCodeAt(i + 1));
      const lo = hexValue(seg.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw bad('malformed percent-encoding in the path');
      const b = hi * 16 + lo;
      if (b === 0x2f || b === 0x5c) throw bad('encoded "/" or "\\" in the path is ambiguous');
      if (b < 0x20 || b === 0x7f) throw bad('encoded control characters are not allowed in the path');
      escaped = true;
      bytes.push(b);
      out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[hi]}${HEX[lo]}`;
      i += 2;
      continue;
    }
    if (c <= 0x20 || c >= 0x7f) throw bad('the path has characters that must be percent-encoded');
    if (c === 0x5c) throw bad('"\\" is not allowed in the path');
    if (c === 0x23) throw bad('"#" is not allowed in the path (a fragment is never part of a request)');
    if (c === 0x3b && !pathParameters) throw bad('";" path parameters are not allowed: servers disagree on them (forwarding.pathParameters)');
    bytes.push(c);
    out += seg[i];
  }
  if (escaped && !isUtf8(Uint8Array.from(bytes))) throw bad('percent-encoded bytes in the path are not UTF-8');
  return out;
}
