// Body and query size limits for an API or operation, overriding the listener defaults. A declared
// Content-Length over the limit is refused before any byte is read; chunked bodies are counted
// while they stream (the proxy enforces ctx.bodyLimit).
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { toBytes } from '../../config/units.ts';
import { requestSizeSchema, type RequestSizeConfig } from './schema.ts';

export const requestSize: PolicyFactory<RequestSizeConfig> = {
  name: 'request-size',
  phase: 'listen',
  description: 'Limits on the request body size (413) and on the number of query parameters (400).',
  schema: requestSizeSchema,
  create(config) {
    const maxBody = config.maxBody === undefined ? undefined : toBytes(config.maxBody);
    const maxQueryParams = config.maxQueryParams;
    return {
      onRequest(ctx) {
        if (maxBody !== undefined) {
          // In report mode the limit is only evaluated: the listener's limit keeps applying.
          if (config.mode === 'enforce') ctx.bodyLimit = maxBody;
          const declared = ctx.req.headers['content-length'];
          if (declared !== undefined && Number(declared) > maxBody) {
            throw new GatewayError('PCL_ERR_BODY_TOO_LARGE', `The body may be at most ${maxBody} bytes.`);
          }
        }
        if (maxQueryParams !== undefined && ctx.query !== '' && countParams(ctx.query) > maxQueryParams) {
          throw new GatewayError('PCL_ERR_BAD_REQUEST', `At most ${maxQueryParams} query parameters are accepted.`);
        }
      },
    };
  },
};

function countParams(query: string): number {
  let n = 1;
  for (let i = 0; i < query.length; i++) if (query.charCodeAt(i) === 0x26) n++;
  return n;
}
