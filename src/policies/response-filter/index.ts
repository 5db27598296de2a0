// Excessive data exposure (OWASP API3): before a response reaches the client, properties its OpenAPI
// response schema does not declare, writeOnly and sensitive ones are removed. A body nothing is removed
// from goes out byte for byte; a JSON body that does not parse is withheld (fail closed).
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { NOT_JSON } from '../../core/response-body.ts';
import { toBytes } from '../../config/units.ts';
import type { SpecOperation } from '../../openapi/operations.ts';
import { compileFilter } from './filter.ts';
import { responseFilterSchema, type ResponseFilterConfig } from './schema.ts';

export const responseFilter: PolicyFactory<ResponseFilterConfig> = {
  name: 'response-filter',
  phase: 'proxy',
  description: 'Removes undeclared, writeOnly and sensitive properties from JSON responses (excessive data exposure).',
  schema: responseFilterSchema,
  create(config, env) {
    if (!env.operations) throw new Error('response-filter needs an API with an OpenAPI document (spec)');
    const base = { removeUndeclared: config.undeclared === 'remove', sensitive: new Set(config.sensitive), roleGated: new Map(config.visibleTo.map((v) => [v.property, v.roles] as const)) };
    const filter = compileFilter(base);
    const operations = env.operations;
    return {
      responseBodyLimit: toBytes(config.maxBodySize),
      oversize: config.onOversize,
      onResponseBody(ctx, head, body) {
        if (!body.isJsonType) return undefined;
        const op = ctx.operationId === undefined ? undefined : operations.get(ctx.operationId);
        const schema = op ? responseSchema(op, head.statusCode, body.mediaType) : undefined;
        if (!schema && base.sensitive.size === 0 && base.roleGated.size === 0) return undefined;
        const value = body.json();
        if (value === NOT_JSON) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is not valid JSON.');
        const removed = env.logger.isLevelEnabled('debug') ? [] : undefined;
        const filtered = filter(value, schema ?? {}, ctx.identity?.roles ?? [], removed);
        if (filtered === value) return undefined;
        if (removed) env.logger.debug({ reqId: ctx.id, op: ctx.operationId, removed: [...new Set(removed)].slice(0, 20) }, 'response properties removed');
        return { json: filtered };
      },
    };
  },
};

function responseSchema(op: SpecOperation, status: number, type: string): unknown {
  const responses = op.operation.responses ?? {};
  const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  const content = response?.content;
  return content?.[type]?.schema ?? content?.['application/json']?.schema;
}
