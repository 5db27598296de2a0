// Path templates inferred from concrete paths, for calls no documented operation describes:
// "/users/42/orders/5f0c…" → "/users/{userId}/orders/{orderId}". A segment is a parameter when it
// looks like data, not like a name: numbers, UUIDs, hex and base64-like ids, dates, emails, or
// anything long with digits mixed in. The parameter is named after the segment before it.

const NUMBER = /^-?\d+(\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(0x)?[0-9a-f]{8,}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}([tT ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([zZ]|[+-]\d{2}:?\d{2})?)?$/;
const EMAIL = /^[^@/\s]+(@|%40)[^@/\s]+\.[a-z]{2,}$/i;
const TOKEN = /^[A-Za-z0-9_-]{16,}={0,2}$/;
const WORD = /^[a-z][a-z_-]*$/i;
const VERSION = /^v\d+(\.\d+)*$/i;

export type SegmentKind = 'number' | 'uuid' | 'hex' | 'date' | 'email' | 'token' | 'literal';

export function segmentKind(segment: string): SegmentKind {
  // Every id form has a digit (an email's "%40" too, or an "@"): names without one are literal.
  if (!hasDigitOrAt(segment) || VERSION.test(segment)) return 'literal';
  if (NUMBER.test(segment)) return 'number';
  if (UUID.test(segment)) return 'uuid';
  if (DATE.test(segment)) return 'date';
  if (HEX.test(segment) && /\d/.test(segment)) return 'hex';
  if (EMAIL.test(segment)) return 'email';
  // Long runs with digits and letters mixed in are ids (base64url, nanoid, ULID...), not names.
  if (TOKEN.test(segment) && /\d/.test(segment) && /[A-Za-z]/.test(segment)) return 'token';
  return 'literal';
}

function hasDigitOrAt(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || c === 0x40) return true;
  }
  return false;
}

export function inferTemplate(path: string): string {
  const segments = path.split('/');
  const used = new Set<string>();
  for (let i = 1; i < segments.length; i++) {
    const kind = segmentKind(segments[i]!);
    if (kind === 'literal') continue;
    let name = paramName(segments[i - 1] ?? '', kind);
    for (let n = 2; used.has(name); n++) name = `${paramName(segments[i - 1] ?? '', kind)}${n}`;
    used.add(name);
    segments[i] = `{${name}}`;
  }
  return segments.join('/');
}

function paramName(previous: string, kind: SegmentKind): string {
  if (!WORD.test(previous)) return kind === 'date' || kind === 'email' ? kind : 'id';
  const singular = previous.endsWith('ies') ? `${previous.slice(0, -3)}y` : previous.endsWith('s') && !previous.endsWith('ss') ? previous.slice(0, -1) : previous;
  return `${singular.replace(/[-_]+([a-z])/gi, (_m, c: string) => c.toUpperCase())}Id`;
}

/** The version number of a "/v2/"-like segment of a path, or undefined. */
export function versionOf(path: string): number | undefined {
  const m = /\/v(\d+)(?=\/|$)/i.exec(path);
  return m ? Number(m[1]) : undefined;
}
