// Rate limits through a running gateway (in-process counters): per consumer with tiers, costs per
// operation, calendar quotas, concurrency, limits before authentication per client address (with and
// without trusted proxies), RateLimit headers, report mode, config errors, and each onStoreError with
// an unreachable Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { hashApiKey } from '../src/auth/api-key.ts';
import { apisYaml, passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { freePort } from './helpers/process.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const KEYS = { alice: 'alice-key-0123456789abcdef0123', bob: 'bob-key-0123456789abcdef012345', dave: 'dave-key-0123456789abcdef01234', erin: 'erin-key-0123456789abcdef01234' };

function consumers(): string {
  return Object.entries(KEYS)
    .map(([id, key]) => `          - id: ${id}\n${id === 'alice' ? '            tier: gold\n' : ''}            keys: [{ sha256: ${hashApiKey(key)} }]`)
    .join('\n');
}

function yaml(upstream: string, extra = '', forwarding = ''): string {
  return `${forwarding}${passthroughYaml(upstream).replace(
    /    routes:[\s\S]*$/,
    `    routes:
      - { path: /cheap/*, operationId: cheap }
      - { path: /expensive/*, operationId: expensive }
      - { path: /slow, operationId: slow, policies: { rate-limit: { limits: [{ name: in-flight, algorithm: concurrency, limit: 2 }] } } }
      - path: /daily
        operationId: daily
        policies:
          rate-limit:
            limits: [{ name: daily, algorithm: fixed-window, limit: 2, window: day }]
      - path: /login
        operationId: login
        policies:
          pre-auth-rate-limit:
            limits: [{ name: login-per-ip, rate: 3, per: 1h, key: [ip] }]
    policies:
      auth-apikey:
        format: any
        bruteForce: { enabled: false }
        consumers:
${consumers()}
      rate-limit:
        costs: { expensive: 3 }
        limits:
          - name: per-consumer
            rate: 5
            per: 1h
            key: [consumer]
            tiers: { gold: { rate: 10 } }
${extra}`,
  )}`;
}

const as = (who: keyof typeof KEYS, extra: Record<string, string> = {}) => ({ headers: { 'x-api-key': KEYS[who], ...extra } });

async function statuses(url: string, init: RequestInit, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

describe('rate-limit through the gateway', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const answer = () => {
        res.writeHead(200, { 'content-type': 'text/plain', ratelimit: '"upstream";r=999;t=1' });
        res.end('ok');
      };
      if (req.url === '/slow') setTimeout(answer, 1500); // long enough for three requests to overlap on a busy machine
      else answer();
    });
    gw = await startTestGateway(yaml(upstream.url));
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  test('a consumer gets its burst, then 429 with Retry-After and a problem document; nothing more reaches the upstream', async () => {
    const first = await fetch(`${gw.url}/cheap/a`, as('bob'));
    assert.equal(first.status, 200);
    // One unit every 12 minutes: the test cannot outlast a refill, however slow the machine.
    assert.equal(first.headers.get('ratelimit-policy'), '"per-consumer";q=5;w=3600');
    assert.equal(first.headers.get('ratelimit'), '"per-consumer";r=4;t=720', 'our fields replace the upstream\'s');
    assert.deepEqual(await statuses(`${gw.url}/cheap/a`, as('bob'), 5), [200, 200, 200, 200, 429]);
    const before = upstream.received.length;
    const refused = await fetch(`${gw.url}/cheap/a`, as('bob'));
    const body = (await refused.json()) as Record<string, unknown>;
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    const retry = Number(refused.headers.get('retry-after'));
    assert.ok(retry > 600 && retry <= 720, `Retry-After ${retry}`);
    assert.equal(body.code, 'PCL_ERR_RATE_LIMITED');
    assert.equal(body.type, 'urn:portcullis:problem:rate-limited');
    assert.equal(body.limit, 'per-consumer');
    assert.match(refused.headers.get('ratelimit')!, /^"per-consumer";r=0;t=3[5-6]\d\d$/);
    assert.equal(upstream.received.length, before);
  });

  test('consumers are counted apart, and a tier gets its own amount', async () => {
    assert.deepEqual(await statuses(`${gw.url}/cheap/b`, as('alice'), 11), [...Array(10).fill(200), 429]);
    const res = await fetch(`${gw.url}/cheap/b`, as('alice'));
    assert.equal(res.headers.get('ratelimit-policy'), '"per-consumer";q=10;w=3600');
  });

  test('an expensive operation costs more, and a refused request consumes nothing', async () => {
    assert.deepEqual(await statuses(`${gw.url}/expensive/x`, as('dave'), 2), [200, 429]);
    // 5 − 3 = 2 units left: the refused request (cost 3) did not take them.
    assert.deepEqual(await statuses(`${gw.url}/cheap/x`, as('dave'), 3), [200, 200, 429]);
  });

  test('a calendar quota answers PCL_ERR_QUOTA_EXCEEDED until midnight UTC', async () => {
    assert.deepEqual(await statuses(`${gw.url}/daily`, as('erin'), 2), [200, 200]);
    const res = await fetch(`${gw.url}/daily`, as('erin'));
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 429);
    assert.equal(body.type, 'urn:portcullis:problem:quota-exceeded');
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    const expected = Math.ceil((midnight.getTime() - Date.now()) / 1000);
    assert.ok(Math.abs(Number(res.headers.get('retry-after')) - expected) <= 2);
    assert.equal(res.headers.get('ratelimit-policy'), '"daily";q=2;w=86400');
  });

  test('a concurrency limit admits two requests in flight; the slots come back when they end', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => fetch(`${gw.url}/slow`, as('erin')).then(async (r) => (await r.arrayBuffer(), r.status))));
    assert.deepEqual(replies.sort(), [200, 200, 429]);
    assert.deepEqual(await Promise.all([1, 2].map(() => fetch(`${gw.url}/slow`, as('erin')).then(async (r) => (await r.arrayBuffer(), r.status)))), [200, 200]);
  });

  test('before authentication: login is limited per client address, failed or not, and a forged X-Forwarded-For changes nothing', async () => {
    const wrong = { headers: { 'x-api-key': 'wrong-key-0123456789abcdef0123', 'x-forwarded-for': '203.0.113.1' } };
    assert.deepEqual(await statuses(`${gw.url}/login`, wrong, 3), [401, 401, 401]);
    const res = await fetch(`${gw.url}/login`, { headers: { ...wrong.headers, 'x-forwarded-for': '198.51.100.7' } });
    assert.equal(res.status, 429, 'the gateway is not a trusted proxy\'s client: the address is the peer');
    assert.equal(res.headers.get('ratelimit-policy'), '"login-per-ip";q=3;w=3600');
    assert.equal(res.headers.get('www-authenticate'), null, 'refused before authentication');
    assert.equal((await fetch(`${gw.url}/login`, as('bob'))).status, 429, 'a valid key does not get around it either');
  });
});

describe('rate-limit behind a trusted proxy', () => {
  test('each forwarded client address has its own budget', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(yaml(upstream.url, '', 'forwarding:\n  trustedProxies: [127.0.0.1]\n'));
    try {
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': `${ip}, 127.0.0.1` } });
      assert.deepEqual(await statuses(`${gw.url}/login`, from('203.0.113.1'), 4), [401, 401, 401, 429]);
      assert.deepEqual(await statuses(`${gw.url}/login`, from('203.0.113.2'), 4), [401, 401, 401, 429]);
      // An IPv6 client is its /64: changing address within it does not get a fresh budget.
      assert.deepEqual(await statuses(`${gw.url}/login`, from('2001:db8:5:6::1'), 2), [401, 401]);
      assert.deepEqual(await statuses(`${gw.url}/login`, from('2001:DB8:5:6:ffff::2'), 2), [401, 429]);
      assert.deepEqual(await statuses(`${gw.url}/login`, from('2001:db8:5:7::1'), 1), [401], 'the next /64 has its own');
      // A huge chain: only the last hops are looked at, so it costs bounded time and one key.
      const chain = Array.from({ length: 1200 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`).join(', ');
      const started = performance.now();
      const huge = await statuses(`${gw.url}/login`, { headers: { 'x-forwarded-for': `${chain}, 203.0.113.3` } }, 4);
      assert.deepEqual(huge, [401, 401, 401, 429]);
      assert.ok(performance.now() - started < 2000);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('rate-limit on a dual-stack listener', () => {
  test('an IPv4 client reached directly (as ::ffff:a.b.c.d) and through a trusted proxy shares one budget', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(yaml(upstream.url, '', 'forwarding:\n  trustedProxies: [::1]\n').replace('host: 127.0.0.1', 'host: "::"').replace('login-per-ip', 'login-dual-stack'));
    try {
      const port = new URL(gw.url).port;
      // (A limit of its own name: 127.0.0.1 spent the budget of login-per-ip in an earlier test.)
      // Straight from 127.0.0.1: the peer address on a "::" listener is ::ffff:127.0.0.1.
      assert.deepEqual(await statuses(`http://127.0.0.1:${port}/login`, {}, 2), [401, 401]);
      // From the trusted proxy ::1, forwarding for 127.0.0.1: the same client.
      assert.deepEqual(await statuses(`http://[::1]:${port}/login`, { headers: { 'x-forwarded-for': '127.0.0.1' } }, 2), [401, 429]);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('rate-limit per consumer with tokens that map no consumer id', () => {
  test('a user is counted by its subject and issuer, not by the address it calls from', async () => {
    const secret = 'rate-limit-test-jwt-hmac-secret-0123456789';
    const token = (iss: string, sub: string) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss).setAudience('t').setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    const upstream = await startUpstream();
    const gw = await startTestGateway(`forwarding:\n  trustedProxies: [127.0.0.1]\n${passthroughYaml(upstream.url, `    policies:
      auth-jwt:
        issuers:
          - { issuer: https://idp-a.test, secret: ${secret}, audiences: [t] }
          - { issuer: https://idp-b.test, secret: ${secret}, audiences: [t] }
      rate-limit:
        limits: [{ name: per-user, rate: 2, per: 1h, key: [consumer] }]
`)}`);
    try {
      const from = (t: string, ip: string) => ({ headers: { authorization: `Bearer ${t}`, 'x-forwarded-for': ip } });
      const alice = await token('https://idp-a.test', 'alice');
      const got: number[] = [];
      for (const ip of ['198.51.100.1', '198.51.100.2', '2001:db8:9::1']) got.push(...(await statuses(`${gw.url}/x`, from(alice, ip), 1)));
      assert.deepEqual(got, [200, 200, 429], 'one budget for alice, whichever address she calls from');
      assert.deepEqual(await statuses(`${gw.url}/x`, from(await token('https://idp-a.test', 'bob'), '198.51.100.1'), 3), [200, 200, 429], 'bob behind the same address has his own');
      assert.deepEqual(await statuses(`${gw.url}/x`, from(await token('https://idp-b.test', 'alice'), '198.51.100.1'), 3), [200, 200, 429], 'the alice of another issuer is another user');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('rate-limit in report mode', () => {
  test('over the limit the request goes through and no RateLimit fields are sent', async () => {
    const upstream = await startUpstream();
    const gw = await startTestGateway(yaml(upstream.url).replace('      rate-limit:\n        costs', '      rate-limit:\n        mode: report\n        costs'));
    try {
      assert.deepEqual(await statuses(`${gw.url}/cheap/r`, as('bob'), 7), Array(7).fill(200));
      assert.equal((await fetch(`${gw.url}/cheap/r`, as('bob'))).headers.get('ratelimit'), null);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('rate-limit config errors', () => {
  const cases: [string, string, RegExp][] = [
    ['an identity key before authentication', 'pre-auth-rate-limit:\n        limits: [{ name: x, rate: 1, key: [consumer] }]', /key "consumer" needs an identity/],
    ['a cost above the burst', 'rate-limit:\n        limits: [{ name: x, rate: 2, cost: 3 }]', /cost 3 is more than the limit allows at once \(2\)/],
    ['a window without a limit', 'rate-limit:\n        limits: [{ name: x, algorithm: fixed-window, window: 1m }]', /fixed-window needs limit and window/],
    ['a calendar sliding window', 'rate-limit:\n        limits: [{ name: x, algorithm: sliding-window, limit: 3, window: day }]', /calendar windows \(day, month\) are fixed-window only/],
    ['a name used twice', 'rate-limit:\n        limits: [{ name: x, rate: 2 }, { name: x, rate: 3 }]', /the name is used twice/],
  ];
  for (const [what, policy, message] of cases) {
    test(`${what} is refused at load`, async () => {
      const text = passthroughYaml('http://127.0.0.1:9', `    policies:\n      ${policy}\n`);
      await assert.rejects(startTestGateway(text), (error: Error) => {
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe('rate-limit with the counter store unreachable', () => {
  const cases: [string, number[], string | undefined][] = [
    ['deny', [503, 503, 503], 'PCL_ERR_RATE_LIMIT_UNAVAILABLE'],
    ['allow', [200, 200, 200], undefined],
    ['local', [200, 200, 429], 'PCL_ERR_RATE_LIMITED'],
  ];
  for (const [mode, expected, code] of cases) {
    test(`onStoreError: ${mode} answers at once, never stuck`, async () => {
      const upstream = await startUpstream();
      const port = await freePort();
      const policy = `      rate-limit:
        onStoreError: ${mode}
        store: { redis: "redis://127.0.0.1:${port}", timeout: 5s }
        limits: [{ name: per-ip, algorithm: fixed-window, limit: 2, window: 1h, key: [ip] }]
`;
      const gw = await startTestGateway(passthroughYaml(upstream.url, `    policies:\n${policy}`));
      try {
        await new Promise((r) => setTimeout(r, 100)); // the first connection attempt has failed
        const started = performance.now();
        const replies = [];
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${gw.url}/x`);
          replies.push({ status: res.status, body: await res.text(), retry: res.headers.get('retry-after') });
        }
        assert.deepEqual(replies.map((r) => r.status), expected);
        if (code) assert.equal((JSON.parse(replies[2]!.body) as { code: string }).code, code);
        if (mode === 'deny') assert.equal(replies[0]!.retry, '1');
        assert.ok(performance.now() - started < 4000, 'failing fast: no request waited for the 5 s timeout');
      } finally {
        await gw.close();
        await upstream.close();
      }
    });
  }
});

// An operationId that every plain object already has (valueOf, constructor, __proto__...) is an
// operation like any other: its own cost (or the limit's), never an inherited function (cost NaN:
// every limit allowed it, and a counter it shared with other operations held garbage).
describe('rate-limit on operations named like the members of every object', () => {
  const NAMES = ['valueOf', 'constructor', 'hasOwnProperty', 'toString', '__proto__'];
  const REDIS_URL = process.env.REDIS_URL;
  const stores: [string, string | undefined][] = [
    ['in-process counters', undefined],
    ['Redis', REDIS_URL === undefined ? undefined : `store: { redis: "${REDIS_URL}", prefix: proto${process.pid}x${Date.now()} }`],
  ];
  for (const [store, storeYaml] of stores) {
    test(`each is limited, with its own cost, and the counter shared with other operations stays exact (${store})`, { skip: store === 'Redis' && storeYaml === undefined ? 'REDIS_URL is not set' : false }, async () => {
      const upstream = await startUpstream();
      const routes = [...NAMES, 'normal'].map((n) => `      - { path: /${n}, operationId: ${n} }`).join('\n');
      const gw = await startTestGateway(apisYaml(upstream.url, `  - name: api
    upstream: backend
    routes:
${routes}
    policies:
      rate-limit:
        ${storeYaml ?? ''}
        costs: { __proto__: 2, normal: 1 }
        limits:
          - { name: shared, algorithm: fixed-window, limit: 100, window: 1h, key: [ip] }
          - { name: per-op, algorithm: gcra, rate: 2, per: 1h, key: [ip, operation] }
`));
      try {
        let used = 0;
        for (const name of NAMES) {
          const cost = name === '__proto__' ? 2 : 1;
          const expected = name === '__proto__' ? [200, 429] : [200, 200, 429];
          const got: number[] = [];
          for (let i = 0; i < expected.length; i++) {
            const res = await fetch(`${gw.url}/${name}`);
            await res.arrayBuffer();
            got.push(res.status);
            if (res.status === 200) used += cost;
            assert.match(res.headers.get('ratelimit') ?? '', /^"shared";r=\d+;t=\d+, "per-op";r=\d+;t=\d+$/, `${name}: RateLimit ${res.headers.get('ratelimit')}`);
          }
          assert.deepEqual(got, expected, name);
        }
        const normal = await fetch(`${gw.url}/normal`);
        await normal.arrayBuffer();
        assert.equal(normal.status, 200);
        assert.match(normal.headers.get('ratelimit')!, new RegExp(`^"shared";r=${100 - used - 1};t=\\d+, "per-op";r=1;t=\\d+$`));
      } finally {
        await gw.close();
        await upstream.close();
      }
    });
  }
});
