// Every request of the API or operation needs a valid HTTP message signature (RFC 9421) by a
// consumer's key. For "signature or token" and OpenAPI requirements, use auth-schemes with a
// `signature:` scheme.
import { makePlan, runPlan } from '../../auth/authenticate.ts';
import { identityHeaderNames, reservedIdentityHeaders } from '../../auth/identity.ts';
import { limiterFor } from '../../auth/schemes.ts';
import { signatureAuthenticator } from '../../auth/signature-scheme.ts';
import type { PolicyFactory } from '../../core/policy.ts';
import { authSignatureSchema, type AuthSignatureConfig } from './schema.ts';

export const authSignature: PolicyFactory<AuthSignatureConfig> = {
  name: 'auth-signature',
  phase: 'authenticate',
  description: 'Requires an HTTP message signature (RFC 9421; hmac-sha256 or ed25519 per consumer key) covering the method, target URI and Content-Digest, recent and never replayed (401).',
  schema: authSignatureSchema,
  create(config, env) {
    const plan = makePlan([[signatureAuthenticator('signature', config, env, '')]]);
    const headers = identityHeaderNames(config.identityHeaders);
    const options = { policy: 'auth-signature', realm: config.realm ?? env.scope.api ?? 'portcullis', headers, limiter: limiterFor(config.bruteForce), logger: env.logger };
    return {
      reservedHeaders: reservedIdentityHeaders(headers),
      onRequest: (ctx) => runPlan(ctx, plan, options),
    };
  },
};
