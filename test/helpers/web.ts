// The dashboard's built assets (dist/web), built once when missing so a clean clone can run the tests.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
let building: Promise<void> | undefined;

export function ensureWebBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'dist', 'web', 'index.html'))) return Promise.resolve();
  building ??= promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'web', 'vite.config.ts')], { cwd: ROOT }).then(() => undefined);
  return building;
}
