// The structure of JSON bodies seen, inferred without keeping any value: per position, how many values
// of each JSON type were seen, which string formats all strings matched, the properties of objects
// with how often each was present, and the merged items of arrays. Shapes merge by adding counts (one
// per cluster worker, one loaded from the store) and render as a JSON Schema for the OpenAPI draft.
// Bounded: depth, properties per object and nodes per shape. Object keys that look like data (ids,
// emails, dates; see segmentKind) are never kept as property names: they become additionalProperties.
import { segmentKind } from './templates.ts';

export interface Shape {
  /** Values seen at this position. */
  n: number;
  null?: number;
  boolean?: number;
  integer?: number;
  /** Numbers with a fraction. */
  number?: number;
  string?: number;
  /** Strings matching each format (each string counts for its first matching format). */
  formats?: Record<string, number>;
  array?: number;
  items?: Shape;
  object?: number;
  /** Named properties; props[k].n = how many of the objects had k. */
  props?: Record<string, Shape>;
  /** Values under keys that look like data (a map keyed by ids): additionalProperties. */
  map?: Shape;
  /** Some properties were left out (bounds): additionalProperties stays open. */
  cut?: boolean;
}

const MAX_DEPTH = 8;
const MAX_PROPS = 64;
const MAX_NODES = 300;
const MAX_KEY = 64;
const MAX_FORMAT_LENGTH = 256;

const FORMATS: [string, RegExp][] = [
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
  ['date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/],
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  ['email', /^[^@\s"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/],
  ['ipv4', /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/],
  ['uri', /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i],
];
const FORMAT_NAMES = new Set(FORMATS.map(([name]) => name));

/** The shape of one parsed JSON value. */
export function shapeOf(value: unknown): Shape {
  const budget = { nodes: MAX_NODES };
  return observe(value, 0, budget);
}

function observe(value: unknown, depth: number, budget: { nodes: number }): Shape {
  budget.nodes--;
  if (value === null) return { n: 1, null: 1 };
  switch (typeof value) {
    case 'boolean':
      return { n: 1, boolean: 1 };
    case 'number':
      return Number.isInteger(value) ? { n: 1, integer: 1 } : { n: 1, number: 1 };
    case 'string': {
      const format = formatOf(value);
      return format ? { n: 1, string: 1, formats: { [format]: 1 } } : { n: 1, string: 1 };
    }
  }
  if (Array.isArray(value)) {
    const shape: Shape = { n: 1, array: 1 };
    if (depth >= MAX_DEPTH) return shape;
    for (const item of value) {
      if (budget.nodes <= 0) break;
      shape.items = shape.items ? merge(shape.items, observe(item, depth + 1, budget)) : observe(item, depth + 1, budget);
    }
    return shape;
  }
  const shape: Shape = { n: 1, object: 1 };
  if (depth >= MAX_DEPTH) return { ...shape, cut: true };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (budget.nodes <= 0) {
      shape.cut = true;
      break;
    }
    const child = observe(v, depth + 1, budget);
    if (isDataKey(key)) shape.map = shape.map ? merge(shape.map, child) : child;
    else if (Object.keys((shape.props ??= Object.create(null) as Record<string, Shape>)).length < MAX_PROPS) shape.props[key] = child;
    else shape.cut = true;
  }
  return shape;
}

/** A key that is data, not a name: never kept (it could be an email, an id, a token...). */
function isDataKey(key: string): boolean {
  return key.length > MAX_KEY || key === '__proto__' || segmentKind(key) !== 'literal' || /\s|@/.test(key);
}

function formatOf(s: string): string | undefined {
  if (s.length > MAX_FORMAT_LENGTH) return undefined;
  for (const [name, re] of FORMATS) if (re.test(s)) return name;
  return undefined;
}

const COUNTS = ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object'] as const;

/** a + b, as a new shape (neither is changed); bounded like shapeOf. */
export function merge(a: Shape, b: Shape): Shape {
  const out = mergeInto(structuredClone(a), b);
  return size(out) > MAX_NODES * 2 ? a : out;
}

function mergeInto(a: Shape, b: Shape): Shape {
  a.n += b.n;
  for (const k of COUNTS) if (b[k]) a[k] = (a[k] ?? 0) + b[k]!;
  if (b.formats) for (const [f, n] of Object.entries(b.formats)) (a.formats ??= {})[f] = (a.formats[f] ?? 0) + n;
  if (b.items) a.items = a.items ? mergeInto(a.items, b.items) : structuredClone(b.items);
  if (b.map) a.map = a.map ? mergeInto(a.map, b.map) : structuredClone(b.map);
  if (b.cut) a.cut = true;
  if (b.props) {
    const props = (a.props ??= Object.create(null) as Record<string, Shape>);
    for (const [k, v] of Object.entries(b.props)) {
      if (props[k]) mergeInto(props[k], v);
      else if (Object.keys(props).length < MAX_PROPS) props[k] = structuredClone(v);
      else a.cut = true;
    }
  }
  return a;
}

function size(s: Shape): number {
  let n = 1;
  if (s.items) n += size(s.items);
  if (s.map) n += size(s.map);
  if (s.props) for (const v of Object.values(s.props)) n += size(v);
  return n;
}

/**
 * A JSON Schema (2020-12, as OpenAPI 3.1 uses) of the structure: types, formats every string matched,
 * properties, required = present in every object seen, merged array items. Never a value.
 */
export function toJsonSchema(s: Shape): Record<string, unknown> {
  const types: string[] = [];
  if (s.object) types.push('object');
  if (s.array) types.push('array');
  if (s.string) types.push('string');
  if (s.number) types.push('number');
  else if (s.integer) types.push('integer');
  if (s.boolean) types.push('boolean');
  if (s.null) types.push('null');
  const schema: Record<string, unknown> = types.length === 1 ? { type: types[0] } : types.length ? { type: types } : {};
  if (s.string && s.formats) {
    const all = Object.entries(s.formats).find(([, n]) => n === s.string);
    if (all) schema.format = all[0];
  }
  if (s.array) schema.items = s.items ? toJsonSchema(s.items) : {};
  if (s.object) {
    if (s.props) {
      const names = Object.keys(s.props).sort();
      schema.properties = Object.fromEntries(names.map((k) => [k, toJsonSchema(s.props![k]!)]));
      const required = names.filter((k) => s.props![k]!.n === s.object);
      if (required.length) schema.required = required;
    }
    if (s.map) schema.additionalProperties = toJsonSchema(s.map);
  }
  return schema;
}

/** A shape read back from the store or another process, checked field by field; undefined if malformed. */
export function reviveShape(value: unknown, depth = 0): Shape | undefined {
  if (depth > MAX_DEPTH + 1 || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const count = (x: unknown) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : undefined);
  const n = count(v.n);
  if (n === undefined) return undefined;
  const s: Shape = { n };
  for (const k of COUNTS) {
    const c = count(v[k]);
    if (c) s[k] = c;
  }
  if (v.formats && typeof v.formats === 'object') {
    for (const [f, c] of Object.entries(v.formats)) if (FORMAT_NAMES.has(f) && count(c)) (s.formats ??= {})[f] = c as number;
  }
  if (v.items !== undefined) s.items = reviveShape(v.items, depth + 1);
  if (v.map !== undefined) s.map = reviveShape(v.map, depth + 1);
  if (v.cut === true) s.cut = true;
  if (v.props && typeof v.props === 'object') {
    for (const [k, child] of Object.entries(v.props).slice(0, MAX_PROPS)) {
      const shape = isDataKey(k) ? undefined : reviveShape(child, depth + 1);
      if (shape) (s.props ??= Object.create(null) as Record<string, Shape>)[k] = shape;
    }
  }
  if (s.items === undefined) delete s.items;
  if (s.map === undefined) delete s.map;
  return s;
}
