// Cost of one rate-limit decision in each counter store, bounded (a few seconds in all):
//   in-process  MemoryCounters.consume, one key and 100k distinct keys
//   ipc         a node:cluster worker asking the primary (the `serve --workers N` path)
//   redis       one EVALSHA of the decision script (needs REDIS_URL, else skipped)
// For the remote stores: sequential latency (p50, p99) and throughput with 100 decisions in flight.
//   node bench/rate-limit-decisions.ts [--n 20000]
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { IpcCounters } from '../src/store/counters/ipc-client.ts';
import { serveCounters } from '../src/store/counters/ipc-server.ts';
import { MemoryCounters } from '../src/store/counters/memory.ts';
import { RedisCounters } from '../src/store/counters/redis.ts';
import type { Counters, Rule, Take } from '../src/store/counters/types.ts';

const arg = process.argv.indexOf('--n');
const N = arg === -1 ? 20_000 : Number(process.argv[arg + 1]);
const rule: Rule = { id: 'bench/per-consumer/gcra', algorithm: 'gcra', limit: 1_000_000, periodMs: 0.001 };
const takes = (key: string): Take[] => [{ rule, key, cost: 1 }];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function remote(name: string, counters: Counters): Promise<string> {
  for (let i = 0; i < 500; i++) await counters.consume(takes('warm')); // warm-up
  const times: number[] = [];
  const n = Math.min(N, 5000);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await counters.consume(takes('c1'));
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (done < N) {
        done++;
        await counters.consume(takes('c1'));
      }
    }),
  );
  const perSecond = Math.round(N / ((performance.now() - started) / 1000));
  return `${name.padEnd(12)} sequential p50 ${quantile(times, 0.5).toFixed(1)} µs, p99 ${quantile(times, 0.99).toFixed(1)} µs; 100 in flight: ${perSecond} decisions/s`;
}

function inProcess(): string[] {
  const counters = new MemoryCounters({ sweepEveryMs: 0 });
  const one = takes('c1');
  for (let i = 0; i < 100_000; i++) counters.consume(one);
  const rounds = N * 20;
  let t = performance.now();
  for (let i = 0; i < rounds; i++) counters.consume(one);
  const single = ((performance.now() - t) * 1e6) / rounds;
  const many = Array.from({ length: 100_000 }, (_, i) => takes(`consumer-${i}`));
  for (const m of many) counters.consume(m);
  t = performance.now();
  for (let i = 0; i < rounds; i++) counters.consume(many[i % many.length]!);
  const spread = ((performance.now() - t) * 1e6) / rounds;
  return [`in-process   one key ${single.toFixed(0)} ns/decision; 100k keys ${spread.toFixed(0)} ns/decision`];
}

if (cluster.isPrimary) {
  const lines = inProcess();
  const worker = cluster.fork({ PORTCULLIS_BENCH_WORKER: '1' });
  serveCounters(worker);
  const ipcLine = await new Promise<string>((resolve) => worker.on('message', (m: { bench?: string }) => m.bench && resolve(m.bench)));
  worker.kill();
  lines.push(ipcLine);
  if (process.env.REDIS_URL) {
    const redis = new RedisCounters({ url: process.env.REDIS_URL, timeoutMs: 1000, prefix: `bench${randomBytes(4).toString('hex')}` });
    await redis.ready();
    lines.push(await remote('redis', redis));
    await redis.close();
  } else lines.push('redis        skipped: REDIS_URL is not set');
  process.stdout.write(`rate-limit decisions (n=${N}, node ${process.version})\n${lines.join('\n')}\n`);
  process.exit(0);
} else {
  const ipc = new IpcCounters(1000);
  process.send!({ bench: await remote('ipc', ipc) });
}
