// portcullis audit as a library: load a document, run the enabled rules over one model of it, locate
// each finding in the source file, apply a baseline and compute the score.
import type { JsonPath } from '../config/source.ts';
import { didYouMean } from '../config/did-you-mean.ts';
import { loadSpec, type LoadedSpec, type SpecVersion } from '../openapi/load.ts';
import { applyBaseline, readBaseline, type Baseline, type BaselineEntry } from './baseline.ts';
import { AuditUsageError } from './errors.ts';
import { buildModel } from './model.ts';
import { PROFILE_NAMES, PROFILES, type ProfileName } from './profiles.ts';
import { RULES, RULES_BY_ID } from './rules/index.ts';
import { computeScore, type Deduction } from './score.ts';
import { SEVERITIES, severityRank, toPointer, type Finding, type Rule, type Severity } from './types.ts';

export { AuditUsageError } from './errors.ts';
export { RULES } from './rules/index.ts';
export type { Finding, Rule, Severity } from './types.ts';

export interface AuditOptions {
  /** A file to load, or a document loaded with loadSpec. */
  readonly spec: string | LoadedSpec;
  readonly profile?: ProfileName;
  /** Rule ids to turn off. */
  readonly disable?: readonly string[];
  /** Rule ids to turn on (those the profile turns off). */
  readonly enable?: readonly string[];
  /** A baseline file, or a parsed baseline. */
  readonly baseline?: string | Baseline;
}

export interface ActiveRule {
  readonly rule: Rule;
  /** The severity in the chosen profile. */
  readonly severity: Severity;
}

export interface AuditResult {
  readonly file: string;
  readonly version: SpecVersion;
  readonly operations: number;
  readonly profile: ProfileName;
  readonly rules: readonly ActiveRule[];
  /** Findings not accepted by the baseline, most severe first. */
  readonly findings: readonly Finding[];
  /** Findings accepted by the baseline. */
  readonly suppressed: readonly Finding[];
  /** Baseline entries that matched no finding. */
  readonly staleBaseline: readonly BaselineEntry[];
  readonly score: number;
  readonly deductions: readonly Deduction[];
  /** The score before the baseline. */
  readonly scoreWithoutBaseline: number;
  readonly counts: Readonly<Record<Severity, number>>;
  readonly durationMs: number;
}

export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const started = performance.now();
  const active = activeRules(options);
  const baseline = typeof options.baseline === 'string' ? readBaseline(options.baseline) : options.baseline;
  const spec = typeof options.spec === 'string' ? await loadSpec(options.spec) : options.spec;
  return audit(spec, active, options.profile ?? 'strict', baseline, started);
}

/** The audit of an already loaded document (synchronous). */
export function auditSpec(spec: LoadedSpec, options: Omit<AuditOptions, 'spec'> = {}): AuditResult {
  const started = performance.now();
  const baseline = typeof options.baseline === 'string' ? readBaseline(options.baseline) : options.baseline;
  return audit(spec, activeRules(options), options.profile ?? 'strict', baseline, started);
}

/** The rules a profile and --enable / --disable leave on, with their severity. Throws on unknown ids. */
export function activeRules(options: Pick<AuditOptions, 'profile' | 'enable' | 'disable'>): ActiveRule[] {
  const profile = options.profile ?? 'strict';
  if (!PROFILE_NAMES.includes(profile)) {
    throw new AuditUsageError('PCL_AUDIT_BAD_OPTION', `Unknown profile "${profile}" (use ${PROFILE_NAMES.join(' or ')}).`);
  }
  const enable = new Set(checkIds(options.enable ?? []));
  const disable = new Set(checkIds(options.disable ?? []));
  const overrides = PROFILES[profile].overrides;
  const out: ActiveRule[] = [];
  for (const rule of RULES) {
    if (disable.has(rule.id)) continue;
    const override = overrides[rule.id];
    if (override === 'off' && !enable.has(rule.id)) continue;
    out.push({ rule, severity: override === undefined || override === 'off' ? rule.severity : override });
  }
  return out;
}

function checkIds(ids: readonly string[]): string[] {
  for (const id of ids) {
    if (RULES_BY_ID.has(id)) continue;
    const guess = didYouMean(id, RULES_BY_ID.keys());
    throw new AuditUsageError('PCL_AUDIT_UNKNOWN_RULE', `Unknown rule "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}; the rules are listed in docs/audit.md.`);
  }
  return [...ids];
}

function audit(spec: LoadedSpec, active: readonly ActiveRule[], profile: ProfileName, baseline: Baseline | undefined, started: number): AuditResult {
  const model = buildModel(spec);
  const all: Finding[] = [];
  const seen = new Set<string>();
  const positions = new Map<string, { line: number; column: number }>(); // several rules often share a place
  for (const { rule, severity } of active) {
    if (rule.versions && !rule.versions.includes(spec.version)) continue;
    const report = (at: JsonPath, message: string, operation?: string): void => {
      const pointer = toPointer(at);
      const key = `${rule.id}\u0000${pointer}`;
      if (seen.has(key)) return;
      seen.add(key);
      let position = positions.get(pointer);
      if (!position) positions.set(pointer, (position = spec.source.locate(at) ?? { line: 1, column: 1 }));
      all.push({
        rule: rule.id,
        severity,
        category: rule.category,
        cwe: rule.cwe,
        message,
        pointer,
        file: spec.file,
        line: position.line,
        column: position.column,
        ...(operation === undefined ? {} : { operation }),
      });
    };
    try {
      rule.check(model, report);
    } catch (error) {
      throw new Error(`audit rule ${rule.id} failed on ${spec.file}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }
  all.sort(compareFindings);
  const { kept, suppressed, stale } = applyBaseline(all, baseline);
  const { score, deductions } = computeScore(kept);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of kept) counts[f.severity]++;
  return {
    file: spec.file,
    version: spec.version,
    operations: model.operations.length,
    profile,
    rules: active,
    findings: kept,
    suppressed,
    staleBaseline: stale,
    score,
    deductions,
    scoreWithoutBaseline: baseline ? computeScore(all).score : score,
    counts,
    durationMs: performance.now() - started,
  };
}

function compareFindings(a: Finding, b: Finding): number {
  return severityRank(b.severity) - severityRank(a.severity) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule);
}

/** Whether the result breaks --fail-under / --fail-on. */
export function failures(result: AuditResult, limits: { failUnder?: number; failOn?: Severity }): string[] {
  const out: string[] = [];
  if (limits.failUnder !== undefined && result.score < limits.failUnder) out.push(`score ${result.score} is below ${limits.failUnder}`);
  if (limits.failOn !== undefined) {
    const threshold = severityRank(limits.failOn);
    const n = result.findings.filter((f) => severityRank(f.severity) >= threshold).length;
    if (n > 0) out.push(`${n} finding${n === 1 ? '' : 's'} of severity ${limits.failOn} or higher`);
  }
  return out;
}
