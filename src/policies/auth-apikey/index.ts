// Every request of the API or operation needs a valid API key (X-API-Key or Authorization: ApiKey
// by default). For "JWT or API key" and OpenAPI `security` requirements, use auth-schemes.
import { makePlan, runPlan } from '../../auth/authenticate.ts';
import { identityHeaderNames, reservedIdentityHeaders } from '../../auth/identity.ts';
import { apiKeyAuthenticator, limiterFor } from '../../auth/schemes.ts';
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
    const headers = identityHeaderNames(config.identityHeaders);
    const options = { policy: 'auth-apikey', realm: config.realm ?? env.scope.api ?? 'portcullis', headers, limiter: limiterFor(config.bruteForce), logger: env.logger };
    return {
      reservedHeaders: reservedIdentityHeaders(headers),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
