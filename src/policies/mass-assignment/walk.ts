// Walks a request body alongside its schema and finds what the caller may not write: readOnly
// properties, properties only some roles may write (x-portcullis-write-roles or config), and
// properties a closed schema does not declare. In strip mode it returns the body without them.
import { itemsOf, objectView } from '../../openapi/schema-view.ts';

const MAX_DEPTH = 64;

export type Reason = 'readOnly' | 'protected' | 'undeclared';

export interface Finding {
  readonly pointer: string;
  readonly reason: Reason;
}

export interface WalkOptions {
  readonly strip: boolean;
  readonly closedSchemas: boolean;
  /** Property name → roles allowed to write it (from the config). */
  readonly protectedNames: ReadonlyMap<string, readonly string[]>;
  readonly roles: readonly string[];
}

export function walkBody(value: unknown, schema: any, options: WalkOptions, findings: Finding[], pointer = '', depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
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
  const view = objectView(schema);
  const closed = view.additional === false || (options.closedSchemas && view.declaresShape && view.additional === undefined);
  let out: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(value)) {
    const prop = view.properties.get(key);
    const reason = forbidden(key, prop, closed, options);
    if (reason) {
      findings.push({ pointer: `${pointer}/${escape(key)}`, reason });
      if (options.strip) {
        out ??= { ...(value as Record<string, unknown>) };
        delete out[key];
      }
      continue;
    }
    const childSchema = prop ?? (typeof view.additional === 'object' ? view.additional : undefined);
    const w = childSchema ? walkBody(child, childSchema, options, findings, `${pointer}/${escape(key)}`, depth + 1) : child;
    if (w !== child) (out ??= { ...(value as Record<string, unknown>) })[key] = w;
  }
  return out ?? value;
}

function forbidden(key: string, prop: any, closed: boolean, options: WalkOptions): Reason | undefined {
  const allowed = options.protectedNames.get(key) ?? (Array.isArray(prop?.['x-portcullis-write-roles']) ? prop['x-portcullis-write-roles'] : undefined);
  if (allowed && !allowed.some((r: string) => options.roles.includes(r))) return 'protected';
  if (prop === undefined) return closed ? 'undeclared' : undefined;
  return prop?.readOnly === true ? 'readOnly' : undefined;
}

function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
