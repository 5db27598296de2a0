// Finds leaks in a response body and applies the configured action to each: masks them in place
// (JSON stays valid: values are replaced, never the structure), or reports which types to block.
import { PASSWORD_FIELD, TEXT_DETECTORS, type LeakType } from './detectors.ts';
import type { LeakAction } from './schema.ts';

export interface LeakRules {
  readonly actions: Readonly<Record<LeakType, LeakAction>>;
  readonly ignoreFields: ReadonlySet<string>;
}

export interface LeakFindings {
  /** Count per type, whatever the action. */
  readonly found: Partial<Record<LeakType, number>>;
  masked: boolean;
}

const MAX_DEPTH = 128;

/** Masks what should be masked in a string; records what was found. */
export function scanText(text: string, rules: LeakRules, findings: LeakFindings): string {
  let out = text;
  for (const d of TEXT_DETECTORS) {
    const action = rules.actions[d.type];
    if (action === 'off' || !d.hint(out)) continue;
    out = out.replace(d.pattern, (m) => {
      if (d.verify && !d.verify(m)) return m;
      count(findings, d.type);
      if (action !== 'mask') return m;
      findings.masked = true;
      return d.mask(m);
    });
  }
  return out;
}

/** Walks a parsed JSON value; returns the same value when nothing was masked. */
export function scanJson(value: unknown, rules: LeakRules, findings: LeakFindings, depth = 0): unknown {
  if (typeof value === 'string') return scanText(value, rules, findings);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = scanJson(value[i], rules, findings, depth + 1);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(value)) {
    if (rules.ignoreFields.has(key)) continue;
    let v: unknown;
    if (typeof child === 'string' && child !== '' && rules.actions.password !== 'off' && PASSWORD_FIELD.test(key)) {
      count(findings, 'password');
      v = rules.actions.password === 'mask' ? '[REDACTED]' : child;
      if (v !== child) findings.masked = true;
    } else v = scanJson(child, rules, findings, depth + 1);
    if (v !== child) (out ??= { ...(value as Record<string, unknown>) })[key] = v;
  }
  return out ?? value;
}

function count(findings: LeakFindings, type: LeakType): void {
  findings.found[type] = (findings.found[type] ?? 0) + 1;
}
