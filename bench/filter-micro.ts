// Micro-benchmark of the response-body policies alone (the filter-2kb-get scenario without the
// network): examples/bench-filter.yaml's chain (ownership of $.items[*] and response-filter) run N
// times in-process on the upstream's 2 KB list, for a caller owning 17 of its 18 items.
//   node bench/filter-micro.ts [iterations=20000] [rounds=5]
// Prints the median of the rounds in CPU µs per response (lower is better), and wall time.
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config/load.ts';
import type { ResponseHead } from '../src/core/policy.ts';
import { compileRuntime } from '../src/server/runtime.ts';
import { twoKb } from './lib/bodies.ts';

const iterations = Number(process.argv[2] ?? 20000);
const rounds = Number(process.argv[3] ?? 5);
const config = fileURLToPath(new URL('../examples/bench-filter.yaml', import.meta.url));
const runtime = await compileRuntime(await loadConfig(config, { ...process.env, UPSTREAM_URL: 'http://127.0.0.1:9' }), pino({ level: 'silent' }));
const found = runtime.router.lookup('GET', '/2kb');
if (found.kind !== 'match') throw new Error('GET /2kb is not routed by examples/bench-filter.yaml');
const { chain, api, operationId } = found.match.value;
// The fields the body policies read; a real RequestContext needs a live socket.
const ctx = {
  id: 'bench',
  api,
  operationId,
  errorCode: undefined,
  identity: { subject: 'bench-user', scopes: [], roles: [], claims: { sub: 'bench-user' }, method: 'jwt' },
  state: undefined,
  decisions: undefined,
  record() {},
} as never;
const respond = () => {
  const head: ResponseHead = { statusCode: 200, headers: { 'content-type': 'application/json', 'content-length': String(twoKb.length) } };
  return chain.onResponseBody(ctx, head, twoKb);
};
const out = JSON.parse(respond().toString());
if (out.items.length !== 17 || 'sku' in out.items[0]) throw new Error('the chain must drop one item and every sku');
for (let i = 0; i < 2000; i++) respond(); // warm-up
const cpu: number[] = [];
const wall: number[] = [];
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) respond();
  wall.push(Number(process.hrtime.bigint() - t0) / 1000 / iterations);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / iterations);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`filter-micro: ${twoKb.length}-byte JSON list, ${iterations} x ${rounds} rounds: ${median(cpu).toFixed(1)} µs CPU per response (median; min ${Math.min(...cpu).toFixed(1)}), wall ${median(wall).toFixed(1)} µs`);
await runtime.close();
