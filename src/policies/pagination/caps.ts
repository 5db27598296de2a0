// Page-size caps per operation, from the OpenAPI document (`maximum` of the parameter's schema, or of
// the parameter itself in Swagger 2.0) or the configured default.
import type { SpecOperation } from '../../openapi/operations.ts';

export type Caps = ReadonlyMap<string, number>;

export function capsOf(operation: SpecOperation | undefined, names: readonly string[], fallback: number | undefined): Caps {
  const caps = new Map<string, number>();
  for (const name of names) {
    const p = operation?.parameters.find((x) => x?.in === 'query' && x.name === name);
    if (operation && !p) continue; // the operation does not take it: validate deals with strangers
    const maximum = p?.schema?.maximum ?? p?.maximum;
    const cap = typeof maximum === 'number' ? Math.floor(maximum) : fallback;
    if (cap !== undefined) caps.set(name, cap);
  }
  return caps;
}

/**
 * The query with every capped parameter at most its cap: the same string when nothing was over,
 * else a new one (other parameters untouched, byte for byte). `over` receives the names found over.
 */
export function capQuery(query: string, caps: Caps, over: string[]): string {
  let changed = false;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = decode(part.slice(0, eq));
    const cap = name === undefined ? undefined : caps.get(name);
    if (cap === undefined) continue;
    const value = decode(part.slice(eq + 1));
    // Only plain integers: anything else is left for validation to refuse.
    if (value === undefined || !/^\d{1,16}$/.test(value) || Number(value) <= cap) continue;
    over.push(name!);
    parts[i] = `${part.slice(0, eq)}=${cap}`;
    changed = true;
  }
  return changed ? parts.join('&') : query;
}

function decode(text: string): string | undefined {
  if (text.indexOf('%') === -1 && text.indexOf('+') === -1) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}
