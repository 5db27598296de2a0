// The representations an operation's document declares for each response, compiled once when the
// policy loads: content keys as bare media types ("application/json; charset=utf-8" declares
// application/json, "Application/JSON" too), the schema of the JSON representation, the media ranges
// ("*\/*", springdoc's default, or "application/*"), and whether any schema has properties the filter
// must take out (sensitive, writeOnly, role-gated). Per request, a body's media type is matched once
// per response and type (remembered, bounded): exact type, else the JSON schema for a JSON body, else
// a range that covers it.
import { bareMediaType, isJsonMediaType, mediaRangeMatches } from '../../core/media-type.ts';
import type { SpecOperation } from '../../openapi/operations.ts';
import type { FilterOptions } from './filter.ts';

/** How a body of one media type is checked against one documented response. */
export interface Match {
  /** The schema to filter the body with when it is JSON (undefined: none applies). */
  readonly schema: unknown;
  /** The document declares this media type for the response (exactly, by range, or as its JSON type). */
  readonly declared: boolean;
}

export interface Representations {
  /** Some schema of the response has properties the filter removes (sensitive, writeOnly, role-gated). */
  readonly guarded: boolean;
  match(mediaType: string): Match;
}

/** Media types remembered per response; beyond, matched afresh (the upstream controls them). */
const MAX_MATCHES = 32;

/** The documented response of a status: the status, its range ("2XX"), default; a success the document does not list takes its first documented success. */
export type ResponseLookup = (status: number) => Representations | undefined;

export function compileResponses(op: SpecOperation, options: FilterOptions): ResponseLookup {
  const byKey = new Map<string, Representations>();
  const clean = new WeakSet<object>();
  for (const [key, response] of Object.entries((op.operation.responses ?? {}) as Record<string, any>)) {
    if (response !== null && typeof response === 'object') byKey.set(key.toUpperCase(), compileResponse(response.content, options, clean));
  }
  const firstSuccess = [...byKey.keys()].filter((k) => /^2(\d\d|XX)$/.test(k)).sort()[0];
  const byStatus = new Map<number, Representations | undefined>();
  return (status) => {
    if (byStatus.has(status)) return byStatus.get(status);
    const code = String(status);
    let found = byKey.get(code) ?? byKey.get(`${code[0]}XX`);
    // An undocumented 203 or 206 must not carry what the documented 200 would not: the body is the same
    // resource, so it takes that response before `default` (often an error without content).
    if (found === undefined && status >= 200 && status <= 299 && firstSuccess !== undefined) found = byKey.get(firstSuccess);
    found ??= byKey.get('DEFAULT');
    if (status >= 100 && status <= 599) byStatus.set(status, found);
    return found;
  };
}

function compileResponse(content: unknown, options: FilterOptions, clean: WeakSet<object>): Representations {
  const exact = new Map<string, unknown>();
  const ranges: [range: string, schema: unknown][] = [];
  let json: unknown;
  let guarded = false;
  for (const [key, media] of Object.entries((content ?? {}) as Record<string, any>)) {
    const type = bareMediaType(key);
    const schema = media !== null && typeof media === 'object' ? media.schema : undefined;
    if (type.endsWith('/*')) ranges.push([type, schema]);
    else if (!exact.has(type) || exact.get(type) === undefined) exact.set(type, schema);
    if (json === undefined && schema !== undefined && isJsonMediaType(type)) json = schema;
    if (!guarded && schema !== undefined && removesProperties(schema, options, clean)) guarded = true;
  }
  const rangeOf = (type: string) => ranges.find(([range]) => mediaRangeMatches(range, type));
  const matches = new Map<string, Match>();
  const decide = (type: string): Match => {
    const range = rangeOf(type);
    const declared = exact.has(type) || range !== undefined || (isJsonMediaType(type) && json !== undefined);
    // A JSON body is checked with its own type's schema first; any other body that turns out to be
    // JSON with the JSON representation's (it must not carry what that one would not).
    const schema = isJsonMediaType(type) ? (exact.get(type) ?? json ?? rangeSchema(ranges, type)) : (json ?? exact.get(type) ?? rangeSchema(ranges, type));
    return { schema, declared };
  };
  return {
    guarded,
    match(type) {
      let m = matches.get(type);
      if (m === undefined) {
        m = decide(type);
        if (matches.size < MAX_MATCHES) matches.set(type, m);
      }
      return m;
    },
  };
}

/** The schema of the first declared range that covers the type and has one. */
function rangeSchema(ranges: readonly (readonly [string, unknown])[], type: string): unknown {
  for (const [range, schema] of ranges) if (schema !== undefined && mediaRangeMatches(range, type)) return schema;
  return undefined;
}

/**
 * Whether a schema (a graph, possibly cyclic) reaches a property the filter removes for some or all
 * callers. Schemas found clean are remembered in `clean`: shared components are walked once.
 */
function removesProperties(root: unknown, options: FilterOptions, clean: WeakSet<object>): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const s = stack.pop() as any;
    if (s === null || typeof s !== 'object' || seen.has(s) || clean.has(s)) continue;
    seen.add(s);
    if (s.properties !== null && typeof s.properties === 'object' && !Array.isArray(s.properties)) {
      for (const [name, prop] of Object.entries(s.properties as Record<string, any>)) {
        if (options.sensitive.has(name) || options.roleGated.has(name)) return true;
        if (prop !== null && typeof prop === 'object' && (prop.writeOnly === true || prop['x-portcullis-sensitive'] === true || Array.isArray(prop['x-portcullis-read-roles']))) return true;
        stack.push(prop);
      }
    }
    for (const k of ['items', 'additionalProperties']) stack.push(s[k]);
    for (const k of ['allOf', 'oneOf', 'anyOf', 'prefixItems']) if (Array.isArray(s[k])) stack.push(...s[k]);
  }
  for (const s of seen) clean.add(s);
  return false;
}
