// Shared types of the detection engine. The engine is a pure library: no I/O, no globals.

export type InputLocation =
  | 'path'
  | 'query'
  | 'header'
  /** A header not inspected for every class (see `LOCATION_CLASSES`). */
  | 'header-other'
  | 'cookie'
  | 'body'
  | 'json-key'
  | 'form'
  | 'multipart'
  | 'xml';

/** One decoded value taken from a request (a query value, a JSON leaf, a header...). */
export interface Input {
  location: InputLocation;
  /** Parameter, header, cookie or field name; a JSON path (`$.a.b[0]`) for JSON leaves and keys. */
  name: string;
  value: string;
}

export const ATTACK_CLASSES = [
  'sqli',
  'xss',
  'cmdi',
  'traversal',
  'ssrf',
  'nosqli',
  'ssti',
  'jndi',
  'xxe',
  'ldap',
  'crlf',
  'shellshock',
  'java',
  'code-injection',
  'proto-pollution',
] as const;

export type AttackClass = (typeof ATTACK_CLASSES)[number];

/** Locations inspected for some classes only. `header-other` holds headers with a grammar of their
 *  own (caching, tracing, content negotiation, credentials...), where most classes would be false
 *  positives but a Log4j lookup, a line break or a path climb is an attack whatever the header.
 *  Credentials (Authorization tokens) are random text: lookups and line breaks only. */
export function locationClasses(location: InputLocation, name: string): ReadonlySet<AttackClass> | undefined {
  if (location !== 'header-other') return undefined;
  if (name === 'authorization' || name === 'proxy-authorization') return CREDENTIAL_CLASSES;
  return STORED_HEADERS.has(name) ? STORED_HEADER_CLASSES : OTHER_HEADER_CLASSES;
}
const OTHER_HEADER_CLASSES: ReadonlySet<AttackClass> = new Set<AttackClass>(['jndi', 'crlf', 'traversal']);
/**
 * Headers applications keep or show (a locale put in SQL or in a `lang` attribute, a correlation id in
 * a log table, an entity tag compared in a query): SQL injection and XSS too. Their grammar (`en-US,
 * en;q=0.9`, ids, quoted tags) gives those detectors nothing to find.
 */
const STORED_HEADERS: ReadonlySet<string> = new Set(['accept-language', 'x-correlation-id', 'if-none-match', 'if-match']);
const STORED_HEADER_CLASSES: ReadonlySet<AttackClass> = new Set<AttackClass>(['jndi', 'crlf', 'traversal', 'sqli', 'xss']);
const CREDENTIAL_CLASSES: ReadonlySet<AttackClass> = new Set<AttackClass>(['jndi', 'crlf']);

export type Paranoia = 1 | 2 | 3 | 4;

/** What one detector reports about one value. */
export interface Hit {
  /** Stable rule id inside the class, e.g. `sqli-fingerprint`. */
  rule: string;
  /** Anomaly points: 5 critical, 4 error, 3 warning, 2 notice (the CRS scale). */
  score: number;
  /** Lowest paranoia level at which the hit counts. */
  paranoia: Paranoia;
  /** The matched part of the value (truncated by the engine). */
  evidence: string;
}

export interface Match {
  class: AttackClass;
  rule: string;
  location: InputLocation;
  name: string;
  score: number;
  evidence: string;
}

export interface Verdict {
  blocked: boolean;
  score: number;
  matches: Match[];
}

/** Name of the marker input an extractor adds when it stopped at a limit (item count, depth, size)
 *  and left part of the request uninspected; the verdict is then `truncated`. No extractor names a
 *  real `body` input so (JSON paths start with `$`, a plain body has no name). */
export const TRUNCATED = '#truncated';

/** Says that `out` misses part of the request. */
export function markTruncated(out: Input[]): void {
  const last = out.at(-1);
  if (last?.name !== TRUNCATED || last.location !== 'body') out.push({ location: 'body', name: TRUNCATED, value: '' });
}

/** Name of the marker input an extractor adds when the body cannot be read unambiguously (a multipart
 *  body that parsers would split differently); its value says why. The verdict is then `malformed`
 *  and blocked, whatever the options. */
export const MALFORMED = '#malformed';

/** Says that `out` comes from a body that cannot be read unambiguously, and why (no request data). */
export function markMalformed(out: Input[], reason: string): void {
  out.push({ location: 'body', name: MALFORMED, value: reason });
}

/** The request shape `inspectRequest` and `extractInputs` accept. */
export interface RequestLike {
  method: string;
  /** Path without the query, still percent-encoded. */
  path: string;
  /** Query string without the leading `?`, still percent-encoded. */
  rawQuery?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: string | Buffer;
  contentType?: string;
}
