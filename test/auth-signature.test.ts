// HTTP message signatures (RFC 9421) through a running gateway: HMAC-SHA256 and Ed25519 keys per
// consumer; valid, tampered, expired, replayed and incomplete signatures; Content-Digest (RFC 9530)
// checked against the body. The signer here is written from the RFC, independently of the gateway.
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const HMAC_SECRET = 'signature-test-shared-secret-0123456789';
const ed = generateKeyPairSync('ed25519');

interface SignOptions {
  keyid?: string;
  components?: string[];
  created?: number;
  expires?: number;
  nonce?: string | null;
  alg?: string;
  label?: string;
  /** Content-Digest as sent (and signed), instead of the sha-256 of the body. */
  digest?: string;
}

/** Signs a request the way a client would (RFC 9421 §2.5 signature base, §3.1 signing). */
function signRequest(method: string, url: string, body: string | undefined, o: SignOptions = {}): Record<string, string> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-digest'] = o.digest ?? `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  const components = o.components ?? ['@method', '@target-uri', ...(body !== undefined ? ['content-digest'] : [])];
  const keyid = o.keyid ?? 'hmac-1';
  const value = (c: string): string => {
    if (c === '@method') return method;
    if (c === '@target-uri') return `${u.protocol}//${u.host}${u.pathname}${u.search}`;
    if (c === '@authority') return u.host;
    if (c === '@path') return u.pathname;
    if (c === '@query') return u.search || '?';
    return headers[c]!;
  };
  let params = `(${components.map((c) => `"${c}"`).join(' ')});created=${o.created ?? Math.floor(Date.now() / 1000)}`;
  if (o.expires !== undefined) params += `;expires=${o.expires}`;
  if (o.nonce !== null) params += `;nonce="${o.nonce ?? randomUUID()}"`;
  params += `;keyid="${keyid}"`;
  if (o.alg !== undefined) params += `;alg="${o.alg}"`;
  const base = `${components.map((c) => `"${c}": ${value(c)}\n`).join('')}"@signature-params": ${params}`;
  const signature = keyid.startsWith('ed') ? sign(null, Buffer.from(base), ed.privateKey) : createHmac('sha256', HMAC_SECRET).update(base).digest();
  const label = o.label ?? 'sig1';
  headers['signature-input'] = `${label}=${params}`;
  headers.signature = `${label}=:${signature.toString('base64')}:`;
  return headers;
}

describe('auth-signature', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(
      `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: payments
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-signature:
        maxAge: 2m
        clockSkew: 5s
        bruteForce: { maxFailures: 100000 }
        consumers:
          - id: bank-a
            scopes: [payments:write]
            keys: [{ keyid: hmac-1, alg: hmac-sha256, secret: '\${file:bank-a.secret}' }]
          - id: bank-b
            roles: [partner]
            keys: [{ keyid: ed-1, alg: ed25519, publicKey: bank-b.pem }]
`,
      { 'bank-a.secret': HMAC_SECRET, 'bank-b.pem': ed.publicKey.export({ format: 'pem', type: 'spki' }) as string },
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  async function send(method: string, path: string, body: string | undefined, headers: Record<string, string>) {
    const before = upstream.received.length;
    const res = await fetch(`${gw.url}${path}`, { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text, reached: upstream.received.length > before };
  }
  const refused = async (method: string, path: string, body: string | undefined, headers: Record<string, string>, why: string) => {
    const res = await send(method, path, body, headers);
    assert.equal(res.status, 401, why);
    assert.equal(res.reached, false, `${why}: reached the upstream`);
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'PCL_ERR_UNAUTHENTICATED');
    return res;
  };

  test('valid HMAC-SHA256 and Ed25519 signatures: the consumer goes upstream with the body intact', async () => {
    const get = await send('GET', '/accounts?currency=EUR', undefined, signRequest('GET', `${gw.url}/accounts?currency=EUR`, undefined));
    assert.equal(get.status, 200);
    assert.equal(upstream.received.at(-1)!.headers['x-consumer-id'], 'bank-a');
    assert.equal(upstream.received.at(-1)!.headers['x-auth-scopes'], 'payments:write');
    const body = JSON.stringify({ amount: 125, to: 'DE02' });
    const post = await send('POST', '/payments', body, signRequest('POST', `${gw.url}/payments`, body, { keyid: 'ed-1', alg: 'ed25519' }));
    assert.equal(post.status, 200);
    const seen = upstream.received.at(-1)!;
    assert.equal(seen.headers['x-consumer-id'], 'bank-b');
    assert.equal(seen.body.toString(), body);
  });

  test('@authority + @path (+ @query) stand for @target-uri', async () => {
    const h = signRequest('GET', `${gw.url}/accounts?x=1`, undefined, { components: ['@method', '@authority', '@path', '@query'] });
    assert.equal((await send('GET', '/accounts?x=1', undefined, h)).status, 200);
    const noQuery = signRequest('GET', `${gw.url}/accounts?x=1`, undefined, { components: ['@method', '@authority', '@path'] });
    await refused('GET', '/accounts?x=1', undefined, noQuery, 'the query is not covered');
  });

  test('tampered requests are refused and never reach the upstream', async () => {
    const body = JSON.stringify({ amount: 125 });
    const h = signRequest('POST', `${gw.url}/payments`, body, { keyid: 'ed-1' });
    await refused('POST', '/payments', JSON.stringify({ amount: 99999 }), h, 'body changed, digest kept');
    const redigested = { ...signRequest('POST', `${gw.url}/payments`, body), 'content-digest': `sha-256=:${createHash('sha256').update('{"amount":99999}').digest('base64')}:` };
    await refused('POST', '/payments', '{"amount":99999}', redigested, 'body and digest changed');
    await refused('POST', '/refunds', body, signRequest('POST', `${gw.url}/payments`, body), 'another path');
    await refused('PUT', '/payments', body, signRequest('POST', `${gw.url}/payments`, body), 'another method');
    const flipped = signRequest('GET', `${gw.url}/accounts`, undefined);
    const raw = Buffer.from(flipped.signature!.slice(6, -1), 'base64');
    raw[0] = raw[0]! ^ 1;
    await refused('GET', '/accounts', undefined, { ...flipped, signature: `sig1=:${raw.toString('base64')}:` }, 'signature bytes altered');
    await refused('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { keyid: 'hmac-1', alg: 'ed25519' }), 'alg does not fit the key');
    await refused('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { keyid: 'nobody' }), 'unknown keyid');
  });

  test('Content-Digest members of unknown algorithms are ignored, whatever their name (constructor is no algorithm)', async () => {
    const body = JSON.stringify({ amount: 7 });
    const sha256 = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
    const withUnknown = await send('POST', '/payments', body, signRequest('POST', `${gw.url}/payments`, body, { digest: `constructor=:AAAA:, sha-999=:AAAA:, ${sha256}` }));
    assert.equal(withUnknown.status, 200);
    await refused('POST', '/payments', body, signRequest('POST', `${gw.url}/payments`, body, { digest: 'constructor=:AAAA:' }), 'no digest of an algorithm the gateway knows');
  });

  test('expired, future and incomplete signatures are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { created: now - 180 }), 'created older than maxAge');
    await refused('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { created: now - 30, expires: now - 10 }), 'expires in the past');
    await refused('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { created: now + 60 }), 'created in the future');
    await refused('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { components: ['@target-uri'] }), '@method not covered');
    const body = '{"a":1}';
    await refused('POST', '/payments', body, signRequest('POST', `${gw.url}/payments`, body, { components: ['@method', '@target-uri'] }), 'content-digest not covered');
    await refused('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { nonce: null }), 'no nonce');
    const onlyInput = signRequest('GET', `${gw.url}/accounts`, undefined);
    await refused('GET', '/accounts', undefined, { 'signature-input': onlyInput['signature-input']! }, 'Signature header missing');
    await refused('GET', '/accounts', undefined, { 'signature-input': 'sig1=(', signature: 'sig1=:AA==:' }, 'unparsable');
    const none = await refused('GET', '/accounts', undefined, {}, 'no signature');
    assert.equal(none.headers.get('www-authenticate'), 'Signature realm="payments"');
  });

  test('replays are refused: the same request again, a reused nonce, concurrent copies', async () => {
    const h = signRequest('GET', `${gw.url}/accounts`, undefined);
    assert.equal((await send('GET', '/accounts', undefined, h)).status, 200);
    await refused('GET', '/accounts', undefined, h, 'the same signed request again');
    const nonce = randomUUID();
    assert.equal((await send('GET', '/accounts', undefined, signRequest('GET', `${gw.url}/accounts`, undefined, { nonce }))).status, 200);
    const later = signRequest('GET', `${gw.url}/accounts`, undefined, { nonce, created: Math.floor(Date.now() / 1000) - 1 });
    await refused('GET', '/accounts', undefined, later, 'a new signature with a used nonce');
    const body = '{"amount":5}';
    const copy = signRequest('POST', `${gw.url}/payments`, body, { keyid: 'ed-1' });
    const before = upstream.received.length;
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => send('POST', '/payments', body, copy)))).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 401, 401, 401, 401, 401]);
    assert.equal(upstream.received.length, before + 1);
  });

  test('a failed digest check does not burn the nonce of the genuine request', async () => {
    const body = '{"amount":7}';
    const h = signRequest('POST', `${gw.url}/payments`, body);
    await refused('POST', '/payments', '{"amount":8}', h, 'tampered copy sent first');
    assert.equal((await send('POST', '/payments', body, h)).status, 200);
  });
});

describe('auth-signature config', () => {
  test('short HMAC secrets, non-Ed25519 public keys and duplicate keyids are refused at load', async () => {
    const yaml = (keys: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: http://127.0.0.1:1 } }
apis:
  - name: p
    upstream: backend
    routes: [{ path: /* }]
    policies:
      auth-signature:
        consumers: [{ id: a, keys: ${keys} }]
`;
    await assert.rejects(startTestGateway(yaml(`[{ keyid: k, alg: hmac-sha256, secret: short }]`)), /secret/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
    await assert.rejects(startTestGateway(yaml(`[{ keyid: k, alg: ed25519, publicKey: rsa.pem }]`), { 'rsa.pem': rsa }), /not an Ed25519 key/);
    await assert.rejects(startTestGateway(yaml(`[{ keyid: k, alg: hmac-sha256, secret: ${HMAC_SECRET} }, { keyid: k, alg: hmac-sha256, secret: ${HMAC_SECRET} }]`)), /used twice/);
  });
});

describe('auth-signature replay protection across gateways sharing Redis', () => {
  const redisUrl = process.env.REDIS_URL;
  test('a signed request accepted by one gateway is refused when replayed to another; a store that is down answers 503', { skip: redisUrl === undefined && 'REDIS_URL is not set' }, async () => {
    const upstream = await startUpstream();
    const config = (redis: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream.url} } }
apis:
  - name: payments
    upstream: backend
    routes: [{ path: /*, operationId: all }]
    policies:
      auth-signature:
        components: ['@method', '@path']
        replayRedis: ${redis}
        replayTimeout: 500ms
        bruteForce: { maxFailures: 100000 }
        consumers: [{ id: bank-a, keys: [{ keyid: hmac-1, alg: hmac-sha256, secret: '\${file:bank-a.secret}' }] }]
`;
    const files = { 'bank-a.secret': HMAC_SECRET };
    const a = await startTestGateway(config(`"${redisUrl}/15"`), files);
    const b = await startTestGateway(config(`"${redisUrl}/15"`), files);
    const down = await startTestGateway(config('"redis://127.0.0.1:1"'), files);
    try {
      // Signed over method and path only, so the same signature is valid at every gateway.
      const path = `/balance/${randomUUID()}`;
      const headers = signRequest('GET', `${a.url}${path}`, undefined, { components: ['@method', '@path'] });
      const before = upstream.received.length;
      assert.equal((await fetch(`${a.url}${path}`, { headers })).status, 200, 'first use');
      assert.equal((await fetch(`${b.url}${path}`, { headers })).status, 401, 'replayed to another gateway');
      assert.equal((await fetch(`${a.url}${path}`, { headers })).status, 401, 'replayed to the same gateway');
      assert.equal(upstream.received.length, before + 1, 'only the first one reached the upstream');
      const fresh = `/balance/${randomUUID()}`;
      const res = await fetch(`${down.url}${fresh}`, { headers: signRequest('GET', `${down.url}${fresh}`, undefined, { components: ['@method', '@path'] }) });
      assert.equal(res.status, 503, 'the replay store cannot be reached: no silent pass');
      assert.equal(upstream.received.length, before + 1);
    } finally {
      await a.close();
      await b.close();
      await down.close();
      await upstream.close();
    }
  });
});
