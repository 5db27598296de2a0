// Structural limits on JSON request bodies (OWASP API4): depth, members, string and array lengths,
// checked on the raw bytes (a compressed body decoded first) before any policy parses the body
// (validate, inspect share it afterwards).
// The size itself is request-size's job. Bodies of other media types are left alone.
import { readContent } from '../../core/decoded-body.ts';
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { exceededLimit } from './scan.ts';
import { jsonLimitsSchema, type JsonLimitsConfig } from './schema.ts';
import { bareMediaType, isJsonMediaType } from '../../core/media-type.ts';

export const jsonLimits: PolicyFactory<JsonLimitsConfig> = {
  name: 'json-limits',
  phase: 'limit',
  description: 'JSON body limits (nesting depth, members, string and array length) checked on the raw bytes before parsing (400).',
  schema: jsonLimitsSchema,
  create(config) {
    const limits = { maxDepth: config.maxDepth, maxKeys: config.maxKeys, maxStringLength: config.maxStringLength, maxArrayLength: config.maxArrayLength };
    return {
      onRequest(ctx) {
        const headers = ctx.req.headers;
        if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return;
        if (!isJsonMediaType(bareMediaType(headers['content-type']))) return;
        return readContent(ctx).then((body) => {
          const exceeded = exceededLimit(body, limits);
          if (exceeded !== undefined) throw new GatewayError('PCL_ERR_JSON_TOO_COMPLEX', `The JSON body is over a limit: ${exceeded}.`);
        });
      },
    };
  },
};
