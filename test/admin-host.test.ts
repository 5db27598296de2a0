// An admin listener without a credential refuses requests whose Host names something other than
// localhost, an IP literal or admin.host (421): a web page cannot rebind its own name to 127.0.0.1
// and read the admin API as same-origin. With a credential, Host does not matter; probes always answer.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

function get(base: string, path: string, host: string, token?: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admin listener Host guard (DNS rebinding)', () => {
  let upstream: TestUpstream;
  let open: TestGateway;
  let closed: TestGateway;
  const TOKEN = 'admin-host-test-token-0123456789';

  before(async () => {
    upstream = await startUpstream();
    const yaml = passthroughYaml(upstream.url);
    open = await startTestGateway(yaml.replace('admin:\n  enabled: false\n', 'admin:\n  port: 0\n'));
    closed = await startTestGateway(yaml.replace('admin:\n  enabled: false\n', `admin:\n  port: 0\n  token: ${TOKEN}\n`));
  });
  after(async () => {
    await open?.close();
    await closed?.close();
    await upstream?.close();
  });

  test('without a credential: a foreign host name is refused, loopback names and IP literals pass', async () => {
    const port = new URL(open.adminUrl!).port;
    for (const path of ['/api/stats', '/metrics', '/']) {
      const res = await get(open.adminUrl!, path, `rebind.attacker.example:${port}`);
      assert.equal(res.status, 421, path);
      assert.equal(JSON.parse(res.body).code, 'PCL_ERR_MISDIRECTED');
    }
    assert.equal((await get(open.adminUrl!, '/api/stats', `127.0.0.1:${port}`)).status, 200);
    assert.equal((await get(open.adminUrl!, '/api/stats', `localhost:${port}`)).status, 200);
    assert.equal((await get(open.adminUrl!, '/healthz', `rebind.attacker.example:${port}`)).status, 200, 'probes answer whatever the Host');
  });

  test('with a credential the Host is not what protects it: the token is', async () => {
    const port = new URL(closed.adminUrl!).port;
    assert.equal((await get(closed.adminUrl!, '/api/stats', `gateway.internal.example:${port}`, TOKEN)).status, 200);
    assert.equal((await get(closed.adminUrl!, '/api/stats', `gateway.internal.example:${port}`)).status, 401);
  });
});
