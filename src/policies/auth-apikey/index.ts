// Every request of the API or operation needs a valid API key (X-API-Key or Authorization: ApiKey
// by default). For "JWT or API key" and OpenAPI `security` requirements, use auth-schemes.
import { credentialHeadersOf, makePlan, runPlan } from '../../auth/authenticate.ts';
import { reservedIdentityHeaders } from '../../auth/identity.ts';
import { runOptions } from '../../auth/run-options.ts';
import { apiKeyAuthenticator } from '../../auth/schemes.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { authApiKeySchema, type AuthApiKeyConfig } from './schema.ts';

export const authApiKey: PolicyFactory<AuthApiKeyConfig> = {
  name: 'auth-apikey',
  phase: 'authenticate',
  description: 'Requires a valid API key (pcl_ format with checksum; consumers and key hashes from config and/or the store; revoked, expired and rotated keys honoured) (401).',
  schema: authApiKeySchema,
  create(config, env) {
    const authenticator = apiKeyAuthenticator('apiKey', config, env, '');
    const plan = makePlan([[authenticator]]);
    const options = runOptions('auth-apikey', config, env);
    return {
      reservedHeaders: reservedIdentityHeaders(options.headers),
      credentialHeaders: credentialHeadersOf(plan.schemes),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
