// Shared factory body of rate-limit and pre-auth-rate-limit: compile the limits, pick the counters.
import { toMs } from '../../config/units.ts';
import type { PolicyEnv, PolicyInstance } from '../../core/policy.ts';
import { localShare, sharedCounters } from '../../store/counters/shared.ts';
import { compileLimits } from './compile.ts';
import { createLimiter } from './limiter.ts';
import type { RateLimitConfig } from './schema.ts';

const DEFAULT_TIMEOUT = '200ms';

export function createRateLimit(policy: string, preAuth: boolean, config: RateLimitConfig, env: PolicyEnv): Omit<PolicyInstance, 'name' | 'phase' | 'mode'> {
  const store = config.store;
  // onStoreError local: each gateway instance, and each worker process of it, counts its share alone.
  const instances = (store?.instances ?? 1) * localShare();
  const limits = compileLimits(config.limits, { policy, scope: env.scope, onStoreError: config.onStoreError, instances, preAuth });
  const costs = new Map(Object.entries(config.costs ?? {}));
  for (const op of costs.keys()) {
    if (env.operations && !env.operations.has(op)) throw new Error(`costs: no operation "${op}" in the API's document`);
  }
  const shared = sharedCounters({
    redis: store?.redis,
    cluster: store?.cluster,
    timeoutMs: toMs(store?.timeout ?? DEFAULT_TIMEOUT),
    prefix: store?.prefix ?? 'pcl',
    maxKeys: store?.maxKeys ?? 1_000_000,
  });
  env.logger.debug({ scope: env.scope, limits: limits.map((l) => l.name), store: shared.counters.kind }, 'rate limits compiled');
  return createLimiter({
    limits,
    costs,
    tierClaim: config.tierClaim,
    counters: shared.counters,
    local: shared.local,
    logger: env.logger,
    release: shared.release,
  });
}
