// Child processes of a benchmark run: spawned in their own process group, optionally pinned to CPUs,
// logs to files, and all of them killed when the run ends, fails or is interrupted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  log: string | null;
  exited: Promise<number | null>;
  exitCode: number | null | undefined; // undefined while running
}

const live = new Set<Proc>();
let hasTaskset: boolean | undefined;

export function tasksetAvailable(): boolean {
  hasTaskset ??= spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
  return hasTaskset;
}

export interface StartOptions {
  cpus?: string | null; // taskset CPU list, e.g. "1"; null or absent = not pinned
  env?: Record<string, string>;
  log?: string | null; // file for stdout + stderr; null = discard
  cwd?: string;
  stdout?: 'pipe';
}

export function start(name: string, command: string, args: string[], options: StartOptions = {}): Proc {
  const pinned = options.cpus && tasksetAvailable();
  const [cmd, argv] = pinned ? ['taskset', ['-c', options.cpus!, command, ...args]] : [command, args];
  const fd = options.log ? openSync(options.log, 'a') : null;
  const child = spawn(cmd, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true, // own process group: the whole tree (cluster workers, nginx workers) is killed at once
    stdio: ['ignore', options.stdout ?? (fd ?? 'ignore'), fd ?? 'ignore'],
  });
  if (fd !== null) closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${cmd}`);
  const proc: Proc = { name, child, pid: child.pid, log: options.log ?? null, exitCode: undefined, exited: Promise.resolve(null) };
  proc.exited = new Promise((resolve) => {
    child.on('error', () => { proc.exitCode = -1; live.delete(proc); resolve(-1); });
    child.on('exit', (code, signal) => { proc.exitCode = code ?? (signal ? 128 : null); live.delete(proc); resolve(proc.exitCode); });
  });
  live.add(proc);
  return proc;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

// SIGTERM the process group, SIGKILL it after a grace period.
export async function stop(proc: Proc, graceMs = 3000): Promise<void> {
  if (proc.exitCode !== undefined) { killGroup(proc.pid, 'SIGKILL'); return; } // leader gone; sweep the rest
  killGroup(proc.pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(r, graceMs, 'timeout').unref());
  if ((await Promise.race([proc.exited, timer])) === 'timeout') killGroup(proc.pid, 'SIGKILL');
  await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 1000).unref())]);
  killGroup(proc.pid, 'SIGKILL'); // stragglers the leader did not reap
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stop(p)));
}

// Last resort, synchronous: used from process 'exit'.
export function killAllSync(): void {
  for (const proc of live) killGroup(proc.pid, 'SIGKILL');
  live.clear();
}

let cleanupInstalled = false;
// First signal: stop every child (so running loads end at once) and give the caller 5 s to write its
// results; a second signal, or the deadline, exits at once. 'exit' always SIGKILLs what is left.
export function installCleanup(onSignal?: () => void): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllSync);
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(130);
      signalled = true;
      process.stderr.write(`\n${signal}: stopping every benchmark process\n`);
      onSignal?.();
      void stopAll();
      setTimeout(() => process.exit(130), 5000);
    });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function probe(port: number, path: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

// Poll until a GET on the port returns any HTTP response; fail early when the process exits.
export async function waitReady(proc: Proc, port: number, path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== undefined) throw new Error(`exited with code ${proc.exitCode} before answering${tail(proc.log)}`);
    if ((await probe(port, path)) !== null) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no HTTP answer on port ${port} within ${timeoutMs / 1000} s${tail(proc.log)}`);
}

export function tail(file: string | null, lines = 8): string {
  if (!file) return '';
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    if (!text) return '';
    return `\n    ${text.split('\n').slice(-lines).join('\n    ')}`;
  } catch {
    return '';
  }
}

// CPU time (in clock ticks) used so far by every process of each given process group, in one pass over /proc.
export function groupTicks(pgids: readonly number[]): number[] {
  const totals = pgids.map(() => 0);
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return pgids.map(() => NaN); }
  for (const entry of entries) {
    if (entry.charCodeAt(0) > 57) continue; // not a pid
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
      const i = pgids.indexOf(Number(fields[2])); // pgrp
      if (i !== -1) totals[i]! += Number(fields[11]) + Number(fields[12]); // utime + stime
    } catch { /* process ended meanwhile */ }
  }
  return totals;
}

// Busy ticks of the whole machine (all CPUs), from /proc/stat.
export function machineBusyTicks(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
    return cpu.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
  } catch {
    return NaN;
  }
}

export function clockTicksPerSecond(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(out.stdout?.trim()) || 100;
}
