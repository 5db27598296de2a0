// Headers applications store or show are inspected for SQL injection and XSS as well; their ordinary
// values pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector } from './index.ts';

const d = compileDetector();
const blocked = (headers: Record<string, string>) => d.inspectRequest({ method: 'GET', path: '/v1/items', headers }).blocked;

test('Accept-Language, X-Correlation-Id and entity tags carrying SQL injection or XSS are refused', () => {
  assert.equal(blocked({ 'accept-language': "en' or '1'='1" }), true);
  assert.equal(blocked({ 'x-correlation-id': "1' union select password from users--" }), true);
  assert.equal(blocked({ 'if-none-match': '"<script>alert(document.cookie)</script>"' }), true);
});

test('their ordinary values pass', () => {
  const ordinary: Record<string, string>[] = [
    { 'accept-language': 'en-US,en;q=0.9,fr-CH;q=0.8,de;q=0.7,*;q=0.5' },
    { 'accept-language': 'zh-Hant-TW, sr-Latn-RS;q=0.8' },
    { 'x-correlation-id': '3f2b8c1e-9a4d-4e6b-8f7a-2c1d0e9b8a76' },
    { 'if-none-match': 'W/"67ab43", "54ed21", "7892dd"' },
    { 'if-match': '"xyzzy"' },
    { 'if-none-match': '*' },
  ];
  for (const headers of ordinary) assert.equal(blocked(headers), false, JSON.stringify(headers));
});
