// The vocabulary of the scanner: findings with reproducible evidence, checks, and what a scan returns.
import type { OwaspCategory, Severity } from '../audit/types.ts';

export type { OwaspCategory, Severity } from '../audit/types.ts';
export { OWASP_CATEGORIES, SEVERITIES, severityRank } from '../audit/types.ts';

export type Confidence = 'confirmed' | 'firm' | 'tentative';

/** One request and its answer, credentials already replaced by ${NAME} placeholders. */
export interface Exchange {
  readonly request: { method: string; url: string; headers: Record<string, string>; body?: string };
  readonly response?: { status: number; headers: Record<string, string>; body: string };
  /** Why this exchange is shown ("bob reads alice's object"). */
  readonly note?: string;
}

export interface Finding {
  /** The check that found it (stable: reports and baselines match on it). */
  readonly check: string;
  readonly title: string;
  readonly category: OwaspCategory;
  readonly severity: Severity;
  readonly confidence: Confidence;
  readonly cwe: number;
  /** "GET /api/v2/orders/{orderId}": the full path template (base path included). */
  readonly operation: string;
  readonly message: string;
  readonly evidence: readonly Exchange[];
  /** A curl command reproducing the first exchange (credentials as environment variables). */
  readonly curl: string;
}

/** A check's static description, shown once per check in reports. */
export interface CheckInfo {
  readonly id: string;
  readonly title: string;
  readonly category: OwaspCategory;
  readonly severity: Severity;
  readonly cwe: number;
  readonly why: string;
  readonly fix: string;
}

/**
 * What happened to each check: ran (with the operations it tested), skipped (why), or failed. A check
 * that ran but tested nothing has an empty `tested` and the `reason`.
 */
export interface CheckRun {
  readonly check: string;
  readonly status: 'ran' | 'skipped' | 'error';
  readonly tested: readonly string[];
  readonly reason?: string;
}

/** Ran, but no operation was tested: a clean result from it proves nothing. */
export function testedNothing(run: CheckRun): boolean {
  return run.status === 'ran' && run.tested.length === 0;
}

export interface ScanResult {
  readonly target: string;
  readonly spec: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly requests: number;
  readonly budget: number;
  /** Requests that got no answer within --timeout (each counted as status 0). */
  readonly timeouts?: number;
  /** 429s the scan waited out (Retry-After) and sent again. */
  readonly rateLimited?: { readonly retries: number; readonly waitedSeconds: number };
  readonly identities: readonly { name: string; role: string; userId?: string }[];
  readonly findings: readonly Finding[];
  readonly checks: readonly CheckRun[];
  readonly infos: readonly CheckInfo[];
  /** Problems that stopped the scan early (a log-in that failed, a refused identity, 429s, the budget spent). */
  readonly errors: readonly string[];
  /** With --baseline: the accepted findings (not in `findings`) and the entries nothing matched. */
  readonly baseline?: {
    readonly suppressed: readonly Finding[];
    readonly gone: readonly { readonly check: string; readonly operation: string }[];
  };
}
