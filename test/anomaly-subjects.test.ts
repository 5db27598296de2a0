// Anomaly blocks of callers without a consumer id (a JWT with no consumer mapping), through a real
// gateway: such a caller is counted and blocked as its subject qualified by auth method and issuer
// ("subject:jwt <iss> <sub>"), never as the API key consumer whose id is the same text, nor as the
// same `sub` of another issuer; the admin API lists the block with kind "subject" and lifts it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { SignJWT } from 'jose';
import { parse } from 'yaml';
import { hashApiKey } from '../src/auth/api-key.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { waitUntil } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const TOKEN = 'admin-token-for-the-subject-blocks-test';
const SECRET = 'anomaly-subjects-jwt-hmac-secret-0123456789';
const VICTIM_KEY = 'victim-key-0123456789abcdef';
const IDP_A = 'https://idp-a.test';
const IDP_B = 'https://idp-b.test';

const token = (iss: string, sub: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss).setAudience('t').setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

function yaml(upstreamUrl: string): string {
  return `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
log: { access: false }
forwarding: { trustedProxies: [127.0.0.1] }
alerts:
  anomalies:
    idEnumeration: { distinctIds: 6, window: 1m, by: consumer, mode: enforce, blockFor: 10m }
upstreams: { backend: { url: ${upstreamUrl} } }
apis:
  - name: shop
    upstream: backend
    routes: [{ path: '/items/{id}', operationId: getItem }]
    policies:
      auth-schemes:
        require: [[bearer], [key]]
        schemes:
          bearer:
            jwt: { issuers: [{ issuer: ${IDP_A}, secret: ${SECRET}, audiences: [t] }, { issuer: ${IDP_B}, secret: ${SECRET}, audiences: [t] }] }
          key:
            apiKey: { format: any, consumers: [{ id: victim, keys: [{ sha256: ${hashApiKey(VICTIM_KEY)} }] }] }
`;
}

describe('anomaly blocks of subjects without a consumer id', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const get = async (id: number | string, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}/items/${id}`, { headers });
    const body = await res.text();
    return { status: res.status, code: res.status >= 400 ? (JSON.parse(body) as { code: string }).code : undefined };
  };
  const bearer = (t: string, ip: string) => ({ authorization: `Bearer ${t}`, 'x-forwarded-for': ip });
  const victim = { 'x-api-key': VICTIM_KEY, 'x-forwarded-for': '203.0.113.5' };
  const admin = async (path: string, method = 'GET') => {
    const res = await fetch(`${gw.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(yaml(upstream.url));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('a consumer and a token subject of the same name are counted apart', async () => {
    // 4 + 4 distinct ids: under the threshold (6) for each caller, over it for both together.
    const other = await token(IDP_A, 'victim');
    for (let i = 1; i <= 4; i++) assert.equal((await get(`c${i}`, victim)).status, 200);
    for (let i = 1; i <= 4; i++) assert.equal((await get(`s${i}`, bearer(other, '198.51.100.60'))).status, 200);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await get('c5', victim)).status, 200, 'the consumer is not blocked');
    assert.equal((await get('s5', bearer(other, '198.51.100.60'))).status, 200, 'nor the subject');
  });

  test('a token whose sub is a consumer id is blocked as its subject, not as that consumer', async () => {
    const attacker = await token(IDP_A, 'mallory');
    const neighbour = await token(IDP_A, 'neighbour');
    let blocked = false;
    for (let i = 1; i <= 20 && !blocked; i++) {
      const res = await get(`m${i}`, bearer(attacker, '198.51.100.66'));
      blocked = res.code === 'PCL_ERR_CALLER_BLOCKED';
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(blocked, 'never blocked');
    assert.equal((await get(1, bearer(attacker, '192.0.2.7'))).code, 'PCL_ERR_CALLER_BLOCKED', 'blocked from any address');
    assert.equal((await get(1, bearer(await token(IDP_B, 'mallory'), '198.51.100.66'))).status, 200, 'the mallory of another issuer is another caller');
    assert.equal((await get(1, bearer(neighbour, '198.51.100.66'))).status, 200, 'the address is not blocked');

    // The same with the victim's name as sub: the API key consumer "victim" goes on.
    const named = await token(IDP_A, 'victim');
    blocked = false;
    for (let i = 1; i <= 20 && !blocked; i++) {
      blocked = (await get(`v${i}`, bearer(named, '198.51.100.67'))).code === 'PCL_ERR_CALLER_BLOCKED';
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(blocked, 'never blocked');
    assert.equal((await get('c1', victim)).status, 200, 'the consumer victim is not blocked by a token naming it');
  });

  test('the admin API lists a subject block with its kind, and lifts it', async () => {
    const doc = parse(await readFile(new URL('../docs/admin-api.yaml', import.meta.url), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    ajv.addSchema({ $id: 'admin-api', components: doc.components });
    const list = await admin('/api/blocks');
    const validate = ajv.getSchema('admin-api#/components/schemas/BlockList')!;
    assert.ok(validate(list.body), JSON.stringify(validate.errors));
    const blocks = list.body!.blocks as { key: string; kind: string; value: string }[];
    const mallory = blocks.find((b) => b.value === `jwt ${IDP_A} mallory`);
    assert.deepEqual(mallory && { key: mallory.key, kind: mallory.kind }, { key: `subject:jwt ${IDP_A} mallory`, kind: 'subject' });
    assert.ok(!blocks.some((b) => b.kind === 'consumer'), JSON.stringify(blocks));
    assert.equal((await admin(`/api/blocks/${encodeURIComponent(mallory!.key)}`, 'DELETE')).status, 204);
    const again = await token(IDP_A, 'mallory');
    await waitUntil('mallory passes again', async () => (await get('m1', bearer(again, '198.51.100.66'))).status === 200 || undefined, 5000);
  });
});
