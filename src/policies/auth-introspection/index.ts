// Every request of the API or operation needs an active OAuth2 access token, checked at the
// authorization server's introspection endpoint (RFC 7662). For "token or API key" and OpenAPI
// `security` requirements, use auth-schemes with an `introspection:` scheme.
import { credentialHeadersOf, makePlan, runPlan } from '../../auth/authenticate.ts';
import { reservedIdentityHeaders } from '../../auth/identity.ts';
import { runOptions } from '../../auth/run-options.ts';
import { introspectionAuthenticator } from '../../auth/introspection-scheme.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { authIntrospectionSchema, type AuthIntrospectionConfig } from './schema.ts';

export const authIntrospection: PolicyFactory<AuthIntrospectionConfig> = {
  name: 'auth-introspection',
  phase: 'authenticate',
  description: 'Requires an active OAuth2 access token, checked at the authorization server\'s introspection endpoint (RFC 7662; cached, single flight; 503 when the endpoint fails) (401).',
  schema: authIntrospectionSchema,
  create(config, env) {
    const plan = makePlan([[introspectionAuthenticator('introspection', config, env.baseDir, '', env.logger)]]);
    const options = runOptions('auth-introspection', config, env);
    return {
      reservedHeaders: reservedIdentityHeaders(options.headers),
      credentialHeaders: credentialHeadersOf(plan.schemes),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
