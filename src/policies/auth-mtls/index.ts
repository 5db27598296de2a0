// Every request of the API or operation needs a client certificate verified by the HTTPS listener
// (`tls.clientCerts`) and mapped to a consumer. For "certificate or token" and OpenAPI `mutualTLS`
// requirements, use auth-schemes with an `mtls:` scheme.
import { makePlan, runPlan } from '../../auth/authenticate.ts';
import { reservedIdentityHeaders } from '../../auth/identity.ts';
import { runOptions } from '../../auth/run-options.ts';
import { mtlsAuthenticator } from '../../auth/mtls.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { authMtlsSchema, type AuthMtlsConfig } from './schema.ts';

export const authMtls: PolicyFactory<AuthMtlsConfig> = {
  name: 'auth-mtls',
  phase: 'authenticate',
  description: 'Requires a client certificate verified by the listener\'s client CAs (mutual TLS), mapped to a consumer by fingerprint, SAN or CN, optionally tied to the issuing CA (401).',
  schema: authMtlsSchema,
  create(config, env) {
    const plan = makePlan([[mtlsAuthenticator('mtls', config, '', env.baseDir)]]);
    const options = runOptions('auth-mtls', config, env);
    return {
      reservedHeaders: reservedIdentityHeaders(options.headers),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
