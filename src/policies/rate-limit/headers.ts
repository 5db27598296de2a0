// The IETF RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers, structured
// field lists): `"name";q=100;w=60` and `"name";r=42;t=17`. Each rate-limit policy keeps its items in
// a slot of its own and writes them from its own response hook, after those of a policy that wrote
// first. The chain runs the response hooks of enforced policies only, so the limits of a report-mode
// policy never show: they do not apply to the client.
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

/** Set once a policy has written this request's fields: the next one appends to them. */
const WRITTEN = 'ratelimit';

export function fieldsOf(ctx: RequestContext, slot: string): RateLimitFields {
  const state = (ctx.state ??= {});
  return ((state[slot] as RateLimitFields | undefined) ??= new RateLimitFields());
}

/** Response hook of one policy: together, the policies' fields replace any the upstream sent. */
export function writeFields(ctx: RequestContext, head: ResponseHead, slot: string): void {
  const state = ctx.state;
  const fields = state?.[slot] as RateLimitFields | undefined;
  if (fields === undefined || fields.written || fields.policy === '') return;
  fields.written = true;
  if (state![WRITTEN] === undefined) {
    state![WRITTEN] = true;
    head.headers['ratelimit-policy'] = fields.policy;
    head.headers.ratelimit = fields.current;
  } else {
    head.headers['ratelimit-policy'] += `, ${fields.policy}`;
    head.headers.ratelimit += `, ${fields.current}`;
  }
}
