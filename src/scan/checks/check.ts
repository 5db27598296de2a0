// The shape of a check module (one per OWASP category) and the comparisons several of them share.
import type { ScanContext } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import type { CheckInfo } from '../types.ts';

export interface Check {
  /** The findings this module can report (one entry per check id). */
  readonly infos: readonly CheckInfo[];
  /** Runs against the target; records findings and tested operations in ctx. Returns why it was skipped, if it was. */
  run(ctx: ScanContext): Promise<string | void>;
}

/**
 * Did `other` get the same object as `owner`? Its body shows one of the scan's markers from the owner's
 * answer, or the same JSON, or the same id with most of the same values.
 */
export function sameObject(owner: HttpResponse, other: HttpResponse, runId: string): boolean {
  if (other.status < 200 || other.status >= 300) return false;
  const markers = owner.text.match(new RegExp(`pcs-${runId}-\\d+`, 'g')) ?? [];
  if (markers.length > 0) return markers.some((m) => other.text.includes(m));
  if (owner.text === other.text && owner.text.length > 2) return true;
  const a = owner.json as Record<string, unknown> | undefined;
  const b = other.json as Record<string, unknown> | undefined;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a)) return false;
  const scalars = Object.entries(a).filter(([, v]) => v === null || typeof v !== 'object');
  if (scalars.length === 0 || a.id === undefined || a.id !== b.id) return false;
  const equal = scalars.filter(([k, v]) => b[k] === v).length;
  return equal / scalars.length >= 0.6;
}

const STACK_PATTERNS = [
  /\bat [\w$.<>[\] ]+ \((?:file:\/\/|node:|\/|[A-Za-z]:\\)[^)]*:\d+:\d+\)/, // Node.js / V8
  /\bat (?:file:\/\/|node:internal|\/)[^\s"]*:\d+:\d+/,
  /Traceback \(most recent call last\)/, // Python
  /\bat [\w.$]+\([\w]+\.java:\d+\)/, // Java
  /\bin \/[\w/.-]+\.php(?: on line |:)\d+/, // PHP
  /System\.[\w.]+Exception:|at [\w.]+\.[\w]+\(\) in [^\s]+:line \d+/, // .NET
  /\/(?:home|usr|var|srv|opt|app)\/[\w./-]+\.(?:ts|js|mjs|py|rb|php|java|go):\d+/,
];

const SQL_ERRORS = /(SQLITE_ERROR|sqlite3?\.|SQL syntax|unrecognized token|syntax error at or near|unterminated quoted string|ORA-\d{5}|PG::SyntaxError|SQLSTATE\[|mysql_fetch|MySqlException|ODBC SQL Server Driver|near "[^"]*": syntax error|Incorrect syntax near)/i;

/** A stack trace or source file path in an answer. */
export function stackTraceIn(text: string): string | undefined {
  for (const p of STACK_PATTERNS) {
    const m = p.exec(text);
    if (m) return m[0];
  }
  return undefined;
}

/** A database error message in an answer. */
export function sqlErrorIn(text: string): string | undefined {
  return SQL_ERRORS.exec(text)?.[0];
}
