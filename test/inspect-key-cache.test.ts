// Through a real gateway, whose detector lives as long as its config: what one request taught the
// engine (keys remembered as clean) must not let a later request's attack through.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

let upstream: TestUpstream;
let gw: TestGateway;

before(async () => {
  upstream = await startUpstream();
  gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      inspect: {}\n'));
});
after(async () => {
  await gw.close();
  await upstream.close();
});

const post = async (body: string) => {
  const res = await fetch(`${gw.url}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return res.status;
};

test('a request repeating an attacking JSON key does not open the way for the same key later', async () => {
  for (const k of ["1' union select password from users-- ", '$ne', '__proto__']) {
    const key = JSON.stringify(k);
    assert.equal(await post(`{${key}:1,${key}:2}`), 403, k);
    assert.equal(await post(`{${key}:1}`), 403, `${k} after a request that repeated it`);
  }
  assert.equal(upstream.received.length, 0);
  assert.equal(await post('{"name":"ok"}'), 200);
});
