// Background traffic for `portcullis demo`, so every dashboard page has something to show within a
// minute: ordinary calls by the seeded users, a scraper walking user ids (refused by the ownership
// check), and a few attacks (SQL injection, XSS, traversal, an undocumented endpoint, bad keys).
// Loopback only, a bounded rate (default 4 requests per second), one request at a time; stop() ends it.
export interface TrafficUser {
  readonly username: string;
  readonly apiKey: string;
}

export interface TrafficOptions {
  /** Gateway URL ending with the API base path, e.g. http://127.0.0.1:8080/api/v2. */
  readonly baseUrl: string;
  readonly users: readonly TrafficUser[];
  /** Requests per second, at most 20. */
  readonly rate?: number;
  /** Stop after this many requests (tests); unbounded otherwise, until stop(). */
  readonly limit?: number;
}

export interface Traffic {
  /** Requests sent so far. */
  readonly sent: number;
  stop(): void;
}

interface Call {
  readonly path: string;
  readonly key?: string | undefined;
  readonly method?: string;
  readonly body?: unknown;
  /** A wrong credential: counted by the brute-force lockout, so sent at most every 15 s. */
  readonly failsAuth?: boolean;
}

const FAILED_AUTH_EVERY_MS = 15_000;

const ATTACKS: readonly Call[] = [
  { path: `/products/search?q=${encodeURIComponent("lamp' OR '1'='1' --")}` },
  { path: `/products/search?q=${encodeURIComponent('<script>alert(document.cookie)</script>')}` },
  { path: `/products?sort=${encodeURIComponent('name; DROP TABLE users')}` },
  { path: '/debug/config' },
  { path: `/users/1/notes?path=${encodeURIComponent('../../../../etc/passwd')}` },
];

/** The calls of one round, in order: mostly ordinary, one scraper step, sometimes an attack. */
export function* plan(users: readonly TrafficUser[]): Generator<Call> {
  const key = (name: string) => users.find((u) => u.username === name)?.apiKey;
  const ordinary: readonly Call[] = [
    { path: '/products' },
    { path: '/me', key: key('alice') },
    { path: '/me/orders', key: key('alice') },
    { path: '/products/search?q=Lamp' },
    { path: '/me/profile', key: key('bob') },
    { path: '/admin/stats', key: key('carol') },
    { path: '/products/1' },
    { path: '/me', key: key('carol') },
  ];
  for (let round = 0; ; round++) {
    yield ordinary[round % ordinary.length]!;
    yield ordinary[(round + 3) % ordinary.length]!;
    // The scraper: bob walks every user id for their notes; all but his own are refused (ownership).
    yield { path: `/users/${(round % 40) + 1}/notes`, key: key('bob') };
    if (round % 3 === 0) yield ATTACKS[(round / 3) % ATTACKS.length]!;
    // An injection inside a valid JSON body: well-formed for validation, caught by attack detection.
    if (round % 5 === 0) yield { method: 'POST', path: '/users/1/notes', key: key('alice'), body: { title: 'todo', body: "x' UNION SELECT username, password_hash FROM users --" } };
    if (round % 7 === 0) yield { path: '/me', key: 'pcl_live_notAValidKeyAtAll0000000000000_000000', failsAuth: true };
    if (round % 11 === 0) yield { path: '/me' };
  }
}

export function startTraffic(options: TrafficOptions): Traffic {
  const host = new URL(options.baseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) throw new Error('the demo traffic only goes to a loopback address');
  const interval = 1000 / Math.min(20, Math.max(0.1, options.rate ?? 4));
  const calls = plan(options.users);
  let sent = 0;
  let lastFailedAuth = -Infinity;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const next = async (): Promise<void> => {
    if (stopped || (options.limit !== undefined && sent >= options.limit)) return;
    let call = calls.next().value as Call;
    // Ten wrong keys a minute would lock the loopback address out (auth bruteForce): stay well below.
    while (call.failsAuth && Date.now() - lastFailedAuth < FAILED_AUTH_EVERY_MS) call = calls.next().value as Call;
    if (call.failsAuth) lastFailedAuth = Date.now();
    sent++;
    try {
      const res = await fetch(`${options.baseUrl}${call.path}`, {
        method: call.method ?? 'GET',
        headers: {
          'user-agent': 'portcullis-demo-traffic',
          ...(call.key ? { 'x-api-key': call.key } : {}),
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: call.body === undefined ? null : JSON.stringify(call.body),
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
    } catch {
      // the gateway may be restarting or stopping: the next tick tries again
    }
    if (!stopped) timer = setTimeout(() => void next(), interval);
    timer?.unref();
  };
  void next();
  return {
    get sent() {
      return sent;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
