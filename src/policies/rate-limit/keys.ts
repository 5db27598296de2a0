// Partition keys: which counter a request uses, built from the parts a limit names. Values come from
// clients (headers, claims), so a long or odd key is replaced by its SHA-256: every key stays short
// and no value can forge the separator between parts (or pass for another value's hash).
import type { RequestContext } from '../../core/context.ts';
import { bounded } from '../../core/bounded.ts';
import { own } from '../../core/own.ts';
import { claimAt, qualifiedSubject } from '../../auth/identity.ts';
import { clientKey } from '../../observe/anomaly/subnet.ts';

export type KeyFn = (ctx: RequestContext, tier: string) => string;

const SEPARATOR = '\u001f';

/** Parts that need the authenticate phase to have run. */
export const IDENTITY_PARTS = /^(consumer|credential|tier|claim:.+)$/;

export function compileKey(parts: readonly string[]): KeyFn {
  const fns = parts.map(partFn);
  if (fns.length === 1) return fns[0]!;
  return (ctx, tier) => {
    let key = fns[0]!(ctx, tier);
    for (let i = 1; i < fns.length; i++) key += SEPARATOR + fns[i]!(ctx, tier);
    return key;
  };
}

function partFn(part: string): KeyFn {
  switch (part) {
    // The consumer id; else the subject, qualified by method and issuer (a token without a consumer
    // mapping: one user, whatever address it calls from; equal `sub`s of two issuers are two users).
    // Anonymous callers (public operations) are counted by address, never all together. An IPv6
    // client counts as its /64 network: one customer may use any of its 2^64 addresses.
    case 'consumer':
      return (ctx) => {
        const id = ctx.identity;
        if (id?.consumerId !== undefined) return `c:${bounded(id.consumerId)}`;
        const subject = id === undefined ? undefined : qualifiedSubject(id);
        return subject === undefined ? `ip:${clientKey(ctx.clientIp)}` : `s:${subject}`;
      };
    case 'credential':
      return (ctx) => {
        const id = ctx.identity;
        if (id === undefined) return `ip:${clientKey(ctx.clientIp)}`;
        const keyId = id.claims.keyId;
        if (typeof keyId === 'string') return bounded(`k:${keyId}`);
        const subject = qualifiedSubject(id);
        return subject === undefined ? bounded(`s:${id.method}:${id.consumerId ?? ''}`) : `s:${subject}`;
      };
    case 'ip':
      return (ctx) => clientKey(ctx.clientIp);
    case 'operation':
      return (ctx) => ctx.operationId ?? '';
    case 'api':
      return (ctx) => ctx.api ?? '';
    case 'tier':
      return (_ctx, tier) => bounded(tier);
  }
  if (part.startsWith('header:')) {
    const name = part.slice('header:'.length).toLowerCase();
    return (ctx) => {
      const value = own(ctx.req.headers, name);
      return value === undefined ? '' : bounded(Array.isArray(value) ? value.join(',') : value);
    };
  }
  const path = part.slice('claim:'.length);
  return (ctx) => {
    const value = ctx.identity === undefined ? undefined : claimAt(ctx.identity.claims as Record<string, unknown>, path);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? bounded(String(value)) : '';
  };
}

/** The consumer's tier: the API key consumer's, or the claim named by tierClaim; '' when none. */
export function tierOf(ctx: RequestContext, tierClaim: string): string {
  const claims = ctx.identity?.claims;
  if (claims === undefined) return '';
  const value = claimAt(claims as Record<string, unknown>, tierClaim);
  return typeof value === 'string' ? value : '';
}
