// Baselines: findings a team has accepted, matched by rule id and JSON pointer (stable across line moves).
// Accepted findings leave the score and the failure checks but stay visible as "suppressed".
import { readFileSync, writeFileSync } from 'node:fs';
import { notText, printable } from '../openapi/load.ts';
import { AuditUsageError } from './errors.ts';
import type { Finding } from './types.ts';

export interface BaselineEntry {
  readonly rule: string;
  readonly pointer: string;
  /** For the humans reviewing the file; not used for matching. */
  readonly message?: string;
}

export interface Baseline {
  readonly entries: readonly BaselineEntry[];
}

export const BASELINE_VERSION = 1;

export function readBaseline(file: string): Baseline {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new AuditUsageError('PCL_AUDIT_BAD_BASELINE', `${file}: cannot read the baseline (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  const binary = notText(bytes);
  if (binary) throw new AuditUsageError('PCL_AUDIT_BAD_BASELINE', `${file}: the baseline is not a text file (${binary}); write one with --write-baseline.`);
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    // JSON.parse quotes the text around the error: shown escaped, never sent to the terminal as is.
    throw new AuditUsageError('PCL_AUDIT_BAD_BASELINE', `${file}: the baseline is not valid JSON (${printable((error as Error).message)}).`);
  }
  return parseBaseline(data, file);
}

export function parseBaseline(data: unknown, file = 'baseline'): Baseline {
  const findings = (data as { findings?: unknown } | null)?.findings;
  if (typeof data !== 'object' || data === null || !Array.isArray(findings)) {
    throw new AuditUsageError('PCL_AUDIT_BAD_BASELINE', `${file}: a baseline is an object with a "findings" array (write one with --write-baseline).`);
  }
  const entries: BaselineEntry[] = [];
  findings.forEach((entry, i) => {
    const e = entry as Partial<BaselineEntry> | null;
    if (typeof e?.rule !== 'string' || typeof e.pointer !== 'string') {
      throw new AuditUsageError('PCL_AUDIT_BAD_BASELINE', `${file}: findings[${i}] needs a "rule" and a "pointer" string.`);
    }
    entries.push({ rule: e.rule, pointer: e.pointer });
  });
  return { entries };
}

export function baselineDocument(findings: readonly Finding[], specFile: string): object {
  return {
    $comment: 'Findings accepted by `portcullis audit --baseline`: matched by rule id and JSON pointer. Remove an entry to see its finding again.',
    version: BASELINE_VERSION,
    spec: specFile,
    findings: [...findings]
      .sort((a, b) => a.rule.localeCompare(b.rule) || a.pointer.localeCompare(b.pointer))
      .map((f) => ({ rule: f.rule, pointer: f.pointer, message: f.message })),
  };
}

export function writeBaseline(file: string, findings: readonly Finding[], specFile: string): void {
  try {
    writeFileSync(file, `${JSON.stringify(baselineDocument(findings, specFile), null, 2)}\n`);
  } catch (error) {
    throw new AuditUsageError('PCL_AUDIT_BAD_BASELINE', `${file}: cannot write the baseline (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

export interface BaselineSplit {
  readonly kept: Finding[];
  readonly suppressed: Finding[];
  /** Entries that matched nothing: fixed findings, or moved/renamed places. */
  readonly stale: BaselineEntry[];
}

export function applyBaseline(findings: readonly Finding[], baseline: Baseline | undefined): BaselineSplit {
  if (!baseline) return { kept: [...findings], suppressed: [], stale: [] };
  const key = (rule: string, pointer: string): string => `${rule}\u0000${pointer}`;
  const accepted = new Map(baseline.entries.map((e) => [key(e.rule, e.pointer), e]));
  const used = new Set<string>();
  const kept: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const f of findings) {
    const k = key(f.rule, f.pointer);
    if (accepted.has(k)) {
      suppressed.push(f);
      used.add(k);
    } else kept.push(f);
  }
  const stale = [...accepted].filter(([k]) => !used.has(k)).map(([, e]) => e);
  return { kept, suppressed, stale };
}
