// Runs autocannon in its own process (so it is pinned like wrk) and prints one result line.
//   node bench/lib/autocannon-runner.ts '<LoadSpec as JSON>'
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './load.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const result = await autocannon({
  url: spec.url,
  method: spec.method as 'GET',
  ...(spec.body !== undefined ? { body: spec.body } : {}),
  headers: spec.headers ?? {},
  connections: spec.connections,
  duration: spec.seconds,
  pipelining: 1,
  timeout: 5,
});
const out: LoadResult = {
  requests: result.requests.total,
  seconds: result.duration,
  rps: result.requests.total / result.duration,
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
};
process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
