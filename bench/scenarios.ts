// Benchmark scenarios: one request shape, sent by the same load generator to every target in turn.
// To benchmark a Portcullis policy, add a scenario whose targets include the passthrough gateway and
// the gateway with that policy's example config (see portcullis() below), so both run in the same run.
import type { TargetSpec } from './lib/targets.ts';
import { orderBody } from './lib/order-body.ts';
import { makeBenchJwt } from './make-jwt.ts';
import { writeOpsSpec } from './ops-spec.ts';

export interface Scenario {
  name: string; // --scenario <name>
  description: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  path: string; // requested on every target; the upstream answers /small, /2kb and /echo
  body?: string;
  headers?: Record<string, string>;
  expectStatus?: number; // status the first request must get before load starts (default 200)
  targets: TargetSpec[]; // measured one after another, in this order
  reference?: string; // name of the target the others are compared with (default "portcullis")
  yardstick?: { target: string; min: number }; // goal: reference req/s ÷ target req/s >= min
}

export const direct: TargetSpec = { name: 'direct', kind: 'direct' };
export const minimal: TargetSpec = { name: 'minimal-proxy', kind: 'minimal' };
export const fastify: TargetSpec = { name: 'fastify-proxy', kind: 'fastify' };
export const nginx: TargetSpec = { name: 'nginx', kind: 'nginx' };

// Portcullis with one of the example configs; UPSTREAM_URL, PORT and ADMIN_PORT are set by the harness.
export function portcullis(name = 'portcullis', config = 'examples/passthrough.yaml', extra: Partial<TargetSpec> = {}): TargetSpec {
  return { name, kind: 'portcullis', config, ...extra };
}

const peers = [direct, minimal, fastify, nginx];
const yardstick = { target: 'minimal-proxy', min: 0.9 };

const jsonBody = JSON.stringify({
  id: 'c0ffee',
  customer: { name: 'Ada Lovelace', email: 'ada@example.com', country: 'GB' },
  items: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: i + 1, price: 12.5 + i })),
  note: 'x'.repeat(300),
});

export const scenarios: Scenario[] = [
  {
    name: 'small-get',
    description: 'GET a ~100-byte JSON body (the core scenario)',
    method: 'GET',
    path: '/small',
    targets: [...peers, portcullis()],
    yardstick,
  },
  {
    name: '2kb-get',
    description: 'GET a 2 KB JSON body',
    method: 'GET',
    path: '/2kb',
    targets: [...peers, portcullis()],
    yardstick,
  },
  {
    name: 'echo-post',
    description: `POST a ${Buffer.byteLength(jsonBody)}-byte JSON body, echoed back by the upstream`,
    method: 'POST',
    path: '/echo',
    body: jsonBody,
    headers: { 'content-type': 'application/json' },
    targets: [...peers, portcullis()],
    yardstick,
  },
  {
    name: 'jwt-get',
    description: 'GET /small with an RS256 bearer token: JWT authentication (verified-token cache) vs passthrough',
    method: 'GET',
    path: '/small',
    headers: { authorization: `Bearer ${await makeBenchJwt()}` },
    targets: [portcullis(), portcullis('portcullis-jwt', 'examples/bench-jwt.yaml')],
    reference: 'portcullis-jwt',
    yardstick: { target: 'portcullis', min: 0.9 },
  },
  {
    name: 'waf-post',
    description: `POST a ${Buffer.byteLength(orderBody)}-byte JSON order: attack detection (examples/waf-only.yaml) vs passthrough`,
    method: 'POST',
    path: '/echo',
    body: orderBody,
    headers: { 'content-type': 'application/json' },
    targets: [portcullis(), portcullis('portcullis-waf', 'examples/waf-only.yaml')],
    reference: 'portcullis-waf',
    yardstick: { target: 'portcullis', min: 0.85 },
  },
  {
    name: 'waf-validate-post',
    description: `POST the ${Buffer.byteLength(orderBody)}-byte JSON order: attack detection + OpenAPI request validation (examples/bench-waf-validate.yaml) vs passthrough`,
    method: 'POST',
    path: '/echo',
    body: orderBody,
    headers: { 'content-type': 'application/json' },
    targets: [portcullis(), portcullis('portcullis-waf', 'examples/waf-only.yaml'), portcullis('portcullis-waf-validate', 'examples/bench-waf-validate.yaml')],
    reference: 'portcullis-waf-validate',
    yardstick: { target: 'portcullis', min: 0.8 },
  },
  {
    name: 'filter-2kb-get',
    description: 'GET the 2 KB JSON list with a bearer token: ownership filtering of $.items[*] and response-filter (examples/bench-filter.yaml) vs passthrough',
    method: 'GET',
    path: '/2kb',
    headers: { authorization: `Bearer ${await makeBenchJwt()}` },
    targets: [portcullis(), portcullis('portcullis-filter', 'examples/bench-filter.yaml')],
    reference: 'portcullis-filter',
    yardstick: { target: 'portcullis', min: 0.75 },
  },
  {
    name: 'ops-get',
    description: 'GET /ops/r2/items/42?fields=name with validation: a 10-operation document vs a 1,000-operation one (routing and validation must stay flat)',
    method: 'GET',
    path: '/ops/r2/items/42?fields=name',
    targets: [
      portcullis('portcullis-10-ops', 'examples/bench-ops.yaml', { env: { OPS_SPEC: writeOpsSpec(10) } }),
      portcullis('portcullis-1000-ops', 'examples/bench-ops.yaml', { env: { OPS_SPEC: writeOpsSpec(1000) } }),
    ],
    reference: 'portcullis-1000-ops',
    yardstick: { target: 'portcullis-10-ops', min: 0.95 },
  },
  {
    name: 'rate-limit-get',
    description: 'GET /small under a per-consumer rate limit on every route: in-process counters and Redis counters vs passthrough',
    method: 'GET',
    path: '/small',
    targets: [portcullis(), portcullis('portcullis-ratelimit', 'examples/bench-rate-limit.yaml'), portcullis('portcullis-ratelimit-redis', 'examples/bench-rate-limit-redis.yaml')],
    reference: 'portcullis-ratelimit',
    yardstick: { target: 'portcullis', min: 0.95 },
  },
  {
    name: 'observe-get',
    description: 'GET /small with the audit trail recording every request (hash chain, SQLite; the worst case: by default only decisions are), metrics, live stats and the inventory (examples/bench-observe.yaml) vs the same passthrough without any of them (examples/bench-bare.yaml)',
    method: 'GET',
    path: '/small',
    targets: [portcullis('portcullis-bare', 'examples/bench-bare.yaml'), portcullis('portcullis-audit-all', 'examples/bench-observe.yaml')],
    reference: 'portcullis-audit-all',
    yardstick: { target: 'portcullis-bare', min: 0.9 },
  },
];

export const defaultScenario = 'small-get';
