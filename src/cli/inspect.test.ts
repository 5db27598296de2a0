// portcullis inspect through a real process: verdicts, formats, exit codes, stdin, config options.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, REPO_ROOT, runCli } from '../../test/helpers/process.ts';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'inspect');
const fixture = (name: string) => join(FIXTURES, name);
const SQLI = JSON.stringify({ method: 'GET', url: '/search?q=1%27%20or%201=1--', headers: {}, body: null });
const BENIGN = JSON.stringify({ method: 'GET', url: '/search?q=red%20shoes', headers: { accept: 'application/json' }, body: null });

/** `node src/cli/main.ts inspect ...args` with `input` on stdin (runCli gives the child no stdin). */
function runWithStdin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'inspect', ...args], { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`inspect still running after 15 s\n${stderr}`));
    }, 15_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('portcullis inspect', () => {
  it('reports an attack request as blocked, with its class, place, score and evidence', async () => {
    const r = await runCli(['inspect', '--request', SQLI]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^BLOCK 5 GET \/search\?q=1%27%20or%201=1--$/);
    assert.match(lines[1]!, /^ {4}sqli query:q 5 ".*or 1=1.*" \[sqli-/);
    assert.equal(lines.at(-1), '1 request, 1 blocked');
    assert.equal(r.stderr, '');
  });

  it('lets a benign request pass', async () => {
    const r = await runCli(['inspect', '--request', BENIGN]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pass 0 GET /search?q=red%20shoes\n1 request, 0 blocked\n');
  });

  it('says why a multipart body that parsers read differently is blocked', async () => {
    const body = '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--B--\r\n--B\r\nContent-Disposition: form-data; name="b"\r\n\r\nw\r\n--B--\r\n';
    const request = JSON.stringify({ method: 'POST', url: '/up', headers: { 'content-type': 'multipart/form-data; boundary=B' }, body });
    const r = await runCli(['inspect', '--request', request]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^BLOCK 0 POST \/up \(malformed: the multipart body has data after its close delimiter\)\n/);
    const json = await runCli(['inspect', '--format', 'json', '--request', request]);
    assert.equal(JSON.parse(json.stdout.split('\n')[0]!).malformed, 'has data after its close delimiter');
  });

  it('reads a JSON-lines file (blank lines skipped) and prints one verdict per request', async () => {
    const r = await runCli(['inspect', fixture('requests.jsonl')]);
    assert.equal(r.code, 0, r.stderr);
    const verdicts = r.stdout.split('\n').filter((l) => /^(BLOCK|pass) /.test(l));
    assert.deepEqual(verdicts.map((l) => l.split(' ')[0]), ['pass', 'BLOCK', 'BLOCK', 'BLOCK']);
    assert.match(r.stdout, /^ {4}xss body:\$\.text 5 /m);
    assert.match(r.stdout, /^ {4}traversal query:name 5 /m);
    assert.match(r.stdout, /\n4 requests, 3 blocked\n$/);
  });

  it('--only-blocked hides passing requests but still counts them', async () => {
    const r = await runCli(['inspect', '--only-blocked', fixture('requests.jsonl')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^pass /m);
    assert.match(r.stdout, /4 requests, 3 blocked\n$/);
  });

  it('stops on an invalid line with exit 2 and one message naming the line, no stack trace, no verdicts', async () => {
    const r = await runCli(['inspect', fixture('invalid-line.jsonl')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^portcullis inspect: .*invalid-line\.jsonl:3: not valid JSON/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('rejects a line with the wrong shape, naming line and field', async () => {
    const r = await runWithStdin(['-'], `${BENIGN}\n{"method":"GET","url":"search"}\n`);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /stdin:2: "url" must be a string starting with \//);
  });

  it('--format json prints one parseable verdict object per line', async () => {
    const r = await runCli(['inspect', '--format', 'json', fixture('requests.jsonl')]);
    assert.equal(r.code, 0, r.stderr);
    const verdicts = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(verdicts.length, 4);
    assert.deepEqual(verdicts.map((v) => [v.index, v.method, v.blocked]), [[1, 'GET', false], [2, 'GET', true], [3, 'POST', true], [4, 'GET', true]]);
    assert.equal(verdicts[1].url, '/search?q=1%27%20or%201=1--');
    assert.equal(verdicts[1].score, 5);
    const [match] = verdicts[1].matches;
    assert.deepEqual([match.class, match.location, match.name, match.score], ['sqli', 'query', 'q', 5]);
    assert.equal(typeof match.evidence, 'string');
    assert.deepEqual(verdicts[0].matches, []);
    assert.match(r.stderr, /4 requests, 3 blocked/);
  });

  it('--fail-on-block: exit 1 when something is blocked, 0 when everything passes', async () => {
    const blocked = await runCli(['inspect', '--fail-on-block', fixture('requests.jsonl')]);
    assert.equal(blocked.code, 1, blocked.stderr);
    assert.match(blocked.stdout, /3 blocked/);
    const clean = await runCli(['inspect', '--fail-on-block', fixture('benign.jsonl')]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /2 requests, 0 blocked\n$/);
  });

  it('reads requests from stdin with -', async () => {
    const r = await runWithStdin(['-', '--format', 'json'], `${BENIGN}\n${SQLI}\n`);
    assert.equal(r.code, 0, r.stderr);
    const verdicts = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(verdicts.map((v) => v.blocked), [false, true]);
    assert.equal(verdicts[1].matches[0].class, 'sqli');
  });

  it('--threshold and --paranoia change the verdict', async () => {
    const high = await runCli(['inspect', '--threshold', '100', '--request', SQLI]);
    assert.equal(high.code, 0, high.stderr);
    assert.match(high.stdout, /^pass 5 GET /);
    const bad = await runCli(['inspect', '--paranoia', '5', '--request', SQLI]);
    assert.equal(bad.code, 2);
  });

  it('--config with --api uses that API\'s inspect policy (exclusions), falling back to the global one', async () => {
    const search = await runCli(['inspect', '--config', fixture('gateway.yaml'), '--api', 'search', '--request', SQLI]);
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, /^pass 0 GET /);
    const shop = await runCli(['inspect', '--config', fixture('gateway.yaml'), '--api', 'shop', '--request', SQLI]);
    assert.equal(shop.code, 0, shop.stderr);
    assert.match(shop.stdout, /^BLOCK 5 GET /);
    const unnamed = await runCli(['inspect', '--config', fixture('gateway.yaml'), '--request', SQLI]);
    assert.equal(unnamed.code, 2);
    assert.match(unnamed.stderr, /choose one with --api \(search, shop\)/);
    const unknown = await runCli(['inspect', '--config', fixture('gateway.yaml'), '--api', 'nope', '--request', SQLI]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no API named "nope"/);
  });

  it('usage and input errors exit 2 with a clear message', async () => {
    const none = await runCli(['inspect']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /nothing to inspect/);
    const both = await runCli(['inspect', '--request', SQLI, fixture('requests.jsonl')]);
    assert.equal(both.code, 2);
    const missing = await runCli(['inspect', fixture('missing.jsonl')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing\.jsonl: cannot read the file \(no such file\)/);
    const badRequest = await runCli(['inspect', '--request', '{"method":"GET"']);
    assert.equal(badRequest.code, 2);
    assert.match(badRequest.stderr, /^portcullis inspect: --request: not valid JSON/);
    const empty = await runWithStdin(['-'], '\n\n');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /stdin: no requests/);
  });

  it('escapes control characters in the text report', async () => {
    const crlf = JSON.stringify({ method: 'GET', url: '/a\u001b[31m?x=%0d%0aSet-Cookie:%20a=b', headers: { 'x-test': 'a\r\nInjected: 1' } });
    const r = await runCli(['inspect', '--request', crlf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^BLOCK \d+ GET \/a\\x1b\[31m\?x=/);
    assert.match(r.stdout, /^ {4}crlf header:x-test /m);
    assert.doesNotMatch(r.stdout, /[\r\u001b]/);
  });
});
