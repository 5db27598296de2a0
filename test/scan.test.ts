// portcullis scan against the demo: every documented flaw (examples/demo/flaws.json) is found on the
// bare API, with no finding on a correct operation; through the gateway (examples/demo/portcullis.yaml)
// the same scan finds none of them, except the gaps listed below that the gateway does not close yet.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDemoApi, type DemoApi } from '../examples/demo/api.ts';
import { identitiesFrom, scanCommand } from '../src/cli/scan-run.ts';
import { parseIdentityArg, type IdentitySpec } from '../src/scan/identities.ts';
import { runScan } from '../src/scan/index.ts';
import type { Finding, ScanResult } from '../src/scan/types.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

const DEMO_DIR = new URL('../examples/demo/', import.meta.url).pathname;
const SPEC = `${DEMO_DIR}openapi.yaml`;

interface Flaw {
  id: string;
  category: string;
  scope?: 'global';
  operation: { method: string; path: string };
  alsoAffects: { method: string; path: string }[];
}

/** Flaws the shipped gateway config lets through (none: every documented flaw is closed). */
const KNOWN_GATEWAY_GAPS: string[] = [];

/** The global flaws (one cause, every answer) a check of that family stands for. */
const GLOBAL_FLAW_OF_CHECK: Record<string, string> = {
  'cors-any-origin': 'cors-reflect-origin',
  'security-headers-missing': 'missing-security-headers',
  'version-disclosure': 'missing-security-headers',
  'verbose-errors': 'verbose-errors',
};

function operations(flaw: Flaw): string[] {
  return [flaw.operation, ...flaw.alsoAffects].map((o) => `${o.method} ${o.path}`);
}

/** Where two flaws of one category share an operation (PATCH /me), the kind of flaw each check proves. */
const KIND_OF_CHECK: Record<string, RegExp> = { 'mass-assignment': /^mass-assignment-/, 'excessive-data-exposure': /^exposure-/ };

/** The flaw a finding proves: same OWASP category and operation; else the global flaw of its check. */
function flawOf(finding: Finding, flaws: readonly Flaw[]): string | undefined {
  let direct = flaws.filter((f) => f.category === finding.category && f.scope !== 'global' && operations(f).includes(finding.operation));
  if (direct.length > 1) direct = direct.filter((f) => KIND_OF_CHECK[finding.check]?.test(f.id));
  if (direct.length === 1) return direct[0]!.id;
  const global = flaws.find((f) => f.scope === 'global' && f.id === GLOBAL_FLAW_OF_CHECK[finding.check] && f.category === finding.category);
  return global?.id;
}

function identities(api: DemoApi): IdentitySpec[] {
  const user = (name: string) => api.users.find((u) => u.username === name)!;
  const byName = new Map<string, IdentitySpec>();
  // alice logs in (bearer JWT from POST /auth/login), bob and carol use their API keys.
  parseIdentityArg(`alice:login=alice:${user('alice').password}`, byName);
  parseIdentityArg(`bob:X-API-Key=${user('bob').apiKey}`, byName);
  parseIdentityArg(`carol:X-API-Key=${user('carol').apiKey}`, byName);
  return [...byName.values()].map((i) => (i.name === 'carol' ? { ...i, role: 'admin' as const } : i));
}

function secretsOf(api: DemoApi): string[] {
  return api.users.flatMap((u) => [u.apiKey, u.password]);
}

describe('portcullis scan on the demo', () => {
  let api: DemoApi;
  let gw: TestGateway;
  let flaws: Flaw[];

  before(async () => {
    api = await startDemoApi();
    flaws = (JSON.parse(await readFile(`${DEMO_DIR}flaws.json`, 'utf8')) as { flaws: Flaw[] }).flaws;
    const yaml = (await readFile(`${DEMO_DIR}portcullis.yaml`, 'utf8')).replace('spec: ./openapi.yaml', `spec: ${SPEC}`);
    gw = await startTestGateway(yaml, {}, { ...process.env, DEMO_API_URL: api.url, PORTCULLIS_PORT: '0', PORTCULLIS_ADMIN_PORT: '0' });
  });
  after(async () => {
    await gw?.close();
    await api?.close();
  });

  async function scan(target: string): Promise<ScanResult> {
    api.reset();
    return runScan({ spec: SPEC, target, identities: identities(api), rate: 200, maxRequests: 600 });
  }

  function check(result: ScanResult): { found: string[]; unmapped: Finding[] } {
    const found = new Set<string>();
    const unmapped: Finding[] = [];
    for (const f of result.findings) {
      const id = flawOf(f, flaws);
      if (id) found.add(id);
      else unmapped.push(f);
    }
    // Evidence never carries a credential: keys, passwords and tokens are ${VARIABLES}.
    const report = JSON.stringify(result.findings);
    for (const secret of secretsOf(api)) assert.ok(!report.includes(secret), 'a credential reached the report');
    assert.doesNotMatch(report, /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/, 'a token reached the report');
    for (const f of result.findings) {
      assert.ok(f.evidence.length > 0 && f.evidence[0]!.request.url.startsWith('http'), `${f.check}: evidence`);
      assert.match(f.curl, /^curl -si /);
      assert.ok(f.cwe > 0 && /^API\d+:2023$/.test(f.category));
    }
    return { found: [...found].sort(), unmapped };
  }

  test('the bare API: every documented flaw, no false positive, bounded', async () => {
    const started = Date.now();
    const result = await scan(api.url);
    const elapsed = Date.now() - started;
    const { found, unmapped } = check(result);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(unmapped.map((f) => `${f.check} ${f.operation}`), [], 'findings that match no documented flaw (false positives)');
    assert.deepEqual(found, flaws.map((f) => f.id).sort());
    assert.ok(result.requests <= 600 && result.requests > 50, `requests: ${result.requests}`);
    assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
    // The identities were set up from the API: alice logged in, every identity knows its own id.
    assert.deepEqual(result.identities.map((i) => i.userId), ['1', '2', '3']);
  });

  test('through the gateway: none of the flaws the gateway closes', async () => {
    const result = await scan(gw.url);
    const { found, unmapped } = check(result);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(unmapped.map((f) => `${f.check} ${f.operation}`), []);
    assert.deepEqual(found, KNOWN_GATEWAY_GAPS, 'flaws the scanner still finds through the gateway');
    // ...and not because the scan could not work through it: it did exercise the operations.
    const tested = (id: string) => result.checks.find((c) => c.check === id)?.tested ?? [];
    assert.ok(tested('bola-read').includes('GET /api/v2/orders/{orderId}'), 'alice read her own order through the gateway');
    assert.ok(tested('bola-write').includes('PATCH /api/v2/users/{userId}/notes/{noteId}'));
    assert.ok(tested('mass-assignment').includes('PATCH /api/v2/me'));
    assert.ok(tested('ssrf').includes('POST /api/v2/me/avatar'));
    assert.ok(tested('sql-injection').includes('GET /api/v2/products/search'));
    assert.ok(tested('bfla').includes('GET /api/v2/admin/stats'));
    assert.ok(tested('excessive-data-exposure').includes('GET /api/v2/users/{userId}'));
  });

  test('the command: reports, --fail-on and usage errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-'));
    try {
      const alice = api.users.find((u) => u.username === 'alice')!;
      const bob = api.users.find((u) => u.username === 'bob')!;
      const run = async (args: string[]) => {
        const child = spawn(process.execPath, ['src/cli/main.ts', 'scan', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c));
        child.stderr.on('data', (c: Buffer) => (stderr += c));
        const [code] = await once(child, 'exit');
        return { code: code as number, stdout, stderr };
      };
      const base = ['--spec', SPEC, '--identity', `alice:X-API-Key=${alice.apiKey}`, '--identity', `bob:X-API-Key=${bob.apiKey}`, '--rate', '500', '--skip', 'login-no-rate-limit,shadow-endpoint'];
      api.reset();
      const out = join(dir, 'scan.sarif');
      // The shipped identities file: alice logs in, bob and carol (admin) use API keys.
      const fileBased = ['--spec', SPEC, '--identities', `${DEMO_DIR}scan-identities.yaml`, '--rate', '500', '--skip', 'login-no-rate-limit,shadow-endpoint'];
      // A baseline accepting the BOLA on orders: reported as suppressed, the other high findings still fail the run.
      const baseline = join(dir, 'baseline.json');
      await writeFile(baseline, JSON.stringify({ findings: [{ check: 'bola-read', operation: 'GET /api/v2/orders/{orderId}' }] }));
      const bare = await run([...fileBased, '--target', api.url, '--format', 'sarif', '--output', out, '--fail-on', 'high', '--baseline', baseline]);
      assert.equal(bare.code, 1, bare.stderr);
      assert.match(bare.stderr, /finding\(s\) at high or above/);
      assert.match(bare.stderr, /; 1 accepted by the baseline;/);
      const sarif = JSON.parse(await readFile(out, 'utf8'));
      assert.equal(sarif.version, '2.1.0');
      const accepted = sarif.runs[0].results.filter((r: { baselineState: string }) => r.baselineState === 'unchanged');
      assert.deepEqual(accepted.map((r: { ruleId: string; properties: { operation: string } }) => `${r.ruleId} ${r.properties.operation}`), ['bola-read GET /api/v2/orders/{orderId}']);
      assert.ok(sarif.runs[0].results.some((r: { ruleId: string; baselineState: string }) => r.ruleId === 'bola-read' && r.baselineState === 'new'), 'the BOLA on the other operation is new');
      assert.ok(sarif.runs[0].results.some((r: { ruleId: string }) => r.ruleId === 'bfla'), 'carol is the admin of the file');
      assert.ok(!JSON.stringify(sarif).includes(alice.password) && !JSON.stringify(sarif).includes(bob.apiKey));
      api.reset();
      // API keys only through the gateway: its log-in limits (once configured) cannot lock this run out.
      const protectedRun = await run([...base, '--target', gw.url, '--format', 'junit', '--fail-on', 'high']);
      assert.equal(protectedRun.code, 0, protectedRun.stderr);
      assert.match(protectedRun.stdout, /^<\?xml version="1.0"/);
      assert.match(protectedRun.stdout, /<testcase classname="bola-read" name="bola-read: GET \/api\/v2\/orders\/\{orderId\}"\/>/);

      const noTarget = await run(['--spec', SPEC]);
      assert.equal(noTarget.code, 2);
      assert.match(noTarget.stderr, /required option '--target <url>'/);

      // The other input errors in-process (starting node is slow on a busy machine).
      const options = { spec: SPEC, target: api.url, identity: [] as string[], admin: [], format: 'json' as const, maxRequests: 100, rate: 500, timeout: 5, burst: 5, skip: [], canary: false, output: join(dir, 'partial.json') };
      await assert.rejects(async () => identitiesFrom({ identity: ['no-colon'], admin: [] }), /expected name:Header=value/);
      assert.equal(await scanCommand({ ...options, identity: ['no-colon'] }), 2);
      assert.equal(await scanCommand({ ...options, skip: ['no-such-check'] }), 2, 'an unknown check id');
      assert.equal(await scanCommand({ ...options, identity: ['alice:login=alice:wrong'] }), 2, 'a log-in that fails');
      const partial = JSON.parse(await readFile(options.output, 'utf8'));
      assert.match(partial.errors[0], /identity alice: the log-in \(POST \/api\/v2\/auth\/login\) answered 401/);
      assert.equal(await scanCommand({ ...options, target: 'http://127.0.0.1:9', identity: [`alice:X-API-Key=${alice.apiKey}`] }), 2, 'a target that does not answer');
      assert.match(JSON.parse(await readFile(options.output, 'utf8')).errors[0], /does not answer \(ECONNREFUSED\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
