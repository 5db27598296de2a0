// Limits compiled once at load: for each limit and consumer tier the counter Rule, the scaled Rule
// used when the shared store is down (onStoreError: local), and the static RateLimit-Policy item.
// Rate limits and quotas evict their least recently used key when their in-process table is full
// (store/counters/table.ts): refusing instead would let one caller minting keys lock out every new one.
import { toMs } from '../../config/units.ts';
import type { PolicyScope } from '../../core/policy.ts';
import type { Rule } from '../../store/counters/types.ts';
import { compileKey, IDENTITY_PARTS, type KeyFn } from './keys.ts';
import type { Amounts, LimitConfig, OnStoreError } from './schema.ts';

/**
 * How long a Redis concurrency slot survives a gateway that died before releasing it, or a release
 * lost while Redis was away. A gateway renews the slots of its requests still in flight (redis-leases.ts).
 */
const CONCURRENCY_LEASE_MS = 30_000;

export interface TierRules {
  readonly rule: Rule;
  readonly local: Rule;
  /** `"name";q=..;w=..` for RateLimit-Policy. */
  readonly policyItem: string;
  /** `"name";r=` prefix of the RateLimit item. */
  readonly itemPrefix: string;
}

export interface CompiledLimit {
  readonly name: string;
  readonly key: KeyFn;
  readonly cost: number;
  readonly onStoreError: OnStoreError;
  readonly isQuota: boolean;
  readonly isConcurrency: boolean;
  readonly base: TierRules;
  readonly tiers: ReadonlyMap<string, TierRules>;
}

export interface CompileOptions {
  readonly policy: string;
  readonly scope: PolicyScope;
  readonly onStoreError: OnStoreError;
  readonly instances: number;
  /** Before authentication: identity key parts and tiers are refused. */
  readonly preAuth: boolean;
}

export function compileLimits(limits: readonly LimitConfig[], o: CompileOptions): CompiledLimit[] {
  const names = new Set<string>();
  return limits.map((l, i) => {
    const where = `limits[${i}] (${l.name})`;
    if (names.has(l.name)) throw new Error(`${where}: the name is used twice`);
    names.add(l.name);
    if (o.preAuth) {
      const bad = l.key.find((p) => IDENTITY_PARTS.test(p));
      if (bad) throw new Error(`${where}: key "${bad}" needs an identity, which does not exist before authentication (use rate-limit)`);
      if (l.tiers) throw new Error(`${where}: tiers need an identity, which does not exist before authentication (use rate-limit)`);
    }
    if (l.algorithm === 'concurrency' && l.cost !== 1) throw new Error(`${where}: a concurrency limit counts requests (cost 1)`);
    const scope = `${o.policy}/${o.scope.api ?? '*'}/${o.scope.operationId ?? '*'}/${l.name}/${l.algorithm}`;
    const tierRules = (tier: string, amounts: Amounts): TierRules => tierRulesOf(l, amounts, `${scope}/${tier}`, o.instances, `${where}${tier ? `.tiers.${tier}` : ''}`);
    const tiers = new Map<string, TierRules>();
    for (const [tier, amounts] of Object.entries(l.tiers ?? {})) tiers.set(tier, tierRules(tier, { ...pick(l), ...amounts }));
    return {
      name: l.name,
      key: compileKey(l.key),
      cost: l.cost,
      onStoreError: l.onStoreError ?? o.onStoreError,
      isQuota: l.window === 'day' || l.window === 'month',
      isConcurrency: l.algorithm === 'concurrency',
      base: tierRules('', pick(l)),
      tiers,
    };
  });
}

function pick(l: Amounts): Amounts {
  return { rate: l.rate, burst: l.burst, limit: l.limit };
}

function tierRulesOf(l: LimitConfig, a: Amounts, id: string, instances: number, where: string): TierRules {
  const rule = ruleOf(l, a, id, where);
  if (l.cost > rule.limit) throw new Error(`${where}: cost ${l.cost} is more than the limit allows at once (${rule.limit})`);
  const local: Rule = {
    ...rule,
    id: `${id}/local`,
    limit: Math.max(l.cost, Math.floor(rule.limit / instances)),
    // gcra: each instance earns units `instances` times slower.
    periodMs: rule.algorithm === 'gcra' ? rule.periodMs * instances : rule.periodMs,
  };
  const q = rule.limit;
  const w =
    rule.algorithm === 'concurrency' ? undefined : rule.calendar === 'day' ? 86_400 : rule.calendar === 'month' ? 2_592_000 : Math.max(1, Math.ceil((rule.algorithm === 'gcra' ? rule.periodMs * q : rule.periodMs) / 1000));
  return { rule, local, policyItem: `"${l.name}";q=${q}${w === undefined ? '' : `;w=${w}`}`, itemPrefix: `"${l.name}";r=` };
}

function ruleOf(l: LimitConfig, a: Amounts, id: string, where: string): Rule {
  switch (l.algorithm) {
    case 'gcra': {
      if (a.rate === undefined) throw new Error(`${where}: gcra needs rate (and per, burst)`);
      if (l.window !== undefined || a.limit !== undefined) throw new Error(`${where}: gcra takes rate, per and burst, not limit or window`);
      const perMs = toMs(l.per);
      if (perMs <= 0) throw new Error(`${where}: per must be longer than 0`);
      return { id, algorithm: 'gcra', limit: a.burst ?? a.rate, periodMs: perMs / a.rate, evict: true };
    }
    case 'concurrency':
      if (a.limit === undefined) throw new Error(`${where}: concurrency needs limit`);
      return { id, algorithm: 'concurrency', limit: a.limit, periodMs: 0, leaseMs: CONCURRENCY_LEASE_MS };
    default: {
      if (a.limit === undefined || l.window === undefined) throw new Error(`${where}: ${l.algorithm} needs limit and window`);
      if (a.rate !== undefined || a.burst !== undefined) throw new Error(`${where}: ${l.algorithm} takes limit and window, not rate or burst`);
      if (l.window === 'day' || l.window === 'month') {
        if (l.algorithm !== 'fixed-window') throw new Error(`${where}: calendar windows (day, month) are fixed-window only`);
        return { id, algorithm: 'fixed-window', limit: a.limit, periodMs: 0, calendar: l.window, evict: true };
      }
      const windowMs = toMs(l.window);
      if (windowMs < 1000) throw new Error(`${where}: window must be at least 1s`);
      return { id, algorithm: l.algorithm, limit: a.limit, periodMs: windowMs, evict: true };
    }
  }
}
