// Pagination caps through the gateway, from the `maximum` of the OpenAPI document: clamped before
// validation and forwarding, or refused; report mode leaves the query alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const SPEC = `openapi: 3.0.3
info: { title: items, version: '1' }
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 50 } }
        - { name: pageSize, in: query, schema: { type: integer } }
        - { name: q, in: query, schema: { type: string } }
      responses: { '200': { description: ok } }
`;

function yaml(upstream: string, policies: string): string {
  return `listeners:
  - { port: 0, host: 127.0.0.1 }
admin: { enabled: false }
upstreams:
  backend: { url: ${upstream} }
apis:
  - name: items
    spec: ./openapi.yaml
    upstream: backend
    policies:
${policies}`;
}

describe('pagination', () => {
  let upstream: TestUpstream;
  const gateways: TestGateway[] = [];
  const start = async (policies: string) => {
    const gw = await startTestGateway(yaml(upstream.url, policies), { 'openapi.yaml': SPEC });
    gateways.push(gw);
    return gw;
  };
  const forwarded = () => upstream.received.at(-1)!.url;

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    for (const gw of gateways) await gw.close();
    await upstream?.close();
  });

  test('clamp: a page size above the maximum is forwarded as the maximum, before validation; the rest of the query is untouched', async () => {
    const gw = await start('      pagination: {}\n      validate: {}\n');
    assert.equal((await fetch(`${gw.url}/items?q=a%20b&limit=1000000&pageSize=999`)).status, 200);
    assert.equal(forwarded(), '/items?q=a%20b&limit=50&pageSize=999', 'pageSize has no maximum: left alone');
    assert.equal((await fetch(`${gw.url}/items?limit=20`)).status, 200);
    assert.equal(forwarded(), '/items?limit=20');
    assert.equal((await fetch(`${gw.url}/items?limit=abc`)).status, 400, 'not a number: validation refuses it');
  });

  test('max: a default for page sizes the document does not bound', async () => {
    const gw = await start('      pagination: { max: 100 }\n');
    await fetch(`${gw.url}/items?pageSize=5000&limit=51`);
    assert.equal(forwarded(), '/items?pageSize=100&limit=50');
  });

  // Express reads Number('5e3'), PHP (int)'5000abc', Python int('5_000') and int('５０００'): 5000 each.
  test('every spelling of a page size over the cap is clamped, read as upstreams read it, validate on or off', async () => {
    for (const policies of ['      pagination: { max: 100 }\n', '      pagination: { max: 100 }\n      validate: {}\n']) {
      const gw = await start(policies);
      for (const value of ['5e3', '5000.0', '%2B5000', '%205000', '5000%20', '5000abc', '0x1388', '5_000', '5%2C000', 'Infinity', '1e400', '%EF%BC%95%EF%BC%90%EF%BC%90%EF%BC%90', '00000000000000000000005000', '99999999999999999999']) {
        const before = upstream.received.length;
        const res = await fetch(`${gw.url}/items?pageSize=${value}&q=x`);
        // Validation may refuse the clamped value's neighbours; whatever reaches the upstream is the cap.
        if (upstream.received.length > before) assert.equal(forwarded(), '/items?pageSize=100&q=x', `${value} (${policies.trim()})`);
        if (!policies.includes('validate')) assert.equal(res.status, 200, value);
      }
      // Every copy, and every name a framework binds to it.
      const earlier = upstream.received.length;
      const repeated = await fetch(`${gw.url}/items?pageSize=1&pageSize=5000`);
      if (repeated.status === 200) assert.equal(forwarded(), '/items?pageSize=1&pageSize=100');
      else assert.equal(upstream.received.length, earlier, 'validate refuses a repeated scalar');
      for (const [sent, clamped] of [
        ['pagesize=5000', 'pagesize=100'], // ASP.NET Core ignores case
        ['pageSize%5B%5D=5000', 'pageSize%5B%5D=100'], // qs and PHP arrays
        ['pageSize[0]=5000', 'pageSize[0]=100'],
        ['q=a;pageSize=5000', 'pageSize=100'], // `;` separates parameters for older Python and Perl
        ['limit=10&LIMIT=51', 'limit=10&LIMIT=50'], // the document's maximum
      ]) {
        const earlier = upstream.received.length;
        await fetch(`${gw.url}/items?${sent}`);
        if (upstream.received.length > earlier) assert.equal(forwarded(), `/items?${clamped}`, sent);
        else assert.ok(policies.includes('validate'), sent);
      }
      // Within the cap, however written: left alone (validation judges the spelling).
      for (const value of ['50', '5e1', '%2050', '0x10', '-5000']) {
        const res = await fetch(`${gw.url}/items?pageSize=${value}`);
        if (res.status === 200) assert.equal(forwarded(), `/items?pageSize=${value}`, value);
      }
    }
  });

  test('reject: any spelling over the cap is refused', async () => {
    const gw = await start('      pagination: { action: reject, max: 100 }\n');
    const before = upstream.received.length;
    for (const query of ['pageSize=5e3', 'pageSize=%2B5000', 'pageSize=1&pageSize=5000', 'PageSize=5000', 'pageSize[]=5000']) {
      const res = await fetch(`${gw.url}/items?${query}`);
      assert.equal(res.status, 400, query);
      assert.deepEqual(((await res.json()) as { errors: unknown[] }).errors, [{ in: 'query', name: 'pageSize', message: 'must be at most 100' }]);
    }
    assert.equal(upstream.received.length, before);
  });

  test('reject: 400 naming the parameter and its maximum; nothing forwarded', async () => {
    const gw = await start('      pagination: { action: reject }\n');
    const before = upstream.received.length;
    const res = await fetch(`${gw.url}/items?limit=51`);
    const body = (await res.json()) as { code: string; errors: unknown[] };
    assert.equal(res.status, 400);
    assert.equal(body.code, 'PCL_ERR_VALIDATION');
    assert.deepEqual(body.errors, [{ in: 'query', name: 'limit', message: 'must be at most 50' }]);
    assert.equal(upstream.received.length, before);
  });

  test('report mode: forwarded unchanged', async () => {
    const gw = await start('      pagination: { mode: report }\n');
    assert.equal((await fetch(`${gw.url}/items?limit=51`)).status, 200);
    assert.equal(forwarded(), '/items?limit=51');
  });
});
