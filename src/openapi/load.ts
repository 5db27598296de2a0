// Loads an OpenAPI 3.0 / 3.1 (or Swagger 2.0) document from a YAML or JSON file, resolves its $refs
// (local and relative files under the document's folder; never URLs, never a file elsewhere) and keeps
// source positions of the root file for messages.
import { isUtf8 } from 'node:buffer';
import { readFile, realpath } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import $RefParser, { ResolverError } from '@apidevtools/json-schema-ref-parser';
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
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new SpecError(`${file}: cannot read the OpenAPI document (${(error as NodeJS.ErrnoException).code}).`);
  }
  const binary = notText(bytes);
  if (binary) throw new SpecError(`${file}: this is not a text file (${binary}); an OpenAPI document is YAML or JSON text in UTF-8.`);
  let source: ParsedSource;
  try {
    source = parseSource(bytes.toString('utf8'), file);
  } catch (error) {
    throw new SpecError(parseProblem(error, file));
  }
  const raw = source.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SpecError(`${file}: an OpenAPI document must be an object.`);
  }
  const version = detectVersion(raw as Record<string, unknown>, file);
  let doc: Record<string, any>;
  let bundled: Record<string, any>;
  // Every $ref that cannot be resolved is reported, not only the first one met: the resolver goes on
  // after an error and throws them all at the end; $refs naming an inherited member are added.
  const problems: RefProblem[] = [];
  let failed: unknown;
  try {
    const options = { continueOnError: true, resolve: { http: false, external: true, file: confinedFiles(dirname(await realpath(file))) }, parse: { yaml: boundedYaml }, dereference: { circular: true } } as const;
    bundled = (await $RefParser.bundle(file, structuredClone(raw), options)) as Record<string, any>;
    doc = (await $RefParser.dereference(file, structuredClone(bundled), options)) as Record<string, any>;
  } catch (error) {
    problems.push(...resolverProblems(error, file, raw, source, false));
    failed = error;
    bundled = doc = {};
  }
  for (const at of [...(problems.length === 0 ? [inheritedAt(doc)] : []), ...unresolvedLocalRefs(raw)]) {
    if (at === undefined) continue;
    let node: unknown = raw;
    for (const key of at) node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined;
    const ref = (node as { $ref?: unknown } | undefined)?.$ref;
    const position = source.locate(typeof ref === 'string' ? [...at, '$ref'] : at);
    const where = `${file}${position ? `:${position.line}:${position.column}` : ''}`;
    if (problems.some((p) => p.where === where)) continue; // already reported by the resolver
    const named = typeof ref === 'string' ? `"${printable(ref.slice(0, 200))}"` : 'it';
    const missing = typeof ref === 'string' ? missingStep(raw, ref) : undefined;
    problems.push({
      where,
      position,
      message: missing?.inherited === false
        ? `${named} names nothing the document declares (${missing.parent === '#' ? 'the document' : `"${printable(missing.parent.slice(0, 200))}"`} has no "${printable(missing.key.slice(0, 100))}")`
        : `${named} names a member every object has (constructor, valueOf, __proto__...), not something the document declares`,
    });
  }
  // (Should the two ever disagree on a local $ref, the resolver's own report is kept.)
  if (failed !== undefined && problems.length === 0) problems.push(...resolverProblems(failed, file, raw, source, true));
  const order = (p: RefProblem): number => (p.position ? p.position.line * 1e6 + p.position.column : Number.MAX_SAFE_INTEGER);
  problems.sort((a, b) => order(a) - order(b));
  if (problems.length === 1) throw new SpecError(`${problems[0]!.where}: a $ref cannot be resolved: ${problems[0]!.message}`);
  if (problems.length > 1) {
    const listed = problems.slice(0, MAX_REF_PROBLEMS).map((p) => `  ${p.where}: ${p.message}`);
    if (problems.length > MAX_REF_PROBLEMS) listed.push(`  ... and ${problems.length - MAX_REF_PROBLEMS} more`);
    throw new SpecError(`${file}: ${problems.length} $refs cannot be resolved:\n${listed.join('\n')}`);
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
      // The resolver keeps the message of its own error type only (a plain Error becomes "Error reading file").
      const refuse = (why: string): never => {
        throw new ResolverError(new Error(why), f.url);
      };
      const cannotRead = (error: unknown): never => refuse(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      const real = await realpath(path).catch(cannotRead);
      if (real !== root && !real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) refuse(`${path} is outside the document's folder`);
      return readFile(real).catch(cannotRead);
    },
  };
}

/** External YAML files parsed like the root one: strict, and at most 100 aliases (no alias bombs). */
const boundedYaml = {
  order: 200,
  allowEmpty: true,
  canParse: ['.yaml', '.yml', '.json'],
  parse(f: { url: string; data: Buffer | string }): unknown {
    const binary = Buffer.isBuffer(f.data) ? notText(f.data) : undefined;
    if (binary) throw new Error(`${f.url} is not a text file (${binary})`);
    try {
      return parseSource(Buffer.isBuffer(f.data) ? f.data.toString('utf8') : f.data, f.url).value;
    } catch (error) {
      throw new Error(parseProblem(error, f.url));
    }
  },
};

function detectVersion(doc: Record<string, unknown>, file: string): SpecVersion {
  if (typeof doc.openapi === 'string') {
    if (/^3\.0\.\d+/.test(doc.openapi)) return '3.0';
    if (/^3\.1\.\d+/.test(doc.openapi)) return '3.1';
    throw new SpecError(`${file}: OpenAPI version ${printable(doc.openapi.slice(0, 50))} is not supported (OpenAPI 3.0.x and 3.1.x are, and Swagger 2.0 as "swagger: '2.0'").`);
  }
  if (doc.swagger === '2.0') return '2.0';
  if (typeof doc.openapi === 'number' || typeof doc.swagger === 'number') {
    const [field, value] = typeof doc.openapi === 'number' ? ['openapi', doc.openapi] : ['swagger', doc.swagger];
    throw new SpecError(`${file}: "${field}: ${value}" is read as a number: write the version as a string, "openapi: 3.0.3" / "openapi: 3.1.0" (three parts) or "swagger: '2.0'" (quoted).`);
  }
  if (doc.swagger !== undefined) throw new SpecError(`${file}: Swagger version ${printable(String(doc.swagger).slice(0, 50))} is not supported (Swagger 2.0 is, and OpenAPI 3.0.x and 3.1.x).`);
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
 * Where local `$ref`s ("#/...") of the document as written name nothing the document declares,
 * reading their pointer by own properties only: the $ref parser follows inherited members, and one
 * reached through them that is not an object ("#/components/parameters/constructor/name", the string
 * "Object") leaves no trace inheritedAt could find.
 */
function unresolvedLocalRefs(raw: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const seen = new Set<object>();
  const stack: [unknown, (string | number)[]][] = [[raw, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    const ref = (node as { $ref?: unknown }).$ref;
    if (Object.hasOwn(node, '$ref') && typeof ref === 'string' && ref.startsWith('#') && !resolvesOwn(raw, ref)) out.push(path);
    for (const [k, v] of Object.entries(node)) stack.push([v, [...path, Array.isArray(node) ? Number(k) : k]]);
  }
  return out;
}

/**
 * The first step of a local $ref's pointer that is not an own member: its key, the pointer of the
 * object it is missing from, and whether the key is an inherited member (constructor, valueOf...).
 */
function missingStep(root: unknown, ref: string): { key: string; parent: string; inherited: boolean } | undefined {
  let node = root;
  const tokens = ref.slice(1).split('/').slice(1);
  for (const [i, token] of tokens.entries()) {
    let key: string;
    try {
      key = decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~');
    } catch {
      key = token;
    }
    const parent = `#${tokens.slice(0, i).map((t) => `/${t}`).join('')}`;
    if (node === null || typeof node !== 'object') return { key, parent, inherited: false };
    if (!Object.hasOwn(node, key)) return { key, parent, inherited: key in node };
    node = (node as Record<string, unknown>)[key];
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
  // "Error parsing a.yaml: a.yaml:3:1: ..." → "a.yaml:3:1: ..."
  const first = message.split('\n')[0]!.replace(/\s+/g, ' ').replace(/^Error parsing (\S+): (?=\1)/, '');
  return printable(first.slice(0, 500));
}

/** One $ref that cannot be resolved: "file:line:column" and why. */
interface RefProblem {
  readonly where: string;
  readonly message: string;
  /** Where in the root file, for the order of the list (other files last). */
  readonly position?: { line: number; column: number } | undefined;
}

/** $refs listed in one message; the count says how many more there are. */
const MAX_REF_PROBLEMS = 20;

/**
 * Every $ref the resolver could not resolve (it collects them with continueOnError), each located;
 * local $refs of the root that name nothing are left to unresolvedLocalRefs unless `localMissing`.
 */
function resolverProblems(error: unknown, file: string, raw: unknown, source: ParsedSource, localMissing: boolean): RefProblem[] {
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    const message = refMessage(error);
    const at = findRef(raw, message);
    const position = at ? source.locate(at) : undefined;
    return [{ where: `${file}${position ? `:${position.line}:${position.column}` : ''}`, message }];
  }
  const out: RefProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors as { message?: unknown; source?: unknown; path?: unknown; code?: unknown; targetRef?: unknown }[]) {
    const from = typeof e.source === 'string' && e.source !== '' ? (e.source.startsWith('file:') ? fileURLToPath(e.source) : e.source) : file;
    // A local $ref of the root that names nothing: found by unresolvedLocalRefs at the $ref itself (the
    // resolver names the place it was reached from, maybe through another $ref).
    if (!localMissing && e.code === 'EMISSINGPOINTER' && from === file && typeof e.targetRef === 'string' && e.targetRef.startsWith('#')) continue;
    const path = Array.isArray(e.path) ? indexed(raw, e.path as (string | number)[], from === file) : undefined;
    let where = from;
    let ref: unknown;
    let position: { line: number; column: number } | undefined;
    if (from === file && path) {
      let node: unknown = raw;
      for (const key of path) node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined;
      ref = (node as { $ref?: unknown } | undefined)?.$ref;
      position = source.locate(typeof ref === 'string' ? [...path, '$ref'] : path);
      if (position) where = `${file}:${position.line}:${position.column}`;
    } else if (path && path.length > 0) {
      where = `${from} (at ${path.map((k) => `/${String(k).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')})`;
    }
    const message = typeof ref === 'string' && /^https?:/i.test(ref)
      ? `"${printable(ref.slice(0, 200))}" is a URL: $refs to URLs are never downloaded (only the document and files in its folder are read)`
      : refMessage(typeof e.message === 'string' ? e.message : String(e.code ?? 'error'));
    const key = `${where}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ where: printable(where), message, position });
  }
  return out;
}

/** A resolver path with array indices as numbers (it gives them as strings), for ParsedSource.locate. */
function indexed(root: unknown, path: readonly (string | number)[], inRoot: boolean): (string | number)[] {
  if (!inRoot) return [...path];
  const out: (string | number)[] = [];
  let node = root;
  for (const key of path) {
    const k = Array.isArray(node) && /^\d+$/.test(String(key)) ? Number(key) : key;
    out.push(k);
    node = node !== null && typeof node === 'object' && Object.hasOwn(node, k) ? (node as Record<string | number, unknown>)[k] : undefined;
  }
  return out;
}

/**
 * Why bytes read from a file are not text, or undefined when they are: NUL bytes (binary data, or
 * UTF-16, which YAML and JSON files are not written in here) or bytes that are not UTF-8.
 */
export function notText(bytes: Uint8Array): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'it is UTF-16 text: save it as UTF-8';
  if (bytes.indexOf(0) !== -1) return 'it contains NUL bytes';
  if (!isUtf8(bytes)) return 'it contains bytes that are not UTF-8';
  return undefined;
}

/**
 * Text from a file made safe to print in a message: control characters (escape sequences a terminal
 * would act on), C1 controls and bidirectional overrides are shown escaped (\x1b, \u202e), not sent.
 */
export function printable(text: string, keepNewlines = false): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (keepNewlines && c === '\n') return c;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The message for a document that does not parse, naming the file. */
function parseProblem(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/excessive alias count/i.test(message)) {
    return `${file}: too many YAML aliases: its *aliases would copy anchored (&) content more than 100 times, as alias bombs ("billion laughs") do, so it is refused (write repeated parts out, or share them with $refs).`;
  }
  if (error instanceof SourceError) return printable(error.message);
  return `${file}: not valid YAML or JSON: ${printable(message.split('\n')[0] ?? message)}`;
}

export function specDir(spec: LoadedSpec): string {
  return dirname(spec.file);
}
