// A Swagger 2.0 document drives the gateway like a 3.x one: routing under basePath, parameters with
// collectionFormat, body and formData parameters, shared parameters and responses, API-key security,
// response filtering from the converted response schemas.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../../test/helpers/gateway.ts';
import { startUpstream, type TestUpstream } from '../../test/helpers/upstream.ts';
import { loadSpec } from './load.ts';
import { convertSwagger2 } from './swagger2.ts';

const swagger = `swagger: '2.0'
info: { title: pets, version: '1' }
basePath: /v1
consumes: [application/json]
produces: [application/json]
securityDefinitions:
  key: { type: apiKey, in: header, name: X-API-Key }
parameters:
  petId: { name: petId, in: path, required: true, type: integer, minimum: 1 }
responses:
  NotFound: { description: missing, schema: { $ref: '#/definitions/Error' } }
paths:
  /pets:
    get:
      operationId: listPets
      security: []
      parameters:
        - { name: tags, in: query, type: array, items: { type: string, maxLength: 5 }, collectionFormat: csv }
        - { name: limit, in: query, type: integer, maximum: 50 }
      responses:
        '200': { description: ok, schema: { type: array, items: { $ref: '#/definitions/Pet' } } }
    post:
      operationId: createPet
      security: [{ key: [] }]
      parameters:
        - { name: pet, in: body, required: true, schema: { $ref: '#/definitions/Pet' } }
      responses: { '201': { description: created } }
  /pets/{petId}:
    parameters: [{ $ref: '#/parameters/petId' }]
    get:
      operationId: getPet
      security: []
      responses:
        '200': { description: ok, schema: { $ref: '#/definitions/Pet' } }
        '404': { $ref: '#/responses/NotFound' }
  /pets/{petId}/photo:
    parameters: [{ $ref: '#/parameters/petId' }]
    post:
      operationId: uploadPhoto
      security: []
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - { name: caption, in: formData, type: string, maxLength: 10, required: true }
      responses: { '200': { description: ok } }
definitions:
  Pet:
    type: object
    additionalProperties: false
    required: [name]
    properties:
      id: { type: integer, readOnly: true }
      name: { type: string, maxLength: 20 }
      nickname: { type: string, x-nullable: true }
  Error: { type: object, properties: { message: { type: string } } }
`;

describe('Swagger 2.0 documents', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const body = req.url?.startsWith('/v1/pets/1') ? '{"id":1,"name":"rex","owner":"secret"}' : '[{"id":1,"name":"rex","internal":true}]';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    gw = await startTestGateway(
      `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: "\${UPSTREAM}" } }
apis:
  - name: pets
    spec: ./swagger.yaml
    upstream: backend
    policies:
      validate: {}
      response-filter: {}
      auth-schemes:
        schemes:
          key:
            apiKey: { format: any, consumers: [{ id: c, keys: [{ sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 }] }] }
`,
      { 'swagger.yaml': swagger },
      { ...process.env, UPSTREAM: upstream.url },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test('routes under basePath; undocumented paths and methods are refused', async () => {
    assert.equal((await fetch(`${gw.url}/v1/pets`)).status, 200);
    assert.equal((await fetch(`${gw.url}/pets`)).status, 404);
    assert.equal((await fetch(`${gw.url}/v1/pets/1`, { method: 'DELETE' })).status, 405);
  });

  test('query and shared path parameters are validated with their types and collection formats', async () => {
    assert.equal((await fetch(`${gw.url}/v1/pets?tags=a,b&limit=5`)).status, 200);
    assert.equal((await fetch(`${gw.url}/v1/pets?tags=a,toolong`)).status, 400);
    assert.equal((await fetch(`${gw.url}/v1/pets?limit=500`)).status, 400);
    assert.equal((await fetch(`${gw.url}/v1/pets/0`)).status, 400);
  });

  test('body parameters become request bodies; security definitions protect the operation', async () => {
    const post = (body: unknown, key?: string) =>
      fetch(`${gw.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) }, body: JSON.stringify(body) });
    assert.equal((await post({ name: 'rex' })).status, 401);
    assert.equal((await post({ name: 'rex', nickname: null }, 'test')).status, 200, 'x-nullable is honoured');
    assert.equal((await post({ name: 'rex', color: 'red' }, 'test')).status, 400, 'additionalProperties: false');
    assert.equal((await post({ name: 'rex' }, 'test')).status, 200);
    const wrongType = await fetch(`${gw.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': 'test' }, body: 'rex' });
    assert.equal(wrongType.status, 415);
  });

  test('formData parameters become a form body', async () => {
    const form = (caption: string) => fetch(`${gw.url}/v1/pets/1/photo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `caption=${caption}` });
    assert.equal((await form('hi')).status, 200);
    assert.equal((await form('far-too-long-caption')).status, 400);
  });

  test('response schemas (inline and shared) drive response filtering', async () => {
    assert.deepEqual(await (await fetch(`${gw.url}/v1/pets/1`)).json(), { id: 1, name: 'rex' });
    assert.deepEqual(await (await fetch(`${gw.url}/v1/pets`)).json(), [{ id: 1, name: 'rex' }]);
  });
});

test('names that are JavaScript prototype keys stay names: a "__proto__" property, form field or header is converted like any other', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-swagger2-'));
  try {
    const file = join(dir, 'proto.yaml');
    await writeFile(
      file,
      `swagger: '2.0'
info: { title: t, version: '1' }
definitions:
  Pet: { type: object, required: [__proto__], properties: { __proto__: { type: integer }, name: { type: string } } }
paths:
  /p:
    post:
      operationId: p
      consumes: [application/x-www-form-urlencoded]
      parameters: [{ name: __proto__, in: formData, type: integer, required: true }]
      responses: { '200': { description: ok, schema: { $ref: '#/definitions/Pet' }, headers: { __proto__: { type: string } } } }
`,
    );
    const { doc } = await convertSwagger2(await loadSpec(file));
    const pet = doc.components.schemas.Pet;
    assert.deepEqual(Object.keys(pet.properties), ['__proto__', 'name']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(pet.properties, '__proto__')?.value, { type: 'integer' });
    const form = doc.paths['/p'].post.requestBody.content['application/x-www-form-urlencoded'].schema;
    assert.deepEqual(Object.keys(form.properties), ['__proto__']);
    assert.equal(Object.getPrototypeOf(form.properties), Object.prototype);
    assert.deepEqual(Object.keys(doc.paths['/p'].post.responses['200'].headers), ['__proto__']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
