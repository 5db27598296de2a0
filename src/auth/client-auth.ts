// How the gateway authenticates itself, as an OAuth2 client, to an authorization server endpoint
// (token introspection): client_secret_basic and client_secret_post (RFC 6749 §2.3.1), or
// private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9): a short-lived assertion signed with the
// client's private key, a fresh one per call (its jti is single-use at the server).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];
export const ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;

export interface ClientAuthConfig {
  readonly method: ClientAuthMethod;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  /** private_key_jwt: PEM file of the private key (PKCS#8, or PKCS#1/SEC1), relative to the config. */
  readonly privateKey?: string | undefined;
  readonly algorithm?: (typeof ASSERTION_ALGORITHMS)[number] | undefined;
  /** private_key_jwt: the `kid` to put in the assertion header, when the server wants one. */
  readonly keyId?: string | undefined;
}

/** Adds the client's credentials to a request: headers and form fields. */
export type ClientAuthenticator = (form: URLSearchParams, headers: Record<string, string>) => Promise<void> | void;

/** Checks the configuration at load (a missing secret or key is a config error) and returns the authenticator. */
export function clientAuthenticator(config: ClientAuthConfig, audience: string, baseDir: string, where: string): ClientAuthenticator {
  const { clientId, clientSecret } = config;
  if (config.method === 'private_key_jwt') {
    if (config.privateKey === undefined) throw new Error(`${where}privateKey: private_key_jwt needs the client's private key`);
    if (clientSecret !== undefined) throw new Error(`${where}clientSecret: private_key_jwt authenticates with the private key only; remove the secret`);
    const key = readPrivateKey(config.privateKey, baseDir, `${where}privateKey`);
    const algorithm = config.algorithm ?? defaultAlgorithm(key, `${where}algorithm`);
    return async (form) => {
      const assertion = await new SignJWT({})
        .setProtectedHeader(config.keyId === undefined ? { alg: algorithm } : { alg: algorithm, kid: config.keyId })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(key);
      form.set('client_id', clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', assertion);
    };
  }
  if (clientSecret === undefined || clientSecret === '') throw new Error(`${where}clientSecret: ${config.method} needs the client secret`);
  if (config.method === 'client_secret_post') {
    return (form) => {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    };
  }
  // RFC 6749 §2.3.1: the client id and secret are form-urlencoded before being joined.
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  const authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
  return (_form, headers) => {
    headers.authorization = authorization;
  };
}

function readPrivateKey(file: string, baseDir: string, where: string): KeyObject {
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${where}: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    return createPrivateKey(text);
  } catch {
    throw new Error(`${where}: ${file} is not a PEM private key`);
  }
}

function defaultAlgorithm(key: KeyObject, where: string): (typeof ASSERTION_ALGORITHMS)[number] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : 'ES256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new Error(`${where}: no algorithm for a ${key.asymmetricKeyType} key; give one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }
}
