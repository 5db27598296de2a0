import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { IdentityError, jsonPath, parseIdentityArg, readIdentitiesFile, type IdentitySpec } from './identities.ts';

describe('identities', () => {
  test('--identity: headers, bearer, query credentials and log-in', () => {
    const m = new Map<string, IdentitySpec>();
    parseIdentityArg('alice:X-API-Key=k1=with=equals', m);
    parseIdentityArg('alice:X-Tenant=t1', m);
    parseIdentityArg('bob:bearer=tok', m);
    parseIdentityArg('eve:?api_key=qk', m);
    parseIdentityArg('carol:login=carol:pa:ss', m);
    assert.deepEqual(m.get('alice')!.headers, { 'X-API-Key': 'k1=with=equals', 'X-Tenant': 't1' });
    assert.deepEqual(m.get('bob')!.headers, { Authorization: 'Bearer tok' });
    assert.deepEqual(m.get('eve')!.query, { api_key: 'qk' });
    assert.deepEqual(m.get('carol')!.login?.body, { $user: 'carol', $password: 'pa:ss' });
    for (const bad of ['nocolon', ':X=1', 'a:=1', 'a:X=', '1a:X=1', 'a:bad header=1', 'a:login=nopassword']) {
      assert.throws(() => parseIdentityArg(bad, new Map()), IdentityError, bad);
    }
  });

  test('identities file: every kind, ${ENV} expanded, clear errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-identities-'));
    try {
      const file = join(dir, 'identities.yaml');
      await writeFile(file, `identities:
  - name: alice
    apiKey: { header: X-API-Key, value: "\${ALICE_KEY}" }
  - name: bob
    bearer: static-token
  - name: carol
    role: admin
    login:
      operation: login
      body: { username: carol, password: "\${CAROL_PASSWORD}" }
      token: $.access_token
  - name: svc
    oauth2: { tokenUrl: /oauth/token, grant: client_credentials, clientId: svc, clientSecret: s3cret }
`);
      const m = new Map<string, IdentitySpec>();
      readIdentitiesFile(file, { ALICE_KEY: 'k-alice', CAROL_PASSWORD: 'pw' }, m);
      assert.deepEqual(m.get('alice')!.headers, { 'X-API-Key': 'k-alice' });
      assert.deepEqual(m.get('bob')!.headers, { Authorization: 'Bearer static-token' });
      assert.equal(m.get('carol')!.role, 'admin');
      assert.deepEqual(m.get('carol')!.login!.body, { username: 'carol', password: 'pw' });
      assert.equal(m.get('svc')!.oauth2!.grant, 'client_credentials');
      assert.throws(() => readIdentitiesFile(file, {}, new Map()), /environment variable ALICE_KEY is not set/);
      await writeFile(file, 'identities:\n  - name: x\n    role: root\n');
      assert.throws(() => readIdentitiesFile(file, {}, new Map()), /"role" is user or admin/);
      assert.throws(() => readIdentitiesFile(join(dir, 'missing.yaml'), {}, new Map()), /cannot read the identities file \(ENOENT\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('identities file: misspelt keys and identities without a credential are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-identities-'));
    try {
      const file = join(dir, 'identities.yaml');
      const refused = async (yaml: string, message: RegExp) => {
        await writeFile(file, yaml);
        assert.throws(() => readIdentitiesFile(file, {}, new Map()), (e: Error) => e instanceof IdentityError && message.test(e.message), message.source);
      };
      await refused('identities:\n  - name: alice\n    apikey: { header: X-API-Key, value: k }\n', /identities\[0\] \(alice\): unknown key "apikey" \(did you mean "apiKey"\?\)/);
      await refused('identities:\n  - name: bob\n    headers: { X-API-Key: k }\n    rol: admin\n', /identities\[0\] \(bob\): unknown key "rol" \(did you mean "role"\?\)/);
      await refused('identities:\n  - name: bob\n    apiKey: { heder: X-API-Key, value: k }\n', /identities\[0\]\.apiKey: unknown key "heder" \(did you mean "header"\?\)/);
      await refused('identities:\n  - name: carol\n    login: { body: { username: c }, tokn: $.t }\n', /identities\[0\]\.login: unknown key "tokn" \(did you mean "token"\?\)/);
      await refused('identities:\n  - name: svc\n    oauth2: { tokenUrl: /t, grant: client_credentials, clientId: s, secret: x }\n', /oauth2: unknown key "secret" \(expected one of: tokenUrl, grant, clientId, clientSecret, username, password, scope\)/);
      await refused('identites:\n  - name: x\n', /unknown key "identites" \(did you mean "identities"\?\)/);
      await refused('identities:\n  - name: alice\n    role: admin\n', /identities\[0\] \(alice\): no credential; give headers, query, bearer, apiKey, login or oauth2/);
      await refused('identities:\n  - name: alice\n    headers: {}\n', /no credential/);
      await refused('identities:\n  - name: alice\n    bearer: 42\n', /\.bearer: expected the token/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('JSON paths to the token', () => {
    const doc = { access_token: 'a', data: { token: 'b', list: [{ t: 'c' }] } };
    assert.equal(jsonPath(doc, '$.access_token'), 'a');
    assert.equal(jsonPath(doc, 'data.token'), 'b');
    assert.equal(jsonPath(doc, '$.data.list[0].t'), 'c');
    assert.equal(jsonPath(doc, '$.nope.x'), undefined);
  });
});
