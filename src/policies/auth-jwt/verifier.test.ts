// The JWT verifier alone: the reason behind each refusal (logged, never sent), the verified-token
// cache (no second signature check, never past exp) and config checks at load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { AuthFailure } from '../../auth/failure.ts';
import { JwtVerifier, staticKeys, type IssuerSettings } from '../../auth/jwt.ts';
import { jwtAuthenticator } from '../../auth/schemes.ts';
import type { JwtSchemeConfig } from '../../auth/schema.ts';

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'e1' };
const settings: IssuerSettings = {
  issuer: 'iss',
  getKey: staticKeys([jwk]),
  algorithms: ['ES256'],
  audiences: ['aud'],
  requiredClaims: ['exp'],
  clockToleranceSec: 5,
  maxAgeSec: undefined,
  claims: { subject: 'sub', consumerId: undefined, scopes: ['scope', 'scp'], roles: 'roles' },
};
const make = (over: Partial<IssuerSettings> = {}) => new JwtVerifier({ issuers: [{ ...settings, ...over }], maxTokenLength: 4096, cacheEntries: 100, cacheMaxTtlMs: 60_000 });
const token = (exp: string | number = '5m', extra: Record<string, unknown> = {}) =>
  new SignJWT({ scope: 'a b', ...extra }).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setIssuer('iss').setAudience('aud').setSubject('s').setIssuedAt().setExpirationTime(exp).sign(privateKey);

async function reason(v: JwtVerifier, t: string): Promise<string> {
  try {
    await v.verify(t);
  } catch (error) {
    assert.ok(error instanceof AuthFailure, String(error));
    return error.reason;
  }
  return 'accepted';
}

test('refusal reasons', async () => {
  const v = make();
  assert.equal(await reason(v, await token()), 'accepted');
  assert.equal(await reason(v, await token(Math.floor(Date.now() / 1000) - 60)), 'expired');
  assert.equal(await reason(v, 'x'.repeat(5000)), 'too_large');
  assert.equal(await reason(v, 'a.b'), 'malformed');
  const [h, p] = (await token()).split('.');
  assert.equal(await reason(v, `${h}.${p}.AAAA`), 'bad_signature');
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
  assert.equal(await reason(v, none), 'alg_not_allowed');
  const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('other').setAudience('aud').setExpirationTime('5m').sign(privateKey);
  assert.equal(await reason(v, foreign), 'unknown_issuer');
  const unknownKid = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'nope' }).setIssuer('iss').setAudience('aud').setExpirationTime('5m').sign(privateKey);
  assert.equal(await reason(v, unknownKid), 'unknown_kid');
  const old = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setIssuer('iss').setAudience('aud').setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime('5m').sign(privateKey);
  assert.equal(await reason(make({ maxAgeSec: 600 }), old), 'expired');
});

test('a verified token is cached: one signature check, sync answers, never past exp', async () => {
  const v = make();
  const t = await token();
  const first = await v.verify(t);
  assert.deepEqual(first.scopes, ['a', 'b']);
  const again = v.verify(t);
  assert.ok(!(again instanceof Promise), 'a cache hit is synchronous');
  assert.equal(v.verifications, 1);
  // A token is dropped from the cache when it expires (no clock tolerance here, to see it).
  const strict = make({ clockToleranceSec: 0 });
  // At least a whole second ahead: exp has a resolution of one second (+1 alone can be 1 ms away).
  const exp = Math.floor(Date.now() / 1000) + 2;
  const short = await token(exp);
  await strict.verify(short);
  assert.ok(!(strict.verify(short) instanceof Promise));
  await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 20));
  assert.equal(await reason(strict, short), 'expired');
  assert.equal(strict.verifications, 2);
});

test('config: none, HS* without a secret, and two key sources are refused at load', () => {
  const env = { logger: pino({ level: 'silent' }), scope: { api: 'a', operationId: undefined }, baseDir: '.' };
  const base = { audiences: ['a'], requiredClaims: [], clockTolerance: '30s', claims: { subject: 'sub', scopes: ['scope'], roles: 'roles' }, jwks: { minTtl: '30s', maxTtl: '1d', defaultTtl: '10m', cooldown: '10s', timeout: '5s' } };
  const config = (issuer: Record<string, unknown>): JwtSchemeConfig => ({ issuers: [{ issuer: 'i', ...base, ...issuer } as JwtSchemeConfig['issuers'][number]], header: 'authorization', scheme: 'Bearer', maxTokenLength: '8kb', cache: { maxEntries: 10, maxTtl: '5m' } });
  assert.throws(() => jwtAuthenticator('j', config({ jwksUrl: 'http://x/jwks', algorithms: ['HS256'] }), env, ''), /HS\* algorithms need a secret/);
  assert.throws(() => jwtAuthenticator('j', config({ secret: 'x'.repeat(32), algorithms: ['RS256'] }), env, ''), /only HS256/);
  assert.throws(() => jwtAuthenticator('j', config({ secret: 'x'.repeat(32), jwksUrl: 'http://x/jwks' }), env, ''), /exactly one/);
  assert.throws(() => jwtAuthenticator('j', config({}), env, ''), /exactly one/);
});
