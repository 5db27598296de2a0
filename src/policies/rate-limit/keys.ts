// Partition keys: which counter a request uses, built from the parts a limit names. Values come from
// clients (headers, claims), so a long or odd key is replaced by its SHA-256: every key stays short
// and no value can forge the separator between parts (or pass for another value's hash).
import { hash } from 'node:crypto';
import type { RequestContext } from '../../core/context.ts';
import { claimAt } from '../../auth/identity.ts';
import { clientKey } from '../../observe/anomaly/subnet.ts';

export type KeyFn = (ctx: RequestContext, tier: string) => string;

const SEPARATOR = '\u001f';
const MAX_PLAIN = 200;

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
    // Anonymous callers (public operations) are counted by address, never all together. An IPv6
    // client counts as its /64 network: one customer may use any of its 2^64 addresses.
    case 'consumer':
      return (ctx) => (ctx.identity?.consumerId === undefined ? `ip:${clientKey(ctx.clientIp)}` : `c:${bounded(ctx.identity.consumerId)}`);
    case 'credential':
      return (ctx) => {
        const id = ctx.identity;
        if (id === undefined) return `ip:${clientKey(ctx.clientIp)}`;
        const keyId = id.claims.keyId;
        return bounded(typeof keyId === 'string' ? `k:${keyId}` : `s:${id.method}:${id.subject ?? id.consumerId ?? ''}`);
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
      const value = ctx.req.headers[name];
      return value === undefined ? '' : bounded(Array.isArray(value) ? value.join(',') : value);
    };
  }
  const path = part.slice('claim:'.length);
  return (ctx) => {
    const value = ctx.identity === undefined ? undefined : claimAt(ctx.identity.claims as Record<string, unknown>, path);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? bounded(String(value)) : '';
  };
}

/** A client-controlled value as a key part: itself when short and printable, else "#" + its SHA-256. */
export function bounded(value: string): string {
  if (value.length <= MAX_PLAIN && !hasControl(value) && value.charCodeAt(0) !== 0x23) return value;
  return `#${hash('sha256', value, 'base64url')}`;
}

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** The consumer's tier: the API key consumer's, or the claim named by tierClaim; '' when none. */
export function tierOf(ctx: RequestContext, tierClaim: string): string {
  const claims = ctx.identity?.claims;
  if (claims === undefined) return '';
  const value = claimAt(claims as Record<string, unknown>, tierClaim);
  return typeof value === 'string' ? value : '';
}
