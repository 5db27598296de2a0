// portcullis scan --spec <file|url> --target <url> --identity name:Header=value ...: the active scanner.
// Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it (also when the scan stopped
// early), 2 usage errors, a document that cannot be loaded, or a scan that stopped early without such
// findings: an identity that cannot log in or that the target refuses, a target that does not answer or
// keeps answering 429, the request budget spent (a partial report is still written for what ran). The
// scanner itself is loaded only when the command runs.
import { Option, type Command } from 'commander';
import { SEVERITIES, type Severity } from '../audit/types.ts';
import { DEFAULTS } from '../scan/defaults.ts';
import { positiveInt } from './util.ts';

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
  baseline?: string;
  writeBaseline?: string;
  canary: boolean;
  canaryHost?: string;
  verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command('scan')
    .description('active OWASP API Top 10 scan of a running API with several identities (exit 1 when --fail-on is reached, 2 on usage or input errors or a scan that stopped early)')
    .requiredOption('--spec <file|url>', 'OpenAPI 3.0 / 3.1 or Swagger 2.0 document of the API')
    .requiredOption('--target <url>', 'the API to scan (origin, and base path when it differs from the document); only this host is contacted')
    .option('--identity <name:Header=value>', 'an identity: name:Header=value (repeat for more headers), name:bearer=TOKEN, name:?query=value, or name:login=USER:PASSWORD (the API\'s log-in operation). Repeatable', collect, [])
    .option('--identities <file>', 'identities file (YAML): headers, API keys, bearer tokens, log-in flows, OAuth2 (see docs/scan.md)')
    .option('--admin <name>', 'mark an identity as an administrator (repeatable)', collect, [])
    .addOption(new Option('-f, --format <format>', 'report format').choices(SCAN_FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file (a summary goes to stderr)')
    .option('--max-requests <n>', 'request budget', positiveInt, DEFAULTS.maxRequests)
    .option('--rate <n>', 'requests per second at most', positiveInt, DEFAULTS.rate)
    .option('--timeout <seconds>', 'time limit of each request (a target that mostly times out stops the scan)', positiveInt, DEFAULTS.timeoutMs / 1000)
    .option('--burst <n>', 'requests of a rate-limit burst and failed log-ins tried', positiveInt, DEFAULTS.burst)
    .option('--allow-destructive', 'also write to and delete objects the scan did not create')
    .option('--skip <checks>', 'comma-separated check ids to skip (repeatable)', checkList, [])
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding has this severity or a higher one').choices(SEVERITIES))
    .option('--baseline <file>', 'accept the findings listed in this baseline (check id + operation): reported as suppressed, not counted by --fail-on')
    .option('--write-baseline <file>', 'write every finding of this scan to a baseline file (and accept them in this run)')
    .option('--canary-host <host>', 'host name the target reaches this machine at, for the SSRF canary (default 127.0.0.1)')
    .option('--no-canary', 'do not start the SSRF canary server (the SSRF check is skipped)')
    .option('--verbose', 'text report: every exchange of the evidence and the fix of each check')
    .action(async (options: ScanCommandOptions) => {
      const { scanCommand } = await import('./scan-run.ts');
      process.exitCode = await scanCommand(options);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Check ids are validated when the scan starts (the checks are loaded only then). */
function checkList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

