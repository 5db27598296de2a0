import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { loadScanSpec, parseTarget, ScanUsageError } from './index.ts';

test('the document from a URL (downloaded once, no redirects followed)', async () => {
  const yaml = readFileSync(new URL('../../examples/demo/openapi.yaml', import.meta.url), 'utf8');
  const server = createServer((req, res) => {
    if (req.url === '/openapi.yaml') return void res.end(yaml);
    res.writeHead(req.url === '/moved' ? 302 : 404, { location: '/openapi.yaml' }).end();
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const spec = await loadScanSpec(`${base}/openapi.yaml`);
    assert.equal(spec.version, '3.1');
    assert.ok(spec.doc.paths['/orders/{orderId}']);
    await assert.rejects(loadScanSpec(`${base}/missing.yaml`), (e: Error) => e instanceof ScanUsageError && /cannot download the document \(HTTP 404\)/.test(e.message));
    await assert.rejects(loadScanSpec(`${base}/moved`), ScanUsageError);
  } finally {
    server.close();
  }
});

test('the target: an http(s) URL without credentials', () => {
  assert.equal(parseTarget('http://127.0.0.1:3000/api/v2').pathname, '/api/v2');
  assert.throws(() => parseTarget('127.0.0.1:3000'), /--target "127\.0\.0\.1:3000" is not a URL|must be http or https/);
  assert.throws(() => parseTarget('ftp://host/'), /must be http or https/);
  assert.throws(() => parseTarget('http://u:p@host/'), /must not carry credentials/);
});
