// Byte ranges and validators through a real gateway, in front of an upstream that serves them as
// nginx or Express static do (206 and multipart/byteranges, weak ETag of the body, 304, 412). Where
// the policies read every response body whole (response-filter, ownership, data-leak), a slice must
// not pass for the body and the upstream's validators must not describe what was removed; elsewhere
// ranges and revalidation keep working.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { apisYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const spec = `openapi: 3.1.0
info: { title: t, version: '1' }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: X-API-Key }
  schemas:
    Account:
      type: object
      properties:
        id: { type: string }
        name: { type: string }
        ssn: { type: string, x-portcullis-sensitive: true }
        salary: { type: integer, x-portcullis-read-roles: [hr] }
security: [{ key: [] }]
paths:
  /accounts/{id}:
    get:
      operationId: account
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Account' } } } }
        default: { description: unexpected error }
  /pay/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
    get:
      operationId: pay
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Account' } } } }
    put:
      operationId: payPut
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Account' } } } }
  /orders:
    get:
      operationId: orders
      x-portcullis-owner: { response: '$.items[*].ownerId', claim: sub }
      responses: { '200': { description: ok } }
  /keys/{id}:
    get:
      operationId: key
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /rogue/{kind}:
    get:
      operationId: rogue
      parameters: [{ name: kind, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /files/{id}:
    get:
      operationId: file
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
`;

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const account = JSON.stringify({ id: '1', name: 'Alice', ssn: '123-45-6789', salary: 73100, card: '4111111111111111' });
const bodies: Record<string, string> = {
  '/accounts/1': account,
  '/pay/1': JSON.stringify({ id: '1', name: 'Alice', salary: 73100 }),
  '/orders': JSON.stringify({ items: [{ id: 1, ownerId: '1', note: 'alice order' }, { id: 2, ownerId: '2', note: 'BOB-PRIVATE-NOTE' }], total: 2 }),
  '/keys/1': JSON.stringify({ id: '1', pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtopsecretkeymaterial\n-----END RSA PRIVATE KEY-----' }),
  '/rogue/206': account,
  '/rogue/multipart': account,
  '/files/1': 'plain file contents, no policy reads them',
};
const LAST_MODIFIED = 'Tue, 01 Dec 2026 10:00:00 GMT';
/** Express's weak ETag: the length and SHA-1 of the body. */
const etagOf = (body: Buffer) => `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"`;

function serve(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '').split('?')[0]!;
  const text = bodies[path];
  if (text === undefined) {
    res.writeHead(404).end();
    return;
  }
  const buf = Buffer.from(text);
  const tag = etagOf(buf);
  const validators = {
    etag: tag,
    'last-modified': LAST_MODIFIED,
    'accept-ranges': 'bytes',
    digest: `sha-256=${createHash('sha256').update(buf).digest('base64')}`,
    'content-digest': `sha-256=:${createHash('sha256').update(buf).digest('base64')}:`,
    'repr-digest': `sha-256=:${createHash('sha256').update(buf).digest('base64')}:`,
    'content-md5': createHash('md5').update(buf).digest('base64'),
    // Object stores' checksums of the stored object (S3, Google Cloud Storage, Azure, Alibaba OSS).
    'x-amz-checksum-sha256': createHash('sha256').update(buf).digest('base64'),
    'x-goog-hash': `md5=${createHash('md5').update(buf).digest('base64')}`,
    'x-ms-content-crc64': 'AAAAAAAAAAA=',
    'x-oss-hash-crc64ecma': '1234567890',
  };
  const type = { 'content-type': 'application/json' };
  if (path === '/rogue/206') {
    // Sends a part although no Range was asked for.
    res.writeHead(206, { ...type, 'content-range': `bytes 24-36/${buf.length}` }).end(buf.subarray(24, 37));
    return;
  }
  if (path === '/rogue/multipart') {
    res.writeHead(200, { 'content-type': 'multipart/byteranges; boundary=B' });
    res.end(`--B\r\nContent-Type: application/json\r\nContent-Range: bytes 24-36/${buf.length}\r\n\r\n${buf.subarray(24, 37)}\r\n--B--\r\n`);
    return;
  }
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== tag) {
    res.writeHead(412).end();
    return;
  }
  if (req.headers['if-none-match'] === tag || req.headers['if-modified-since'] === LAST_MODIFIED) {
    res.writeHead(304, validators).end();
    return;
  }
  const range = req.headers.range;
  if (range?.startsWith('bytes=')) {
    const specs = range.slice(6).split(',').map((s) => {
      const [a, z] = s.trim().split('-');
      return [Number(a), z === '' ? buf.length - 1 : Math.min(Number(z), buf.length - 1)] as const;
    });
    if (specs.length === 1) {
      const [a, z] = specs[0]!;
      res.writeHead(206, { ...type, ...validators, 'content-range': `bytes ${a}-${z}/${buf.length}` }).end(buf.subarray(a, z + 1));
      return;
    }
    const parts = specs.map(([a, z]) => `--B\r\nContent-Type: application/json\r\nContent-Range: bytes ${a}-${z}/${buf.length}\r\n\r\n${buf.subarray(a, z + 1)}\r\n`);
    res.writeHead(206, { 'content-type': 'multipart/byteranges; boundary=B', etag: tag }).end(`${parts.join('')}--B--\r\n`);
    return;
  }
  res.writeHead(200, { ...type, ...validators }).end(req.method === 'HEAD' ? undefined : buf);
}

const config = (upstream: string) =>
  apisYaml(
    upstream,
    `  - name: api
    spec: ./spec.yaml
    upstream: backend
    policies:
      auth-schemes:
        schemes:
          key:
            apiKey:
              format: any
              consumers:
                - { id: alice, roles: [user], metadata: { sub: '1' }, keys: [{ sha256: ${sha('alice-key')} }] }
    operations:
      account: { policies: { response-filter: {} } }
      pay: { policies: { response-filter: {} } }
      payPut: { policies: { response-filter: {} } }
      orders: { policies: { ownership: {} } }
      key: { policies: { data-leak: { actions: { privateKey: block } } } }
      rogue: { policies: { data-leak: {} } }
`,
  );

const FILTERED = { id: '1', name: 'Alice' };
const DESCRIBING = ['etag', 'last-modified', 'accept-ranges', 'digest', 'content-digest', 'repr-digest', 'content-md5', 'content-range', 'x-amz-checksum-sha256', 'x-goog-hash', 'x-ms-content-crc64', 'x-oss-hash-crc64ecma'];

describe('byte ranges and validators on operations whose bodies the policies read', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${gw.url}${path}`, { method, headers: { 'x-api-key': 'alice-key', ...headers } });

  before(async () => {
    upstream = await startUpstream(serve);
    gw = await startTestGateway(config(upstream.url), { 'spec.yaml': spec });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test('response-filter: a range of the whole body, or of one hidden value, gets the whole filtered body', async () => {
    const ssnAt = account.indexOf('"123-45');
    const salaryAt = account.indexOf('73100');
    for (const range of ['bytes=0-', `bytes=${ssnAt}-${ssnAt + 12}`, `bytes=${salaryAt}-${salaryAt + 4}`, 'bytes=0-10,11-']) {
      const res = await get('/accounts/1', { range, 'if-range': etagOf(Buffer.from(account)) });
      assert.equal(res.status, 200, range);
      assert.equal(res.headers.get('content-range'), null, range);
      assert.deepEqual(await res.json(), FILTERED, range);
      const sent = upstream.received.at(-1)!.headers;
      assert.equal(sent.range, undefined, `${range}: Range not forwarded`);
      assert.equal(sent['if-range'], undefined, `${range}: If-Range not forwarded`);
    }
    const slice = await get('/pay/1', { range: `bytes=${bodies['/pay/1']!.indexOf('73100')}-` });
    assert.deepEqual(await slice.json(), FILTERED, 'without a default response either');
  });

  test("ownership: a range that holds only another caller's list item gets the caller's own items", async () => {
    const full = bodies['/orders']!;
    const bob = full.indexOf('{"id":2');
    for (const range of [`bytes=${bob}-${full.indexOf('}', bob)}`, 'bytes=0-5,10-400']) {
      const res = await get('/orders', { range });
      assert.equal(res.status, 200, range);
      const text = await res.text();
      assert.ok(!text.includes('BOB-PRIVATE-NOTE'), range);
      assert.deepEqual(JSON.parse(text), { items: [{ id: 1, ownerId: '1', note: 'alice order' }], total: 2 }, range);
    }
  });

  test('data-leak: a blocked private key cannot be fetched in two ranges, or as multipart/byteranges', async () => {
    const full = bodies['/keys/1']!;
    const mid = full.indexOf('PRIVATE KEY-----') + 3;
    for (const range of [`bytes=0-${mid}`, `bytes=${mid + 1}-`, 'bytes=0-10,11-']) {
      const res = await get('/keys/1', { range });
      assert.equal(res.status, 502, range);
      const text = await res.text();
      assert.equal(JSON.parse(text).code, 'PCL_ERR_RESPONSE_DATA_LEAK', range);
      assert.ok(!text.includes('KEY-----') && !text.includes('topsecret'), range);
    }
  });

  test('a 206 or multipart/byteranges answer sent without a Range is withheld as uninspectable', async () => {
    for (const kind of ['206', 'multipart']) {
      const res = await get(`/rogue/${kind}`);
      assert.equal(res.status, 502, kind);
      const text = await res.text();
      assert.equal(JSON.parse(text).code, 'PCL_ERR_RESPONSE_UNINSPECTABLE', kind);
      assert.ok(!text.includes('123-45'), kind);
    }
  });

  test('validators and digests of the unfiltered body are not forwarded, nor Accept-Ranges', async () => {
    const res = await get('/pay/1');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), FILTERED);
    for (const name of DESCRIBING) assert.equal(res.headers.get(name), null, name);
    // Also on a response nothing was removed from: their presence would tell that nothing was.
    const clean = await get('/orders');
    for (const name of DESCRIBING) assert.equal(clean.headers.get(name), null, `${name} (nothing removed)`);
  });

  test("preconditions are not forwarded on reads: no 304 or 412 confirms a guess of the unfiltered body's ETag", async () => {
    const rightGuess = etagOf(Buffer.from(bodies['/pay/1']!));
    const cases: Record<string, string>[] = [
      { 'if-none-match': rightGuess },
      { 'if-modified-since': LAST_MODIFIED },
      { 'if-match': etagOf(Buffer.from('{"id":"1","name":"Alice","salary":1}')) },
      { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' },
      { if_none_match: rightGuess }, // CGI-style servers read "_" as "-"
    ];
    for (const headers of cases) {
      const res = await get('/pay/1', headers);
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.deepEqual(await res.json(), FILTERED);
      const sent = upstream.received.at(-1)!.headers;
      for (const name of ['if-none-match', 'if-match', 'if-modified-since', 'if-unmodified-since', 'if_none_match']) assert.equal(sent[name], undefined, `${name} not forwarded`);
    }
  });

  test("a HEAD response does not carry the unfiltered body's length", async () => {
    const res = await get('/pay/1', {}, 'HEAD');
    assert.equal(res.status, 200);
    assert.notEqual(res.headers.get('content-length'), String(Buffer.byteLength(bodies['/pay/1']!)));
    assert.equal(res.headers.get('etag'), null);
  });

  test('a write with a precondition on the representation is refused, not sent unconditionally; "*" is forwarded', async () => {
    const preconditions: Record<string, string>[] = [{ 'if-match': '"abc"' }, { 'if-unmodified-since': LAST_MODIFIED }, { 'if-none-match': '"abc"' }];
    for (const headers of preconditions) {
      const before = upstream.received.length;
      const res = await get('/pay/1', { ...headers, 'content-type': 'application/json' }, 'PUT');
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_PRECONDITION_NOT_FORWARDED');
      assert.equal(upstream.received.length, before, 'nothing reached the upstream');
    }
    const res = await get('/pay/1', { 'if-none-match': '*', range: 'bytes=0-' }, 'PUT');
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const sent = upstream.received.at(-1)!.headers;
    assert.equal(sent['if-none-match'], '*');
    assert.equal(sent.range, undefined);
  });

  test('operations without response-body policies still forward ranges and validators', async () => {
    const part = await get('/files/1', { range: 'bytes=0-4' });
    assert.equal(part.status, 206);
    assert.equal(await part.text(), 'plain');
    assert.ok(part.headers.get('etag'));
    const tag = (await get('/files/1')).headers.get('etag')!;
    assert.equal((await get('/files/1', { 'if-none-match': tag })).status, 304);
  });
});
