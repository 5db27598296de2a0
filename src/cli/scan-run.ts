// What `portcullis scan` runs (loaded only when the command is used): identities from the arguments and
// the file, the scan, the report, and the exit code.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpecError } from '../openapi/load.ts';
import { CHECK_IDS } from '../scan/checks/index.ts';
import { IdentityError, parseIdentityArg, readIdentitiesFile, type IdentitySpec } from '../scan/identities.ts';
import { applyScanBaseline, readScanBaseline, writeScanBaseline } from '../scan/baseline.ts';
import { runScan, ScanUsageError } from '../scan/index.ts';
import { renderHtml } from '../scan/report/html.ts';
import { renderJson } from '../scan/report/json.ts';
import { renderJunit } from '../scan/report/junit.ts';
import { renderSarif } from '../scan/report/sarif.ts';
import { atOrAbove, summaryLine } from '../scan/report/summary.ts';
import { escapeControls, renderText } from '../scan/report/text.ts';
import type { ScanResult } from '../scan/types.ts';
import type { ScanCommandOptions } from './scan.ts';
import { packageRoot } from './util.ts';

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
    const unknown = options.skip.filter((id) => !CHECK_IDS.includes(id));
    if (unknown.length > 0) throw new ScanUsageError(`--skip: unknown check "${unknown[0]}"; the checks are: ${CHECK_IDS.join(', ')}.`);
    const identities = identitiesFrom(options);
    if (identities.filter((i) => i.role === 'user').length < 2) {
      process.stderr.write('portcullis scan: fewer than two ordinary users: the object-level authorization checks (BOLA) will not run.\n');
    }
    const baseline = options.baseline ? readScanBaseline(options.baseline) : undefined;
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
    if (options.writeBaseline) writeScanBaseline(options.writeBaseline, result.findings);
    if (baseline || options.writeBaseline) result = applyScanBaseline(result, [...(baseline ?? []), ...(options.writeBaseline ? result.findings : [])]);
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
  return exitCode(result, options);
}

/**
 * 1 when findings reach --fail-on, even when the scan stopped early (what it found is real); else 2
 * when it stopped early (the budget, a refused identity, 429s, a target that does not answer); else 0.
 */
function exitCode(result: ScanResult, options: ScanCommandOptions): number {
  const say = (line: string) => process.stderr.write(`portcullis scan: ${escapeControls(line)}\n`);
  if (options.output || result.errors.length > 0) say(`${summaryLine(result)}${options.output ? `; report in ${options.output}` : ''}`);
  if (result.errors.length > 0) say(`incomplete: ${result.errors.map((e) => e.replace(/\.$/, '')).join('; ')}.`);
  const failing = options.failOn ? atOrAbove(result.findings, options.failOn).length : 0;
  if (failing > 0) {
    say(`failed: ${failing} finding(s) at ${options.failOn} or above.`);
    return 1;
  }
  return result.errors.length > 0 ? 2 : 0;
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
