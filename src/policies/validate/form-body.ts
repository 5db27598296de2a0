// Form bodies as values a schema can check. Fields arrive as strings: the schema validator of a form
// media type coerces them ("42" → 42), repeated fields become arrays. Multipart parts are read per
// the media type's `encoding` (OpenAPI 3): a part's Content-Type must be one the encoding allows, files
// may be at most `maxFileSize` bytes, JSON parts (application/json, or an object property) are
// parsed, and a file's content is kept as a byte string, so `maxLength` on a binary field counts bytes.
import { boundaryOf, parseMultipart } from '../../core/multipart.ts';
import { bareMediaType, isJsonMediaType, mediaRangeMatches } from '../../core/media-type.ts';
import type { Violation } from './operation.ts';

export interface FormShape {
  /** Property name → media type ranges its parts may have (from `encoding.<name>.contentType`). */
  readonly allowedTypes: ReadonlyMap<string, readonly string[]>;
  /** Properties whose parts are JSON documents (type object, or encoded as application/json). */
  readonly jsonFields: ReadonlySet<string>;
}

export interface MultipartOptions {
  readonly maxParts: number;
  readonly maxFileSize: number;
}

/** Reads the shape of a form media type object: its schema's properties and its encoding. */
export function formShapeOf(media: any, resolve: (node: any) => any): FormShape {
  const schema = resolve(media?.schema);
  const allowedTypes = new Map<string, readonly string[]>();
  const jsonFields = new Set<string>();
  for (const [name, enc] of Object.entries<any>(media?.encoding ?? {})) {
    if (typeof enc?.contentType !== 'string') continue;
    const types = enc.contentType.split(',').map(bareMediaType).filter(Boolean);
    allowedTypes.set(name, types);
    if (types.some(isJsonMediaType)) jsonFields.add(name);
  }
  for (const [name, raw] of Object.entries<any>(schema?.properties ?? {})) {
    const prop = resolve(raw);
    const type = prop?.type;
    if ((type === 'object' || (Array.isArray(type) && type.includes('object'))) && !allowedTypes.has(name)) jsonFields.add(name);
  }
  return { allowedTypes, jsonFields };
}

/** application/x-www-form-urlencoded → an object; a repeated field becomes an array. */
export function urlencodedValue(body: Buffer): Record<string, unknown> {
  const value: Record<string, unknown> = Object.create(null);
  const repeated = new Set<string>();
  for (const [key, field] of new URLSearchParams(body.toString('utf8'))) add(value, repeated, key, field);
  return value;
}

/** multipart/form-data → an object, or undefined with the violations that prevented it. */
export function multipartValue(body: Buffer, contentType: string, shape: FormShape, options: MultipartOptions, violations: Violation[]): Record<string, unknown> | undefined {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) {
    violations.push({ in: 'body', message: 'is multipart/form-data without a valid boundary parameter' });
    return undefined;
  }
  const parts = parseMultipart(body, boundary, { maxParts: options.maxParts });
  if (typeof parts === 'string') {
    violations.push({ in: 'body', message: `is not valid multipart/form-data: it ${parts}` });
    return undefined;
  }
  const value: Record<string, unknown> = Object.create(null);
  const repeated = new Set<string>();
  for (const part of parts) {
    const pointer = `/${safeName(part.name)}`;
    const isFile = part.filename !== undefined || !(part.contentType === '' || part.contentType.startsWith('text/') || isJsonMediaType(part.contentType));
    const allowed = shape.allowedTypes.get(part.name);
    if (allowed && !allowed.some((range) => mediaRangeMatches(range, part.contentType || (isFile ? 'application/octet-stream' : 'text/plain')))) {
      violations.push({ in: 'body', pointer, message: `has a part whose media type is not one of ${allowed.join(', ')}` });
      continue;
    }
    if (isFile && part.data.length > options.maxFileSize) {
      violations.push({ in: 'body', pointer, message: `has a file larger than ${options.maxFileSize} bytes` });
      continue;
    }
    if (isJsonMediaType(part.contentType) || shape.jsonFields.has(part.name)) {
      try {
        add(value, repeated, part.name, JSON.parse(part.data.toString('utf8')));
      } catch {
        violations.push({ in: 'body', pointer, message: 'has a part that is not valid JSON' });
      }
      continue;
    }
    add(value, repeated, part.name, part.data.toString(isFile ? 'latin1' : 'utf8'));
  }
  return value;
}

/** Adds a field; the second value of a key turns it into the array of its values. */
function add(target: Record<string, unknown>, repeated: Set<string>, key: string, field: unknown): void {
  if (!(key in target)) target[key] = field;
  else if (repeated.has(key)) (target[key] as unknown[]).push(field);
  else {
    target[key] = [target[key], field];
    repeated.add(key);
  }
}

/** Field names are client-chosen: short and plain in what the error says back. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
}
