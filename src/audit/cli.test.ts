// `portcullis audit` as a process: exit codes, outputs and messages (through test/fixtures/audit/cli.ts,
// which wires the command like src/cli/main.ts does).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register } from '../cli/audit.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'test/fixtures/audit/cli.ts');
const fixture = (name: string): string => join(ROOT, 'test/fixtures/audit', name);

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'audit', ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, `stack trace in stderr:\n${stderr}`);
}

describe('portcullis audit (process)', () => {
  test('register adds the audit command to a commander program', () => {
    const program = new Command();
    register(program);
    const audit = program.commands.find((c) => c.name() === 'audit');
    assert.ok(audit);
    const flags = audit.options.map((o) => o.long);
    for (const flag of ['--format', '--output', '--profile', '--disable', '--enable', '--baseline', '--write-baseline', '--fail-under', '--fail-on']) assert.ok(flags.includes(flag), flag);
  });

  test('exit 0 with a text report by default, even with findings', async () => {
    const { code, stdout } = await run(fixture('bad-3.0.yaml'));
    assert.equal(code, 0);
    assert.match(stdout, /^portcullis audit: test\/fixtures\/audit\/bad-3\.0\.yaml \(OpenAPI 3\.0/);
    assert.match(stdout, /Score: \d+\/100/);
  });

  test('exit 1 when --fail-under or --fail-on is broken, 0 when kept', async () => {
    const under = await run(fixture('bad-3.0.yaml'), '--fail-under', '50', '-f', 'json');
    assert.equal(under.code, 1);
    assert.match(under.stderr, /failed: score \d+ is below 50/);
    assert.equal(JSON.parse(under.stdout).score < 50, true);
    assert.equal((await run(fixture('bad-3.1.yaml'), '--fail-on', 'critical')).code, 1);
    assert.equal((await run(fixture('bad-3.0.yaml'), '--fail-on', 'critical')).code, 0);
    assert.equal((await run(fixture('good-3.0.yaml'), '--fail-under', '90', '--fail-on', 'low')).code, 0);
  });

  test('exit 2 with one clear message for documents that cannot be loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcl-audit-cli-'));
    writeFileSync(join(dir, 'broken.yaml'), 'openapi: 3.0.3\ninfo: [unclosed\n');
    writeFileSync(join(dir, 'notapi.yaml'), 'hello: world\n');
    writeFileSync(join(dir, 'dangling.yaml'), 'openapi: 3.0.3\ninfo: { title: t, version: "1" }\npaths:\n  /x:\n    get:\n      responses:\n        "200": { $ref: "#/components/responses/Nope" }\n');
    for (const [file, message] of [
      [join(dir, 'missing.yaml'), /cannot read the OpenAPI document \(ENOENT\)/],
      [join(dir, 'broken.yaml'), /broken\.yaml:\d+:\d+: not valid YAML or JSON/],
      [join(dir, 'notapi.yaml'), /not an OpenAPI document/],
      [join(dir, 'dangling.yaml'), /a \$ref cannot be resolved/],
    ] as const) {
      const { code, stdout, stderr } = await run(file);
      assert.equal(code, 2, file);
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assertNoStack(stderr);
    }
  });

  test('exit 2 for usage errors: unknown rule, bad option values, unreadable baseline, missing argument', async () => {
    const cases: [string[], RegExp][] = [
      [[fixture('good-3.0.yaml'), '--disable', 'http-basik'], /unknown rule "http-basik" \(did you mean "http-basic"\?\)/],
      [[fixture('good-3.0.yaml'), '--fail-on', 'severe'], /--fail-on/],
      [[fixture('good-3.0.yaml'), '--fail-under', '120'], /score from 0 to 100/],
      [[fixture('good-3.0.yaml'), '--format', 'xml'], /--format/],
      [[fixture('good-3.0.yaml'), '--profile', 'lax'], /--profile/],
      [[fixture('good-3.0.yaml'), '--baseline', join(ROOT, 'no-such-baseline.json')], /cannot read the baseline/],
      [[], /missing required argument/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await run(...args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
      assertNoStack(stderr);
    }
  });

  test('--output writes the report to a file; --write-baseline then --baseline accepts every finding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcl-audit-cli-'));
    const sarif = join(dir, 'audit.sarif');
    const out = await run(fixture('bad-2.0.json'), '-f', 'sarif', '-o', sarif);
    assert.equal(out.code, 0);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /score \d+\/100, .*report in/);
    assert.equal(JSON.parse(readFileSync(sarif, 'utf8')).version, '2.1.0');

    const baseline = join(dir, 'baseline.json');
    const written = await run(fixture('bad-2.0.json'), '--write-baseline', baseline, '--fail-on', 'info');
    assert.equal(written.code, 0, written.stderr);
    const entries = JSON.parse(readFileSync(baseline, 'utf8')).findings;
    assert.ok(entries.length > 10 && entries.every((e: { rule: string; pointer: string }) => e.rule && typeof e.pointer === 'string'));
    const accepted = await run(fixture('bad-2.0.json'), '--baseline', baseline, '--fail-on', 'info', '--fail-under', '100', '-f', 'json');
    assert.equal(accepted.code, 0, accepted.stderr);
    const report = JSON.parse(accepted.stdout);
    assert.equal(report.findings.length, 0);
    assert.equal(report.suppressed.length, entries.length);
  });

  test('--disable and --enable change the findings; --profile pragmatic', async () => {
    const json = async (...args: string[]): Promise<{ findings: { rule: string }[] }> => JSON.parse((await run(fixture('bad-3.0.yaml'), '-f', 'json', ...args)).stdout);
    const rules = (r: { findings: { rule: string }[] }): Set<string> => new Set(r.findings.map((f) => f.rule));
    assert.ok(!rules(await json('--disable', 'http-basic,api-key-in-url')).has('http-basic'));
    assert.ok(!rules(await json('--profile', 'pragmatic')).has('cors-undefined'));
    assert.ok(rules(await json('--profile', 'pragmatic', '--enable', 'string-unrestricted')).has('string-unrestricted'));
  });
});
