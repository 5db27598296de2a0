// Per-credential lockout (failures with one API key id or signature keyid, from any address, lock
// that credential), address lockouts that a flood of other failures cannot flush, and
// hideCredentials (credentials not forwarded upstream), through a running gateway.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { generateApiKey } from '../src/auth/api-key.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SIG_SECRET = 'lockout-test-signature-secret-0123456789';
const JWT_SECRET = 'lockout-test-jwt-hmac-secret-0123456789!';
const victim = generateApiKey();
const other = generateApiKey();

/** A key with the victim's public id but another secret part (and so a wrong checksum). */
const guess = (n: number) => `${victim.id}${'x'.repeat(23)}${n}_AAAAAA`;

/** A signed GET; `decoy` is an extra keyid parameter sent before the real one (the last one counts). */
function signed(url: string, keyid: string, secret = SIG_SECRET, decoy?: string): Record<string, string> {
  const u = new URL(url);
  const head = `("@method" "@target-uri");created=${Math.floor(Date.now() / 1000)};nonce="${randomUUID()}"`;
  const params = `${head};keyid="${keyid}"`;
  const base = `"@method": GET\n"@target-uri": ${u.protocol}//${u.host}${u.pathname}${u.search}\n"@signature-params": ${params}`;
  const input = decoy === undefined ? params : `${head};keyid="${decoy}";keyid="${keyid}"`;
  return { 'signature-input': `sig1=${input}`, signature: `sig1=:${createHmac('sha256', secret).update(base).digest('base64')}:` };
}

const api = (name: string, policies: string) => `  - name: ${name}
    upstream: backend
    routes: [{ path: /${name}/*, operationId: ${name} }]
    policies:
${policies}`;

describe('per-credential lockout and hideCredentials', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const consumers = `consumers: [{ id: victim, keys: [{ sha256: ${victim.hash} }] }, { id: other, keys: [{ sha256: ${other.hash} }] }]`;

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
forwarding: { trustedProxies: [127.0.0.1] }
upstreams: { backend: { url: ${upstream.url} } }
apis:
${api('keys', `      auth-apikey:
        ${consumers}
        bruteForce: { maxFailures: 2, perCredential: { maxFailures: 3, lockout: 1500ms } }
`)}
${api('signed', `      auth-signature:
        consumers: [{ id: bank, keys: [{ keyid: bank-1, alg: hmac-sha256, secret: ${SIG_SECRET} }, { keyid: bank-2, alg: hmac-sha256, secret: ${SIG_SECRET} }] }]
        bruteForce: { maxFailures: 1000, perCredential: { maxFailures: 3, lockout: 1500ms } }
        hideCredentials: true
`)}
${api('hidden', `      auth-apikey:
        ${consumers}
        queryParam: api_key
        hideCredentials: true
        bruteForce: { maxFailures: 1000 }
`)}
${api('bearer', `      auth-jwt:
        issuers: [{ issuer: https://idp.test, secret: ${JWT_SECRET}, audiences: [t] }]
        hideCredentials: true
`)}
${api('either', `      auth-schemes:
        bruteForce: { maxFailures: 1000, perCredential: { maxFailures: 3, lockout: 1500ms } }
        schemes:
          token:
            jwt: { issuers: [{ issuer: https://idp.test, secret: ${JWT_SECRET}, audiences: [t] }] }
          key:
            apiKey: { authorizationScheme: Bearer, ${consumers} }
        require: [[token], [key]]
`)}
${api('shown', `      auth-apikey:
        ${consumers}
        queryParam: api_key
        bruteForce: { maxFailures: 1000 }
`)}`);
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  async function get(path: string, headers: Record<string, string>) {
    const before = upstream.received.length;
    const res = await fetch(`${gw.url}${path}`, { headers });
    const body = await res.text();
    return { status: res.status, headers: res.headers, body, reached: upstream.received.length > before, seen: upstream.received.at(-1) };
  }

  test('failures with one API key id from many addresses lock that key, a valid use of it too', async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await get('/keys/a', { 'x-api-key': guess(i), 'x-forwarded-for': `198.51.100.${i}` });
      assert.equal(res.status, 401, `guess ${i}: each address failed once only, under its own limit`);
    }
    const locked = await get('/keys/a', { 'x-api-key': victim.key, 'x-forwarded-for': '203.0.113.9' });
    assert.equal(locked.status, 429);
    assert.equal(locked.reached, false);
    assert.equal((JSON.parse(locked.body) as { code: string }).code, 'PCL_ERR_TOO_MANY_AUTH_FAILURES');
    assert.ok(Number(locked.headers.get('retry-after')) >= 1);
    assert.equal((await get('/keys/a', { 'x-api-key': other.key, 'x-forwarded-for': '203.0.113.9' })).status, 200, 'other credentials are not affected');
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal((await get('/keys/a', { 'x-api-key': victim.key, 'x-forwarded-for': '203.0.113.9' })).status, 200, 'the lockout ends');
  });

  test('an API key read from the bearer header a JWT scheme reads too: guesses at it lock that key', async () => {
    // The JWT scheme cannot read these at all; the key's own failures must still be counted against it.
    for (let i = 1; i <= 3; i++) assert.equal((await get('/either/a', { authorization: `Bearer ${guess(3 + i)}`, 'x-forwarded-for': `198.51.100.${20 + i}` })).status, 401);
    const locked = await get('/either/a', { authorization: `Bearer ${victim.key}`, 'x-forwarded-for': '203.0.113.19' });
    assert.equal(locked.status, 429);
    assert.equal(locked.reached, false);
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal((await get('/either/a', { authorization: `Bearer ${victim.key}` })).status, 200, 'the lockout ends');
  });

  test('failures from one IPv6 /64 lock the whole network out, whichever of its addresses they come from', async () => {
    // Each guess is another unknown key (its own id), so only the per-address limit (2) can lock.
    for (const ip of ['2001:db8:77:1::1', '2001:db8:77:1:ffff::2']) {
      assert.equal((await get('/keys/a', { 'x-api-key': generateApiKey().key, 'x-forwarded-for': ip })).status, 401, ip);
    }
    const locked = await get('/keys/a', { 'x-api-key': other.key, 'x-forwarded-for': '2001:db8:77:1:abcd::3' });
    assert.equal(locked.status, 429, 'another address of the same /64 is locked out too');
    assert.equal((JSON.parse(locked.body) as { code: string }).code, 'PCL_ERR_TOO_MANY_AUTH_FAILURES');
    assert.equal((await get('/keys/a', { 'x-api-key': other.key, 'x-forwarded-for': '2001:db8:77:2::1' })).status, 200, 'the next /64 is not');
  });

  test('bad signatures naming one keyid lock that keyid', async () => {
    for (let i = 1; i <= 3; i++) assert.equal((await get('/signed/a', { ...signed(`${gw.url}/signed/a`, 'bank-1', 'not-the-secret-but-long-enough-000000'), 'x-forwarded-for': `192.0.2.${i}` })).status, 401);
    const locked = await get('/signed/a', { ...signed(`${gw.url}/signed/a`, 'bank-1'), 'x-forwarded-for': '192.0.2.200' });
    assert.equal(locked.status, 429);
    assert.equal(locked.reached, false);
    await new Promise((r) => setTimeout(r, 1600));
    const ok = await get('/signed/a', signed(`${gw.url}/signed/a`, 'bank-1'));
    assert.equal(ok.status, 200);
    assert.equal(ok.seen!.headers.signature, undefined, 'hideCredentials: Signature not forwarded');
    assert.equal(ok.seen!.headers['signature-input'], undefined);
  });

  test('a repeated keyid parameter counts as the keyid the verifier uses: decoys do not get around the lockout', async () => {
    const url = `${gw.url}/signed/a`;
    const decoyed = await get('/signed/a', { ...signed(url, 'bank-2', SIG_SECRET, 'decoy'), 'x-forwarded-for': '192.0.2.50' });
    assert.equal(decoyed.status, 200, 'a repeated parameter is valid (RFC 8941: the last one counts)');
    for (let i = 1; i <= 3; i++) {
      const res = await get('/signed/a', { ...signed(url, 'bank-2', 'not-the-secret-but-long-enough-000000', `decoy-${i}`), 'x-forwarded-for': `192.0.2.${50 + i}` });
      assert.equal(res.status, 401);
    }
    const locked = await get('/signed/a', { ...signed(url, 'bank-2', SIG_SECRET, 'another-decoy'), 'x-forwarded-for': '192.0.2.60' });
    assert.equal(locked.status, 429, 'bank-2 is locked, whatever keyid is sent before it');
    assert.equal(locked.reached, false);
    assert.equal((await get('/signed/a', { ...signed(url, 'bank-2'), 'x-forwarded-for': '192.0.2.61' })).status, 429);
  });

  test('hideCredentials: the API key header and query parameter are not forwarded; other parameters are', async () => {
    const byHeader = await get('/hidden/orders?a=1', { 'x-api-key': victim.key });
    assert.equal(byHeader.status, 200);
    assert.equal(byHeader.seen!.headers['x-api-key'], undefined);
    assert.equal(byHeader.seen!.headers['x-consumer-id'], 'victim');
    const byQuery = await get(`/hidden/orders?a=1&api_key=${encodeURIComponent(other.key)}&b=two`, {});
    assert.equal(byQuery.status, 200);
    assert.equal(byQuery.seen!.url, '/hidden/orders?a=1&b=two');
    const byAuthorization = await get('/hidden/orders', { authorization: `ApiKey ${victim.key}` });
    assert.equal(byAuthorization.status, 200);
    assert.equal(byAuthorization.seen!.headers.authorization, undefined);
  });

  test('hideCredentials: the bearer token is not forwarded', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://idp.test').setAudience('t').setSubject('u1').setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET));
    const res = await get('/bearer/x', { authorization: `Bearer ${token}` });
    assert.equal(res.status, 200);
    assert.equal(res.seen!.headers.authorization, undefined);
    assert.equal(res.seen!.headers['x-auth-subject'], 'u1');
  });

  test('without hideCredentials the credentials are forwarded as sent', async () => {
    const res = await get(`/shown/orders?api_key=${encodeURIComponent(other.key)}`, { 'x-api-key': victim.key });
    assert.equal(res.status, 200);
    assert.equal(res.seen!.headers['x-api-key'], victim.key);
    assert.equal(res.seen!.url, `/shown/orders?api_key=${encodeURIComponent(other.key)}`);
    assert.equal(createHash('sha256').update(res.seen!.headers['x-api-key'] as string).digest('hex'), victim.hash);
  });
});

describe('address lockout with a small table', () => {
  test('failures from many other networks do not flush a lockout in force', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(`listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
log: { access: false }
forwarding: { trustedProxies: [127.0.0.1] }
upstreams: { backend: { url: ${upstream.url} } }
apis:
${api('keys', `      auth-apikey:
        consumers: [{ id: victim, keys: [{ sha256: ${victim.hash} }] }]
        bruteForce: { maxFailures: 3, lockout: 10m, maxClients: 100 }
`)}`);
    try {
      const status = async (key: string, ip: string) => {
        const res = await fetch(`${gw.url}/keys/a`, { headers: { 'x-api-key': key, 'x-forwarded-for': ip } });
        await res.arrayBuffer();
        return res.status;
      };
      const locked = '2001:db8:aa:1::1';
      for (let i = 0; i < 3; i++) assert.equal(await status(generateApiKey().key, locked), 401);
      assert.equal(await status(victim.key, locked), 429, 'locked out');
      // 2.5 × maxClients failures, one from each of other /64s of the same /48.
      for (let n = 0; n < 250; n++) assert.equal(await status(generateApiKey().key, `2001:db8:aa:${(n + 2).toString(16)}::1`), 401);
      assert.equal(await status(victim.key, locked), 429, 'still locked out: the flood did not evict the lockout');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
