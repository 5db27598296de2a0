// JSON and problem+json answers of the admin API, and its query-string parsing: a malformed
// parameter is a 400 PCL_ERR_VALIDATION naming the parameter, never an exception.
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../core/errors.ts';
import { renderProblem } from '../../core/problem.ts';
import { adminRequestId } from '../admin-changes.ts';

/** Largest time a Date can hold, in epoch milliseconds. */
const MAX_TIME = 8.64e15;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function sendProblem(res: ServerResponse, error: GatewayError): void {
  if (res.headersSent) return void res.destroy();
  const p = renderProblem(error, adminRequestId(res.req));
  res.writeHead(p.status, { ...p.headers, 'content-length': Buffer.byteLength(p.body) });
  res.end(res.req.method === 'HEAD' ? undefined : p.body);
}

export function invalid(parameter: string, expected: string): GatewayError {
  return new GatewayError('PCL_ERR_VALIDATION', `Query parameter "${parameter}" must be ${expected}.`);
}

export class Query {
  readonly #params: URLSearchParams;
  constructor(url: string | undefined, allowed: readonly string[]) {
    const q = (url ?? '').indexOf('?');
    this.#params = new URLSearchParams(q === -1 ? '' : (url ?? '').slice(q + 1));
    for (const name of this.#params.keys()) {
      // The unknown name is not echoed (no request data in errors).
      if (!allowed.includes(name)) throw new GatewayError('PCL_ERR_VALIDATION', allowed.length ? `Unknown query parameter: the parameters are ${allowed.join(', ')}.` : 'This resource takes no query parameters.');
    }
  }

  string(name: string, max = 200): string | undefined {
    const all = this.#params.getAll(name);
    if (all.length > 1) throw invalid(name, 'given once');
    const v = all[0];
    if (v === undefined) return undefined;
    if (v === '' || v.length > max) throw invalid(name, `a non-empty string of at most ${max} characters`);
    return v;
  }

  int(name: string, min: number, max: number, dflt?: number): number | undefined {
    const v = this.string(name, 20);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw invalid(name, `a whole number from ${min} to ${max}`);
    return n;
  }

  /** An RFC 3339 date-time or epoch milliseconds. */
  time(name: string): number | undefined {
    const v = this.string(name, 40);
    if (v === undefined) return undefined;
    const n = /^\d+$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(v) && realDay(v) ? Date.parse(v) : Number.NaN;
    // Within what Date can represent (±8.64e15 ms): beyond it a store's BIGINT column overflows.
    if (!Number.isFinite(n) || Math.abs(n) > MAX_TIME) throw invalid(name, 'an RFC 3339 date-time (2026-01-31T12:00:00Z) or epoch milliseconds, up to year 275760');
    return n;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name, 40);
    if (v !== undefined && !values.includes(v as T)) throw invalid(name, `one of ${values.join(', ')}`);
    return v as T | undefined;
  }
}

/** Date.parse takes 2026-02-30 for March 2nd: the day must exist in its month. */
function realDay(v: string): boolean {
  const [y, m, d] = [Number(v.slice(0, 4)), Number(v.slice(5, 7)), Number(v.slice(8, 10))];
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}
