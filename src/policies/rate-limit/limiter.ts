// The request side of both rate-limit policies: build one take per limit (tier, key, cost), decide
// them together, refuse with 429 + Retry-After or let through, remember the RateLimit fields for the
// response, and release concurrency slots when the response ends. In-process counters keep all of it
// synchronous; remote stores (cluster primary, Redis) return a promise bounded by the store timeout.
import type { Logger } from 'pino';
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import type { PolicyInstance } from '../../core/policy.ts';
import type { Counters, Decision, LimitState, Take } from '../../store/counters/types.ts';
import type { CompiledLimit, TierRules } from './compile.ts';
import { fieldsOf, writeFields } from './headers.ts';
import { tierOf } from './keys.ts';
import { noteStoreError } from './store-errors.ts';

export interface LimiterOptions {
  readonly limits: readonly CompiledLimit[];
  /** Cost by operationId (a Map: an operationId such as valueOf or __proto__ is no inherited member). */
  readonly costs: ReadonlyMap<string, number>;
  readonly tierClaim: string;
  readonly counters: Counters;
  /** In-process counters for onStoreError: local. */
  readonly local: Counters;
  readonly logger: Logger;
  readonly release: () => Promise<void>;
}

type Hooks = Omit<PolicyInstance, 'name' | 'phase' | 'mode'>;

/** Names the context slot of each limiter's RateLimit fields (see headers.ts). */
let limiters = 0;

export function createLimiter(o: LimiterOptions): Hooks {
  const { limits, costs, counters, local, logger, tierClaim } = o;
  const usesTiers = limits.some((l) => l.tiers.size > 0);
  const hasConcurrency = limits.some((l) => l.isConcurrency);
  const slot = `ratelimit-${++limiters}`;

  const decided = (ctx: RequestContext, takes: Take[], rules: TierRules[], decision: Decision, via: Counters, of = limits): void => {
    const fields = fieldsOf(ctx, slot);
    for (let i = 0; i < rules.length; i++) fields.add(rules[i]!, decision.states[i]!);
    if (!decision.allowed) throw refusal(of, decision.states);
    if (hasConcurrency) holdUntilEnd(ctx, takes, decision, via);
  };

  /** The store did not answer: each limit follows its onStoreError. */
  const fallback = (ctx: RequestContext, takes: Take[], rules: TierRules[], error: unknown): void => {
    const localTakes: Take[] = [];
    const localRules: TierRules[] = [];
    const localLimits: CompiledLimit[] = [];
    let deny = false;
    for (let i = 0; i < takes.length; i++) {
      const mode = limits[i]!.onStoreError;
      if (mode === 'deny') deny = true;
      else if (mode === 'local') {
        localTakes.push({ rule: rules[i]!.local, key: takes[i]!.key, cost: takes[i]!.cost });
        localRules.push(rules[i]!);
        localLimits.push(limits[i]!);
      }
    }
    noteStoreError(logger, counters.kind, deny ? 'deny' : localTakes.length ? 'local' : 'allow', error);
    if (deny) throw new GatewayError('PCL_ERR_RATE_LIMIT_UNAVAILABLE', 'Rate limits cannot be checked right now.', { headers: { 'retry-after': '1' } });
    if (localTakes.length) decided(ctx, localTakes, localRules, local.consume(localTakes) as Decision, local, localLimits);
  };

  return {
    onRequest(ctx) {
      const tier = usesTiers ? tierOf(ctx, tierClaim) : '';
      const op = ctx.operationId;
      const opCost = op === undefined ? undefined : costs.get(op);
      const takes: Take[] = new Array(limits.length);
      const rules: TierRules[] = new Array(limits.length);
      for (let i = 0; i < limits.length; i++) {
        const l = limits[i]!;
        const r = (tier === '' ? undefined : l.tiers.get(tier)) ?? l.base;
        rules[i] = r;
        takes[i] = { rule: r.rule, key: l.key(ctx, tier), cost: l.isConcurrency ? 1 : (opCost ?? l.cost) };
      }
      let pending: Decision | Promise<Decision>;
      try {
        pending = counters.consume(takes);
      } catch (error) {
        return fallback(ctx, takes, rules, error);
      }
      if (!(pending instanceof Promise)) return decided(ctx, takes, rules, pending, counters);
      return pending.then(
        (decision) => decided(ctx, takes, rules, decision, counters),
        (error: unknown) => fallback(ctx, takes, rules, error),
      );
    },
    onResponseHead: (ctx, head) => writeFields(ctx, head, slot),
    close: o.release,
  };
}

function refusal(limits: readonly CompiledLimit[], states: readonly LimitState[]): GatewayError {
  let retryMs = 0;
  let name = '';
  let quota = false;
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    if (s.allowed || s.retryAfterMs < retryMs) continue;
    retryMs = s.retryAfterMs;
    name = limits[i]!.name;
    quota = limits[i]!.isQuota;
  }
  const seconds = Math.max(1, Math.ceil(retryMs / 1000));
  return new GatewayError(
    quota ? 'PCL_ERR_QUOTA_EXCEEDED' : 'PCL_ERR_RATE_LIMITED',
    quota ? `The quota "${name}" is used up; it renews in ${seconds} s.` : `The limit "${name}" is exhausted; retry in ${seconds} s.`,
    { headers: { 'retry-after': String(seconds) }, extensions: { limit: name } },
  );
}

/**
 * Concurrency slots end with the response (completed, failed or aborted). A response that closed while
 * the decision was awaited (the client left) will not emit 'close' again: released at once.
 */
function holdUntilEnd(ctx: RequestContext, takes: Take[], decision: Decision, via: Counters): void {
  if (ctx.res.closed) via.release(takes, decision.lease);
  else ctx.res.once('close', () => via.release(takes, decision.lease));
}
