// Function-level authorization (OWASP API5): each operation's roles and scopes, taken from the
// OpenAPI document (`x-portcullis-roles`, the scopes of its `security` requirements) and the config,
// checked against the identity the authenticate phase established. Each `security` alternative is
// checked against the schemes that authenticated the caller (rules.ts). With `defaultPolicy: deny`,
// an operation that has no rule at all is refused; the public operations are listed at startup.
import { GatewayError } from '../../core/errors.ts';
import { own } from '../../core/own.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { securitySchemes } from '../../auth/requirements.ts';
import { passesAlternative, ruleFromConfig, ruleFromSpec, type OperationRule } from './rules.ts';
import { authorizeSchema, type AuthorizeConfig } from './schema.ts';

export const authorize: PolicyFactory<AuthorizeConfig> = {
  name: 'authorize',
  phase: 'authorize',
  description: 'Roles and scopes per operation from the OpenAPI document and config (403); defaultPolicy deny for least privilege.',
  schema: authorizeSchema,
  create(config, env) {
    const rules = new Map<string, OperationRule>();
    const defs = env.spec ? securitySchemes(env.spec) : new Map<string, Record<string, unknown>>();
    for (const [id, op] of env.operations ?? []) rules.set(id, ruleFromSpec(op, env.spec?.doc.security, defs, own(config.operations, id)));
    for (const [id, extra] of Object.entries(config.operations)) {
      if (!rules.has(id)) {
        if (env.operations) throw new Error(`authorize.operations: no operation "${id}" in the API's document`);
        rules.set(id, ruleFromConfig(extra));
      }
    }
    const publicOps = [...rules].filter(([, r]) => r.isPublic).map(([id]) => id);
    env.logger.info({ api: env.scope.api, public: publicOps, defaultPolicy: config.defaultPolicy }, 'authorization rules compiled');
    const deny = config.defaultPolicy === 'deny';
    return {
      onRequest(ctx) {
        const rule = ctx.operationId === undefined ? undefined : rules.get(ctx.operationId);
        if (!rule || !rule.hasRule) {
          if (deny) throw new GatewayError('PCL_ERR_FORBIDDEN', 'This operation is not open to anybody.');
          return;
        }
        if (rule.isPublic) return;
        const identity = ctx.identity;
        if (!identity) throw new GatewayError('PCL_ERR_UNAUTHENTICATED');
        if (rule.roles.length > 0 && !rule.roles.some((r) => identity.roles.includes(r))) {
          throw new GatewayError('PCL_ERR_FORBIDDEN', 'The caller does not have a role this operation needs.');
        }
        if (rule.alternatives.length > 0 && !passesAlternative(rule.alternatives, ctx.authenticated)) {
          throw new GatewayError('PCL_ERR_FORBIDDEN', 'The caller does not have the scopes this operation needs.');
        }
        if (rule.scopes.length > 0 && !rule.scopes.every((s) => identity.scopes.includes(s))) {
          throw new GatewayError('PCL_ERR_FORBIDDEN', 'The caller does not have the scopes this operation needs.');
        }
      },
    };
  },
};
