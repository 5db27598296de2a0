// Positive security model: a request is forwarded only when its parameters and body match the
// operation in the OpenAPI document, and upstream responses are checked against it too (reported by
// default, refused with 502 when enforced). Validators are compiled when the config loads (shared
// components once per document), never per request.
import type { RequestContext } from '../../core/context.ts';
import { GatewayError } from '../../core/errors.ts';
import type { PolicyFactory, PolicyInstance, ResponseHead } from '../../core/policy.ts';
import { toBytes } from '../../config/units.ts';
import { createSchemaCompiler } from '../../openapi/schema-compiler.ts';
import { compileOperation, type OperationValidator } from './operation.ts';
import { compileResponses, type ResponseValidator } from './responses.ts';
import { validateSchema, type ValidateConfig } from './schema.ts';

export const validate: PolicyFactory<ValidateConfig> = {
  name: 'validate',
  phase: 'validate',
  description: 'Validates parameters and bodies against the OpenAPI document (400, 415), and upstream responses (report or 502).',
  schema: validateSchema,
  create(config, env) {
    if (!env.spec || !env.operations) throw new Error('validate needs an API with an OpenAPI document (spec)');
    const params = createSchemaCompiler(env.spec, { coerceTypes: true });
    const bodies = createSchemaCompiler(env.spec, { coerceTypes: false });
    const byOperation = new Map<string, OperationValidator>();
    const responses = new Map<string, ResponseValidator>();
    for (const [id, op] of env.operations) {
      try {
        byOperation.set(id, compileOperation(op, params, bodies, config));
        if (config.responses !== 'off') responses.set(id, compileResponses(op, bodies));
      } catch (error) {
        throw new Error(`cannot compile the schemas of operation ${id}: ${(error as Error).message}`);
      }
    }
    const instance: Omit<PolicyInstance, 'name' | 'phase' | 'mode'> = {
      onRequest(ctx) {
        // Explicit routes (not in the document) have nothing to be validated against.
        const check = ctx.operationId === undefined ? undefined : byOperation.get(ctx.operationId);
        return check?.(ctx);
      },
    };
    if (config.responses === 'off') return instance;

    const limit = toBytes(config.maxResponseSize);
    const enforce = config.responses === 'enforce' && config.mode === 'enforce';
    const validatorOf = (ctx: RequestContext) => (ctx.operationId === undefined ? undefined : responses.get(ctx.operationId));
    return {
      ...instance,
      responseBodyLimit: limit,
      // Enforced, every response is read (unencoded, fail closed). Reported, only sampled ones with a
      // known, small enough, unencoded body: reporting never changes what the client gets.
      ...(enforce
        ? {}
        : {
            wantsResponseBody(ctx: RequestContext, head: ResponseHead) {
              const v = validatorOf(ctx);
              if (!v || ctx.errorCode !== undefined || !v.needsBody(head.statusCode)) return false;
              if (config.responseSample < 1 && Math.random() >= config.responseSample) return false;
              const length = Number(head.headers['content-length'] ?? Number.NaN);
              const encoding = head.headers['content-encoding'];
              return length <= limit && (encoding === undefined || encoding === 'identity');
            },
          }),
      onResponseBody(ctx, head, body) {
        const v = validatorOf(ctx);
        if (!v) return undefined;
        const violations = v.check(head.statusCode, body);
        if (violations.length === 0) return undefined;
        env.logger.warn({ reqId: ctx.id, op: ctx.operationId, status: head.statusCode, violations }, 'response does not match the API description');
        if (enforce) throw new GatewayError('PCL_ERR_RESPONSE_INVALID');
        ctx.record('validate', 'report', 'PCL_ERR_RESPONSE_INVALID');
        return undefined;
      },
    };
  },
};
