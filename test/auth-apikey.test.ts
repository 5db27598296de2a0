// API keys through a running gateway, with keys in a real store (a SQLite file, and PostgreSQL in its
// own schema) made by the `portcullis keys` CLI and by the Store API, plus keys declared in config.
// Every refusal asserts the exact status and that nothing reached the upstream.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { generateApiKey, hashApiKey } from '../src/auth/api-key.ts';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/types.ts';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const run = promisify(execFile);
const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LEGACY_KEY = 'legacy-partner-key-0123456789abcdef';

async function cli(store: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, 'keys', ...args, '--store', store]);
  return stdout.trim();
}

function yaml(upstream: string, store: string, extra = ''): string {
  return passthroughYaml(
    upstream,
    `    policies:
      auth-apikey:
        store: "${store}"
        format: any
        bruteForce: { maxFailures: 100000 }
        consumers:
          - id: partner
            roles: [partner]
            scopes: [catalog:read, orders:read]
            keys:
              - sha256: ${hashApiKey(LEGACY_KEY)}
                scopes: [catalog:read]
          - id: old-partner
            keys:
              - sha256: ${hashApiKey('legacy-expired-key-0123456789abcdef')}
                expires: "2020-01-01T00:00:00Z"
${extra}`,
  );
}

async function refused(upstream: TestUpstream, response: Promise<Response>, status: number): Promise<Record<string, unknown>> {
  const before = upstream.received.length;
  const res = await response;
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  if (status === 401) assert.equal(res.headers.get('www-authenticate'), 'ApiKey realm="api", header="X-API-Key"');
  assert.equal(upstream.received.length, before, 'the request reached the upstream');
  delete body.requestId;
  return body;
}

const withKey = (key: string, extra: Record<string, string> = {}) => ({ headers: { 'x-api-key': key, ...extra } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function suite(name: string, setup: () => Promise<{ location: string; cleanup: () => Promise<void> }>) {
  describe(`auth-apikey with the ${name} store`, () => {
    let upstream: TestUpstream;
    let gw: TestGateway;
    let store: Store;
    let location: string;
    let cleanup: () => Promise<void>;

    before(async () => {
      ({ location, cleanup } = await setup());
      upstream = await startUpstream();
      store = openStore(location);
      await store.migrate();
      await store.upsertConsumer({ id: 'alice', name: 'Alice', roles: ['user'], scopes: ['orders:read', 'orders:write'], metadata: {}, tier: 'gold' });
      gw = await startTestGateway(yaml(upstream.url, location));
    });
    after(async () => {
      await gw?.close();
      await upstream?.close();
      await store?.close();
      await cleanup?.();
    });

    test('a key made by `portcullis keys create` works in X-API-Key and Authorization: ApiKey; identity goes upstream, forged identity never', async () => {
      const key = await cli(location, 'create', '--consumer', 'alice', '--scopes', 'orders:read', '--expires', '1d');
      assert.match(key, /^pcl_live_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
      const res = await fetch(`${gw.url}/orders`, withKey(key, { 'x-consumer-id': 'carol', 'x-auth-scopes': 'admin', 'x-auth-subject': 'carol' }));
      assert.equal(res.status, 200);
      const seen = upstream.received.at(-1)!.headers;
      assert.equal(seen['x-consumer-id'], 'alice');
      assert.equal(seen['x-auth-subject'], 'alice');
      assert.equal(seen['x-auth-scopes'], 'orders:read');
      assert.equal((await fetch(`${gw.url}/orders`, { headers: { authorization: `ApiKey ${key}` } })).status, 200);
      // Only the hash is stored.
      const rows = await store.listKeys('alice');
      assert.ok(rows.every((r) => r.hash !== key && !JSON.stringify(r).includes(key)));
    });

    test('keys declared in config by hash (any shape with format: any); their expiry is honoured', async () => {
      assert.equal((await fetch(`${gw.url}/c`, withKey(LEGACY_KEY))).status, 200);
      assert.equal(upstream.received.at(-1)!.headers['x-consumer-id'], 'partner');
      assert.equal(upstream.received.at(-1)!.headers['x-auth-scopes'], 'catalog:read');
      await refused(upstream, fetch(`${gw.url}/c`, withKey('legacy-expired-key-0123456789abcdef')), 401);
    });

    test('unknown, revoked, expired keys and checksum typos: one identical 401 body (no oracle)', async () => {
      const bodies = new Set<string>();
      const keep = async (p: Promise<Response>) => bodies.add(JSON.stringify(await refused(upstream, p, 401)));
      // Unknown (well formed, valid checksum).
      await keep(fetch(`${gw.url}/o`, withKey(generateApiKey().key)));
      // A typo: one character changed, so the checksum fails (no store lookup).
      const good = await cli(location, 'create', '--consumer', 'alice');
      const typo = `${good.slice(0, 12)}${good[12] === 'x' ? 'y' : 'x'}${good.slice(13)}`;
      await keep(fetch(`${gw.url}/o`, withKey(typo)));
      // Revoked.
      const revoked = generateApiKey();
      await store.insertKey({ id: revoked.id, consumerId: 'alice', hash: revoked.hash, scopes: [], createdAt: Date.now(), revokedAt: Date.now() - 1000 });
      await keep(fetch(`${gw.url}/o`, withKey(revoked.key)));
      // Expired.
      const expired = generateApiKey();
      await store.insertKey({ id: expired.id, consumerId: 'alice', hash: expired.hash, scopes: [], createdAt: Date.now() - 10_000, expiresAt: Date.now() - 1 });
      await keep(fetch(`${gw.url}/o`, withKey(expired.key)));
      // Garbage, and a key of the right shape for another store.
      await keep(fetch(`${gw.url}/o`, withKey('x'.repeat(300))));
      await keep(fetch(`${gw.url}/o`, withKey("pcl_live_' OR 1=1 --")));
      assert.equal(bodies.size, 1, [...bodies].join('\n'));
    });

    test('a revoked key is refused within 1 second', async () => {
      const key = await cli(location, 'create', '--consumer', 'alice');
      assert.equal((await fetch(`${gw.url}/o`, withKey(key))).status, 200); // now cached
      const id = (await store.listKeys('alice')).at(-1)!.id;
      await cli(location, 'revoke', id);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 2000) {
        const res = await fetch(`${gw.url}/o`, withKey(key));
        await res.body?.cancel();
        status = res.status;
        if (status === 200) await sleep(50);
      }
      assert.equal(status, 401);
      assert.ok(Date.now() - revokedAt <= 1100, `took ${Date.now() - revokedAt} ms`);
      await refused(upstream, fetch(`${gw.url}/o`, withKey(key)), 401);
    });

    test('a rotated key: old and new both work during the grace period, then only the new one', async () => {
      const old = generateApiKey();
      await store.insertKey({ id: old.id, consumerId: 'alice', hash: old.hash, scopes: ['orders:read'], createdAt: Date.now() });
      assert.equal((await fetch(`${gw.url}/o`, withKey(old.key))).status, 200);
      const next = generateApiKey();
      assert.equal(await store.rotateKey(old.id, { id: next.id, consumerId: 'alice', hash: next.hash, scopes: ['orders:read'], createdAt: Date.now() }, Date.now() + 1500), true);
      assert.equal((await fetch(`${gw.url}/o`, withKey(old.key))).status, 200);
      assert.equal((await fetch(`${gw.url}/o`, withKey(next.key))).status, 200);
      await sleep(1600);
      await refused(upstream, fetch(`${gw.url}/o`, withKey(old.key)), 401);
      assert.equal((await fetch(`${gw.url}/o`, withKey(next.key))).status, 200);
      // The CLI's rotate prints the new key and links the two.
      const cliKey = await cli(location, 'create', '--consumer', 'alice');
      const cliId = (await store.listKeys('alice')).at(-1)!.id;
      const rotated = await cli(location, 'rotate', cliId, '--grace', '1h');
      assert.notEqual(rotated, cliKey);
      assert.equal((await fetch(`${gw.url}/o`, withKey(cliKey))).status, 200);
      assert.equal((await fetch(`${gw.url}/o`, withKey(rotated))).status, 200);
      assert.equal((await store.listKeys('alice')).at(-1)!.rotatedFrom, cliId);
    });

    test('a key in the query string is not read unless enabled', async () => {
      const key = await cli(location, 'create', '--consumer', 'alice');
      for (const q of [`api_key=${key}`, `apikey=${key}`, `key=${key}`, `x-api-key=${key}`]) {
        await refused(upstream, fetch(`${gw.url}/o?${q}`), 401);
      }
      const enabled = await startTestGateway(yaml(upstream.url, location, '        queryParam: api_key\n'));
      try {
        assert.equal((await fetch(`${enabled.url}/o?api_key=${key}`)).status, 200);
      } finally {
        await enabled.close();
      }
    });
  });
}

suite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-apikey-'));
  return { location: join(dir, 'keys.db'), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

suite('PostgreSQL', async () => {
  const schema = `pcl_apikey_${process.pid}_${randomBytes(3).toString('hex')}`;
  return {
    location: `${DATABASE_URL}?schema=${schema}`,
    cleanup: async () => {
      const client = new pg.Client(DATABASE_URL);
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
});

describe('auth-apikey failure modes', () => {
  test('an unreachable store answers 503 (never a silent allow), and keys in config keep working', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(yaml(upstream.url, 'postgres://postgres@127.0.0.1:1/none'));
    try {
      const before = upstream.received.length;
      const res = await fetch(`${gw.url}/o`, withKey(generateApiKey().key));
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_AUTH_UNAVAILABLE');
      assert.equal(upstream.received.length, before);
      assert.equal((await fetch(`${gw.url}/o`, withKey(LEGACY_KEY))).status, 200);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  test('format: portcullis refuses other shapes without a lookup; config checks happen at load', async () => {
    const upstream = await startUpstream();
    const strict = passthroughYaml(upstream.url, `    policies:\n      auth-apikey:\n        consumers: [{ id: p, keys: [{ sha256: ${hashApiKey(LEGACY_KEY)} }] }]\n`);
    const gw = await startTestGateway(strict);
    try {
      await refused(upstream, fetch(`${gw.url}/o`, withKey(LEGACY_KEY)), 401);
    } finally {
      await gw.close();
      await upstream.close();
    }
    await assert.rejects(startTestGateway(passthroughYaml('http://127.0.0.1:1', '    policies:\n      auth-apikey:\n        cacheTtl: 5s\n')), /at most 1s/);
  });
});
