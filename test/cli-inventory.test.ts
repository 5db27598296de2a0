// `portcullis inventory` as a process against a stand-in admin API: usage and input errors (a bad
// --admin URL, a token file that holds no token, no token at all, an --openapi file that cannot be
// written) are one clear message and exit 2, found before anything is fetched or printed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './helpers/process.ts';

const TOKEN = 'inventory-cli-token-0123456789';
const INVENTORY = { since: 0, operations: [], shadow: [], zombie: [], unused: [], overflow: 0 };

function assertClean(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, `stack trace in stderr:\n${stderr}`);
  assert.doesNotMatch(stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufffd]/, `raw bytes in stderr: ${JSON.stringify(stderr)}`);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
}

describe('portcullis inventory: usage and input errors', () => {
  let server: Server;
  let admin: string;
  let calls = 0;
  const dir = mkdtempSync(join(tmpdir(), 'pcl-inventory-cli-'));
  const env = { PORTCULLIS_ADMIN_TOKEN: '' };

  before(async () => {
    server = createServer((req, res) => {
      calls++;
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"detail":"The admin API needs a credential."}');
        return;
      }
      const body = req.url?.startsWith('/api/inventory/openapi') ? { openapi: '3.1.0', info: { title: 'observed', version: '1' }, paths: {} } : INVENTORY;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    admin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  test('a token file that is binary, or holds spaces or several lines, is refused before any call', async () => {
    const files: [string, string | Buffer, RegExp][] = [
      ['binary.bin', Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]), /--token-file .*binary\.bin: the file is not a text file \(it contains NUL bytes\)/],
      ['spaces.txt', 'my token\n', /--token-file .*spaces\.txt does not hold a valid admin token: the token is one line of printable ASCII/],
      ['lines.txt', `${TOKEN}\nsecond\n`, /--token-file .*lines\.txt does not hold a valid admin token/],
      ['empty.txt', '\n', /--token-file .*empty\.txt is empty/],
    ];
    for (const [name, content, message] of files) {
      writeFileSync(join(dir, name), content);
      const before = calls;
      const r = await runCli(['inventory', '--admin', admin, '--token-file', join(dir, name)], { env });
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /ByteString|cannot reach/);
      assertClean(r.stderr);
      assert.equal(calls, before, `${name}: the admin API was called`);
    }
    const missing = await runCli(['inventory', '--admin', admin, '--token-file', join(dir, 'nope.txt')], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--token-file .*nope\.txt: cannot read the file \(ENOENT\)/);
    const badEnv = await runCli(['inventory', '--admin', admin], { env: { PORTCULLIS_ADMIN_TOKEN: 'a\u0001b' } });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /\$PORTCULLIS_ADMIN_TOKEN does not hold a valid admin token/);
    assertClean(badEnv.stderr);
  });

  test('a token file with one trailing newline works', async () => {
    writeFileSync(join(dir, 'token.txt'), `${TOKEN}\r\n`);
    const r = await runCli(['inventory', '--admin', admin, '--token-file', join(dir, 'token.txt')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^observed since/);
  });

  test('no token at all: says so and how to give one (not "refused the token")', async () => {
    const r = await runCli(['inventory', '--admin', admin], { env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no admin token was given.*--token-file FILE.*\$PORTCULLIS_ADMIN_TOKEN/);
    assert.doesNotMatch(r.stderr, /refused/);
    assertClean(r.stderr);
  });

  test('--admin that is not an http(s) URL', async () => {
    for (const value of ['notaurl', 'ftp://127.0.0.1:9901', 'http://user:pw@127.0.0.1:9901']) {
      const r = await runCli(['inventory', '--admin', value], { env: { PORTCULLIS_ADMIN_TOKEN: TOKEN } });
      assert.equal(r.code, 2, `${value}: ${r.stderr}`);
      assert.match(r.stderr, value === 'notaurl' ? /--admin "notaurl" is not a URL/ : /--admin must/);
      assertClean(r.stderr);
    }
  });

  test('--openapi that cannot be written: exit 2 before the inventory is fetched or printed', async () => {
    for (const [target, message] of [
      [join(dir, 'no-such-folder', 'x.yaml'), /cannot write the draft there \(the folder .*no-such-folder does not exist\)/],
      [dir, /cannot write the draft there \(it is a folder\)/],
    ] as const) {
      const before = calls;
      const r = await runCli(['inventory', '--admin', admin, '--openapi', target], { env: { PORTCULLIS_ADMIN_TOKEN: TOKEN } });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /ENOENT: no such file/);
      assertClean(r.stderr);
      assert.equal(calls, before);
    }
    const draft = join(dir, 'observed.json');
    const ok = await runCli(['inventory', '--admin', admin, '--openapi', draft], { env: { PORTCULLIS_ADMIN_TOKEN: TOKEN } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(draft));
    assert.equal(JSON.parse(readFileSync(draft, 'utf8')).info.title, 'observed');
  });
});
