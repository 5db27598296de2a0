// Positive security model: a request is forwarded only when its parameters and body match the
// operation in the OpenAPI document. Validators are compiled when the config loads (shared
// components once per document), never per request.
import type { PolicyFactory } from '../../core/policy.ts';
import { createSchemaCompiler } from '../../openapi/schema-compiler.ts';
import { compileOperation, type OperationValidator } from './operation.ts';
import { validateSchema, type ValidateConfig } from './schema.ts';

export const validate: PolicyFactory<ValidateConfig> = {
  name: 'validate',
  phase: 'validate',
  description: 'Validates parameters and bodies against the OpenAPI document (400, 415).',
  schema: validateSchema,
  create(config, env) {
    if (!env.spec || !env.operations) throw new Error('validate needs an API with an OpenAPI document (spec)');
    const params = createSchemaCompiler(env.spec, { coerceTypes: true });
    const bodies = createSchemaCompiler(env.spec, { coerceTypes: false });
    const byOperation = new Map<string, OperationValidator>();
    for (const [id, op] of env.operations) {
      try {
        byOperation.set(id, compileOperation(op, params, bodies, config));
      } catch (error) {
        throw new Error(`cannot compile the schemas of operation ${id}: ${(error as Error).message}`);
      }
    }
    return {
      onRequest(ctx) {
        // Explicit routes (not in the document) have nothing to be validated against.
        const check = ctx.operationId === undefined ? undefined : byOperation.get(ctx.operationId);
        return check?.(ctx);
      },
    };
  },
};
