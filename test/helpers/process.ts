// Runs the portcullis CLI as a child process for end-to-end tests: output captured, exit awaited with
// a deadline, and always killed at the end. Also: free ports for children, child PIDs, polling.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'src', 'cli', 'main.ts');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit status; rejects when the process is still running after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL to the process and any children it left (idempotent). */
  kill(): Promise<void>;
}

/** Starts `node src/cli/main.ts ...args` with the same Node binary as the test. */
export function startCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exit: Promise<Exit> = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Output may still be in the pipes when 'exit' fires; 'close' means all of it was read.
  const closed = once(child, 'close').catch(() => {});
  const pid = child.pid ?? -1;
  return {
    child,
    pid,
    stdout: () => out,
    stderr: () => err,
    async exited(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`process ${pid} still running after ${timeoutMs} ms\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`)), timeoutMs);
      });
      try {
        const status = await Promise.race([exit, deadline]);
        await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
        return status;
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      const orphans = childPids(pid);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exit;
      }
      for (const p of orphans) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Exit & { stdout: string; stderr: string }> {
  const p = startCli(args, options);
  try {
    const status = await p.exited(options.timeoutMs ?? 15_000);
    return { ...status, stdout: p.stdout(), stderr: p.stderr() };
  } finally {
    await p.kill();
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** PIDs of the live direct children of `pid` (from /proc; Linux). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ... — comm may contain spaces and parentheses: parse from the last ")".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out.sort((a, b) => a - b);
}

/** TCP states (as in /proc/net/tcp: 0x01 ESTABLISHED, 0x08 CLOSE_WAIT, 0x0A LISTEN...) of the sockets whose local port is `port`; Linux. */
export function socketStates(port: number): number[] {
  const out: number[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && Number.parseInt(cols[1]!.split(':')[1]!, 16) === port) out.push(Number.parseInt(cols[3]!, 16));
    }
  }
  return out;
}

/** Number of TCP sockets in LISTEN state on `port` (any address). */
export function listenSockets(port: number): number {
  return socketStates(port).filter((s) => s === 0x0a).length;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
