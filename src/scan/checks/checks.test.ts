// Each check the demo does not exercise, against a purpose-built API: found on the vulnerable build,
// not on the fixed one (real servers, real requests).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import type { IdentitySpec } from '../identities.ts';
import { runScan } from '../index.ts';
import type { ScanResult } from '../types.ts';
import { makePki } from '../../../test/helpers/certs.ts';
import { CHECK_IDS } from './index.ts';
import { FIXTURE_SECRET, FIXTURE_SPEC, startFixtureApi, type FixtureApi } from '../../../test/helpers/scan-fixture.ts';

// The vulnerable build checks the owner on reads but not on deletes: no bola-read, a bola-write.
const EXPECTED = [
  'auth-junk-credentials GET /v1/me', 'auth-missing GET /v1/reports', 'bola-write DELETE /v1/items/{itemId}', 'command-injection GET /v1/lookup', 'credentials-in-query GET /v1/me',
  'method-swap DELETE /v1/notes/{noteId}', 'nosql-injection POST /v1/login', 'oversized-input POST /v1/items', 'rate-limit-missing GET /v1/limited', 'sql-injection GET /v1/audit', 'sql-injection GET /v1/search', 'trace-enabled TRACE /v1/me',
  'undocumented-method GET /v1/items',
];

describe('checks on a purpose-built API', () => {
  let dir: string;
  let spec: string;
  let token: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-fixture-'));
    spec = join(dir, 'openapi.json');
    await writeFile(spec, JSON.stringify(FIXTURE_SPEC));
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setExpirationTime('10m').sign(FIXTURE_SECRET);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function scan(vulnerable: boolean, onDone?: (api: FixtureApi) => void): Promise<ScanResult> {
    const api = await startFixtureApi(vulnerable);
    // The vulnerable build: a static bearer token; the fixed one: OAuth2 client credentials (refreshed on 401).
    const one: IdentitySpec = vulnerable
      ? { name: 'one', role: 'user' as const, headers: { Authorization: `Bearer ${token}` }, query: {} }
      : { name: 'one', role: 'user' as const, headers: {}, query: {}, oauth2: { tokenUrl: '/oauth/token', grant: 'client_credentials' as const, clientId: 'svc', clientSecret: 'svc-secret-value' } };
    try {
      return await runScan({
        spec,
        target: api.url,
        identities: [
          one,
          { name: 'two', role: 'user', headers: { 'X-Key': 'key-user-two-0123456789' }, query: {} },
        ],
        rate: 0,
        burst: 10,
        skip: ['shadow-endpoint', 'zombie-version', 'login-no-rate-limit'],
      });
    } finally {
      onDone?.(api);
      await api.close();
    }
  }

  const keyed = (r: ScanResult) => r.findings.map((f) => `${f.check} ${f.operation}`).sort();

  test('the vulnerable build: each flaw found, with evidence', async () => {
    const result = await scan(true);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(keyed(result), EXPECTED);
    const junk = result.findings.find((f) => f.check === 'auth-junk-credentials')!;
    // Every forgery is listed: alg none in any casing, no signature, edited and expired claims, guessed HS256 keys.
    for (const what of [/"alg": "none"/, /"alg": "nOnE"/, /without its signature/, /edited payload/, /expired/, /HS256 and an empty key/, /HS256 and the key "secret"/]) assert.match(junk.message, what);
    assert.ok(!JSON.stringify(result).includes(token), 'the token is redacted');
    const swap = result.findings.find((f) => f.check === 'method-swap')!;
    assert.equal(swap.confidence, 'confirmed');
    assert.match(swap.message, /only GET.*the object is gone/);
    const slept = result.findings.find((f) => f.check === 'command-injection')!;
    assert.match(slept.message, /asking for 1 s took [\d.]+ s, 0 s took [\d.]+ s, 2 s took [\d.]+ s/);
    assert.match(result.findings.find((f) => f.operation === 'GET /v1/audit')!.message, /makes the database sleep/);
    const sqli = result.findings.find((f) => f.check === 'sql-injection' && f.operation === 'GET /v1/search')!;
    assert.match(sqli.message, /true condition/);
  });

  test('the fixed build: nothing (and an OAuth2 identity whose token is refreshed on a 401)', async () => {
    let tokens = 0;
    const result = await scan(false, (api) => (tokens = api.tokensIssued()));
    assert.deepEqual(result.errors, []);
    assert.equal(result.identities[0]!.userId, '1', 'the OAuth2 token worked');
    assert.ok(tokens >= 2, `the expired token was refreshed (${tokens} issued)`);
    assert.ok(!JSON.stringify(result).includes('svc-secret-value'), 'the client secret is redacted');
    assert.deepEqual(keyed(result), []);
    const tested = (id: string) => result.checks.find((c) => c.check === id)!.tested;
    assert.deepEqual(tested('bola-read'), ['GET /v1/items/{itemId}', 'GET /v1/notes/{noteId}']);
    assert.deepEqual(tested('bola-write'), ['DELETE /v1/items/{itemId}']);
    assert.deepEqual(tested('rate-limit-missing'), ['GET /v1/limited']);
    assert.deepEqual(tested('credentials-in-query'), ['GET /v1/me']);
    assert.deepEqual(tested('auth-junk-credentials'), ['GET /v1/me'], 'the forged tokens were sent and refused');
    assert.ok(tested('command-injection').includes('GET /v1/lookup') && tested('sql-injection').includes('GET /v1/audit'), 'the time probes were sent');
    assert.deepEqual(tested('method-swap'), ['DELETE /v1/notes/{noteId}'], 'the undocumented DELETE was sent and refused');
    assert.deepEqual(tested('oversized-input'), ['POST /v1/items']);
    assert.deepEqual(tested('nosql-injection'), ['POST /v1/login']);
    assert.deepEqual(tested('undocumented-method'), ['GET /v1/items', 'GET /v1/notes', 'GET /v1/login']);
  });

  test('plain http on an https-only API: found when it answers, not when it redirects to https', async () => {
    const pki = makePki();
    const httpsSpec = join(dir, 'openapi-https.json');
    await writeFile(httpsSpec, JSON.stringify({ ...FIXTURE_SPEC, servers: [{ url: 'https://api.example.test/v1' }] }));
    const run = async (vulnerable: boolean) => {
      const api = await startFixtureApi(vulnerable, pki);
      try {
        return await runScan({
          spec: httpsSpec,
          target: api.url,
          ca: pki.caCert,
          identities: [{ name: 'two', role: 'user', headers: { 'X-Key': 'key-user-two-0123456789' }, query: {} }],
          rate: 0,
          canary: false,
          skip: CHECK_IDS.filter((id) => id !== 'plain-http-accepted'),
        });
      } finally {
        await api.close();
        if (!vulnerable) await rm(pki.dir, { recursive: true, force: true });
      }
    };
    const found = await run(true);
    assert.deepEqual(found.errors, []);
    // A public read (no credential goes over plain http).
    assert.deepEqual(keyed(found), ['plain-http-accepted GET /v1/audit']);
    assert.match(found.findings[0]!.evidence[0]!.request.url, /^http:\/\/localhost:\d+\/v1\/audit\?event=open$/);
    assert.deepEqual(found.findings[0]!.evidence[0]!.request.headers, {});
    const fixed = await run(false);
    assert.deepEqual(fixed.errors, []);
    assert.deepEqual(keyed(fixed), []);
    assert.deepEqual(fixed.checks.find((c) => c.check === 'plain-http-accepted')!.tested, ['GET /v1/audit']);
  });
});
