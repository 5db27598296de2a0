// Every request of the API or operation needs a valid HTTP message signature (RFC 9421) by a
// consumer's key. For "signature or token" and OpenAPI requirements, use auth-schemes with a
// `signature:` scheme.
import { makePlan, runPlan } from '../../auth/authenticate.ts';
import { reservedIdentityHeaders } from '../../auth/identity.ts';
import { runOptions } from '../../auth/run-options.ts';
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
    const options = runOptions('auth-signature', config, env);
    return {
      reservedHeaders: reservedIdentityHeaders(options.headers),
      onRequest: (ctx) => runPlan(ctx, plan, options),
      close: async () => void (await Promise.all(plan.schemes.map((a) => a.close?.()))),
    };
  },
};
