import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../openapi/load.ts';
import { scanSpec } from './operations.ts';
import { buildPlan, collectionOf, idOf, isLogin, itemsOf, loginFields, resourceName } from './plan.ts';

const DEMO = fileURLToPath(new URL('../../examples/demo/openapi.yaml', import.meta.url));

describe('the plan of the demo document', async () => {
  const spec = scanSpec(await loadSpec(DEMO));
  const plan = buildPlan(spec);
  const op = (label: string) => spec.operations.find((o) => o.label === label)!;

  test('operations carry the base path, security and schemas', () => {
    assert.equal(spec.basePath, '/api/v2');
    assert.equal(op('GET /api/v2/orders/{orderId}').secured, true);
    assert.equal(op('GET /api/v2/products').secured, false, 'security: [] is public');
    assert.deepEqual(op('GET /api/v2/admin/stats').scopes, ['admin']);
    assert.deepEqual(op('POST /api/v2/orders').requestExample, { productId: 3, quantity: 2, shippingAddress: '12 Rabbit Hole Lane, Oxford' });
    assert.ok(op('GET /api/v2/me').responseSchema?.properties.role);
  });

  test('producers and their consumers', () => {
    assert.deepEqual(plan.creates.map((c) => c.label), ['POST /api/v2/users/{userId}/notes', 'POST /api/v2/orders']);
    assert.deepEqual(plan.consumers.get(op('POST /api/v2/orders'))!.map((c) => c.label), ['GET /api/v2/orders/{orderId}', 'DELETE /api/v2/orders/{orderId}', 'PATCH /api/v2/orders/{orderId}']);
    assert.ok(!plan.creates.includes(op('POST /api/v2/me/avatar')), 'an action, not a create');
    assert.ok(!plan.creates.includes(op('POST /api/v2/auth/login')));
  });

  test('where path parameters come from', () => {
    const kinds = (label: string, param: string) => plan.sources.get(op(label))!.get(param)!.map((s) => ('producer' in s ? `${s.kind}:${s.producer.label}` : s.kind));
    assert.deepEqual(kinds('GET /api/v2/orders/{orderId}', 'orderId'), ['created:POST /api/v2/orders', 'listed:GET /api/v2/me/orders', 'example']);
    assert.deepEqual(kinds('GET /api/v2/users/{userId}/notes/{noteId}', 'userId'), ['self', 'listed:GET /api/v2/users', 'listed:GET /api/v2/admin/users', 'example']);
    assert.deepEqual(kinds('GET /api/v2/users/{userId}/notes/{noteId}', 'noteId'), ['created:POST /api/v2/users/{userId}/notes', 'example']);
    assert.deepEqual(kinds('GET /api/v2/products/{productId}', 'productId'), ['listed:GET /api/v2/products', 'example']);
  });

  test('self and log-in operations', () => {
    assert.equal(plan.self?.label, 'GET /api/v2/me', 'not the deprecated /me/profile');
    assert.equal(plan.login?.label, 'POST /api/v2/auth/login');
    assert.ok(isLogin(op('POST /api/v2/auth/login')));
    assert.deepEqual(loginFields(op('POST /api/v2/auth/login')), { user: 'username', password: 'password' });
  });
});

describe('plan helpers', () => {
  test('collections and resource names', () => {
    assert.equal(collectionOf('/users/{userId}/notes/{noteId}', 'noteId'), '/users/{userId}/notes');
    assert.equal(collectionOf('/users/{userId}/notes/{noteId}', 'userId'), '/users');
    assert.equal(collectionOf('/{id}', 'id'), undefined);
    assert.equal(resourceName('/me/orders'), 'orders');
    assert.equal(resourceName('/users/{userId}'), 'users');
  });

  test('items and ids in answers', () => {
    assert.deepEqual(itemsOf({ items: [1, 2] }), [1, 2]);
    assert.deepEqual(itemsOf([3]), [3]);
    assert.deepEqual(itemsOf({ total: 1, things: [4] }), [4]);
    assert.equal(itemsOf('x'), undefined);
    assert.equal(idOf({ id: 7 }), '7');
    assert.equal(idOf({ orderId: 'a', id: 1 }, 'orderId'), 'a');
    assert.equal(idOf([{ id: 1 }]), undefined);
  });
});

describe('Swagger 2.0', () => {
  test('base path, body parameters, responses and security definitions', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-plan-'));
    try {
      const file = join(dir, 'swagger.json');
      await writeFile(file, JSON.stringify({
        swagger: '2.0', info: { title: 't', version: '1' }, basePath: '/v1',
        securityDefinitions: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } }, security: [{ key: [] }],
        paths: {
          '/pets': { post: { parameters: [{ in: 'body', name: 'pet', schema: { type: 'object', properties: { name: { type: 'string' } }, example: { name: 'rex' } } }], responses: { '201': { description: 'ok', schema: { type: 'object', properties: { id: { type: 'integer' } } } } } } },
          '/pets/{petId}': { get: { parameters: [{ in: 'path', name: 'petId', required: true, type: 'integer' }], responses: { '200': { description: 'ok' } } } },
        },
      }));
      const spec = scanSpec(await loadSpec(file));
      const plan = buildPlan(spec);
      assert.equal(spec.basePath, '/v1');
      assert.ok(spec.securitySchemes.key);
      const create = spec.operations.find((o) => o.label === 'POST /v1/pets')!;
      assert.deepEqual(create.requestExample, { name: 'rex' });
      assert.ok(create.secured);
      assert.ok(create.responseSchema?.properties.id);
      assert.deepEqual(plan.creates, [create]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
