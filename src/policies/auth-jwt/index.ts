// Every request of the API or operation needs a valid JWT (Authorization: Bearer by default).
// For "JWT or API key" and OpenAPI `security` requirements, use auth-schemes.
import { credentialHeadersOf, makePlan, runPlan } from '../../auth/authenticate.ts';
import { reservedIdentityHeaders } from '../../auth/identity.ts';
import { runOptions } from '../../auth/run-options.ts';
import { jwtAuthenticator } from '../../auth/schemes.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { authJwtSchema, type AuthJwtConfig } from './schema.ts';

export const authJwt: PolicyFactory<AuthJwtConfig> = {
  name: 'auth-jwt',
  phase: 'authenticate',
  description: 'Requires a valid JWT (signature by JWKS, OIDC discovery, static keys or HMAC secret; iss, aud, exp, nbf, iat) and maps its claims to the identity (401).',
  schema: authJwtSchema,
  create(config, env) {
    const authenticator = jwtAuthenticator('jwt', config, env, '');
    const plan = makePlan([[authenticator]]);
    const options = runOptions('auth-jwt', config, env);
    return {
      reservedHeaders: reservedIdentityHeaders(options.headers),
      credentialHeaders: credentialHeadersOf(plan.schemes),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
