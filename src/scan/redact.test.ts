import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { curlFor, shellQuote } from './curl.ts';
import { excerpt, Redactor } from './redact.ts';

describe('evidence without secrets', () => {
  test('identity secrets become ${VARIABLES}, also URL-encoded; sensitive JSON values are masked', () => {
    const r = new Redactor();
    r.add('pcl_key_1234', 'ALICE_X_API_KEY');
    r.add('p@ss word', 'ALICE_PASSWORD');
    assert.equal(r.text('key=pcl_key_1234&pw=p%40ss%20word'), 'key=${ALICE_X_API_KEY}&pw=${ALICE_PASSWORD}');
    const body = JSON.stringify({ user: 'a', passwordHash: 'scrypt$abc', nested: [{ apiKey: 'other-key-value' }], key: 'pcl_key_1234' });
    assert.equal(excerpt(body, r), '{"user":"a","passwordHash":"scry…(masked)","nested":[{"apiKey":"othe…(masked)"}],"key":"${ALICE_X_API_KEY}"}');
    assert.match(excerpt('x'.repeat(2000), r), /… \(1200 more characters\)$/);
    assert.deepEqual(r.variables(), ['ALICE_PASSWORD', 'ALICE_X_API_KEY']);
  });

  test('curl commands: placeholders expand, everything else is literal', () => {
    const word = shellQuote('a "b" $HOME `x` ${ALICE_TOKEN} \\');
    const out = execFileSync('sh', ['-c', `printf %s ${word}`], { env: { ALICE_TOKEN: 'T', HOME: '/h' } }).toString();
    assert.equal(out, 'a "b" $HOME `x` T \\');
    const curl = curlFor({ request: { method: 'POST', url: 'http://127.0.0.1:1/x?a=1', headers: { 'X-API-Key': '${BOB_KEY}' }, body: '{"a":1}' } });
    assert.equal(curl, 'curl -si -X POST -H "X-API-Key: ${BOB_KEY}" --data-raw "{\\"a\\":1}" "http://127.0.0.1:1/x?a=1"');
  });
});
