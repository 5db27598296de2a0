// Through a real gateway and upstream: bodies that set readOnly, role-protected or undeclared
// properties are refused (or stripped) before the upstream sees them; admins may write what they own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashApiKey } from '../../auth/api-key.ts';
import { foldName } from './walk.ts';
import { startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';

const USER_KEY = 'mass-assignment-user-key-0123456789';
const ADMIN_KEY = 'mass-assignment-admin-key-0123456789';

const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /accounts/{id}:
    patch:
      operationId: updateAccount
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Account' }
      responses: { '200': { description: ok } }
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                items:
                  type: array
                  items:
                    type: object
                    properties:
                      sku: { type: string }
                      price: { type: number, readOnly: true }
      responses: { '201': { description: ok } }
  /profiles:
    post:
      operationId: createProfile
      requestBody:
        content:
          application/json; charset=utf-8:
            schema:
              type: object
              properties:
                name: { type: string }
                verified: { type: boolean, readOnly: true }
      responses: { '201': { description: ok } }
components:
  schemas:
    Account:
      type: object
      properties:
        id: { type: integer, readOnly: true }
        name: { type: string }
        role: { type: string, x-portcullis-write-roles: [admin] }
        balance: { type: number }
`;

const config = (action: string) => `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: "\${UPSTREAM}" } }
apis:
  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      auth-apikey:
        format: any
        consumers:
          - { id: user, roles: [user], keys: [{ sha256: ${hashApiKey(USER_KEY)} }] }
          - { id: root, roles: [admin], keys: [{ sha256: ${hashApiKey(ADMIN_KEY)} }] }
      mass-assignment:
        action: ${action}
        protected: [{ property: balance, roles: [admin] }]
`;

describe('mass-assignment policy', () => {
  let upstream: TestUpstream;
  let reject: TestGateway;
  let strip: TestGateway;
  const send = (gw: TestGateway, path: string, body: unknown, key = USER_KEY, method = 'PATCH') =>
    fetch(`${gw.url}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    upstream = await startUpstream();
    const env = { ...process.env, UPSTREAM: upstream.url };
    reject = await startTestGateway(config('reject'), { 'spec.yaml': spec }, env);
    strip = await startTestGateway(config('strip'), { 'spec.yaml': spec }, env);
  });
  after(async () => {
    await reject.close();
    await strip.close();
    await upstream.close();
  });

  test('readOnly, role-protected and closed-schema properties are refused with 400, naming each by pointer', async () => {
    const before = upstream.received.length;
    const res = await send(reject, '/accounts/1', { name: 'x', id: 9, role: 'admin', balance: 1e6 });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; errors: { pointer: string; message: string }[] };
    assert.equal(body.code, 'PCL_ERR_MASS_ASSIGNMENT');
    assert.deepEqual(body.errors.map((e) => e.pointer).sort(), ['/balance', '/id', '/role']);
    assert.doesNotMatch(JSON.stringify(body), /1000000|admin"/);
    const nested = await send(reject, '/orders', { items: [{ sku: 'a', price: 0 }], discount: 100 }, USER_KEY, 'POST');
    assert.deepEqual(((await nested.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort(), ['/discount', '/items/0/price']);
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
  });

  test('callers with the role may write what it protects; readOnly stays refused for everyone', async () => {
    assert.equal((await send(reject, '/accounts/1', { role: 'admin', balance: 5 }, ADMIN_KEY)).status, 200);
    assert.equal((await send(reject, '/accounts/1', { id: 2 }, ADMIN_KEY)).status, 400);
    assert.equal((await send(reject, '/accounts/1', { name: 'ok' })).status, 200);
  });

  test('strip mode forwards the body without them, with a correct Content-Length', async () => {
    const res = await send(strip, '/accounts/1', { name: 'x', id: 9, role: 'admin', balance: 1e6 });
    assert.equal(res.status, 200);
    const got = upstream.received.at(-1)!;
    assert.deepEqual(JSON.parse(got.body.toString()), { name: 'x' });
    assert.equal(got.headers['content-length'], String(got.body.length));
    await send(strip, '/orders', { items: [{ sku: 'a', price: 0 }, { sku: 'b' }] }, USER_KEY, 'POST');
    assert.deepEqual(JSON.parse(upstream.received.at(-1)!.body.toString()), { items: [{ sku: 'a' }, { sku: 'b' }] });
  });

  test('an unchanged body is forwarded byte for byte', async () => {
    const raw = '{"name":  "spaces"}';
    await fetch(`${strip.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: raw });
    assert.equal(upstream.received.at(-1)!.body.toString(), raw);
  });

  // Go's encoding/json and ASP.NET Core bind "Role" or "ROLE" to the property "role".
  test('keys that differ from a readOnly, role-gated or protected name only in case are checked as that property', async () => {
    const before = upstream.received.length;
    const res = await send(reject, '/accounts/1', { name: 'x', Id: 9, ROLE: 'admin', Balance: 1e9 });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; errors: { pointer: string }[] };
    assert.equal(body.code, 'PCL_ERR_MASS_ASSIGNMENT');
    assert.deepEqual(body.errors.map((e) => e.pointer).sort(), ['/Balance', '/Id', '/ROLE']);
    // Both spellings in one object: each is refused.
    const both = await send(reject, '/accounts/1', { role: 'user', Role: 'admin' });
    assert.deepEqual(((await both.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort(), ['/Role', '/role']);
    // Nested objects too.
    const nested = await send(reject, '/orders', { items: [{ sku: 'a', PRICE: 0 }] }, USER_KEY, 'POST');
    assert.deepEqual(((await nested.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer), ['/items/0/PRICE']);
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    // Strip mode forwards the body without them.
    assert.equal((await send(strip, '/accounts/1', { name: 'x', iD: 9, Role: 'admin', BALANCE: 5 })).status, 200);
    assert.deepEqual(JSON.parse(upstream.received.at(-1)!.body.toString()), { name: 'x' });
    // Unchanged: writable names in any case, and the roles that may write what they gate.
    assert.equal((await send(reject, '/accounts/1', { Name: 'ok' })).status, 200);
    assert.equal((await send(reject, '/accounts/1', { Role: 'admin', Balance: 5 }, ADMIN_KEY)).status, 200);
    // Go also folds the Kelvin sign onto "k" and the long s onto "s".
    assert.equal(foldName('\u212Aey'), 'key');
    assert.equal(foldName('I\u017FADMIN'), 'isadmin');
  });

  test('a JSON body that does not parse is refused (validation may be off), a leading byte-order mark included', async () => {
    const before = upstream.received.length;
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"role":"admin"}')]);
    for (const [gw, raw] of [[reject, bom], [strip, bom], [reject, '{"name":']] as const) {
      const res = await fetch(`${gw.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, 'content-type': 'application/json' }, body: raw });
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await res.json()) as { code: string; errors: { in: string; message: string }[] };
      assert.equal(body.code, 'PCL_ERR_VALIDATION');
      assert.deepEqual(body.errors, [{ in: 'body', message: 'is not valid JSON' }]);
    }
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
  });

  test('a media type declared with parameters (application/json; charset=utf-8) is checked', async () => {
    const res = await send(reject, '/profiles', { name: 'x', verified: true }, USER_KEY, 'POST');
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer), ['/verified']);
    const charset = await fetch(`${reject.url}/profiles`, { method: 'POST', headers: { 'x-api-key': USER_KEY, 'content-type': 'Application/JSON; charset=UTF-8' }, body: '{"verified":true}' });
    assert.equal(charset.status, 400);
    assert.equal((await send(reject, '/profiles', { name: 'x' }, USER_KEY, 'POST')).status, 200);
  });

  test('a body in a media type the operation does not declare is refused (415), not passed unchecked', async () => {
    const before = upstream.received.length;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await fetch(`${reject.url}/accounts/1`, { method: 'PATCH', headers: { 'x-api-key': USER_KEY, ...(type ? { 'content-type': type } : {}) }, body: '{"role":"admin"}' });
      assert.equal(res.status, 415, String(type));
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_UNSUPPORTED_MEDIA_TYPE');
    }
    assert.equal(upstream.received.length, before, 'nothing reached the upstream');
  });
});
