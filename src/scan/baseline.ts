// Scan baselines: findings a team has accepted (a known issue with a ticket, a risk taken), matched by
// check id and operation, like the SARIF fingerprint. Accepted findings stop counting for --fail-on
// but stay in the reports as suppressed; baseline entries no scan finding matched are listed as gone.
import { readFileSync, writeFileSync } from 'node:fs';
import { ScanUsageError } from './index.ts';
import type { Finding, ScanResult } from './types.ts';

export interface BaselineEntry {
  readonly check: string;
  readonly operation: string;
}

export const SCAN_BASELINE_VERSION = 1;

const keyOf = (e: BaselineEntry): string => `${e.check}\u0000${e.operation}`;

export function readScanBaseline(file: string): BaselineEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const why = error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new ScanUsageError(`--baseline ${file}: the file is ${why}.`);
  }
  const findings = (data as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(findings)) throw new ScanUsageError(`--baseline ${file}: a baseline is an object with a "findings" array (write one with --write-baseline).`);
  return findings.map((entry, i) => {
    const e = entry as Partial<BaselineEntry> | null;
    if (typeof e?.check !== 'string' || typeof e.operation !== 'string') throw new ScanUsageError(`--baseline ${file}: findings[${i}] needs a "check" and an "operation" string.`);
    return { check: e.check, operation: e.operation };
  });
}

export function writeScanBaseline(file: string, findings: readonly Finding[]): void {
  const entries = [...new Map(findings.map((f) => [keyOf(f), { check: f.check, operation: f.operation, title: f.title, severity: f.severity }])).values()];
  entries.sort((a, b) => a.check.localeCompare(b.check) || a.operation.localeCompare(b.operation));
  const doc = {
    $comment: 'Findings accepted by `portcullis scan --baseline`: matched by check id and operation. Remove an entry to fail on its finding again.',
    version: SCAN_BASELINE_VERSION,
    findings: entries,
  };
  try {
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (error) {
    throw new ScanUsageError(`--write-baseline ${file}: cannot write the baseline (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/** The result with accepted findings moved to `suppressed`, and the entries nothing matched in `gone`. */
export function applyScanBaseline(result: ScanResult, entries: readonly BaselineEntry[]): ScanResult {
  const accepted = new Set(entries.map(keyOf));
  const matched = new Set<string>();
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const f of result.findings) {
    const key = keyOf(f);
    if (accepted.has(key)) {
      suppressed.push(f);
      matched.add(key);
    } else findings.push(f);
  }
  const gone = entries.filter((e) => !matched.has(keyOf(e)));
  return { ...result, findings, baseline: { suppressed, gone } };
}
