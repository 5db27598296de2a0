// Rate limits, quotas and concurrency limits after authentication (OWASP API4): per consumer,
// credential, tier, claim, address, operation, header. 429 + Retry-After when refused; every response
// of a limited operation carries RateLimit-Policy and RateLimit.
import type { PolicyFactory } from '../../core/policy.ts';
import { createRateLimit } from './create.ts';
import { rateLimitSchema, type RateLimitConfig } from './schema.ts';

export const rateLimit: PolicyFactory<RateLimitConfig> = {
  name: 'rate-limit',
  phase: 'limit',
  description:
    'Rate limits (gcra, sliding-window), quotas (fixed-window per day, month) and concurrency limits after authentication, keyed by consumer, credential, tier, claim, ip, operation or header (429, RateLimit headers).',
  schema: rateLimitSchema,
  create: (config, env) => createRateLimit('rate-limit', false, config, env),
};
