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
