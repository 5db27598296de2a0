// The dashboard's built assets (dist/web), built once when missing so a clean clone can run the tests.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
let building: Promise<void> | undefined;

export function ensureWebBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'dist', 'web', 'index.html'))) return Promise.resolve();
  // Built beside and renamed into place: test files running in parallel never see half a build.
  const out = join(ROOT, 'dist', `web.tmp-${process.pid}`);
  building ??= (async () => {
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--outDir', out, '--emptyOutDir'], { cwd: ROOT });
    await rename(out, join(ROOT, 'dist', 'web')).catch(() => rm(out, { recursive: true, force: true }));
  })();
  return building;
}

/**
 * A gateway with API-key auth on a SQLite store and attack detection, the audit trail on, the admin
 * listener with that store and a token; `blocks`: an anomaly detector in enforce mode that never fires
 * (the block table and /api/blocks exist).
 */
export function dashboardYaml(upstream: string, options: { token?: string; store?: boolean; blocks?: boolean } = {}): string {
  return `listeners:
  - port: 0
    host: 127.0.0.1
admin:
  port: 0
${options.token === undefined ? '' : `  token: ${options.token}\n`}${options.store === false ? '' : '  store: ./keys.db\n'}audit:
  enabled: true
  store: ./audit.db
  flushInterval: 50ms
${options.blocks ? 'alerts:\n  anomalies:\n    credentialStuffing: { distinctCredentials: 100000, mode: enforce }\n' : ''}upstreams:
  backend:
    url: ${upstream}
apis:
  - name: api
    upstream: backend
    routes:
      - path: /*
        operationId: all
    policies:
      auth-apikey:
        store: ./keys.db
        cacheTtl: 200ms
      inspect: {}
`;
}
