// Load generators: wrk (C, preferred) or autocannon (Node), both reduced to one result shape.
// Each runs as its own process (pinned like the rest) and reports through a machine-readable line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop, type Proc } from './procs.ts';

export type Tool = 'wrk' | 'autocannon';

export interface LoadSpec {
  url: string;
  method: string;
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number; // responses outside 2xx/3xx
  errors: number; // connect/read/write errors and timeouts
}

export interface LoadRun {
  proc: Proc;
  result: Promise<LoadResult>;
}

const MARK = 'BENCH_RESULT ';

// Lua string literal with every byte outside [A-Za-z0-9 ] escaped as \ddd (safe for any body).
function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text)) {
    out += (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte === 32
      ? String.fromCharCode(byte)
      : `\\${String(byte).padStart(3, "0")}`;
  }
  return `${out}"`;
}

export function wrkScript(spec: LoadSpec): string {
  const lines = [`wrk.method = ${luaString(spec.method)}`];
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`);
  for (const [name, value] of Object.entries(spec.headers ?? {})) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    `  io.write(string.format("${MARK}{\\"requests\\":%d,\\"duration_us\\":%d,\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d,\\"p50\\":%d,\\"p90\\":%d,\\"p99\\":%d,\\"max\\":%d,\\"mean\\":%.1f}\\n",`,
    '    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

function collect(proc: Proc, seconds: number, parse: (json: any) => LoadResult): Promise<LoadResult> {
  let out = '';
  proc.child.stdout!.setEncoding('utf8');
  proc.child.stdout!.on('data', (chunk: string) => { out += chunk; });
  const watchdog = setTimeout(() => void stop(proc), (seconds + 20) * 1000);
  // 'exit' may come before the last output is read: wait for the end of stdout too.
  const drained = new Promise((resolve) => proc.child.stdout!.on('close', resolve));
  return Promise.all([proc.exited, drained]).then(([code]) => {
    clearTimeout(watchdog);
    const line = out.split('\n').find((l) => l.startsWith(MARK));
    if (!line) throw new Error(`${proc.name} exited with code ${code} without a result${out ? `: ${out.trim().slice(-400)}` : ''}`);
    return parse(JSON.parse(line.slice(MARK.length)));
  });
}

let scripts = 0;

export function runLoad(tool: Tool, spec: LoadSpec, opts: { cpus: string | null; tmpDir: string; log: string | null }): LoadRun {
  if (tool === 'wrk') {
    const script = join(opts.tmpDir, `wrk-${++scripts}.lua`); // several may run at once (--together)
    writeFileSync(script, wrkScript(spec));
    const proc = start('wrk', 'wrk', ['-t1', `-c${spec.connections}`, `-d${spec.seconds}s`, '--timeout', '5s', '-s', script, spec.url], { cpus: opts.cpus, stdout: 'pipe', log: opts.log });
    return {
      proc,
      result: collect(proc, spec.seconds, (r) => {
        const seconds = r.duration_us / 1e6;
        return {
          requests: r.requests, seconds, rps: r.requests / seconds,
          latencyMs: { p50: r.p50 / 1000, p90: r.p90 / 1000, p99: r.p99 / 1000, max: r.max / 1000, mean: r.mean / 1000 },
          non2xx: r.status, errors: r.connect + r.read + r.write + r.timeout,
        };
      }),
    };
  }
  const runner = fileURLToPath(new URL('./autocannon-runner.ts', import.meta.url));
  const proc = start('autocannon', process.execPath, [runner, JSON.stringify(spec)], { cpus: opts.cpus, stdout: 'pipe', log: opts.log });
  return { proc, result: collect(proc, spec.seconds, (r) => r as LoadResult) };
}
