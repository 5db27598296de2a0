// Excessive data exposure (OWASP API3): before a response reaches the client, properties its OpenAPI
// response schema does not declare, writeOnly and sensitive ones are removed. A body nothing is removed
// from goes out byte for byte; a JSON body that does not parse is withheld (fail closed).
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { bareMediaType, isJsonMediaType } from '../../core/media-type.ts';
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
        const op = ctx.operationId === undefined ? undefined : operations.get(ctx.operationId);
        const response = op ? responseOf(op, head.statusCode) : undefined;
        const content = response?.content;
        let schema: unknown;
        if (body.isJsonType) schema = content?.[body.mediaType]?.schema ?? content?.['application/json']?.schema;
        else {
          // A representation the document does not declare for this response (text/plain, JSONP, no
          // type: a client may be able to ask for one) must not carry what the JSON one would not.
          const jsonSchema = jsonSchemaOf(content);
          if (jsonSchema === undefined || content?.[body.mediaType] !== undefined || body.length === 0) return undefined;
          if (body.json() === NOT_JSON) {
            if (config.otherTypes === 'pass') return undefined;
            throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream answered with a media type the document does not declare for this response.');
          }
          schema = jsonSchema;
        }
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

/**
 * The response the document declares for a status: exact, range ("2XX") or default. A success status it
 * does not list takes the first declared success response, before `default` (often an error without
 * content): the body is the same resource, and an undocumented 203 or 206 must not carry what the
 * documented 200 would not.
 */
function responseOf(op: SpecOperation, status: number): { content?: Record<string, { schema?: unknown }> } | undefined {
  const responses = op.operation.responses ?? {};
  const found = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
  if (found !== undefined) return found;
  if (status >= 200 && status <= 299) {
    const success = Object.keys(responses).filter((k) => /^2(\d\d|XX)$/.test(k)).sort()[0];
    if (success !== undefined) return responses[success];
  }
  return responses.default;
}

/** The schema of the response's JSON representation (application/json or a +json type), if any. */
function jsonSchemaOf(content: Record<string, { schema?: unknown }> | undefined): unknown {
  if (!content) return undefined;
  for (const [type, media] of Object.entries(content)) if (isJsonMediaType(bareMediaType(type)) && media?.schema !== undefined) return media.schema;
  return undefined;
}
