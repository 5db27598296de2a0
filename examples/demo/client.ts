// A small client for the demo API, acting as one of its users: used by the tests, and meant for
// anything that drives the demo (a traffic generator, examples).
import type { DemoUser } from './types.ts';

export interface CallOptions {
  /** Username to act as (null or absent = anonymous). */
  readonly as?: string | null;
  /** How to authenticate: the user's API key (default) or a bearer token from /auth/login. */
  readonly via?: 'apiKey' | 'jwt';
  /** Serialized as JSON. */
  readonly body?: unknown;
  /** Sent as is (e.g. malformed JSON); wins over `body`. */
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: any;
}

export class DemoClient {
  readonly baseUrl: string;
  readonly users: readonly DemoUser[];
  readonly #tokens = new Map<string, string>();

  constructor(baseUrl: string, users: readonly DemoUser[]) {
    this.baseUrl = baseUrl;
    this.users = users;
  }

  user(username: string): DemoUser {
    const user = this.users.find((u) => u.username === username);
    if (!user) throw new Error(`No demo user "${username}".`);
    return user;
  }

  async token(username: string): Promise<string> {
    const cached = this.#tokens.get(username);
    if (cached) return cached;
    const user = this.user(username);
    const res = await this.call('POST', '/api/v2/auth/login', { body: { username, password: user.password } });
    if (res.status !== 200) throw new Error(`Login of ${username} failed: ${res.status} ${res.text}`);
    this.#tokens.set(username, res.json.access_token);
    return res.json.access_token;
  }

  /** `path` includes the base path and query: /api/v2/orders/1001. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as) {
      if (options.via === 'jwt') headers.authorization = `Bearer ${await this.token(options.as)}`;
      else headers['x-api-key'] = this.user(options.as).apiKey;
    }
    let body: string | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }
}
