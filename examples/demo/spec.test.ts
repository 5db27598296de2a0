// openapi.yaml, flaws.json, README.md and the implementation agree: every documented operation is
// implemented and answers as documented, every implemented route is documented or a listed flaw, and
// the spec carries what the gateway needs to close each documented flaw.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { type LoadedSpec, loadSpec } from '../../src/openapi/load.ts';
import { listOperations, type SpecOperation, specBasePath } from '../../src/openapi/operations.ts';
import { type DemoApi, startDemoApi } from './api.ts';
import { DemoClient } from './client.ts';
import { readmeWithFlaws, renderFlaws, type Flaw, type Op } from './readme-flaws.ts';
import { allRoutes } from './routes/index.ts';

interface FlawFile {
  basePath: string;
  categories: Record<string, string>;
  flaws: Flaw[];
  benign: { operation: Op; why: string }[];
  correct: (Op & { why: string })[];
}

const specFile = fileURLToPath(new URL('./openapi.yaml', import.meta.url));
const ground = JSON.parse(readFileSync(new URL('./flaws.json', import.meta.url), 'utf8')) as FlawFile;
const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const PHASES = ['route', 'authenticate', 'authorize', 'limit', 'validate', 'inspect', 'respond'];

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('password', true);

let spec: LoadedSpec;
let ops: SpecOperation[];
let base: string;
let api: DemoApi;
let client: DemoClient;
let images: Server;
let imageUrl: string;

before(async () => {
  spec = await loadSpec(specFile);
  ops = listOperations(spec);
  base = specBasePath(spec);
  api = await startDemoApi({ port: 0 });
  client = new DemoClient(api.url, api.users);
  images = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end('PNG'));
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/alice.png`;
});

after(async () => {
  await new Promise((resolve) => images.close(resolve));
  await api.close();
});

const key = (op: Op): string => `${op.method} ${op.path}`;
const specKeys = (): Set<string> => new Set(ops.map((o) => `${o.method} ${base}${o.path}`));

function securityOf(op: SpecOperation): Record<string, string[]>[] {
  return (op.operation.security ?? spec.doc.security ?? []) as Record<string, string[]>[];
}

function urlOf(op: SpecOperation): string {
  let path = op.path;
  const query = new URLSearchParams();
  for (const p of op.parameters) {
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(String(p.example)));
    if (p.in === 'query' && p.required) query.set(p.name, String(p.example));
  }
  const qs = query.toString();
  return `${base}${path}${qs ? `?${qs}` : ''}`;
}

function bodyOf(op: SpecOperation): unknown {
  const example = op.operation.requestBody?.content?.['application/json']?.example;
  return op.operationId === 'setAvatar' ? { ...example, url: imageUrl } : example;
}

describe('openapi.yaml', () => {
  it('is OpenAPI 3.1 with the /api/v2 base path, loaded by the gateway loader', () => {
    assert.equal(spec.version, '3.1');
    assert.equal(base, '/api/v2');
    assert.ok(ops.length >= 20);
    assert.ok(ops.some((o) => o.deprecated));
  });

  it('passes openapi-spec-validator where it is installed', (t) => {
    const script = 'import sys\nfrom openapi_spec_validator import validate\nfrom openapi_spec_validator.readers import read_from_filename\nvalidate(read_from_filename(sys.argv[1])[0])';
    const run = spawnSync('python3', ['-c', script, specFile], { encoding: 'utf8' });
    if (run.error || /ModuleNotFoundError/.test(run.stderr)) {
      t.skip('python3 with openapi-spec-validator is not installed');
      return;
    }
    assert.equal(run.status, 0, run.stderr);
  });

  it('has valid schemas, and examples that match them', () => {
    for (const op of ops) {
      const media = op.operation.requestBody?.content?.['application/json'];
      if (op.operation.requestBody) {
        assert.ok(media?.example !== undefined, `${op.operationId}: request body without an example`);
        const schema = media.schema;
        assert.equal(schema.additionalProperties, false, `${op.operationId}: request body allows additional properties`);
        const validate = ajv.compile(schema);
        assert.ok(validate(media.example), `${op.operationId}: ${ajv.errorsText(validate.errors)}`);
      }
      for (const p of op.parameters) {
        if (p.example !== undefined && p.schema) assert.ok(ajv.validate(p.schema, p.example), `${op.operationId} ${p.name}`);
        if (p.name === 'limit') assert.equal(p.schema.maximum, 100);
      }
      for (const response of Object.values(op.operation.responses as Record<string, any>)) {
        const schema = response.content?.['application/json']?.schema;
        if (schema) ajv.compile(schema);
      }
    }
  });

  it('every documented operation is implemented and answers as documented', async () => {
    for (const op of ops) {
      api.reset();
      const admin = Array.isArray(op.operation['x-portcullis-roles']) && op.operation['x-portcullis-roles'].includes('admin');
      const anonymous = securityOf(op).length === 0;
      const res = await client.call(op.method, urlOf(op), { as: anonymous ? null : admin ? 'carol' : 'alice', body: bodyOf(op) });
      const label = `${op.method} ${op.path} -> ${res.status} ${res.text.slice(0, 200)}`;
      assert.ok(res.status >= 200 && res.status < 300, label);
      const documented = op.operation.responses[String(res.status)];
      assert.ok(documented, `${label}: status not documented`);
      const schema = documented.content?.['application/json']?.schema;
      if (schema) {
        const validate = ajv.compile(schema);
        assert.ok(validate(res.json), `${label}: ${ajv.errorsText(validate.errors)}`);
      }
    }
  });

  it('every operation with security answers 401 without credentials', async () => {
    for (const op of ops.filter((o) => securityOf(o).length > 0)) {
      const res = await client.call(op.method, urlOf(op), { body: bodyOf(op) });
      assert.equal(res.status, 401, `${op.method} ${op.path}`);
      assert.ok(op.operation.responses['401'], `${op.method} ${op.path}: 401 not documented`);
    }
  });

  it('every implemented route is documented, or a listed shadow/zombie flaw, or benign', () => {
    const documented = specKeys();
    const flawed = new Set(ground.flaws.filter((f) => !f.documented).flatMap((f) => [f.operation, ...f.alsoAffects].map(key)));
    const benign = new Set(ground.benign.map((b) => key(b.operation)));
    for (const route of allRoutes) {
      const k = key(route);
      assert.ok(documented.has(k) || flawed.has(k) || benign.has(k), `${k} is implemented but neither documented nor listed in flaws.json`);
    }
    const implemented = new Set(allRoutes.map(key));
    for (const k of documented) assert.ok(implemented.has(k), `${k} is documented but has no route`);
  });
});

describe('flaws.json', () => {
  it('has unique ids, known categories and phases, and a way to reproduce each flaw', () => {
    assert.equal(ground.basePath, base);
    assert.equal(new Set(ground.flaws.map((f) => f.id)).size, ground.flaws.length);
    for (const f of ground.flaws) {
      assert.match(f.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(f.category in ground.categories, `${f.id}: ${f.category}`);
      assert.ok(['low', 'medium', 'high', 'critical'].includes(f.severity), f.id);
      assert.ok(f.title && f.description && f.reproduce.length > 0 && f.protection.length > 0, f.id);
      for (const p of f.protection) assert.ok(PHASES.includes(p.phase), `${f.id}: phase ${p.phase}`);
      const paths = [f.operation, ...f.alsoAffects].map((o) => o.path);
      assert.ok(f.reproduce.some((line) => paths.some((p) => line.includes(p.split('{')[0]!))), `${f.id}: reproduce does not call its operation`);
    }
  });

  it('says documented exactly for the operations of openapi.yaml', () => {
    const documented = specKeys();
    for (const f of ground.flaws) {
      for (const op of [f.operation, ...f.alsoAffects]) assert.equal(documented.has(key(op)), f.documented, `${f.id}: ${key(op)}`);
      if (!f.documented) assert.equal(f.category, 'API9:2023', f.id);
    }
    for (const c of ground.correct) assert.ok(documented.has(key(c)), key(c));
    for (const b of ground.benign) assert.ok(!b.operation.path.startsWith(`${base}/`), key(b.operation));
  });

  it('lists as correct only operations without a flaw of their own', () => {
    const own = new Set(ground.flaws.filter((f) => f.scope !== 'global').flatMap((f) => [f.operation, ...f.alsoAffects].map(key)));
    for (const c of ground.correct) assert.ok(!own.has(key(c)), key(c));
  });

  it('matches the spec hints the gateway closes the flaws with', () => {
    const byKey = new Map(ops.map((o) => [`${o.method} ${base}${o.path}`, o.operation]));
    for (const f of ground.flaws.filter((x) => x.documented)) {
      for (const target of [f.operation, ...f.alsoAffects]) {
        const operation = byKey.get(key(target))!;
        if (f.category === 'API1:2023') assert.ok(operation['x-portcullis-owner'], `${f.id}: no x-portcullis-owner on ${key(target)}`);
        if (f.category === 'API5:2023') assert.deepEqual(operation['x-portcullis-roles'], ['admin'], f.id);
      }
    }
    const schemas = spec.doc.components.schemas;
    assert.deepEqual(Object.keys(schemas.AccountUpdate.properties).sort(), ['displayName', 'email']);
    assert.equal(schemas.Account.properties.role.readOnly, true);
    assert.equal(schemas.Account.properties.balance.readOnly, true);
    assert.equal(schemas.LoginRequest.properties.password.writeOnly, true);
    for (const name of ['PublicUser', 'Account']) {
      for (const leaked of ['passwordHash', 'mfaSecret', 'internalNotes', 'apiKey']) assert.ok(!(leaked in schemas[name].properties), `${name}.${leaked}`);
    }
    assert.ok(!('preview' in schemas.Avatar.properties));
    assert.match(schemas.AvatarRequest.properties.url.pattern, /^\^https/);
  });
});

describe('README.md', () => {
  it('has the flaw list generated from flaws.json (node examples/demo/readme-flaws.ts)', () => {
    assert.equal(readme, readmeWithFlaws(readme, renderFlaws(ground)));
  });

  it('names every flaw and every demo credential', () => {
    for (const f of ground.flaws) assert.ok(readme.includes(`\`${f.id}\``), `README lacks ${f.id}`);
    for (const u of api.users) {
      for (const value of [u.username, u.password, u.apiKey]) assert.ok(readme.includes(value), `README lacks ${value}`);
    }
  });
});
