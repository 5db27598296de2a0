// Removes from a JSON value what its response schema does not let the client see: undeclared
// properties (unless additionalProperties allows them), writeOnly and x-portcullis-sensitive ones, and
// configured names; role-gated ones (x-portcullis-read-roles, `visibleTo`) unless the caller has the role. allOf/oneOf/anyOf contribute the union of their properties. The schema graph may
// be cyclic; the walk follows the data, which is finite, and stops at a fixed depth.

import { itemsOf, objectView } from '../../openapi/schema-view.ts';

const MAX_DEPTH = 64;

export interface FilterOptions {
  readonly removeUndeclared: boolean;
  readonly sensitive: ReadonlySet<string>;
  /** Property name → roles that may see it (config `visibleTo`), besides x-portcullis-read-roles. */
  readonly roleGated: ReadonlyMap<string, readonly string[]>;
  /** The caller's roles. */
  readonly roles: readonly string[];
}

/** Returns the filtered value and whether anything was removed. */
export function filterValue(value: unknown, schema: any, options: FilterOptions, removed: string[], depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (!items) return value;
    let changed = false;
    const out = value.map((v) => {
      const f = filterValue(v, items, options, removed, depth + 1);
      if (f !== v) changed = true;
      return f;
    });
    return changed ? out : value;
  }
  if (value === null || typeof value !== 'object') return value;
  const view = objectView(schema);
  if (!view.declaresShape && options.sensitive.size === 0 && options.roleGated.size === 0) return value;
  // Built only once something changes, from the keys kept so far: no spread-then-delete, which turns
  // objects into slow dictionaries for JSON.stringify.
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  const source = value as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const child = source[key];
    const prop = view.properties.get(key);
    let keep: boolean;
    let childSchema: any;
    const gate = options.roleGated.get(key) ?? (Array.isArray(prop?.['x-portcullis-read-roles']) ? prop['x-portcullis-read-roles'] : undefined);
    if (options.sensitive.has(key) || (gate !== undefined && !gate.some((r: string) => options.roles.includes(r)))) keep = false;
    else if (prop !== undefined) {
      keep = !(prop?.writeOnly === true || prop?.['x-portcullis-sensitive'] === true);
      childSchema = prop;
    } else if (view.additional === false) keep = false;
    else if (typeof view.additional === 'object') {
      keep = true;
      childSchema = view.additional;
    } else keep = view.additional === true || !view.declaresShape || !options.removeUndeclared;
    if (!keep) {
      removed.push(key);
      out ??= copyUpTo(source, keys, i);
      continue;
    }
    const filtered = childSchema ? filterValue(child, childSchema, options, removed, depth + 1) : child;
    if (filtered !== child) out ??= copyUpTo(source, keys, i);
    if (out !== undefined) put(out, key, filtered);
  }
  return out ?? value;
}

function copyUpTo(source: Record<string, unknown>, keys: readonly string[], end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let j = 0; j < end; j++) put(out, keys[j]!, source[keys[j]!]);
  return out;
}

/** An own property, whatever its name ("__proto__" from JSON.parse included). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
