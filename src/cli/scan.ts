// portcullis scan --spec <file|url> --target <url> --identity name:Header=value ...: the active scanner.
// Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage errors, a document
// that cannot be loaded, an identity that cannot log in or a target that does not answer (a partial
// report is still written for what ran).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SpecError } from '../openapi/load.ts';
import { CHECK_IDS } from '../scan/checks/index.ts';
import { IdentityError, parseIdentityArg, readIdentitiesFile, type IdentitySpec } from '../scan/identities.ts';
import { DEFAULTS, runScan, ScanUsageError } from '../scan/index.ts';
import { renderHtml } from '../scan/report/html.ts';
import { renderJson } from '../scan/report/json.ts';
import { renderJunit } from '../scan/report/junit.ts';
import { renderSarif } from '../scan/report/sarif.ts';
import { atOrAbove, summaryLine } from '../scan/report/summary.ts';
import { renderText } from '../scan/report/text.ts';
import { SEVERITIES, type ScanResult, type Severity } from '../scan/types.ts';
import { packageRoot, positiveInt } from './util.ts';

export const SCAN_FORMATS = ['text', 'json', 'sarif', 'junit', 'html'] as const;

export interface ScanCommandOptions {
  spec: string;
  target: string;
  identity: string[];
  identities?: string;
  admin: string[];
  format: (typeof SCAN_FORMATS)[number];
  output?: string;
  maxRequests: number;
  rate: number;
  timeout: number;
  burst: number;
  allowDestructive?: boolean;
  skip: string[];
  failOn?: Severity;
  canary: boolean;
  canaryHost?: string;
  verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command('scan')
    .description('active OWASP API Top 10 scan of a running API with several identities (exit 1 when --fail-on is reached, 2 on usage or input errors)')
    .requiredOption('--spec <file|url>', 'OpenAPI 3.0 / 3.1 or Swagger 2.0 document of the API')
    .requiredOption('--target <url>', 'the API to scan (origin, and base path when it differs from the document); only this host is contacted')
    .option('--identity <name:Header=value>', 'an identity: name:Header=value (repeat for more headers), name:bearer=TOKEN, name:?query=value, or name:login=USER:PASSWORD (the API\'s log-in operation). Repeatable', collect, [])
    .option('--identities <file>', 'identities file (YAML): headers, API keys, bearer tokens, log-in flows, OAuth2 (see docs/scan.md)')
    .option('--admin <name>', 'mark an identity as an administrator (repeatable)', collect, [])
    .addOption(new Option('-f, --format <format>', 'report format').choices(SCAN_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file (a summary goes to stderr)')
    .option('--max-requests <n>', 'request budget', positiveInt, DEFAULTS.maxRequests)
    .option('--rate <n>', 'requests per second at most', positiveInt, DEFAULTS.rate)
    .option('--timeout <seconds>', 'time limit of each request', positiveInt, DEFAULTS.timeoutMs / 1000)
    .option('--burst <n>', 'requests of a rate-limit burst and failed log-ins tried', positiveInt, DEFAULTS.burst)
    .option('--allow-destructive', 'also write to and delete objects the scan did not create')
    .option('--skip <checks>', 'comma-separated check ids to skip (repeatable)', checkList, [])
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding has this severity or a higher one').choices(SEVERITIES))
    .option('--canary-host <host>', 'host name the target reaches this machine at, for the SSRF canary (default 127.0.0.1)')
    .option('--no-canary', 'do not start the SSRF canary server (the SSRF check is skipped)')
    .option('--verbose', 'text report: every exchange of the evidence and the fix of each check')
    .action(async (options: ScanCommandOptions) => {
      process.exitCode = await scanCommand(options);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function checkList(value: string, previous: string[]): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) if (!CHECK_IDS.includes(id)) throw new InvalidArgumentError(`unknown check "${id}"; the checks are: ${CHECK_IDS.join(', ')}.`);
  return [...previous, ...ids];
}

/** The identities of the command line and the identities file (the command line wins on a name). */
export function identitiesFrom(options: Pick<ScanCommandOptions, 'identity' | 'identities' | 'admin'>, env: NodeJS.ProcessEnv = process.env): IdentitySpec[] {
  const byName = new Map<string, IdentitySpec>();
  if (options.identities) readIdentitiesFile(options.identities, env, byName);
  const fromArgs = new Map<string, IdentitySpec>();
  for (const arg of options.identity) parseIdentityArg(arg, fromArgs);
  for (const [name, spec] of fromArgs) byName.set(name, spec);
  for (const name of options.admin) {
    const spec = byName.get(name);
    if (!spec) throw new IdentityError(`--admin ${name}: no identity of that name.`);
    byName.set(name, { ...spec, role: 'admin' });
  }
  return [...byName.values()];
}

export async function scanCommand(options: ScanCommandOptions): Promise<number> {
  let result: ScanResult;
  try {
    const identities = identitiesFrom(options);
    if (identities.filter((i) => i.role === 'user').length < 2) {
      process.stderr.write('portcullis scan: fewer than two ordinary users: the object-level authorization checks (BOLA) will not run.\n');
    }
    const progress = progressBar(options.maxRequests);
    result = await runScan({
      spec: options.spec,
      target: options.target,
      identities,
      maxRequests: options.maxRequests,
      rate: options.rate,
      timeoutMs: options.timeout * 1000,
      burst: options.burst,
      allowDestructive: options.allowDestructive === true,
      skip: options.skip,
      canary: options.canary,
      ...(options.canaryHost ? { canaryHost: options.canaryHost } : {}),
      ...(progress ? { onRequest: progress.update } : {}),
    });
    progress?.done();
  } catch (error) {
    if (error instanceof SpecError || error instanceof ScanUsageError || error instanceof IdentityError) process.stderr.write(`portcullis: ${error.message}\n`);
    else process.stderr.write(`portcullis: Unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    return 2;
  }
  const report = render(result, options);
  try {
    if (options.output) writeFileSync(options.output, report);
    else process.stdout.write(report);
  } catch (error) {
    process.stderr.write(`portcullis: ${options.output}: cannot write the report (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).\n`);
    return 2;
  }
  if (options.output) process.stderr.write(`portcullis scan: ${summaryLine(result)}; report in ${options.output}\n`);
  if (result.errors.length > 0) {
    process.stderr.write(`portcullis scan: incomplete: ${result.errors.join('; ')}.\n`);
    return 2;
  }
  if (options.failOn && atOrAbove(result.findings, options.failOn).length > 0) {
    process.stderr.write(`portcullis scan: failed: ${atOrAbove(result.findings, options.failOn).length} finding(s) at ${options.failOn} or above.\n`);
    return 1;
  }
  return 0;
}

function render(result: ScanResult, options: ScanCommandOptions): string {
  switch (options.format) {
    case 'json':
      return renderJson(result, toolVersion());
    case 'sarif':
      return renderSarif(result, toolVersion());
    case 'junit':
      return renderJunit(result);
    case 'html':
      return renderHtml(result, toolVersion());
    default:
      return renderText(result, { verbose: options.verbose === true });
  }
}

/** A one-line progress bar on a terminal (stderr); nothing when stderr is a file or a pipe. */
function progressBar(budget: number): { update: (n: number) => void; done: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return {
    update(n) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const width = 30;
      const filled = Math.min(width, Math.round((n / budget) * width));
      process.stderr.write(`\rscanning [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n} requests`);
    },
    done() {
      process.stderr.write('\r\u001b[K');
    },
  };
}

let version: string | undefined;

function toolVersion(): string {
  try {
    return (version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
  } catch {
    return '0.0.0';
  }
}
