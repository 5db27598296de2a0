// Every request of the API or operation needs a client certificate verified by the HTTPS listener
// (`tls.clientCerts`) and mapped to a consumer. For "certificate or token" and OpenAPI `mutualTLS`
// requirements, use auth-schemes with an `mtls:` scheme.
import { makePlan, runPlan } from '../../auth/authenticate.ts';
import { identityHeaderNames, reservedIdentityHeaders } from '../../auth/identity.ts';
import { mtlsAuthenticator } from '../../auth/mtls.ts';
import { limiterFor } from '../../auth/schemes.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { authMtlsSchema, type AuthMtlsConfig } from './schema.ts';

export const authMtls: PolicyFactory<AuthMtlsConfig> = {
  name: 'auth-mtls',
  phase: 'authenticate',
  description: 'Requires a client certificate verified by the listener\'s client CAs (mutual TLS), mapped to a consumer by fingerprint, SAN or CN (401).',
  schema: authMtlsSchema,
  create(config, env) {
    const plan = makePlan([[mtlsAuthenticator('mtls', config, '')]]);
    const headers = identityHeaderNames(config.identityHeaders);
    const options = { policy: 'auth-mtls', realm: config.realm ?? env.scope.api ?? 'portcullis', headers, limiter: limiterFor(config.bruteForce), logger: env.logger };
    return {
      reservedHeaders: reservedIdentityHeaders(headers),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
