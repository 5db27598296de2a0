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
