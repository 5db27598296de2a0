// Where the gateway enforces the blocks of the anomaly detectors: the client address (and its
// networks) right after the request is admitted, before anything else runs; the consumer (or the
// qualified subject of a caller without a consumer id) as a step of its own right after the
// authenticate phase. Neither exists when no detector is in
// enforce mode; when nothing is blocked each costs one comparison.
import { qualifiedSubject } from '../../auth/identity.ts';
import type { RequestContext } from '../../core/context.ts';
import type { PolicyInstance } from '../../core/policy.ts';
import { callerBlockKey } from './block-key.ts';
import type { Blocks } from './blocks.ts';

export const BLOCK_POLICY = 'anomaly-block';

/** Throws the refusal when the client address or its network is blocked. */
export function checkAddressBlock(ctx: RequestContext, blocks: Blocks): void {
  const now = Date.now();
  if (!blocks.active(now)) return;
  const refusal = blocks.checkAddress(ctx.clientIp, now);
  if (refusal === undefined) return;
  ctx.record(BLOCK_POLICY, 'deny', refusal.code);
  throw refusal;
}

/** A step of the authorize phase (first in it) that refuses blocked consumers and subjects. */
export function consumerBlockStep(blocks: Blocks): PolicyInstance {
  return {
    name: BLOCK_POLICY,
    phase: 'authorize',
    mode: 'enforce',
    onRequest(ctx) {
      const identity = ctx.identity;
      if (identity === undefined) return;
      const now = Date.now();
      if (!blocks.active(now)) return;
      const key = callerBlockKey(identity.consumerId, identity.consumerId === undefined ? qualifiedSubject(identity) : undefined);
      const refusal = key === undefined ? undefined : blocks.checkCaller(key, now);
      if (refusal !== undefined) throw refusal;
    },
  };
}
