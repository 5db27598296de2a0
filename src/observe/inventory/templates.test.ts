// Template inference on 1,000 generated URLs from known templates: every URL maps back to its
// template, and names (versions, words, file names) are never taken for ids.
import assert from 'node:assert/strict';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { inferTemplate, segmentKind, versionOf } from './templates.ts';

const ids: Record<string, () => string> = {
  number: () => String(randomInt(0, 10_000_000)),
  uuid: () => randomUUID(),
  hex: () => `${randomBytes(12).toString('hex').slice(0, 23)}1`,
  token: () => `${randomBytes(16).toString('base64url')}9a`,
  date: () => `20${randomInt(10, 30)}-0${randomInt(1, 9)}-1${randomInt(0, 9)}`,
  email: () => `user${randomInt(0, 999)}@example.com`,
};
const pick = () => Object.values(ids)[randomInt(0, Object.keys(ids).length)]!();

const TEMPLATES: [string, () => string][] = [
  ['/api/v2/users/{userId}', () => `/api/v2/users/${pick()}`],
  ['/api/v2/users/{userId}/orders/{orderId}', () => `/api/v2/users/${pick()}/orders/${pick()}`],
  ['/api/v1/categories/{categoryId}/items', () => `/api/v1/categories/${pick()}/items`],
  ['/files/{fileId}/{id}', () => `/files/${ids.number!()}/${ids.uuid!()}`],
  ['/reports/{reportId}', () => `/reports/${ids.date!()}`],
  ['/accounts/{accountId}/settings', () => `/accounts/${ids.email!()}/settings`],
  ['/health', () => '/health'],
  ['/api/v2/products/search', () => '/api/v2/products/search'],
  ['/static/app-main.css', () => '/static/app-main.css'],
  ['/api/v2/order-items/{orderItemId}', () => `/api/v2/order-items/${ids.number!()}`],
];

test('1,000 mixed URLs infer exactly the expected templates', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const [expected, make] = TEMPLATES[i % TEMPLATES.length]!;
    const url = make();
    const got = inferTemplate(url);
    assert.equal(got, expected, url);
    seen.add(got);
  }
  assert.deepEqual([...seen].sort(), TEMPLATES.map(([t]) => t).sort());
});

test('a parameter after another parameter is named after its kind', () => {
  assert.equal(inferTemplate('/x/1/2024-01-02'), '/x/{xId}/{date}');
  assert.equal(inferTemplate('/1/2'), '/{id}/{id2}');
});

test('segment kinds: names stay literal', () => {
  for (const literal of ['v1', 'v2.1', 'users', 'me', 'search', 'index.html', 'app-main.css', 'deadbeef', 'abcdefabcdefabcdef', 'snake_case_name', 'getOrderById']) {
    assert.equal(segmentKind(literal), 'literal', literal);
  }
  assert.equal(segmentKind('42'), 'number');
  assert.equal(segmentKind('0x1f2e3d4c'), 'hex');
  assert.equal(segmentKind('01HZX3K9V7Q8M2N4P6R8T0W2Y4'), 'token');
  assert.equal(segmentKind('2026-01-31T12:00:00Z'), 'date');
  assert.equal(segmentKind('a%40b.io'), 'email');
});

test('versions of paths', () => {
  assert.equal(versionOf('/api/v1/users'), 1);
  assert.equal(versionOf('/v12'), 12);
  assert.equal(versionOf('/api/version/users'), undefined);
});
