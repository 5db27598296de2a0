// Request parameters as OpenAPI describes them, turned into the values a schema validates: query
// `form` (exploded or comma-separated) and `deepObject`, path and header `simple`, cookies. A scalar
// query parameter sent twice is an error (parameter pollution), not "the first one wins".

export type QueryMap = Map<string, string[]>;

export function parseQuery(raw: string): QueryMap {
  const map: QueryMap = new Map();
  if (raw === '') return map;
  for (const [key, value] of new URLSearchParams(raw)) {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }
  return map;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!header) return map;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // kept as sent; the schema decides
    }
    if (!map.has(name)) map.set(name, value);
  }
  return map;
}

export interface ParamShape {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly style: string;
  readonly explode: boolean;
  readonly array: boolean;
  readonly object: boolean;
}

/** The value to validate for one query parameter, or undefined when absent; `duplicate` when a scalar repeats. */
export function queryValue(query: QueryMap, p: ParamShape): unknown {
  if (p.style === 'deepObject') {
    // The client names the keys: `filter[__proto__]=x` must reach the schema as a key, not set a prototype.
    const out: Record<string, string> = Object.create(null);
    let found = false;
    for (const [key, values] of query) {
      if (key.startsWith(`${p.name}[`) && key.endsWith(']')) {
        out[key.slice(p.name.length + 1, -1)] = values[values.length - 1]!;
        found = true;
      }
    }
    return found ? out : undefined;
  }
  const values = query.get(p.name);
  if (values === undefined) return undefined;
  if (p.array) return p.explode ? values : values.flatMap((v) => v.split(p.style === 'spaceDelimited' ? ' ' : p.style === 'pipeDelimited' ? '|' : ','));
  if (values.length > 1) return DUPLICATE;
  return values[0];
}

export const DUPLICATE = Symbol('duplicate');

/** `simple` style for path and header values: arrays are comma-separated. */
export function simpleValue(raw: string, p: ParamShape): unknown {
  return p.array ? raw.split(',') : raw;
}
