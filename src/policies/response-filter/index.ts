// Excessive data exposure (OWASP API3): before a response reaches the client, properties its OpenAPI
// response schema does not declare, writeOnly and sensitive ones are removed. A body nothing is removed
// from goes out byte for byte; a JSON body that does not parse is withheld (fail closed).
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { exactReplacement, NOT_JSON } from '../../core/response-body.ts';
import { toBytes } from '../../config/units.ts';
import { repeatsKeys } from '../../core/json-duplicates.ts';
import { compileFilter } from './filter.ts';
import { compileResponses, type ResponseLookup } from './representations.ts';
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
    // Each operation's documented responses, compiled now: nothing about the document is read per request.
    const responses = new Map<string, ResponseLookup>();
    for (const [id, op] of env.operations) responses.set(id, compileResponses(op, base));
    const unmatched = () => new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream answered with a media type the document does not declare for this response.');
    return {
      responseBodyLimit: toBytes(config.maxBodySize),
      oversize: config.onOversize,
      onResponseBody(ctx, head, body) {
        const lookup = ctx.operationId === undefined ? undefined : responses.get(ctx.operationId);
        const response = lookup?.(head.statusCode);
        const match = response?.match(body.mediaType);
        const schema = match?.schema;
        // A response whose schemas hide properties, answered with JSON of a type none of them is
        // declared for: which schema would apply is unknown, so nothing of it goes out (fail closed).
        const unknownShape = schema === undefined && response?.guarded === true && match?.declared === false;
        if (body.isJsonType) {
          if (unknownShape) throw unmatched();
        } else {
          // A representation the document does not declare for this response (text/plain, JSONP, no
          // type: a client may be able to ask for one) must not carry what the JSON one would not.
          if ((schema === undefined && !unknownShape) || body.length === 0) return undefined;
          if (body.json() === NOT_JSON) {
            // An error page in another format (a 404 in text/plain, a proxy's 503 in HTML) goes on as
            // sent: withheld, it would hide its status semantics (401, 429 and Retry-After).
            const success = head.statusCode >= 200 && head.statusCode < 300;
            if (match!.declared || config.otherTypes === 'pass' || !success) return undefined;
            throw unmatched();
          }
          if (unknownShape) throw unmatched();
        }
        if (!schema && base.sensitive.size === 0 && base.roleGated.size === 0) return undefined;
        const value = body.json();
        if (value === NOT_JSON) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response is not valid JSON.');
        const removed = env.logger.isLevelEnabled('debug') ? [] : undefined;
        const filtered = filter(value, schema ?? {}, ctx.identity?.roles ?? [], removed);
        // Unchanged, the bytes go out as they came: with a key written twice, also the copy JSON.parse
        // dropped and the filter never saw. Then what was filtered is sent instead.
        if (filtered === value && !repeatsKeys(body.text(), value)) return undefined;
        if (removed) env.logger.debug({ reqId: ctx.id, op: ctx.operationId, removed: [...new Set(removed)].slice(0, 20) }, 'response properties removed');
        // Rewritten with integers beyond 2^53: filtered again on their exact digits, sent as they came.
        if (body.mayHoldInexactNumbers) return exactReplacement(filter(body.exactJson(), schema ?? {}, ctx.identity?.roles ?? [], undefined));
        return { json: filtered };
      },
    };
  },
};
