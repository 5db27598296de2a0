// Loads an OpenAPI 3.0 / 3.1 (or Swagger 2.0) document from a YAML or JSON file, resolves its $refs
// (local and relative files under the document's folder; never URLs, never a file elsewhere) and keeps
// source positions of the root file for messages.
import { readFile, realpath } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import $RefParser from '@apidevtools/json-schema-ref-parser';
import { parseSource, SourceError, type ParsedSource } from '../config/source.ts';

export type SpecVersion = '2.0' | '3.0' | '3.1';

export interface LoadedSpec {
  readonly file: string;
  readonly version: SpecVersion;
  /** The root document as written, $refs untouched. */
  readonly raw: Record<string, unknown>;
  /** $refs resolved into one object graph (shared and possibly cyclic: do not serialize). */
  readonly doc: Record<string, any>;
  /** External files pulled in, internal $refs kept: a plain tree that schema validators can compile. */
  readonly bundled: Record<string, any>;
  readonly source: ParsedSource;
}

export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

export async function loadSpec(path: string): Promise<LoadedSpec> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SpecError(`${file}: cannot read the OpenAPI document (${(error as NodeJS.ErrnoException).code}).`);
  }
  let source: ParsedSource;
  try {
    source = parseSource(text, file);
  } catch (error) {
    if (error instanceof SourceError) throw new SpecError(error.message);
    throw error;
  }
  const raw = source.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SpecError(`${file}: an OpenAPI document must be an object.`);
  }
  const version = detectVersion(raw as Record<string, unknown>, file);
  let doc: Record<string, any>;
  let bundled: Record<string, any>;
  try {
    const options = { resolve: { http: false, external: true, file: confinedFiles(dirname(await realpath(file))) }, parse: { yaml: boundedYaml }, dereference: { circular: true } } as const;
    bundled = (await $RefParser.bundle(file, structuredClone(raw), options)) as Record<string, any>;
    doc = (await $RefParser.dereference(file, structuredClone(bundled), options)) as Record<string, any>;
  } catch (error) {
    const message = refMessage(error);
    const at = findRef(raw, message);
    const position = at ? source.locate(at) : undefined;
    throw new SpecError(`${file}${position ? `:${position.line}:${position.column}` : ''}: a $ref cannot be resolved: ${message}`);
  }
  const inherited = inheritedAt(doc) ?? unresolvedLocalRef(raw);
  if (inherited !== undefined) {
    let node: unknown = raw;
    for (const key of inherited) node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined;
    const ref = (node as { $ref?: unknown } | undefined)?.$ref;
    const position = source.locate(typeof ref === 'string' ? [...inherited, '$ref'] : inherited);
    const named = typeof ref === 'string' ? `"${ref.slice(0, 200)}"` : 'it';
    throw new SpecError(`${file}${position ? `:${position.line}:${position.column}` : ''}: a $ref cannot be resolved: ${named} names a member every object has (constructor, valueOf, __proto__...), not something the document declares`);
  }
  if (typeof doc.paths !== 'object' || doc.paths === null) {
    if (version !== '3.1' || doc.webhooks === undefined) throw new SpecError(`${file}: the document has no "paths" object.`);
  }
  return { file, version, raw: raw as Record<string, unknown>, doc, bundled, source };
}

/**
 * Files a $ref may read: those under the document's folder (after symbolic links). A document from
 * elsewhere (a spec handed to `audit` or `scan`) must not pull /etc/passwd or ../secrets into the
 * loaded document.
 */
function confinedFiles(root: string) {
  return {
    order: 100,
    canRead: (f: { url: string }) => !/^https?:/i.test(f.url),
    async read(f: { url: string }): Promise<Buffer> {
      const path = f.url.startsWith('file:') ? fileURLToPath(f.url) : decodeURI(f.url);
      const real = await realpath(path);
      if (real !== root && !real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) throw new Error(`${path} is outside the document's folder`);
      return readFile(real);
    },
  };
}

/** External YAML files parsed like the root one: strict, and at most 100 aliases (no alias bombs). */
const boundedYaml = {
  order: 200,
  allowEmpty: true,
  canParse: ['.yaml', '.yml', '.json'],
  parse(f: { url: string; data: Buffer | string }): unknown {
    return parseSource(Buffer.isBuffer(f.data) ? f.data.toString('utf8') : f.data, f.url).value;
  },
};

function detectVersion(doc: Record<string, unknown>, file: string): SpecVersion {
  if (typeof doc.openapi === 'string') {
    if (/^3\.0\.\d+/.test(doc.openapi)) return '3.0';
    if (/^3\.1\.\d+/.test(doc.openapi)) return '3.1';
    throw new SpecError(`${file}: OpenAPI version ${doc.openapi} is not supported (3.0.x and 3.1.x are).`);
  }
  if (doc.swagger === '2.0') return '2.0';
  throw new SpecError(`${file}: not an OpenAPI document: it needs an "openapi: 3.x.y" or "swagger: '2.0'" field.`);
}

/** JSON path of the first $ref whose target the resolver's message names. */
function findRef(root: unknown, message: string): (string | number)[] | undefined {
  const stack: [unknown, (string | number)[]][] = [[root, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && message.includes(ref)) return [...path, '$ref'];
    for (const [k, v] of Object.entries(node)) stack.push([v, [...path, Array.isArray(node) ? Number(k) : k]]);
  }
  return undefined;
}

/**
 * Where the dereferenced document holds a function or Object.prototype: a $ref such as
 * "#/components/parameters/constructor" that the $ref parser resolved to a member every object
 * inherits instead of refusing it as missing. JSON has neither, so nothing else puts one there.
 */
function inheritedAt(doc: unknown): (string | number)[] | undefined {
  const seen = new Set<object>();
  const stack: [unknown, (string | number)[]][] = [[doc, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'function' || node === Object.prototype) return path;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    for (const [k, v] of Object.entries(node)) stack.push([v, [...path, Array.isArray(node) ? Number(k) : k]]);
  }
  return undefined;
}

/**
 * Where a local `$ref` ("#/...") of the document as written names nothing the document declares,
 * reading its pointer by own properties only: the $ref parser follows inherited members, and one
 * reached through them that is not an object ("#/components/parameters/constructor/name", the string
 * "Object") leaves no trace inheritedAt could find.
 */
function unresolvedLocalRef(raw: unknown): (string | number)[] | undefined {
  const seen = new Set<object>();
  const stack: [unknown, (string | number)[]][] = [[raw, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    const ref = (node as { $ref?: unknown }).$ref;
    if (Object.hasOwn(node, '$ref') && typeof ref === 'string' && ref.startsWith('#') && !resolvesOwn(raw, ref)) return path;
    for (const [k, v] of Object.entries(node)) stack.push([v, [...path, Array.isArray(node) ? Number(k) : k]]);
  }
  return undefined;
}

function resolvesOwn(root: unknown, ref: string): boolean {
  let node = root;
  const pointer = ref.slice(1);
  if (pointer === '') return true;
  for (const raw of pointer.split('/').slice(1)) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    } catch {
      return false;
    }
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

function refMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.replace(/\s+/g, ' ').slice(0, 300);
}

export function specDir(spec: LoadedSpec): string {
  return dirname(spec.file);
}
