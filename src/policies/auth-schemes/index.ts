// Authentication by named schemes with OpenAPI semantics: each operation's `security` requirement
// (OR of ANDs) decides which schemes it needs, or none; config can override per operation. The
// schemes are configured once per API (JWT issuers, API key sources) and shared by every operation.
import { type Authenticator, credentialHeadersOf, makePlan, type Plan, runPlan } from '../../auth/authenticate.ts';
import { reservedIdentityHeaders } from '../../auth/identity.ts';
import { runOptions } from '../../auth/run-options.ts';
import { introspectionAuthenticator } from '../../auth/introspection-scheme.ts';
import { mtlsAuthenticator } from '../../auth/mtls.ts';
import { signatureAuthenticator } from '../../auth/signature-scheme.ts';
import { compatible, documentRequirement, operationRequirement, securitySchemes, type Requirement } from '../../auth/requirements.ts';
import { apiKeyAuthenticator, jwtAuthenticator, type ApiKeyLocation } from '../../auth/schemes.ts';
import type { PolicyEnv, PolicyFactory } from '../../core/policy.ts';
import { own } from '../../core/own.ts';
import { authSchemesSchema, type AuthSchemesConfig } from './schema.ts';

export const authSchemes: PolicyFactory<AuthSchemesConfig> = {
  name: 'auth-schemes',
  phase: 'authenticate',
  description: 'Named authentication schemes (JWT, API key, OAuth2 introspection, mutual TLS, HTTP message signatures) required per operation as its OpenAPI `security` says (OR of ANDs, public when empty), or as configured (401).',
  schema: authSchemesSchema,
  create(config, env) {
    const authenticators = buildSchemes(config, env);
    const require = config.require ?? (env.spec ? 'spec' : [...authenticators.keys()].map((n) => [n]));
    if (require === 'spec' && !env.spec) throw new Error('require: "spec" needs an API with an OpenAPI document (apis[].spec)');
    const problems: string[] = [];
    const dropped = new Set<string>();
    const planOf = (operationId: string | undefined, requirement: Requirement): Plan => {
      const usable = requirement.filter((alternative) => {
        const missing = alternative.filter((n) => !authenticators.has(n));
        for (const n of missing) dropped.add(n);
        return missing.length === 0;
      });
      if (usable.length === 0) problems.push(`operation "${operationId ?? '(document)'}" requires scheme(s) ${[...new Set(requirement.flat())].map((n) => `"${n}"`).join(', ')}, none of which is configured in schemes`);
      return makePlan(
        usable.map((alternative) => alternative.map((n) => authenticators.get(n)!)),
        true,
      );
    };
    const requirementOf = (operationId: string | undefined): Requirement => {
      const configured = operationId === undefined ? undefined : own(config.operations, operationId);
      if (configured) return configured;
      if (require !== 'spec') return require;
      const op = operationId === undefined ? undefined : env.operations?.get(operationId);
      return op ? operationRequirement(env.spec!, op) : documentRequirement(env.spec!);
    };
    const plans = new Map<string, Plan>();
    const single = env.scope.operationId;
    if (single !== undefined) plans.set(single, planOf(single, requirementOf(single)));
    else {
      for (const id of env.operations?.keys() ?? []) plans.set(id, planOf(id, requirementOf(id)));
      for (const id of Object.keys(config.operations)) if (!plans.has(id)) plans.set(id, planOf(id, requirementOf(id)));
    }
    const fallback = planOf(undefined, requirementOf(undefined));
    if (problems.length) throw new Error(`${problems.join('; ')} (add them to schemes, or override with operations)`);
    if (dropped.size) env.logger.warn({ schemes: [...dropped] }, 'alternatives naming unconfigured security schemes are ignored');
    const options = runOptions('auth-schemes', config, env);
    return {
      reservedHeaders: reservedIdentityHeaders(options.headers),
      credentialHeaders: credentialHeadersOf(authenticators.values()),
      onRequest(ctx) {
        const plan = (ctx.operationId === undefined ? undefined : plans.get(ctx.operationId)) ?? fallback;
        return runPlan(ctx, plan, options);
      },
      close: async () => void (await Promise.all([...authenticators.values()].map((a) => a.close?.()))),
    };
  },
};

function buildSchemes(config: AuthSchemesConfig, env: PolicyEnv): Map<string, Authenticator> {
  const defs = env.spec ? securitySchemes(env.spec) : new Map<string, Record<string, unknown>>();
  const out = new Map<string, Authenticator>();
  for (const [name, scheme] of Object.entries(config.schemes)) {
    const kind = scheme.jwt ? 'jwt' : scheme.introspection ? 'introspection' : scheme.mtls ? 'mtls' : scheme.signature ? 'signature' : 'apiKey';
    const def = defs.get(name);
    if (def && !compatible(kind, def)) throw new Error(`schemes.${name}: the OpenAPI document declares it as ${String(def.type)}${def.scheme ? ` ${String(def.scheme)}` : ''}, which a ${kind} scheme cannot serve`);
    const where = `schemes.${name}.${kind}.`;
    if (scheme.jwt) out.set(name, jwtAuthenticator(name, scheme.jwt, env, where));
    else if (scheme.introspection) out.set(name, introspectionAuthenticator(name, scheme.introspection, env.baseDir, where, env.logger));
    else if (scheme.mtls) out.set(name, mtlsAuthenticator(name, scheme.mtls, where, env.baseDir));
    else if (scheme.signature) out.set(name, signatureAuthenticator(name, scheme.signature, env, where));
    else out.set(name, apiKeyAuthenticator(name, scheme.apiKey!, env, where, def ? { in: def.in as ApiKeyLocation['in'], name: def.name as string } : {}));
  }
  return out;
}
