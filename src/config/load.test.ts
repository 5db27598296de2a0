import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

const base = `upstreams:
  backend:
    url: http://127.0.0.1:3000
apis:
  - name: api
    upstream: backend
    routes:
      - path: /*
`;

function issues(text: string, env: NodeJS.ProcessEnv = {}) {
  try {
    parseConfig(text, '/etc/portcullis.yaml', env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail('expected the config to be refused');
}

test('a minimal config gets every default', () => {
  const { config } = parseConfig(base, '/etc/portcullis.yaml', {});
  assert.deepEqual(config.listeners, [{ port: 8080, name: 'main', host: '0.0.0.0' }]);
  assert.equal(config.admin.host, '127.0.0.1');
  assert.equal(config.limits.maxBodySize, '1mb');
  assert.equal(config.upstreams.backend!.timeouts.connect, '5s');
  assert.equal(config.forwarding.mergeSlashes, true);
  assert.equal((config.policies!['security-headers'] as unknown as { contentTypeOptions: string }).contentTypeOptions, 'nosniff');
  assert.ok(Object.isFrozen(config.upstreams.backend));
});

test('an unknown key names file, line, column, path and the likely key', () => {
  const all = issues(base.replace('    upstream: backend', '    upstrem: backend'));
  assert.equal(all.length, 2); // and the required "upstream" is missing
  const issue = all.find((i) => i.path === 'apis[0].upstrem');
  assert.equal(issue!.line, 6);
  assert.equal(issue!.column, 5);
  assert.equal(issue!.path, 'apis[0].upstrem');
  assert.match(issue!.message, /unknown key "upstrem" \(did you mean "upstream"\?\)/);
});

test('wrong types, enums and URL forms are explained', () => {
  const list = issues(`${base}listeners:\n  - port: "eighty"\nlog:\n  level: loud\n`.replace('http://127.0.0.1:3000', 'ftp://example.com'));
  const text = list.map((i) => `${i.line} ${i.path}: ${i.message}`).join('\n');
  assert.match(text, /upstreams\.backend\.url: has an invalid form/);
  assert.match(text, /listeners\[0\]\.port: must be integer/);
  assert.match(text, /log\.level: must be one of: fatal, error/);
});

test('${VAR}, ${VAR:-default} and ${file:...} are interpolated; a missing variable is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcl-'));
  writeFileSync(join(dir, 'secret.txt'), 's3cret\n');
  const text = base.replace('http://127.0.0.1:3000', '${UP}').replace('name: api', 'name: ${NAME:-api}') + 'listeners:\n  - port: ${PORT}\n';
  const { config } = parseConfig(text, join(dir, 'p.yaml'), { UP: 'http://10.0.0.1:81', PORT: '9000' });
  assert.equal(config.upstreams.backend!.url, 'http://10.0.0.1:81');
  assert.equal(config.apis[0]!.name, 'api');
  assert.equal(config.listeners[0]!.port, 9000);
  const missing = issues(text, { UP: 'http://x:1' });
  assert.equal(missing[0]!.path, 'listeners[0].port');
  assert.match(missing[0]!.message, /environment variable PORT is not set/);
  const withFile = parseConfig(`${base}policies:\n  cors:\n    allowOrigins: ["\${file:secret.txt}"]\n`, join(dir, 'p.yaml'), {});
  assert.deepEqual((withFile.config.policies!.cors as unknown as { allowOrigins: string[] }).allowOrigins, ['s3cret']);
});

test('keys named like members of every object are keys: __proto__ is kept, ${valueOf} is no variable', () => {
  const text = `${base}    operations:\n      __proto__: { upstream: backend }\n      valueOf: { upstream: backend }\n`;
  const { config } = parseConfig(text, '/etc/portcullis.yaml', {});
  const operations = config.apis[0]!.operations!;
  assert.deepEqual(Object.keys(operations), ['__proto__', 'valueOf']);
  assert.equal(Object.getPrototypeOf(operations), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(operations, '__proto__')?.value.upstream, 'backend');
  const unset = issues(base.replace('http://127.0.0.1:3000', '${valueOf}'));
  assert.match(unset[0]!.message, /environment variable valueOf is not set/);
  assert.equal(parseConfig(base.replace('http://127.0.0.1:3000', '${constructor:-http://127.0.0.1:1}'), '/etc/portcullis.yaml', {}).config.upstreams.backend!.url, 'http://127.0.0.1:1');
});

test('malformed YAML is one positioned error', () => {
  const [issue] = issues('apis:\n  - name: [unclosed\n');
  assert.ok(issue!.line! >= 2);
  assert.match(issue!.message, /not valid YAML/);
});

test('references to unknown upstreams and duplicate names are caught', () => {
  const text = `${base}  - name: api\n    upstream: backnd\n    routes:\n      - path: /x\n`;
  const msgs = issues(text).map((i) => `${i.path}: ${i.message}`);
  assert.ok(msgs.some((m) => /apis\[1\]\.name: the API name "api" is used twice/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /apis\[1\]\.upstream: no upstream named "backnd" .*did you mean "backend"/.test(m)), msgs.join('\n'));
});

test('policies: `true` is refused, `false` turns one off, unknown policy names are errors', () => {
  assert.match(issues(`${base}policies:\n  cors: true\n`)[0]!.message, /object of options, or false/);
  const { config } = parseConfig(`${base}policies:\n  security-headers: false\n`, '/p.yaml', {});
  assert.equal(config.policies?.['security-headers'], false);
  assert.match(issues(`${base}policies:\n  corz: {}\n`)[0]!.message, /did you mean "cors"/);
});
