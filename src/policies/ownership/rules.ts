// Ownership rules compiled at load: where the object's owner is read (a request parameter or a field
// of the response), which identity claim it must equal, and which roles may pass anyway.
import type { Identity } from '../../core/context.ts';
import { own } from '../../core/own.ts';
import type { OwnerRule } from './schema.ts';
import { isRawJson } from '../../core/exact-numbers.ts';
import { readingsOf } from './copies.ts';

export interface CompiledOwnerRule {
  readonly source: 'path' | 'query' | 'header' | 'response';
  readonly name: string;
  /** Response rules: the field path, split at the one optional "[*]". */
  readonly before: readonly string[];
  readonly after: readonly string[] | undefined;
  readonly claim: string;
  readonly overrideRoles: readonly string[];
  /** Path and query rules: the names the parameter is read as (see copies.ts); a copy under any of them is refused. */
  readonly readings: readonly string[];
}

export function compileRule(rule: OwnerRule, globalOverride: readonly string[], pathParams: ReadonlySet<string> | undefined): CompiledOwnerRule {
  const sources = (['path', 'query', 'header', 'response'] as const).filter((k) => rule[k] !== undefined);
  if (sources.length !== 1) throw new Error('an ownership rule names exactly one of path, query, header or response');
  const source = sources[0]!;
  const name = rule[source]!;
  if (source === 'path' && pathParams && !pathParams.has(name)) throw new Error(`the operation has no path parameter "${name}"`);
  let before: string[] = [];
  let after: string[] | undefined;
  if (source === 'response') {
    const parts = name.slice(1).split(/(?=\.|\[\*\])/).map((p) => (p === '[*]' ? '*' : p.slice(1)));
    const star = parts.indexOf('*');
    if (parts.lastIndexOf('*') !== star) throw new Error(`"${name}": at most one [*]`);
    before = star === -1 ? parts : parts.slice(0, star);
    after = star === -1 ? undefined : parts.slice(star + 1);
  }
  const readings = source === 'path' || source === 'query' ? readingsOf([name]) : [];
  return { source, name, before, after, claim: rule.claim, overrideRoles: [...globalOverride, ...(rule.overrideRoles ?? [])], readings };
}

/** The claim's value as a string, from the token claims, an API-key consumer's metadata, or the subject. */
export function claimOf(identity: Identity, claim: string): string | undefined {
  const claims = identity.claims as Record<string, unknown>;
  const metadata = own(claims, 'metadata');
  const fromMetadata = metadata !== null && typeof metadata === 'object' ? own(metadata as Record<string, unknown>, claim) : undefined;
  return identifier(own(claims, claim) ?? fromMetadata ?? (claim === 'sub' ? identity.subject : undefined));
}

/**
 * A value that can name an owner, as text: a string, a finite number or a boolean. Anything else
 * (missing, null, an object or a list) names nobody: String() would turn it into "undefined", "null",
 * "[object Object]" or "a,b", which a caller's own claim could equal. An integer beyond 2^53 names
 * nobody either: JSON.parse has rounded it (9007199254740993 reads 9007199254740992), so its text may
 * be another owner's id (see ownerField for response fields, read again exactly).
 */
export function identifier(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) && !isRounded(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** What ownerField returns for an integer JSON.parse may have rounded: the body is to be read again exactly. */
export const ROUNDED: unique symbol = Symbol('rounded');

/**
 * The owner a response field names, as identifier() reads it, except for an integer beyond 2^53: ROUNDED
 * in a body parsed by JSON.parse, and its exact digits in one parsed by parseExactNumbers (which
 * keeps them as JSON.rawJSON). An unsafe number that is still a number there was not written as plain
 * digits (1e21, 9007199254740993.0): it names nobody.
 */
export function ownerField(value: unknown, exact: boolean): string | undefined | typeof ROUNDED {
  if (typeof value === 'number' && isRounded(value)) return exact ? undefined : ROUNDED;
  if (exact && value !== null && typeof value === 'object' && isRawJson(value)) return value.rawJSON;
  return identifier(value);
}

function isRounded(value: number): boolean {
  return Number.isInteger(value) && !Number.isSafeInteger(value);
}

/** The value at a path of own properties (never an inherited one such as `constructor`). */
export function get(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
