// Request parameters as OpenAPI describes them, turned into the values a schema validates: query
// `form` (exploded or not, objects spread over their properties), `spaceDelimited`, `pipeDelimited` and
// `deepObject`; path `simple`, `label` and `matrix`; header `simple`; cookie `form`.
// Parsers disagree on a value sent twice (Express makes an array of it, Werkzeug's `get` and PHP keep
// one copy, Django the last cookie, Express's cookie parser the first), so whatever is not an array in
// the schema may be sent once: a scalar, an object member (`filter[role]`), a non-exploded list or a
// cookie sent twice is refused, never read as one of its copies.

/** Query parameters or cookies by name, every copy in the order sent. */
export type Pairs = Map<string, string[]>;

export function parseQuery(raw: string): Pairs {
  const map: Pairs = new Map();
  if (raw === '') return map;
  for (const [key, value] of new URLSearchParams(raw)) push(map, key, value);
  return map;
}

/** Every `Cookie` header line (clients may send several), each cookie with all its copies. */
export function parseCookies(header: string | readonly string[] | undefined): Pairs {
  const map: Pairs = new Map();
  if (header === undefined) return map;
  for (const part of (typeof header === 'string' ? header : header.join(';')).split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name === '') continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // kept as sent; the schema decides
    }
    push(map, name, value);
  }
  return map;
}

function push(map: Pairs, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The properties of an object parameter's schema, as far as reading it needs them. */
export interface MemberShape {
  /** Declared properties. */
  readonly names: ReadonlySet<string>;
  /** Properties whose schema is an array: the only members that may be sent more than once. */
  readonly arrays: ReadonlySet<string>;
  /** Other properties: `none` (additionalProperties: false), `implicit` (not said), `scalar` or `array` (said, by a schema or `true`). */
  readonly additional: 'none' | 'implicit' | 'scalar' | 'array';
}

export const NO_MEMBERS: MemberShape = { names: new Set(), arrays: new Set(), additional: 'implicit' };

export interface ParamShape {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly style: string;
  readonly explode: boolean;
  readonly array: boolean;
  readonly object: boolean;
  readonly members: MemberShape;
}

/** A parameter that cannot be read as one value: sent twice (`repeated`) or not in its style (`malformed`). */
export class Unreadable {
  readonly reason: 'repeated' | 'malformed';
  /** The object member sent twice, if that is what was repeated (client-chosen text). */
  readonly member: string | undefined;
  constructor(reason: 'repeated' | 'malformed', member?: string) {
    this.reason = reason;
    this.member = member;
  }
}

const REPEATED = new Unreadable('repeated');
const MALFORMED = new Unreadable('malformed');

export function isArraySchema(schema: any): boolean {
  return hasType(schema, 'array');
}

export function isObjectSchema(schema: any): boolean {
  return hasType(schema, 'object');
}

function hasType(schema: any, name: string): boolean {
  const type = schema?.type;
  return type === name || (Array.isArray(type) && type.includes(name));
}

/** Reads the members of an object schema; `resolve` follows a `$ref`. */
export function membersOf(schema: any, resolve: (node: any) => any): MemberShape {
  const names = new Set<string>();
  const arrays = new Set<string>();
  for (const [name, raw] of Object.entries<any>(schema?.properties ?? {})) {
    names.add(name);
    if (isArraySchema(resolve(raw))) arrays.add(name);
  }
  const extra = schema?.additionalProperties;
  const additional = extra === undefined ? 'implicit' : extra === false ? 'none' : isArraySchema(resolve(extra)) ? 'array' : 'scalar';
  return { names, arrays, additional };
}

function isArrayMember(m: MemberShape, name: string): boolean {
  return m.arrays.has(name) || (!m.names.has(name) && m.additional === 'array');
}

/**
 * Whether a query key (or cookie name) is a member of an exploded `form` object: one of its properties,
 * or, when the schema says it takes other properties, any name no other parameter declares.
 */
function isSpreadMember(p: ParamShape, key: string, declared: ReadonlySet<string>): boolean {
  return !declared.has(key) && (p.members.names.has(key) || p.members.additional === 'scalar' || p.members.additional === 'array');
}

/** Whether a query key belongs to this parameter (for `unknownQueryParams`). */
export function ownsQueryKey(p: ParamShape, key: string, declared: ReadonlySet<string>): boolean {
  if (p.style === 'deepObject') return key === p.name || key.startsWith(`${p.name}[`);
  if (p.object && p.explode && p.style === 'form') return isSpreadMember(p, key, declared);
  return key === p.name;
}

/** The value to validate for one query parameter, undefined when absent, or why it cannot be read. */
export function queryValue(query: Pairs, p: ParamShape, declared: ReadonlySet<string>): unknown {
  if (p.style === 'deepObject') return deepObjectValue(query, p);
  if (p.object && p.explode && p.style === 'form') return spreadValue(query, p, declared, true);
  return formValue(query.get(p.name), p, true);
}

/** The value of one cookie parameter: a cookie is never read from several copies, arrays included. */
export function cookieValue(cookies: Pairs, p: ParamShape, declared: ReadonlySet<string>): unknown {
  if (p.object && p.explode) return spreadValue(cookies, p, declared, false);
  return formValue(cookies.get(p.name), p, false);
}

/** `filter[role]=user&filter[tags]=a&filter[tags]=b`: one level of named members. */
function deepObjectValue(query: Pairs, p: ParamShape): unknown {
  const out: Record<string, unknown> = Object.create(null);
  let found = false;
  const prefix = `${p.name}[`;
  for (const [key, values] of query) {
    if (key === p.name) return MALFORMED; // `filter=x` beside `filter[a]=y`: parsers merge them differently
    if (!key.startsWith(prefix)) continue;
    const member = key.slice(prefix.length, -1);
    // `filter[]=x` and `filter[role][]=x` make arrays of filter or filter.role in qs and PHP: one level only.
    if (!key.endsWith(']') || member === '' || member.includes('[') || member.includes(']')) return MALFORMED;
    if (isArrayMember(p.members, member)) out[member] = [...values];
    else if (values.length > 1) return new Unreadable('repeated', member);
    else out[member] = values[0];
    found = true;
  }
  return found ? out : undefined;
}

/** An exploded `form` object: `?R=100&G=200` for `color` (its members are top-level names). */
function spreadValue(pairs: Pairs, p: ParamShape, declared: ReadonlySet<string>, repeatable: boolean): unknown {
  const out: Record<string, unknown> = Object.create(null);
  let found = false;
  for (const [key, values] of pairs) {
    if (!isSpreadMember(p, key, declared)) continue;
    if (repeatable && isArrayMember(p.members, key)) out[key] = [...values];
    else if (values.length > 1) return new Unreadable('repeated', key);
    else out[key] = values[0];
    found = true;
  }
  return found ? out : undefined;
}

function formValue(values: string[] | undefined, p: ParamShape, repeatable: boolean): unknown {
  if (values === undefined) return undefined;
  if (p.array && p.explode && repeatable) return values; // ?id=3&id=4
  if (values.length > 1) return REPEATED;
  const value = values[0]!;
  const delimiter = p.style === 'spaceDelimited' ? ' ' : p.style === 'pipeDelimited' ? '|' : ',';
  if (p.array) return p.explode ? [value] : value.split(delimiter);
  if (p.object) return pairsValue(value.split(delimiter), p);
  return value;
}

/** Path values (decoded): `simple` (also for the `form` style a Swagger 2.0 document converts to), `label`, `matrix`. */
export function pathValue(raw: string, p: ParamShape): unknown {
  if (p.style === 'label') {
    if (!raw.startsWith('.')) return MALFORMED;
    const rest = raw.slice(1);
    if (p.array) return rest.split(p.explode ? '.' : ',');
    if (p.object) return p.explode ? assignmentsValue(rest.split('.'), p) : pairsValue(rest.split(','), p);
    return rest;
  }
  if (p.style === 'matrix') {
    if (!raw.startsWith(';')) return MALFORMED;
    const segments = raw.slice(1).split(';').map((s): [string, string] => {
      const eq = s.indexOf('=');
      return eq === -1 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
    });
    if (p.object && p.explode) return membersValue(segments, p); // ;R=100;G=200
    if (segments.some(([name]) => name !== p.name)) return MALFORMED;
    if (p.array && p.explode) return segments.map(([, v]) => v); // ;id=3;id=4
    if (segments.length > 1) return REPEATED; // ;id=5;id=6
    const value = segments[0]![1];
    if (p.array) return value.split(',');
    if (p.object) return pairsValue(value.split(','), p);
    return value;
  }
  return simpleValue(raw, p);
}

/** Header values: `simple`. A list may span several header lines; anything else is sent once. */
export function headerValue(lines: readonly string[] | undefined, p: ParamShape): unknown {
  if (lines === undefined || lines.length === 0) return undefined;
  if (!p.array && lines.length > 1) return REPEATED;
  return simpleValue(lines.join(','), p);
}

/** `simple` style: lists comma-separated, objects `R,100,G,200` (or `R=100,G=200` exploded). */
function simpleValue(raw: string, p: ParamShape): unknown {
  if (p.array) return raw.split(',');
  if (p.object) return p.explode ? assignmentsValue(raw.split(','), p) : pairsValue(raw.split(','), p);
  return raw;
}

/** `R,100,G,200` → { R: '100', G: '200' }. */
function pairsValue(list: string[], p: ParamShape): unknown {
  if (list.length === 1 && list[0] === '') return Object.create(null);
  if (list.length % 2 !== 0) return MALFORMED;
  const pairs: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  return membersValue(pairs, p);
}

/** `R=100`, `G=200` → { R: '100', G: '200' }. */
function assignmentsValue(list: string[], p: ParamShape): unknown {
  if (list.length === 1 && list[0] === '') return Object.create(null);
  const pairs: [string, string][] = [];
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === -1) return MALFORMED;
    pairs.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return membersValue(pairs, p);
}

function membersValue(pairs: readonly [string, string][], p: ParamShape): unknown {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, value] of pairs) {
    const array = isArrayMember(p.members, name);
    if (!(name in out)) out[name] = array ? [value] : value;
    else if (array) (out[name] as string[]).push(value);
    else return new Unreadable('repeated', name);
  }
  return out;
}
