// Upstream protection: a circuit breaker (after `failures` consecutive failures, calls are refused
// with 503 + Retry-After for `openFor`, then probes decide) and a cap on calls in flight. State is per
// gateway process, per API or operation. Runs last before the proxy, so only calls that really go
// upstream are counted. In report mode it never refuses (outcomes are not tracked).
import { toMs } from '../../config/units.ts';
import type { RequestContext } from '../../core/context.ts';
import { GatewayError, type ErrorCode } from '../../core/errors.ts';
import type { PolicyFactory, ResponseHead } from '../../core/policy.ts';
import { Breaker, type Admission } from './breaker.ts';
import { circuitBreakerSchema, type CircuitBreakerConfig } from './schema.ts';

const UPSTREAM_FAILURES: ReadonlySet<ErrorCode> = new Set(['PCL_ERR_UPSTREAM_UNAVAILABLE', 'PCL_ERR_UPSTREAM_TIMEOUT', 'PCL_ERR_UPSTREAM_BAD_RESPONSE']);

/** One admitted call: settles its breaker once, from the response head or the end of the exchange. */
class Call {
  readonly breaker: Breaker;
  readonly admission: Admission;
  /** The breaker's phase when admitted: a later phase ignores the outcome. */
  readonly phase: number;
  settled = false;

  constructor(breaker: Breaker, admission: Admission) {
    this.breaker = breaker;
    this.admission = admission;
    this.phase = breaker.phase;
  }

  settle(failed: boolean | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.breaker.done(this.admission, this.phase, failed, Date.now());
  }
}

export const circuitBreaker: PolicyFactory<CircuitBreakerConfig> = {
  name: 'circuit-breaker',
  phase: 'proxy',
  description: 'Upstream circuit breaker (503 + Retry-After while open, half-open probes) and a cap on calls in flight to the upstream (503).',
  schema: circuitBreakerSchema,
  create(config) {
    const options = {
      failures: config.failures,
      openForMs: toMs(config.openFor),
      probes: config.halfOpenProbes,
      maxConcurrent: config.maxConcurrent ?? Number.POSITIVE_INFINITY,
      probeTimeoutMs: toMs(config.probeTimeout),
    };
    const failureStatuses = new Set(config.failureStatuses);
    const breakers = new Map<string, Breaker>();
    const breakerOf = (ctx: RequestContext): Breaker => {
      const key = config.per === 'api' ? (ctx.api ?? '') : `${ctx.api ?? ''}\u001f${ctx.operationId ?? ''}`;
      let b = breakers.get(key);
      if (b === undefined) breakers.set(key, (b = new Breaker(options)));
      return b;
    };
    return {
      onRequest(ctx) {
        const breaker = breakerOf(ctx);
        const now = Date.now();
        const admission = breaker.admit(now);
        if (admission === 'open') {
          const seconds = Math.max(1, Math.ceil(breaker.retryAfterMs(now) / 1000));
          throw new GatewayError('PCL_ERR_UPSTREAM_OVERLOADED', 'The upstream is failing; calls are paused.', { headers: { 'retry-after': String(seconds) }, extensions: { reason: 'circuit-open' } });
        }
        if (admission === 'busy') {
          throw new GatewayError('PCL_ERR_UPSTREAM_OVERLOADED', 'The upstream has as many calls in flight as it may.', { headers: { 'retry-after': '1' }, extensions: { reason: 'concurrency' } });
        }
        const call = new Call(breaker, admission);
        (ctx.state ??= {})['circuit-breaker'] = call;
        // A response that has closed already (the client left while an earlier step waited) will not
        // emit 'close' again: the call ends here, without an outcome.
        if (ctx.res.closed) call.settle(undefined);
        else ctx.res.once('close', () => call.settle(undefined));
      },
      onResponseHead(ctx: RequestContext, head: ResponseHead) {
        const call = ctx.state?.['circuit-breaker'] as Call | undefined;
        if (call === undefined) return;
        const code = ctx.errorCode;
        // A refusal of the gateway's own (a body too large...) says nothing about the upstream.
        call.settle(code === undefined ? failureStatuses.has(head.statusCode) : UPSTREAM_FAILURES.has(code) ? true : undefined);
      },
    };
  },
};
