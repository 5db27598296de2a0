// An introspection scheme (opaque bearer tokens checked at the authorization server) as an
// Authenticator. Certificate-bound tokens (RFC 8705 `cnf`) are checked against the connection.
import type { Logger } from 'pino';
import { toBytes, toMs } from '../config/units.ts';
import type { Authenticator } from './authenticate.ts';
import { bearerTokenScheme } from './bearer.ts';
import { clientAuthenticator } from './client-auth.ts';
import { IntrospectionVerifier } from './introspection.ts';
import type { IntrospectionSchemeConfig } from './introspection-schema.ts';
import { checkTransport } from './plain-http.ts';

export function introspectionAuthenticator(name: string, config: IntrospectionSchemeConfig, baseDir: string, where: string, logger: Logger): Authenticator & { readonly verifier: IntrospectionVerifier } {
  checkTransport(config.endpoint, config.allowInsecureHttp, `${where}endpoint`, logger);
  const client = { method: config.clientAuthentication, clientId: config.clientId, clientSecret: config.clientSecret, privateKey: config.privateKey, algorithm: config.assertionAlgorithm, keyId: config.assertionKeyId };
  const verifier = new IntrospectionVerifier({
    endpoint: config.endpoint,
    authenticate: clientAuthenticator(client, config.assertionAudience ?? config.endpoint, baseDir, where),
    tokenTypeHint: config.tokenTypeHint === '' ? undefined : config.tokenTypeHint,
    issuer: config.issuer,
    audiences: config.audiences,
    claims: { subject: config.claims.subject, consumerId: config.claims.consumerId, scopes: config.claims.scopes, roles: config.claims.roles },
    timeoutMs: toMs(config.timeout),
    maxTokenLength: toBytes(config.maxTokenLength),
    cacheEntries: config.cache.maxEntries,
    maxTtlMs: toMs(config.cache.maxTtl),
    negativeTtlMs: toMs(config.cache.negativeTtl),
    clockToleranceSec: toMs(config.clockTolerance) / 1000,
    maxResponseBytes: 64 * 1024,
    acceptTokenTypes: config.acceptTokenTypes,
  });
  return {
    name,
    kind: 'introspection',
    verifier,
    introspectJwts: config.introspectJwts,
    ...bearerTokenScheme(config.header, config.scheme, (token) => verifier.verify(token)),
  };
}
