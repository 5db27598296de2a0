// wrk and nginx come from Debian's packages: installed when missing and we run as root (bounded in time).
import { spawnSync } from 'node:child_process';
import { has } from './targets.ts';

const INSTALL_TIMEOUT_MS = 240_000;

function apt(args: string[], timeout: number): { ok: boolean; detail: string } {
  const out = spawnSync('apt-get', args, {
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
    // RUNLEVEL=1 keeps the package scripts from starting a system nginx on port 80
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' },
  });
  if (out.error) return { ok: false, detail: out.error.message };
  return { ok: out.status === 0, detail: (out.stderr || out.stdout || '').trim().split('\n').slice(-2).join(' ') };
}

// Returns notes to print; never throws: the run goes on without what could not be installed.
export function ensureTools(wanted: string[], allowInstall: boolean): string[] {
  const missing = wanted.filter((tool) => !has(tool));
  if (missing.length === 0) return [];
  const notes: string[] = [];
  if (!allowInstall) return [`not installed (and --no-install given): ${missing.join(', ')}`];
  if (process.getuid?.() !== 0) return [`not installed: ${missing.join(', ')} (not root, so not installing; apt-get install -y ${missing.join(' ')})`];
  process.stderr.write(`installing ${missing.join(', ')} with apt-get (at most ${INSTALL_TIMEOUT_MS / 1000} s)...\n`);
  const started = Date.now();
  const update = apt(['update'], INSTALL_TIMEOUT_MS / 2);
  if (!update.ok) notes.push(`apt-get update failed: ${update.detail}`);
  const left = Math.max(30_000, INSTALL_TIMEOUT_MS - (Date.now() - started));
  const install = apt(['install', '-y', '--no-install-recommends', ...missing], left);
  const still = missing.filter((tool) => !has(tool));
  if (still.length) notes.push(`could not install ${still.join(', ')}: ${install.detail || 'apt-get failed'}; going on without ${still.length > 1 ? 'them' : 'it'}`);
  else notes.push(`installed ${missing.join(', ')}`);
  return notes;
}
