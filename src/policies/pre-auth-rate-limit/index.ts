// The same limits before authentication: keyed by client address, operation, API or header, they
// protect login operations and credential checks from brute force and floods before any key lookup
// or signature check is paid for. Identity keys (consumer, credential, tier, claim) are refused at load.
import type { PolicyFactory } from '../../core/policy.ts';
import { createRateLimit } from '../rate-limit/create.ts';
import { rateLimitSchema, type RateLimitConfig } from '../rate-limit/schema.ts';

export const preAuthRateLimit: PolicyFactory<RateLimitConfig> = {
  name: 'pre-auth-rate-limit',
  phase: 'route',
  description: 'Rate limits before authentication (per ip, operation, api, header): protects login and credential checks from brute force (429, RateLimit headers).',
  schema: rateLimitSchema,
  create: (config, env) => createRateLimit('pre-auth-rate-limit', true, config, env),
};
