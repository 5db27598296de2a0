// $refs of an OpenAPI document: sibling files resolve; a file outside the document's folder (an
// absolute path, "../", a symbolic link out) does not; external YAML gets the root's alias limit.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSpec, SpecError } from './load.ts';

const spec = (ref: string) => `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /x:
    get:
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { $ref: '${ref}' } } }
`;

test('$refs: files under the document folder only, and external YAML with the alias limit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-refs-'));
  try {
    const api = join(dir, 'api');
    await mkdir(join(api, 'schemas'), { recursive: true });
    await writeFile(join(api, 'schemas', 'item.yaml'), 'type: object\nproperties: { id: { type: integer } }\n');
    await writeFile(join(dir, 'secret.yaml'), 'password: hunter2\n');
    await symlink(join(dir, 'secret.yaml'), join(api, 'link.yaml'));
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    await writeFile(join(api, 'bomb.yaml'), `${bomb}\n`);
    const write = async (name: string, ref: string) => (await writeFile(join(api, name), spec(ref)), join(api, name));

    const ok = await loadSpec(await write('ok.yaml', './schemas/item.yaml'));
    assert.equal(ok.doc.paths['/x'].get.responses['200'].content['application/json'].schema.properties.id.type, 'integer');
    for (const [name, ref] of [['up.yaml', '../secret.yaml'], ['abs.yaml', join(dir, 'secret.yaml')], ['link-out.yaml', './link.yaml'], ['bomb-ref.yaml', './bomb.yaml'], ['passwd.yaml', '/etc/passwd']]) {
      await assert.rejects(loadSpec(await write(name!, ref!)), (e: unknown) => e instanceof SpecError && /a \$ref cannot be resolved/.test(e.message) && !e.message.includes('hunter2'), name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a $ref to a member every object has (constructor, valueOf, __proto__) is refused like any missing one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-refs-'));
  try {
    await writeFile(join(dir, 'item.yaml'), 'type: object\n');
    for (const ref of ['#/components/schemas/constructor', '#/components/schemas/valueOf', '#/components/schemas/__proto__', '#/components/schemas/Item/toString', 'item.yaml#/constructor', '#/components/schemas/constructor/name', '#/components/schemas/hasOwnProperty/length']) {
      const file = join(dir, 'api.yaml');
      await writeFile(file, `${spec(ref)}components:\n  schemas:\n    Item: { type: object }\n`);
      await assert.rejects(loadSpec(file), (e: unknown) => e instanceof SpecError && /a \$ref cannot be resolved/.test(e.message), ref);
    }
    await writeFile(join(dir, 'api.yaml'), `${spec('#/components/schemas/Item')}components:\n  schemas:\n    Item: { type: object }\n`);
    assert.equal((await loadSpec(join(dir, 'api.yaml'))).doc.paths['/x'].get.responses['200'].content['application/json'].schema.type, 'object');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('documents that cannot be loaded: one message naming the file and what is wrong', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-load-'));
  try {
    const cases: [string, string | Buffer, RegExp][] = [
      // an alias bomb in the root document: named as such, not "Unexpected error: Excessive alias count"
      ['bomb.yaml', `openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths: {}\nx-a: &a [x, x, x, x, x, x, x, x, x, x]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nx-d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`, /bomb\.yaml: too many YAML aliases/],
      ['binary.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]), /binary\.yaml: this is not a text file \(it contains NUL bytes\)/],
      ['latin1.yaml', Buffer.from('openapi: 3.0.3\ninfo: { title: caf\xe9, version: "1" }\npaths: {}\n', 'latin1'), /latin1\.yaml: this is not a text file \(it contains bytes that are not UTF-8\)/],
      ['utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('openapi: 3.0.3\n', 'utf16le')]), /utf16\.yaml: this is not a text file \(it is UTF-16 text: save it as UTF-8\)/],
      ['v4.yaml', `openapi: 4.0.0\ninfo: { title: t, version: '1' }\npaths: {}\n`, /v4\.yaml: OpenAPI version 4\.0\.0 is not supported \(OpenAPI 3\.0\.x and 3\.1\.x are, and Swagger 2\.0/],
      ['swagger-number.yaml', `swagger: 2.0\ninfo: { title: t, version: '1' }\npaths: {}\n`, /"swagger: 2" is read as a number/],
      ['swagger-1.yaml', `swagger: '1.2'\ninfo: { title: t, version: '1' }\npaths: {}\n`, /Swagger version 1\.2 is not supported/],
      // text quoted from the file is escaped: no terminal escape sequence reaches stderr
      ['escape.json', JSON.stringify({ openapi: '9.\u001b[2J\u009b1m', info: { title: 't', version: '1' }, paths: {} }), /OpenAPI version 9\.\\x1b\[2J\\x9b1m is not supported/],
    ];
    for (const [name, content, message] of cases) {
      await writeFile(join(dir, name), content);
      await assert.rejects(loadSpec(join(dir, name)), (e: unknown) => {
        assert.ok(e instanceof SpecError, `${name}: ${String(e)}`);
        assert.match(e.message, message, name);
        assert.ok(e.message.startsWith(join(dir, name)), e.message);
        assert.doesNotMatch(e.message, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, name);
        return true;
      }, name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every $ref that cannot be resolved is reported, each at its line, not only the first one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-refs-'));
  try {
    const file = join(dir, 'api.yaml');
    await writeFile(file, `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /a:
    get:
      parameters:
        - $ref: '#/components/parameters/Missing'
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { $ref: './other.yaml#/Thing' } } }
  /b:
    get:
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { $ref: 'https://example.com/schema.json' } } }
`);
    await assert.rejects(loadSpec(file), (e: unknown) => {
      assert.ok(e instanceof SpecError);
      const lines = e.message.split('\n');
      assert.equal(lines[0], `${file}: 3 $refs cannot be resolved:`);
      assert.equal(lines[1], `  ${file}:7:11: "#/components/parameters/Missing" names nothing the document declares (the document has no "components")`);
      assert.match(lines[2]!, new RegExp(`^  ${file}:11:52: cannot read ${join(dir, 'other.yaml')} \\(ENOENT\\)`));
      assert.match(lines[3]!, new RegExp(`^  ${file}:17:52: "https://example.com/schema.json" is a URL: \\$refs to URLs are never downloaded`));
      assert.equal(lines.length, 4);
      return true;
    });
    // A missing $ref inside a component used twice: once, at the $ref itself, not where it was reached from.
    await writeFile(file, `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /a:
    get:
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/A' } } } }
  /b:
    get:
      responses:
        '200': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/A' } } } }
components:
  schemas:
    A:
      type: object
      properties:
        x: { $ref: '#/components/schemas/Missing' }
        y: { $ref: '#/components/schemas/constructor' }
`);
    await assert.rejects(loadSpec(file), (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.deepEqual(e.message.split('\n'), [
        `${file}: 2 $refs cannot be resolved:`,
        `  ${file}:17:14: "#/components/schemas/Missing" names nothing the document declares ("#/components/schemas" has no "Missing")`,
        `  ${file}:18:14: "#/components/schemas/constructor" names a member every object has (constructor, valueOf, __proto__...), not something the document declares`,
      ]);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
