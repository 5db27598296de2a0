// How to start each kind of target. Every target is one process (its own process group) serving
// HTTP on 127.0.0.1:<port> with one worker, proxying to the shared upstream (except "direct").
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, start, type Proc } from './procs.ts';

export type TargetKind = 'direct' | 'minimal' | 'fastify' | 'nginx' | 'portcullis';

export interface TargetSpec {
  name: string; // unique within a scenario, used by --only and in the table
  kind: TargetKind;
  config?: string; // portcullis: config file relative to the repository root
  checkout?: string; // portcullis: run from this other checkout of the repository (default: this one)
  env?: Record<string, string>; // extra environment for the target process
  headers?: Record<string, string>; // extra request headers for this target only (merged over the scenario's)
  readyTimeoutMs?: number;
}

export interface StartContext {
  upstreamUrl: string;
  cpus: string | null;
  logFile: string;
  tmpDir: string;
}

export interface StartedTarget {
  proc: Proc;
  port: number;
  readyTimeoutMs: number;
}

export const root = fileURLToPath(new URL('../../', import.meta.url));
const bench = (file: string) => join(root, 'bench', file);

export class Unavailable extends Error {}

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export function nginxConfig(dir: string, port: number, upstreamUrl: string): string {
  const upstream = new URL(upstreamUrl);
  return `# Written by bench/lib/targets.ts for one benchmark run.
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  upstream backend {
    server ${upstream.hostname}:${upstream.port};
    keepalive 128;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }
  }
}
`;
}

export async function startTarget(spec: TargetSpec, ctx: StartContext): Promise<StartedTarget> {
  const port = await freePort();
  const opts = { cpus: ctx.cpus, log: ctx.logFile, cwd: spec.checkout ?? root, env: spec.env ?? {} };
  const node = process.execPath;
  switch (spec.kind) {
    case 'direct':
      // A second instance of the upstream, on the target's CPU: the load generator talks to it directly.
      return { proc: start(spec.name, node, [bench('upstream.ts'), '--port', String(port)], opts), port, readyTimeoutMs: spec.readyTimeoutMs ?? 15_000 };
    case 'minimal':
      return { proc: start(spec.name, node, [bench('minimal-proxy.ts'), '--port', String(port), '--upstream', ctx.upstreamUrl], opts), port, readyTimeoutMs: spec.readyTimeoutMs ?? 15_000 };
    case 'fastify':
      return { proc: start(spec.name, node, [bench('fastify-proxy.ts'), '--port', String(port), '--upstream', ctx.upstreamUrl], opts), port, readyTimeoutMs: spec.readyTimeoutMs ?? 15_000 };
    case 'nginx': {
      if (!has('nginx')) throw new Unavailable('nginx is not installed');
      const dir = join(ctx.tmpDir, `nginx-${spec.name}`);
      mkdirSync(dir, { recursive: true });
      chmodSync(ctx.tmpDir, 0o755); // workers run as an unprivileged user when nginx starts as root
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, ctx.upstreamUrl));
      return { proc: start(spec.name, 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], opts), port, readyTimeoutMs: spec.readyTimeoutMs ?? 15_000 };
    }
    case 'portcullis': {
      const adminPort = await freePort();
      // A TMPDIR of its own in the run's temp folder: configs keep their stores under it, so every run
      // starts from empty stores, and two gateways never claim one audit chain.
      const tmp = join(ctx.tmpDir, `gateway-${spec.name}`);
      mkdirSync(tmp, { recursive: true });
      const env = { TMPDIR: tmp, ...opts.env, UPSTREAM_URL: ctx.upstreamUrl, PORT: String(port), ADMIN_PORT: String(adminPort) };
      const args = [join(spec.checkout ?? root, 'src/cli/main.ts'), 'serve', '-c', spec.config ?? 'examples/passthrough.yaml', '--workers', '1'];
      return { proc: start(spec.name, node, args, { ...opts, env }), port, readyTimeoutMs: spec.readyTimeoutMs ?? 30_000 };
    }
  }
}
