// Walks a request body alongside its schema and finds what the caller may not write: readOnly
// properties, properties only some roles may write (x-portcullis-write-roles or config), and
// properties a closed schema does not declare. In strip mode it returns the body without them.
// Names also match regardless of case: Go's encoding/json and ASP.NET Core bind "Role" or "ROLE" to a
// property named "role", so a key that differs from a declared, readOnly or protected name only in
// case is checked as that property (an exact match still decides alone).
import { itemsOf, objectView, type ObjectView } from '../../openapi/schema-view.ts';
import { isRawJson } from '../../core/exact-numbers.ts';

const MAX_DEPTH = 64;

export type Reason = 'readOnly' | 'protected' | 'undeclared' | 'prototype';

export interface Finding {
  readonly pointer: string;
  readonly reason: Reason;
}

export interface WalkOptions {
  readonly strip: boolean;
  readonly closedSchemas: boolean;
  /** Property name → roles allowed to write it (from the config). */
  readonly protectedNames: ReadonlyMap<string, readonly string[]>;
  /** The same by folded name (see foldName; names that fold alike: the roles all of them allow). */
  readonly protectedFolded: ReadonlyMap<string, readonly string[]>;
  readonly roles: readonly string[];
  /** Form fields: an object key that is a number or empty (`items[0]`, `tags[]`) indexes the array a schema with items describes. */
  readonly formIndexes?: boolean;
}

export function walkBody(value: unknown, schema: any, options: WalkOptions, findings: Finding[], pointer = '', depth = 0): unknown {
  // A number kept by its digits (parseExactNumbers) is no object to walk.
  if (schema === null || typeof schema !== 'object' || value === null || typeof value !== 'object' || depth > MAX_DEPTH || isRawJson(value)) return value;
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (!items) return value;
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const w = walkBody(v, items, options, findings, `${pointer}/${i}`, depth + 1);
      if (w !== v) (out ??= value.slice())[i] = w;
    });
    return out ?? value;
  }
  // Form fields: a number or empty name (`items[0]`, `tags[]`) where the schema has items indexes them;
  // other names are properties of what the schema also says (an array schema usually says nothing).
  const items = options.formIndexes ? itemsOf(schema) : undefined;
  if (items) {
    for (const [key, child] of Object.entries(value)) if (isIndex(key)) walkBody(child, items, options, findings, `${pointer}/${escape(key)}`, depth + 1);
  }
  const view = objectView(schema);
  const closed = view.additional === false || (options.closedSchemas && view.declaresShape && view.additional === undefined);
  let out: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(value)) {
    if (items && isIndex(key)) continue;
    const prop = view.properties.get(key);
    const configured = options.protectedNames.get(key);
    // Only when there is no exact match: the name with case ignored, and the declared properties it
    // then names (usually none or one).
    const folded = prop === undefined || (configured === undefined && options.protectedFolded.size > 0) ? foldName(key) : undefined;
    const alike = prop === undefined ? foldedProperties(view).get(folded!) : undefined;
    const reason = forbidden(prop, alike, configured ?? (folded === undefined ? undefined : options.protectedFolded.get(folded)), closed, options.roles);
    if (reason) {
      findings.push({ pointer: `${pointer}/${escape(key)}`, reason });
      if (options.strip) {
        out ??= { ...(value as Record<string, unknown>) };
        delete out[key];
      }
      continue;
    }
    const at = `${pointer}/${escape(key)}`;
    let w = child;
    if (prop !== undefined) w = walkBody(child, prop, options, findings, at, depth + 1);
    else {
      // Whichever the upstream binds it to: each property it names with case ignored, and the schema
      // for other properties.
      for (const p of alike ?? []) w = walkBody(w, p, options, findings, at, depth + 1);
      if (typeof view.additional === 'object') w = walkBody(w, view.additional, options, findings, at, depth + 1);
    }
    if (w !== child) (out ??= { ...(value as Record<string, unknown>) })[key] = w;
  }
  return out ?? value;
}

/** Why a property may not be written; `configured`: the roles the config's `protected` allows for its name. */
function forbidden(prop: any, alike: readonly any[] | undefined, configured: readonly string[] | undefined, closed: boolean, roles: readonly string[]): Reason | undefined {
  if (prop !== undefined) return propertyReason(prop, configured, roles);
  // A key that differs from declared names only in case may be bound to any of them: refused for
  // whatever one of them forbids. A closed schema still declares only the exact names.
  for (const p of alike ?? []) {
    const reason = propertyReason(p, configured, roles);
    if (reason) return reason;
  }
  if (configured && !configured.some((r) => roles.includes(r))) return 'protected';
  return closed ? 'undeclared' : undefined;
}

function propertyReason(prop: any, configured: readonly string[] | undefined, roles: readonly string[]): Reason | undefined {
  const allowed: readonly unknown[] | undefined = configured ?? (Array.isArray(prop?.['x-portcullis-write-roles']) ? prop['x-portcullis-write-roles'] : undefined);
  if (allowed && !allowed.some((r) => typeof r === 'string' && roles.includes(r))) return 'protected';
  return prop?.readOnly === true ? 'readOnly' : undefined;
}

const ASCII_NO_UPPER = /^[\x00-\x40\x5b-\x7f]*$/;

/**
 * A name with case ignored, Unicode-aware: upper- then lower-casing maps the characters Go folds onto
 * ASCII letters (the Kelvin sign, the long s) as well. Folding too much only means more checks.
 */
export function foldName(name: string): string {
  return ASCII_NO_UPPER.test(name) ? name : name.toUpperCase().toLowerCase();
}

const foldedViews = new WeakMap<ObjectView, Map<string, any[]>>();

/** Folded name → the declared properties with that name, computed once per schema view. */
function foldedProperties(view: ObjectView): Map<string, any[]> {
  let folded = foldedViews.get(view);
  if (folded === undefined) {
    folded = new Map();
    for (const [name, prop] of view.properties) {
      const f = foldName(name);
      const list = folded.get(f);
      if (list) list.push(prop);
      else folded.set(f, [prop]);
    }
    foldedViews.set(view, folded);
  }
  return folded;
}

/** Protected names by folded name; names that fold alike keep only the roles every one of them allows. */
export function foldProtectedNames(names: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
  const folded = new Map<string, readonly string[]>();
  for (const [name, roles] of names) {
    const f = foldName(name);
    const seen = folded.get(f);
    folded.set(f, seen ? seen.filter((r) => roles.includes(r)) : roles);
  }
  return folded;
}

/**
 * Keys that reach a JavaScript object's prototype rather than a property of it: `Object.assign(user,
 * body)` or a spread-and-merge on the upstream turns `{"__proto__":{"role":"admin"}}` into an
 * inherited `role`, and deep-merge helpers follow `constructor.prototype` to every object. No schema
 * can say what such a key binds to, so it is refused wherever it is: `__proto__` always, `constructor`
 * when it holds a `prototype` (a lone `constructor` or `prototype` is an ordinary name: an F1 team's
 * constructor, a product's prototype flag).
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether JSON text may hold a prototype key: it must spell one, or escape characters (`\u005f_proto__`). */
export function mayHavePrototypeKeys(text: string): boolean {
  return /__proto__|constructor|prototype|\\u/.test(text);
}

/** Finds every prototype key (see PROTOTYPE_KEYS) in a parsed body, at any depth, whatever the schema says. */
export function findPrototypeKeys(value: unknown, findings: Finding[], pointer = ''): void {
  // Iterative: a body nested deeper than any schema is still looked through to the bottom.
  const stack: [unknown, string][] = [[value, pointer]];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${at}/${i}`]);
      continue;
    }
    for (const key of Object.keys(node)) {
      const child = `${at}/${escape(key)}`;
      const value = (node as Record<string, unknown>)[key];
      if (key === '__proto__') findings.push({ pointer: child, reason: 'prototype' });
      else if (key === 'constructor' && value !== null && typeof value === 'object' && Object.keys(value).some((k) => k.includes('prototype'))) {
        // Also a key that only contains it: a form name cut at the last segment read ("[prototype][x]"
        // left whole), which a parser reading deeper takes apart.
        findings.push({ pointer: child, reason: 'prototype' }, ...Object.keys(value).filter((k) => k.includes('prototype')).map((k) => ({ pointer: `${child}/${escape(k)}`, reason: 'prototype' as const })));
      }
      stack.push([value, child]);
    }
  }
}

function isIndex(key: string): boolean {
  return key === '' || /^\d+$/.test(key);
}

function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
