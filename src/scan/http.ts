// The scanner's only way to the network: every request goes to the target origin (never elsewhere, no
// redirects followed), within the request budget and the rate cap, and comes back with redacted evidence.
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

  /** Sends `method pathAndQuery` to the target origin. Throws BudgetExhausted or TargetUnreachable. */
  async send(method: string, pathAndQuery: string, options: SendOptions = {}, note?: string): Promise<HttpResponse> {
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
    } catch (error) {
      const err = error as Error & { code?: string; cause?: { code?: string } };
      const code = err.code ?? err.cause?.code ?? err.name;
      if (UNREACHABLE.test(code) && !options.plainHttp) {
        this.#down = code;
        throw new TargetUnreachable(this.origin, code);
      }
      // The connection broke or timed out on this request only: an answer with status 0, the scan goes on.
      status = 0;
      responseHeaders = {};
      text = '';
      note = `${note ? `${note}; ` : ''}no answer: ${code}`;
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

  /** Spaces request starts by 1/rate seconds. */
  async #slot(): Promise<void> {
    if (this.#interval === 0) return;
    const now = performance.now();
    const at = Math.max(now, this.#next);
    this.#next = at + this.#interval;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
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
