// The scanner's only way to the network: every request goes to the target origin (never elsewhere, no
// redirects followed), within the request budget and the rate cap, and comes back with redacted evidence.
// A 429 is waited out (Retry-After, bounded) or stops the scan; a target that mostly times out stops it
// too: both would otherwise turn into checks that tested nothing and a clean report.
import { Agent, request as undiciRequest } from 'undici';
import { excerpt, type Redactor } from './redact.ts';
import type { Exchange } from './types.ts';

export interface ClientOptions {
  /** Origin of the target, e.g. http://127.0.0.1:3000 (a path part is ignored here). */
  readonly origin: string;
  readonly maxRequests: number;
  /** Requests per second at most. */
  readonly rate: number;
  readonly timeoutMs: number;
  readonly redactor: Redactor;
  /** PEM certificates of the CAs to trust for an https target, instead of the system's. */
  readonly ca?: string;
  /** Called after each request (progress display). */
  readonly onRequest?: (count: number) => void;
}

export interface SendOptions {
  /** To an https target's host over plain http (port 80, or the target's own port when it has one); a failure to connect is an answer with status 0. */
  readonly plainHttp?: boolean;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON with Content-Type application/json. */
  readonly body?: unknown;
  /** A 429 is what this request tests (a burst, failed log-ins): it is returned as is, not waited out. */
  readonly limitProbe?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  /** The parsed body when it is JSON, otherwise undefined. */
  readonly json: unknown;
  readonly exchange: Exchange;
  readonly ms: number;
}

export class BudgetExhausted extends Error {
  constructor(max: number) {
    super(`the request budget (${max}) is spent`);
    this.name = 'BudgetExhausted';
  }
}

export class TargetUnreachable extends Error {
  constructor(origin: string, cause: string) {
    super(`the target ${origin} does not answer (${cause})`);
    this.name = 'TargetUnreachable';
  }
}

/** The target keeps answering 429 (a rate limit, or a lockout of the scanner's address or credentials). */
export class RateLimited extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'RateLimited';
  }
}

/** Errors that stop the scan (what ran is still reported). */
export function stopsTheScan(error: unknown): error is BudgetExhausted | TargetUnreachable | RateLimited {
  return error instanceof BudgetExhausted || error instanceof TargetUnreachable || error instanceof RateLimited;
}

/** Longest Retry-After the scan waits for, each time and in all (a lockout asks for minutes: the scan stops instead). */
const MAX_WAIT_S = 30;
const MAX_TOTAL_WAIT_S = 120;
/** Waits for one request before giving up on it. */
const MAX_RETRIES = 2;

/** Timeouts that stop the scan: this many in a row, or more than half of the requests once there are MIN_TIMEOUTS. */
const TIMEOUTS_IN_A_ROW = 8;
const MIN_TIMEOUTS = 5;

/** Errors that mean the target cannot be reached at all (not just this request): the scan stops. */
const UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_SSL_)/;

/** Bodies are read up to this size; the rest is dropped (evidence needs little, and the scan stays bounded). */
const MAX_BODY_BYTES = 1024 * 1024;

export class ScanClient {
  readonly origin: string;
  readonly #options: ClientOptions;
  readonly #agent: Agent;
  readonly #interval: number;
  #next = 0;
  #count = 0;
  #down: string | undefined;
  #timeouts = 0;
  #inARow = 0;
  #waited = 0;
  #retried = 0;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.origin = new URL(options.origin).origin;
    this.#agent = new Agent({ connections: 8, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, ...(options.ca ? { connect: { ca: options.ca } } : {}) });
    this.#interval = options.rate > 0 ? 1000 / options.rate : 0;
  }

  get count(): number {
    return this.#count;
  }

  get remaining(): number {
    return this.#options.maxRequests - this.#count;
  }

  /** Requests that got no answer within the time limit. */
  get timeouts(): number {
    return this.#timeouts;
  }

  /** 429s waited out (each request sent again), and the seconds spent waiting. */
  get rateLimited(): { retries: number; waitedSeconds: number } {
    return { retries: this.#retried, waitedSeconds: this.#waited };
  }

  /**
   * Sends `method pathAndQuery` to the target origin. A 429 is retried after its Retry-After (each retry
   * is a request of the budget) unless the request probes for it. Throws BudgetExhausted,
   * TargetUnreachable or RateLimited.
   */
  async send(method: string, pathAndQuery: string, options: SendOptions = {}, note?: string): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.#once(method, pathAndQuery, options, attempt === 0 ? note : `${note ? `${note}; ` : ''}again after a 429`);
      if (res.status !== 429 || options.limitProbe || options.plainHttp) return res;
      const asked = retryAfter(res.headers['retry-after']);
      const wait = asked ?? 2 ** attempt; // no Retry-After: 1 s, then 2 s
      const why = `the target answered 429 Too Many Requests${problemCode(res)} to ${method} ${pathAndQuery.split('?')[0]}`;
      if (attempt >= MAX_RETRIES) throw new RateLimited(`${why} ${attempt + 1} times in a row, after waiting as asked: rate-limited or locked out`);
      if (wait > MAX_WAIT_S) throw new RateLimited(`${why} and asks to wait ${wait} s (the scan waits ${MAX_WAIT_S} s at most): rate-limited or locked out`);
      if (this.#waited + wait > MAX_TOTAL_WAIT_S) throw new RateLimited(`${why}; the scan already waited ${Math.round(this.#waited)} s for rate limits (${MAX_TOTAL_WAIT_S} s at most): rate-limited`);
      this.#waited += wait;
      this.#retried++;
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }

  async #once(method: string, pathAndQuery: string, options: SendOptions, note: string | undefined): Promise<HttpResponse> {
    if (this.#count >= this.#options.maxRequests) throw new BudgetExhausted(this.#options.maxRequests);
    if (this.#down) throw new TargetUnreachable(this.origin, this.#down);
    if (!pathAndQuery.startsWith('/')) throw new Error(`not a path on the target: ${pathAndQuery}`);
    this.#count++;
    await this.#slot();
    const headers: Record<string, string> = { 'user-agent': 'portcullis-scan', accept: 'application/json, */*;q=0.5', ...options.headers };
    let body: string | undefined;
    if (typeof options.body === 'string') body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const origin = options.plainHttp ? this.origin.replace(/^https:/, 'http:') : this.origin;
    const started = performance.now();
    let status: number;
    let responseHeaders: Record<string, string>;
    let text: string;
    try {
      const res = await undiciRequest(`${origin}${pathAndQuery}`, {
        method: method as 'GET',
        headers,
        body,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      status = res.statusCode;
      responseHeaders = flatHeaders(res.headers);
      text = await readLimited(res.body);
      if (!options.plainHttp) this.#inARow = 0;
    } catch (error) {
      const err = error as Error & { code?: unknown; cause?: { code?: unknown } };
      const code = String(typeof err.code === 'string' ? err.code : (err.cause?.code ?? err.name));
      if (UNREACHABLE.test(code) && !options.plainHttp) {
        this.#down = code;
        throw new TargetUnreachable(this.origin, code);
      }
      // The connection broke or timed out on this request only: an answer with status 0, the scan goes on
      // (unless most requests time out: the target does not answer).
      status = 0;
      responseHeaders = {};
      text = '';
      const timedOut = err.name === 'TimeoutError' || /TIMEOUT/i.test(code);
      note = `${note ? `${note}; ` : ''}no answer: ${timedOut ? `timed out after ${this.#options.timeoutMs / 1000} s` : code}`;
      if (timedOut) this.#timedOut(options.plainHttp === true);
    } finally {
      this.#options.onRequest?.(this.#count);
    }
    const ms = performance.now() - started;
    const r = this.#options.redactor;
    const exchange: Exchange = {
      request: {
        method,
        url: r.text(`${origin}${pathAndQuery}`),
        headers: Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'user-agent' && k !== 'accept').map(([k, v]) => [k, r.text(v)])),
        ...(body !== undefined ? { body: r.text(body) } : {}),
      },
      response: { status, headers: redactHeaders(responseHeaders, r), body: excerpt(text, r) },
      ...(note ? { note } : {}),
    };
    return { status, headers: responseHeaders, text, json: parseJson(text, responseHeaders['content-type']), exchange, ms };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Counts a timeout; the target is down when they come in a row or make most of the requests. */
  #timedOut(plainHttp: boolean): void {
    this.#timeouts++;
    if (plainHttp) return; // another port: says nothing about the target itself
    this.#inARow++;
    if (this.#inARow >= TIMEOUTS_IN_A_ROW || (this.#timeouts >= MIN_TIMEOUTS && this.#timeouts * 2 > this.#count)) {
      this.#down = `${this.#timeouts} of ${this.#count} requests got no answer within ${this.#options.timeoutMs / 1000} s`;
    }
  }

  /** Spaces request starts by 1/rate seconds. */
  async #slot(): Promise<void> {
    if (this.#interval === 0) return;
    const now = performance.now();
    const at = Math.max(now, this.#next);
    this.#next = at + this.#interval;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

/** Retry-After in seconds (a number of seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** " (PCL_ERR_...)": the problem code of a 429 answer, when it has a plain one. */
function problemCode(res: HttpResponse): string {
  const code = (res.json as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[\w.:-]{1,64}$/.test(code) ? ` (${code})` : '';
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function redactHeaders(headers: Record<string, string>, r: Redactor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = k === 'set-cookie' ? '(redacted)' : r.text(v);
  return out;
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

function parseJson(text: string, contentType: string | undefined): unknown {
  if (text.length === 0 || !/json/i.test(contentType ?? '') && !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
