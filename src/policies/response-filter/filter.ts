// Removes from a JSON value what its response schema does not let the client see: undeclared
// properties (unless additionalProperties allows them), writeOnly and x-portcullis-sensitive ones, and
// configured names; role-gated ones (x-portcullis-read-roles, `visibleTo`) unless the caller has the
// role. allOf/oneOf/anyOf contribute the union of their properties. The schema graph may be cyclic;
// the walk follows the data, which is finite, down to a fixed depth: a body nested deeper is refused
// (PCL_ERR_RESPONSE_UNINSPECTABLE), never passed on with its depths unchecked. What to do with a
// property name in an object schema is decided once and remembered (the same keys come back in every
// item and every response); only role gates are checked per caller.

import { GatewayError } from '../../core/errors.ts';
import { isRawJson } from '../../core/exact-numbers.ts';
import { itemsOf, objectView, type ObjectView } from '../../openapi/schema-view.ts';

const MAX_DEPTH = 64;
/** Property names remembered per object schema: beyond, decisions are made afresh (undeclared names can be many). */
const MAX_PLANS = 1000;

export interface FilterOptions {
  readonly removeUndeclared: boolean;
  readonly sensitive: ReadonlySet<string>;
  /** Property name → roles that may see it (config `visibleTo`), besides x-portcullis-read-roles. */
  readonly roleGated: ReadonlyMap<string, readonly string[]>;
}

/** What happens to one property name of one object schema. */
interface Plan {
  readonly keep: boolean;
  /** Kept only for callers with one of these roles. */
  readonly gate: readonly string[] | undefined;
  /** The schema its value is filtered with (none: kept as is). */
  readonly child: unknown;
}

const DROP: Plan = { keep: false, gate: undefined, child: undefined };
const KEEP_AS_IS: Plan = { keep: true, gate: undefined, child: undefined };
/**
 * The schema of a value the document leaves shapeless (no properties, no items), walked all the same
 * when names are removed "wherever they appear" (sensitive, visibleTo): at any depth, in any object.
 */
const ANY: Record<string, never> = {};
const WALK_ANY: Plan = { keep: true, gate: undefined, child: ANY };

export type ResponseFilter = (value: unknown, schema: unknown, roles: readonly string[], removed: string[] | undefined) => unknown;

/** A filter for one policy's options, with its decisions remembered per schema. */
export function compileFilter(options: FilterOptions): ResponseFilter {
  const plans = new WeakMap<ObjectView, Map<string, Plan>>();
  const planOf = (view: ObjectView, key: string): Plan => {
    let byKey = plans.get(view);
    if (byKey === undefined) plans.set(view, (byKey = new Map()));
    let plan = byKey.get(key);
    if (plan === undefined) {
      plan = decide(view, key, options);
      if (byKey.size < MAX_PLANS) byKey.set(key, plan);
    }
    return plan;
  };
  const skipsShapeless = options.sensitive.size === 0 && options.roleGated.size === 0;

  const filter = (value: unknown, schema: any, roles: readonly string[], removed: string[] | undefined, depth: number): unknown => {
    // The schema `true` (OpenAPI 3.1: `properties: { meta: true }`, `items: true`) is shapeless too.
    if (schema === true && !skipsShapeless) schema = ANY;
    if (schema === null || typeof schema !== 'object') return value;
    // What lies deeper than the walk goes cannot be checked: the body is withheld, never passed on unchecked.
    if (depth > MAX_DEPTH && value !== null && typeof value === 'object') throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', `The upstream response is nested deeper than ${MAX_DEPTH} levels.`);
    if (Array.isArray(value)) {
      const items = itemsOf(schema) ?? (skipsShapeless ? undefined : ANY);
      if (!items) return value;
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const f = filter(value[i], items, roles, removed, depth + 1);
        if (f !== value[i]) (out ??= value.slice())[i] = f;
      }
      return out ?? value;
    }
    // A JSON.rawJSON integer (exactJson: an integer beyond 2^53 by its digits) is a number, not an object.
    if (value === null || typeof value !== 'object' || isRawJson(value)) return value;
    const view = objectView(schema);
    if (!view.declaresShape && skipsShapeless) return value;
    // Built only once something changes, from the keys kept so far: no spread-then-delete, which turns
    // objects into slow dictionaries for JSON.stringify.
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(value);
    const source = value as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const plan = planOf(view, key);
      if (!plan.keep || (plan.gate !== undefined && !plan.gate.some((r) => roles.includes(r)))) {
        removed?.push(key);
        out ??= copyUpTo(source, keys, i);
        continue;
      }
      const child = source[key];
      const filtered = plan.child === undefined ? child : filter(child, plan.child, roles, removed, depth + 1);
      if (filtered !== child) out ??= copyUpTo(source, keys, i);
      if (out !== undefined) put(out, key, filtered);
    }
    return out ?? value;
  };
  return (value, schema, roles, removed) => filter(value, schema, roles, removed, 0);
}

/** One-off filtering (tests, tools): the same as a compiled filter's. */
export function filterValue(value: unknown, schema: unknown, options: FilterOptions & { readonly roles: readonly string[] }, removed: string[]): unknown {
  return compileFilter(options)(value, schema, options.roles, removed);
}

function decide(view: ObjectView, key: string, options: FilterOptions): Plan {
  if (options.sensitive.has(key)) return DROP;
  const prop = view.properties.get(key);
  const readRoles = prop?.['x-portcullis-read-roles'];
  const gate = options.roleGated.get(key) ?? (Array.isArray(readRoles) ? (readRoles as string[]) : undefined);
  if (prop !== undefined) {
    if (prop?.writeOnly === true || prop?.['x-portcullis-sensitive'] === true) return DROP;
    return { keep: true, gate, child: prop };
  }
  if (view.additional === false) return DROP;
  if (typeof view.additional === 'object') return { keep: true, gate, child: view.additional };
  const keep = view.additional === true || !view.declaresShape || !options.removeUndeclared;
  if (!keep) return DROP;
  const walked = options.sensitive.size > 0 || options.roleGated.size > 0;
  if (gate === undefined) return walked ? WALK_ANY : KEEP_AS_IS;
  return { keep: true, gate, child: walked ? ANY : undefined };
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
