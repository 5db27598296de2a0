// Every request of the API or operation needs an active OAuth2 access token, checked at the
// authorization server's introspection endpoint (RFC 7662). For "token or API key" and OpenAPI
// `security` requirements, use auth-schemes with an `introspection:` scheme.
import { makePlan, runPlan } from '../../auth/authenticate.ts';
import { identityHeaderNames, reservedIdentityHeaders } from '../../auth/identity.ts';
import { introspectionAuthenticator } from '../../auth/introspection-scheme.ts';
import { limiterFor } from '../../auth/schemes.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { authIntrospectionSchema, type AuthIntrospectionConfig } from './schema.ts';

export const authIntrospection: PolicyFactory<AuthIntrospectionConfig> = {
  name: 'auth-introspection',
  phase: 'authenticate',
  description: 'Requires an active OAuth2 access token, checked at the authorization server\'s introspection endpoint (RFC 7662; cached, single flight; 503 when the endpoint fails) (401).',
  schema: authIntrospectionSchema,
  create(config, env) {
    const plan = makePlan([[introspectionAuthenticator('introspection', config)]]);
    const headers = identityHeaderNames(config.identityHeaders);
    const options = { policy: 'auth-introspection', realm: config.realm ?? env.scope.api ?? 'portcullis', headers, limiter: limiterFor(config.bruteForce), logger: env.logger };
    return {
      reservedHeaders: reservedIdentityHeaders(headers),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
