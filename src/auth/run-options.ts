// The settings every auth-* policy runs its plan with, from the options they share (realm, identity
// headers, brute-force limits, hideCredentials).
import { toMs } from '../config/units.ts';
import type { PolicyEnv } from '../core/policy.ts';
import type { RunOptions } from './authenticate.ts';
import { identityHeaderNames } from './identity.ts';
import { sharedLimiter } from './limiter.ts';
import type { CommonConfig } from './schema.ts';

export function runOptions(policy: string, config: CommonConfig, env: PolicyEnv): RunOptions {
  const b = config.bruteForce;
  const c = b.perCredential;
  return {
    policy,
    realm: config.realm ?? env.scope.api ?? 'portcullis',
    headers: identityHeaderNames(config.identityHeaders),
    limiter: b.enabled ? sharedLimiter({ maxFailures: b.maxFailures, windowMs: toMs(b.window), lockoutMs: toMs(b.lockout), maxEntries: b.maxClients }) : undefined,
    credentialLimiter: b.enabled && c.enabled ? sharedLimiter({ maxFailures: c.maxFailures, windowMs: toMs(c.window), lockoutMs: toMs(c.lockout), maxEntries: c.maxCredentials }, 'credential') : undefined,
    hideCredentials: config.hideCredentials,
    logger: env.logger,
  };
}
