// Micro-benchmark of the attack-detection engine alone, deterministic enough for a shared machine:
// the waf-post scenario's 1 KB JSON order (bench/lib/order-body.ts) inspected N times in-process, no network.
//   node bench/detect-micro.ts [iterations=5000] [rounds=5]
// Prints the median of the rounds in µs per inspection (lower is better), in CPU time (what this
// process used, so less sensitive to other processes on a shared machine) and in wall time.

import { compileDetector } from '../src/detect/index.ts';
import { orderBody } from './lib/order-body.ts';

const body = Buffer.from(orderBody);
const request = {
  method: 'POST',
  path: '/echo',
  rawQuery: '',
  headers: { host: '127.0.0.1:8080', 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'autocannon' },
  body,
  contentType: 'application/json',
};

const iterations = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 5);
const detector = compileDetector();
if (detector.inspectRequest(request).blocked) throw new Error('the benchmark body must pass');
for (let i = 0; i < 2000; i++) detector.inspectRequest(request); // warm-up
const cpu: number[] = [];
const wall: number[] = [];
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) detector.inspectRequest(request);
  wall.push(Number(process.hrtime.bigint() - t0) / 1000 / iterations);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / iterations);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `detect-micro: ${body.length}-byte JSON body, ${iterations} x ${rounds} rounds: ${median(cpu).toFixed(1)} µs CPU per inspection (median; min ${Math.min(...cpu).toFixed(1)}), wall ${median(wall).toFixed(1)} µs`,
);
