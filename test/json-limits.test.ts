// json-limits through the gateway: hostile JSON refused before the upstream (and before validation
// parses it), ordinary bodies forwarded byte for byte, other media types untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

describe('json-limits', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  const post = (body: string, type = 'application/json') => fetch(`${gw.url}/x`, { method: 'POST', headers: { 'content-type': type }, body });

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      json-limits: { maxDepth: 4, maxArrayLength: 100 }\n'));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('too deep or too long: 400 PCL_ERR_JSON_TOO_COMPLEX, nothing forwarded', async () => {
    const before = upstream.received.length;
    for (const body of ['[[[[[1]]]]]', `[${'0,'.repeat(100)}0]`]) {
      const res = await post(body);
      const problem = (await res.json()) as { code: string; detail: string };
      assert.equal(res.status, 400);
      assert.equal(problem.code, 'PCL_ERR_JSON_TOO_COMPLEX');
      assert.match(problem.detail, /deeper than 4|more than 100 items/);
    }
    assert.equal(upstream.received.length, before);
  });

  test('a compressed body is checked decoded (the upstream inflates it), and forwarded compressed', async () => {
    const before = upstream.received.length;
    const send = (body: Buffer, encoding: string) => fetch(`${gw.url}/x`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
    // 100,000 levels of nesting in ~200 bytes: refused, never handed to the upstream's parser.
    for (const [body, encoding] of [[gzipSync(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 'gzip'], [deflateSync('[[[[[1]]]]]'), 'deflate']] as const) {
      const res = await send(body, encoding);
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_JSON_TOO_COMPLEX');
    }
    assert.equal(upstream.received.length, before);
    const fine = gzipSync('{"a":[1,2]}');
    assert.equal((await send(fine, 'gzip')).status, 200);
    assert.deepEqual(upstream.received.at(-1)!.body, fine);
  });

  test('within the limits: forwarded unchanged; other media types are not looked at', async () => {
    const body = '{"a":[[1,2],{"b":"c"}]}';
    assert.equal((await post(body, 'application/merge-patch+json')).status, 200);
    assert.equal(upstream.received.at(-1)!.body.toString(), body);
    assert.equal((await post('[[[[[[[[1]]]]]]]]', 'text/plain')).status, 200);
  });
});
