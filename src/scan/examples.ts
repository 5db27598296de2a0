// Valid values from a schema: the author's example first, then what the schema allows (enum, const,
// default, format, bounds). Free-text strings can carry a marker so the scan can recognize its own data.
import { isServerAssignedField } from '../audit/names.ts';

export interface ExampleOptions {
  /** Returns a unique marker for free-text strings (no enum, format or pattern), or undefined to keep examples. */
  readonly marker?: () => string;
  /** Include optional properties too (default: only required ones, unless none are required). */
  readonly allProperties?: boolean;
}

const MAX_DEPTH = 8;

export function exampleFor(schema: unknown, options: ExampleOptions = {}, depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || depth > MAX_DEPTH) return undefined;
  const s = schema as Record<string, any>;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.allOf)) return mergeAll(s.allOf.map((part: unknown) => exampleFor(part, options, depth + 1)));
  const alternatives = s.oneOf ?? s.anyOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) return exampleFor(alternatives.find((a: any) => a?.type !== 'null') ?? alternatives[0], options, depth + 1);
  const type = mainType(s);
  if (type === 'object' || (type === undefined && s.properties)) return objectExample(s, options, depth);
  if (type === 'array') {
    const item = exampleFor(s.items, options, depth + 1);
    return item === undefined ? [] : Array.from({ length: Math.max(1, Number(s.minItems) || 1) }, () => item);
  }
  if (s.example !== undefined) return freeText(s) && options.marker ? fitMarker(s, options.marker()) : s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum.find((v: unknown) => v !== null) ?? s.enum[0];
  if (s.default !== undefined) return s.default;
  switch (type) {
    case 'integer':
    case 'number':
      return numberExample(s, type);
    case 'boolean':
      return true;
    case 'string':
      return stringExample(s, options);
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/** The first non-null type of `type` (3.1 allows a list). */
export function mainType(s: Record<string, any>): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t: unknown) => t !== 'null') ?? s.type[0];
  return typeof s.type === 'string' ? s.type : undefined;
}

/** A string that is free text: the scan may put its own marker there. */
export function freeText(s: Record<string, any>): boolean {
  return mainType(s) === 'string' && !s.enum && !s.format && !s.pattern && s.const === undefined;
}

function objectExample(s: Record<string, any>, options: ExampleOptions, depth: number): Record<string, unknown> {
  const properties = (s.properties ?? {}) as Record<string, any>;
  const required = new Set<string>(Array.isArray(s.required) ? s.required : []);
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(properties)) {
    if (prop?.readOnly === true) continue;
    if (!required.has(name) && !options.allProperties && required.size > 0) continue;
    if (!required.has(name) && isServerAssignedField(name)) continue;
    const value = exampleFor(prop, options, depth + 1);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function numberExample(s: Record<string, any>, type: string): number {
  const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  let n = min ?? (max !== undefined ? Math.min(1, max) : 1);
  if (type === 'integer') n = Math.ceil(n);
  return n;
}

function stringExample(s: Record<string, any>, options: ExampleOptions): string {
  switch (s.format) {
    case 'email':
      return 'scan@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'date-time':
      return new Date().toISOString();
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'ipv4':
      return '192.0.2.1';
    default:
      break;
  }
  if (freeText(s) && options.marker) return fitMarker(s, options.marker());
  const min = Number(s.minLength) || 1;
  return 'x'.repeat(Math.max(min, 4)).slice(0, typeof s.maxLength === 'number' ? Math.max(s.maxLength, min) : undefined);
}

function fitMarker(s: Record<string, any>, marker: string): string {
  return typeof s.maxLength === 'number' && s.maxLength < marker.length ? marker.slice(-s.maxLength) : marker;
}

function mergeAll(parts: unknown[]): unknown {
  if (parts.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p))) return Object.assign({}, ...parts);
  return parts.find((p) => p !== undefined);
}

/** A parameter's value: its example, its schema's example, or one from its schema. */
export function parameterExample(param: Record<string, any>): unknown {
  if (param.example !== undefined) return param.example;
  if (param.examples && typeof param.examples === 'object') {
    const first = Object.values(param.examples as Record<string, any>)[0];
    if (first && 'value' in first) return first.value;
  }
  return exampleFor(param.schema ?? param);
}

/** A body for a write: the author's example with its free-text strings replaced by markers, else one from the schema. */
export function bodyFor(schema: Record<string, any> | undefined, example: unknown, marker?: () => string): unknown {
  if (example !== undefined && example !== null && typeof example === 'object' && !Array.isArray(example) && schema?.properties && marker) {
    const out: Record<string, unknown> = { ...(example as Record<string, unknown>) };
    for (const [name, value] of Object.entries(out)) {
      const prop = schema.properties[name];
      if (typeof value === 'string' && prop && freeText(prop)) out[name] = fitMarker(prop, marker());
    }
    return out;
  }
  if (example !== undefined) return example;
  return schema ? exampleFor(schema, marker ? { marker } : {}) : undefined;
}
