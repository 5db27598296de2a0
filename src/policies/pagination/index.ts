// Pagination caps (OWASP API4): a page size above the maximum the OpenAPI document gives it is either
// clamped to that maximum before the request is validated and forwarded, or refused with 400. In
// report mode the query is never changed; the finding is logged. Page sizes are read as upstreams read
// them (any numeric spelling, any name a framework binds to the parameter: see caps.ts).
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { capQuery, capsOf, type Caps } from './caps.ts';
import { paginationSchema, type PaginationConfig } from './schema.ts';

export const pagination: PolicyFactory<PaginationConfig> = {
  name: 'pagination',
  phase: 'limit',
  description: 'Page-size caps from the OpenAPI `maximum` of limit/pageSize/... query parameters: clamp to the maximum or refuse (400).',
  schema: paginationSchema,
  create(config, env) {
    const byOperation = new Map<string, Caps>();
    for (const [id, op] of env.operations ?? []) {
      const caps = capsOf(op, config.params, config.max);
      if (caps.max.size) byOperation.set(id, caps);
    }
    // Without a document (explicit routes), the configured max applies to every page-size parameter.
    const fallback = env.operations ? undefined : capsOf(undefined, config.params, config.max);
    const clamp = config.action === 'clamp' && config.mode === 'enforce';
    return {
      onRequest(ctx) {
        if (ctx.query === '') return;
        const caps = (ctx.operationId === undefined ? undefined : byOperation.get(ctx.operationId)) ?? fallback;
        if (caps === undefined || caps.max.size === 0) return;
        const over: string[] = [];
        const capped = capQuery(ctx.query, caps, over);
        if (over.length === 0) return;
        if (clamp) {
          ctx.query = capped;
          return;
        }
        throw new GatewayError('PCL_ERR_VALIDATION', `The page size is above its maximum.`, {
          extensions: { errors: [...new Set(over)].map((name) => ({ in: 'query', name, message: `must be at most ${caps.max.get(name)}` })) },
        });
      },
    };
  },
};
