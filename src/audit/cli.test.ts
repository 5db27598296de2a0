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

  test('exit 2 naming the file for alias bombs, binary documents and baselines; file bytes never reach the terminal raw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcl-audit-cli-'));
    const bomb = join(dir, 'bomb.yaml');
    writeFileSync(bomb, `openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths: {}\nx-a: &a [x, x, x, x, x, x, x, x, x, x]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`);
    const binary = join(dir, 'binary.bin');
    writeFileSync(binary, Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0xff, 0xfe, 0x07, 0x0d, 0x9b]));
    const escapes = join(dir, 'escapes.json');
    writeFileSync(escapes, '{"findings": [\u001b[31m \u0007]}');
    const good = fixture('good-3.0.yaml');
    const cases: [string[], RegExp][] = [
      [[bomb], /^portcullis: .*bomb\.yaml: too many YAML aliases/],
      [[binary], /^portcullis: .*binary\.bin: this is not a text file \(it contains NUL bytes\)/],
      [[good, '--baseline', binary], /^portcullis: .*binary\.bin: the baseline is not a text file \(it contains NUL bytes\)/],
      [[good, '--baseline', escapes], /^portcullis: .*escapes\.json: the baseline is not valid JSON \(.*\\x1b\[31m/],
      [[good, '--baseline', join(dir, 'missing.json')], /^portcullis: .*missing\.json: cannot read the baseline \(ENOENT\)/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await run(...args);
      assert.equal(code, 2, args.join(' '));
      assert.equal(stdout, '');
      assert.match(stderr, message);
      assert.doesNotMatch(stderr, /Unexpected error/);
      assert.doesNotMatch(stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufffd]/, `raw bytes in stderr: ${JSON.stringify(stderr)}`);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assertNoStack(stderr);
    }
  });

  test('names from the document are shown escaped in the text report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcl-audit-cli-'));
    const spec = join(dir, 'paths.json');
    writeFileSync(spec, JSON.stringify({ openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'http://api.example.com\u001b]8;;http://evil/\u0007' }], paths: { '/x\u001b[2J': { get: { responses: { 200: { description: 'ok' } } } } } }));
    const { code, stdout } = await run(spec);
    assert.equal(code, 0);
    assert.match(stdout, /GET \/x\\x1b\[2J/);
    assert.doesNotMatch(stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
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
