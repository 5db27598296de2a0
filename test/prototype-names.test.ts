// Names that every plain JavaScript object already has (valueOf, constructor, toString, __proto__...)
// used as operationIds, per-operation config keys, parameters and claims, through a running gateway:
// each is an ordinary name. Looked up in a plain object, such a name found an inherited function:
// auth-schemes took it for an operation's requirement and could not load, and a deepObject query key
// `filter[__proto__]` set a prototype instead of reaching the schema, which never saw it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashApiKey } from '../src/auth/api-key.ts';
import { suiteGateway } from './helpers/gateway.ts';

const ALICE = 'alice-key-0123456789abcdef0123456';
const BOB = 'bob-key-0123456789abcdef01234567';

const spec = `openapi: 3.0.3
info: { title: t, version: '1' }
security: [{ key: [] }]
paths:
  /value-of:
    get: { operationId: valueOf, responses: { '200': { description: ok } } }
  /owners/{id}:
    get:
      operationId: constructor
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /proto:
    get: { operationId: __proto__, security: [], responses: { '200': { description: ok } } }
  /search:
    get:
      operationId: toString
      security: []
      parameters:
        - { name: filter, in: query, style: deepObject, schema: { type: object, properties: { color: { type: string } }, additionalProperties: false } }
      responses: { '200': { description: ok } }
  /other:
    get: { operationId: other, responses: { '200': { description: ok } } }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-Key }
`;

describe('operationIds, parameters and claims named like members of every object', () => {
  const suite = suiteGateway(
    `  - name: t
    spec: spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        bruteForce: { maxFailures: 100000 }
        schemes:
          key:
            apiKey:
              format: any
              consumers:
                - { id: alice, roles: [reader], keys: [{ sha256: ${hashApiKey(ALICE)} }] }
                - { id: bob, keys: [{ sha256: ${hashApiKey(BOB)} }] }
        operations:
          other: [[key]]
      authorize:
        operations:
          valueOf: { roles: [reader] }
      ownership:
        operations:
          constructor: [{ path: id, claim: sub }]
      validate: {}
`,
    { 'spec.yaml': spec },
  );
  const get = async (path: string, key?: string) => {
    const res = await fetch(`${suite.gw.url}${path}`, key === undefined ? {} : { headers: { 'x-key': key } });
    await res.arrayBuffer();
    return res.status;
  };

  test('each operation follows its own security requirement and rules, not an inherited member', async () => {
    assert.equal(await get('/value-of'), 401, 'the document requires the key');
    assert.equal(await get('/value-of', ALICE), 200);
    assert.equal(await get('/value-of', BOB), 403, 'authorize.operations.valueOf needs the role reader');
    assert.equal(await get('/owners/alice', ALICE), 200);
    assert.equal(await get('/owners/alice', BOB), 403, 'ownership.operations.constructor');
    assert.equal(await get('/proto'), 200, 'public, as its own security says');
    assert.equal(await get('/other', BOB), 200);
  });

  test('deepObject keys are checked whatever the client calls them', async () => {
    assert.equal(await get('/search?filter[color]=red'), 200);
    assert.equal(await get('/search?filter[__proto__]=red'), 400);
    assert.equal(await get('/search?filter[constructor]=red'), 400);
    assert.equal(await get('/search?filter[valueOf]=red'), 400);
  });
});
