// The admin API client: the token lives in sessionStorage (gone when the tab closes) and travels in
// the Authorization header only. A 401 anywhere signs the operator out.
const TOKEN_KEY = 'portcullis.adminToken';
const listeners = new Set<() => void>();

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signIn(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
  for (const l of listeners) l();
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const l of listeners) l();
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function request(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? null : JSON.stringify(init.body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (res.status === 401) {
    signOut();
    throw new ApiError(401, 'The admin token was refused.');
  }
  if (!res.ok) {
    let detail = res.statusText;
    let code: string | undefined;
    try {
      const problem = (await res.json()) as { title?: string; detail?: string; code?: string };
      detail = problem.detail ?? problem.title ?? detail;
      code = problem.code;
    } catch {
      // not a problem document: keep the status text
    }
    throw new ApiError(res.status, detail, code);
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await request(path)).json()) as T;
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return (await (await request(path, { method: 'POST', body })).json()) as T;
}

/** Checks a token without keeping it. */
export async function checkToken(value: string): Promise<boolean> {
  const res = await fetch('/api/session', { headers: { authorization: `Bearer ${value}` }, credentials: 'omit', cache: 'no-store' });
  return res.ok;
}
