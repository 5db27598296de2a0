// A limit on /login beside a catch-all: spellings that Windows, IIS or Spring's suffix matching serve as
// /login ("/login.", "/login%20", "/login.json") are refused with 400 instead of reaching the upstream
// through the catch-all, uncounted. Raw requests: fetch would tidy some of these paths.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { suiteGateway } from './helpers/gateway.ts';

const APIS = `  - name: api
    upstream: backend
    routes:
      - path: /login
        operationId: login
        policies:
          pre-auth-rate-limit:
            limits: [{ name: login-per-ip, rate: 3, per: 1h, key: [ip] }]
      - { path: '/files/{name}', operationId: file }
      - { path: /*, operationId: other }
`;

function post(base: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('variants of a limited path next to a catch-all', () => {
  const suite = suiteGateway(APIS);

  test('trailing dots, spaces and suffixes of /login are refused; the limit holds', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await post(suite.gw.url, '/login')).status, 200);
    assert.equal((await post(suite.gw.url, '/login')).status, 429);
    const sent = suite.upstream.received.length;
    for (const p of ['/login.', '/login..', '/login%20', '/login.%20', '/login%C2%A0', '/login%E3%80%80', '/login.json', '/login.xml', '/Login.', '/login./']) {
      const r = await post(suite.gw.url, p);
      assert.equal(r.status, 400, p);
      assert.equal((JSON.parse(r.body) as { code: string }).code, 'PCL_ERR_BAD_PATH', p);
    }
    assert.equal(suite.upstream.received.length, sent, 'nothing reached the upstream');
  });

  test('other paths with dots and spaces route as before', async () => {
    for (const p of ['/files/login.json', '/files/report.pdf', '/about.html', '/a/login.', '/login%20page']) assert.equal((await post(suite.gw.url, p)).status, 200, p);
  });
});
