// The IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers, structured
// field lists): `"name";q=100;w=60` and `"name";r=42;t=17`. Both rate-limit policies of a request add
// their items to one slot of the context; the first response hook writes them all.
import type { RequestContext } from '../../core/context.ts';
import type { ResponseHead } from '../../core/policy.ts';
import type { LimitState } from '../../store/counters/types.ts';
import type { TierRules } from './compile.ts';

export class RateLimitFields {
  policy = '';
  current = '';
  written = false;

  add(rules: TierRules, state: LimitState): void {
    const item = `${rules.itemPrefix}${state.remaining};t=${Math.ceil(state.resetMs / 1000)}`;
    if (this.policy === '') {
      this.policy = rules.policyItem;
      this.current = item;
    } else {
      this.policy += `, ${rules.policyItem}`;
      this.current += `, ${item}`;
    }
  }
}

const SLOT = 'ratelimit';

export function fieldsOf(ctx: RequestContext): RateLimitFields {
  const state = (ctx.state ??= {});
  return ((state[SLOT] as RateLimitFields | undefined) ??= new RateLimitFields());
}

/** Response hook: our fields replace any the upstream sent. */
export function writeFields(ctx: RequestContext, head: ResponseHead): void {
  const fields = ctx.state?.[SLOT] as RateLimitFields | undefined;
  if (fields === undefined || fields.written || fields.policy === '') return;
  fields.written = true;
  head.headers['ratelimit-policy'] = fields.policy;
  head.headers.ratelimit = fields.current;
}
