// The 0–100 score: each finding costs points by severity, and each rule costs at most a cap, so that a
// rule firing on every one of a thousand operations cannot outweigh everything else.
import { SEVERITIES, type Finding, type Severity } from './types.ts';

export const SCORE_WEIGHTS: Readonly<Record<Severity, { readonly perFinding: number; readonly capPerRule: number }>> = {
  critical: { perFinding: 25, capPerRule: 50 },
  high: { perFinding: 10, capPerRule: 20 },
  medium: { perFinding: 4, capPerRule: 8 },
  low: { perFinding: 1, capPerRule: 2 },
  info: { perFinding: 0, capPerRule: 0 },
};

export interface Deduction {
  readonly rule: string;
  readonly severity: Severity;
  readonly findings: number;
  readonly points: number;
}

export interface Score {
  readonly score: number;
  /** Points taken per rule, largest first. */
  readonly deductions: readonly Deduction[];
}

/** score = max(0, 100 − Σ over rules of min(capPerRule, perFinding × findings)), rounded down. */
export function computeScore(findings: readonly Finding[]): Score {
  const byRule = new Map<string, { severity: Severity; count: number }>();
  for (const f of findings) {
    const entry = byRule.get(f.rule);
    if (entry) entry.count++;
    else byRule.set(f.rule, { severity: f.severity, count: 1 });
  }
  const deductions: Deduction[] = [];
  for (const [rule, { severity, count }] of byRule) {
    const w = SCORE_WEIGHTS[severity];
    deductions.push({ rule, severity, findings: count, points: Math.min(w.capPerRule, w.perFinding * count) });
  }
  deductions.sort((a, b) => b.points - a.points || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.rule.localeCompare(b.rule));
  const total = deductions.reduce((sum, d) => sum + d.points, 0);
  return { score: Math.max(0, Math.floor(100 - total)), deductions };
}
