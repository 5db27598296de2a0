// portcullis audit <spec>: static security audit of an OpenAPI document.
// Exit codes: 0 passed, 1 --fail-under / --fail-on broken, 2 usage error or a document that cannot be loaded.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { didYouMean } from '../config/did-you-mean.ts';
import { loadSpec, printable, SpecError } from '../openapi/load.ts';
import { baselineDocument, parseBaseline, readBaseline, writeBaseline, type Baseline } from '../audit/baseline.ts';
import { AuditUsageError, auditSpec, failures, type AuditResult } from '../audit/index.ts';
import { PROFILE_NAMES, type ProfileName } from '../audit/profiles.ts';
import { renderJson } from '../audit/report/json.ts';
import { displayPath } from '../audit/report/paths.ts';
import { renderSarif } from '../audit/report/sarif.ts';
import { renderText } from '../audit/report/text.ts';
import { RULES_BY_ID } from '../audit/rules/index.ts';
import { SEVERITIES, type Severity } from '../audit/types.ts';

export interface AuditCommandOptions {
  format: 'text' | 'json' | 'sarif';
  output?: string;
  profile: ProfileName;
  disable: string[];
  enable: string[];
  baseline?: string;
  writeBaseline?: string;
  failUnder?: number;
  failOn?: Severity;
  verbose?: boolean;
}

export function register(program: Command): void {
  program
    .command('audit')
    .description('static security audit of an OpenAPI document: findings and a 0-100 score (exit 1 when --fail-under or --fail-on is broken, 2 on usage errors)')
    .argument('<spec>', 'OpenAPI 3.0 / 3.1 or Swagger 2.0 document (YAML or JSON)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json', 'sarif']).default('text'))
    .option('-o, --output <file>', 'write the report to a file (a summary goes to stderr)')
    .addOption(new Option('--profile <profile>', 'rule set: strict runs every rule, pragmatic turns off or lowers the noisiest').choices(PROFILE_NAMES).default('strict'))
    .option('--disable <rules>', 'comma-separated rule ids to turn off (repeatable)', ruleList, [])
    .option('--enable <rules>', 'comma-separated rule ids to turn on when the profile turns them off (repeatable)', ruleList, [])
    .option('--baseline <file>', 'accept the findings listed in this baseline (rule id + JSON pointer)')
    .option('--write-baseline <file>', 'write every current finding to a baseline file and accept them in this run')
    .option('--fail-under <score>', 'exit 1 when the score is below this (0-100)', scoreArgument)
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding has this severity or a higher one').choices(SEVERITIES))
    .option('--verbose', 'text report: list every finding and explain why each rule matters')
    .action(async (spec: string, options: AuditCommandOptions) => {
      process.exitCode = await auditCommand(spec, options);
    });
}

/** Runs the command and returns its exit code; reports go to stdout or --output, messages to stderr. */
export async function auditCommand(specPath: string, options: AuditCommandOptions): Promise<number> {
  try {
    const settings = { profile: options.profile, enable: options.enable, disable: options.disable };
    let baseline: Baseline | undefined = options.baseline ? readBaseline(options.baseline) : undefined;
    const spec = await loadSpec(specPath);
    let result = auditSpec(spec, { ...settings, baseline });
    if (options.writeBaseline) {
      const all = [...result.findings, ...result.suppressed];
      writeBaseline(options.writeBaseline, all, displayPath(spec.file));
      baseline = parseBaseline(baselineDocument(all, spec.file));
      result = auditSpec(spec, { ...settings, baseline });
      process.stderr.write(`portcullis audit: wrote ${all.length} finding${all.length === 1 ? '' : 's'} to ${options.writeBaseline}\n`);
    }
    const report = render(result, options);
    if (options.output) {
      writeFileSync(options.output, report);
      process.stderr.write(`portcullis audit: ${displayPath(result.file)}: score ${result.score}/100, ${summary(result)}; report in ${options.output}\n`);
    } else {
      process.stdout.write(report);
    }
    const broken = failures(result, { failUnder: options.failUnder, failOn: options.failOn });
    if (broken.length > 0) {
      process.stderr.write(`portcullis audit: failed: ${broken.join('; ')}.\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    // Messages may quote the files (a version string, a $ref, a baseline's bytes): control characters are escaped.
    if (error instanceof SpecError || error instanceof AuditUsageError) {
      process.stderr.write(`portcullis: ${printable(error.message, true)}\n`);
    } else if ((error as NodeJS.ErrnoException)?.code !== undefined && options.output) {
      process.stderr.write(`portcullis: ${printable(options.output)}: cannot write the report (${(error as NodeJS.ErrnoException).code}).\n`);
    } else {
      process.stderr.write(`portcullis: Unexpected error: ${printable((error as Error)?.message ?? String(error), true)}\n`);
    }
    return 2;
  }
}

function render(result: AuditResult, options: AuditCommandOptions): string {
  switch (options.format) {
    case 'json':
      return renderJson(result, toolVersion());
    case 'sarif':
      return renderSarif(result, toolVersion());
    default:
      return renderText(result, { verbose: options.verbose === true });
  }
}

function summary(result: AuditResult): string {
  return SEVERITIES.filter((s) => result.counts[s] > 0).map((s) => `${result.counts[s]} ${s}`).join(', ') || 'no findings';
}

function ruleList(value: string, previous: string[]): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) {
    if (RULES_BY_ID.has(id)) continue;
    const guess = didYouMean(id, RULES_BY_ID.keys());
    throw new InvalidArgumentError(`unknown rule "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}; the rules are listed in docs/audit.md.`);
  }
  return [...previous, ...ids];
}

function scoreArgument(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a score from 0 to 100');
  return n;
}

let version: string | undefined;

/** The version of the portcullis package, from the package.json above this file (sources or dist/). */
function toolVersion(): string {
  if (version) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'portcullis' && typeof manifest.version === 'string') return (version = manifest.version);
    } catch {
      // not here: look further up
    }
    dir = dirname(dir);
  }
  return (version = '0.0.0');
}
