// The vocabulary of the audit: severities, OWASP API Security Top 10 (2023) categories, rules and findings.
import type { JsonPath } from '../config/source.ts';
import type { SpecVersion } from '../openapi/load.ts';
import type { AuditModel } from './model.ts';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const OWASP_CATEGORIES = {
  'API1:2023': 'Broken Object Level Authorization',
  'API2:2023': 'Broken Authentication',
  'API3:2023': 'Broken Object Property Level Authorization',
  'API4:2023': 'Unrestricted Resource Consumption',
  'API5:2023': 'Broken Function Level Authorization',
  'API6:2023': 'Unrestricted Access to Sensitive Business Flows',
  'API7:2023': 'Server Side Request Forgery',
  'API8:2023': 'Security Misconfiguration',
  'API9:2023': 'Improper Inventory Management',
  'API10:2023': 'Unsafe Consumption of APIs',
} as const;
export type OwaspCategory = keyof typeof OWASP_CATEGORIES;

/** Records one finding of the running rule at a place of the document (a JSON path of the root file). */
export type Report = (at: JsonPath, message: string, operation?: string) => void;

export interface Rule {
  /** Stable, readable id users match on (baselines, --disable, SARIF). */
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly category: OwaspCategory;
  readonly cwe: number;
  readonly why: string;
  readonly fix: string;
  /** Versions the rule applies to; all when absent. */
  readonly versions?: readonly SpecVersion[];
  check(model: AuditModel, report: Report): void;
}

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly category: OwaspCategory;
  readonly cwe: number;
  readonly message: string;
  /** RFC 6901 JSON pointer into the root document ("" is the root). */
  readonly pointer: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** "GET /users/{id}" when the finding belongs to one operation. */
  readonly operation?: string;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export function toPointer(path: JsonPath): string {
  let out = '';
  for (const key of path) {
    const k = String(key);
    out += k.includes('~') || k.includes('/') ? `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}` : `/${k}`;
  }
  return out;
}
