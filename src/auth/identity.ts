// Identities: merging the ones of several schemes (AND requirements), reading claims by path, and
// the identity headers sent upstream (always stripped from client requests by the core).
import { bounded } from '../core/bounded.ts';
import type { RequestContext, Identity } from '../core/context.ts';

export interface IdentityHeaderNames {
  readonly consumerId: string;
  readonly subject: string;
  readonly scopes: string;
  readonly roles: string;
}

export const DEFAULT_IDENTITY_HEADERS: IdentityHeaderNames = {
  consumerId: 'x-consumer-id',
  subject: 'x-auth-subject',
  scopes: 'x-auth-scopes',
  roles: '',
};

export function identityHeaderNames(configured: Partial<IdentityHeaderNames> | undefined): IdentityHeaderNames {
  const lower = (v: string | undefined, d: string) => (v ?? d).trim().toLowerCase();
  return {
    consumerId: lower(configured?.consumerId, DEFAULT_IDENTITY_HEADERS.consumerId),
    subject: lower(configured?.subject, DEFAULT_IDENTITY_HEADERS.subject),
    scopes: lower(configured?.scopes, DEFAULT_IDENTITY_HEADERS.scopes),
    roles: lower(configured?.roles, DEFAULT_IDENTITY_HEADERS.roles),
  };
}

/** Configured names plus the defaults: a default name stays reserved even when not sent, so it can never be forged. */
export function reservedIdentityHeaders(names: IdentityHeaderNames): string[] {
  const all = [names.consumerId, names.subject, names.scopes, names.roles, 'x-consumer-id', 'x-auth-subject', 'x-auth-scopes'];
  return [...new Set(all.filter((n) => n !== ''))];
}

export function mergeIdentities(a: Identity, b: Identity): Identity {
  return {
    consumerId: a.consumerId ?? b.consumerId,
    subject: a.subject ?? b.subject,
    scopes: [...new Set([...a.scopes, ...b.scopes])],
    roles: [...new Set([...a.roles, ...b.roles])],
    claims: { ...b.claims, ...a.claims },
    method: a.method === b.method ? a.method : `${a.method}+${b.method}`,
  };
}

/** Sets ctx.identity (merged with one set by an earlier policy) and its headers for the upstream. */
export function applyIdentity(ctx: RequestContext, identity: Identity, names: IdentityHeaderNames): void {
  const merged = ctx.identity ? mergeIdentities(ctx.identity, identity) : identity;
  ctx.identity = merged;
  const out = ctx.upstreamHeaders ?? [];
  const set = (name: string, value: string | undefined) => {
    if (name === '') return;
    for (let i = out.length - 2; i >= 0; i -= 2) if (out[i] === name) out.splice(i, 2);
    if (value !== undefined && value !== '') out.push(name, headerSafe(value));
  };
  set(names.consumerId, merged.consumerId);
  set(names.subject, merged.subject);
  set(names.scopes, listHeader(merged.scopes));
  set(names.roles, listHeader(merged.roles));
  ctx.upstreamHeaders = out;
}

/**
 * A space-separated list header. An entry the upstream would read as several ("billing admin" as
 * billing + admin; a comma, where frameworks split header values) is left out rather than sent: the
 * header may show fewer grants than the gateway checked (it checks exact entries), never other ones.
 */
export function listHeader(entries: readonly string[]): string {
  let clean = true;
  for (const e of entries) if (e === '' || /[\s,]/u.test(e)) clean = false;
  return (clean ? entries : entries.filter((e) => e !== '' && !/[\s,]/u.test(e))).join(' ');
}

/** Header values carry visible ASCII only; anything else (CR, LF, non-ASCII) is percent-encoded. */
export function headerSafe(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return value.replace(/[^\x20-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/**
 * The subject as one caller, for counting and blocking an identity without a consumer id: qualified by
 * how it authenticated and by its issuer (`jwt https://idp.example alice`), so a token's `sub` never
 * stands for an API key consumer of that name, nor for the same `sub` of another issuer. Bounded like
 * every client value used as a key (a hash when long or odd); undefined without a subject.
 */
export function qualifiedSubject(identity: Identity): string | undefined {
  if (identity.subject === undefined) return undefined;
  const iss = identity.claims.iss;
  return bounded(`${identity.method} ${typeof iss === 'string' && iss !== '' ? iss : '-'} ${identity.subject}`);
}

/**
 * A claim by name, or by dot path ("realm_access.roles") when no claim has the whole name. Own
 * properties only: a claim named "constructor" or "valueOf" that the token lacks is missing, not a
 * function every object inherits.
 */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A list claim: an array of strings, or a space-separated string (OAuth `scope`). */
export function listClaim(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
