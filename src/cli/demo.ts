// portcullis demo (npm start): the demo API with its deliberate flaws, and the gateway in front of it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../observe/audit/signer.ts';
import type { Command } from 'commander';
import { createLogger } from '../observe/logger.ts';
import { startGateway } from '../server/gateway.ts';
import { handleSignals } from './serve.ts';
import { exitWith, packageRoot, positiveInt } from './util.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the demo API behind the gateway (the embedded default)')
    .option('-p, --port <n>', 'gateway port', positiveInt, 8080)
    .option('--admin-port <n>', 'admin port', positiveInt, 9901)
    .option('--api-port <n>', 'port of the bare demo API (default: any free port)', Number, 0)
    .option('--unprotected', 'also expose the bare, unprotected demo API on all interfaces (compare with the gateway)')
    .option('--quiet', 'do not print the access log')
    .action(async (options: { port: number; adminPort: number; apiPort: number; unprotected?: boolean; quiet?: boolean }) => {
      const logger = createLogger(options.quiet ? 'warn' : 'info', options.quiet ? '/dev/null' : 1);
      try {
        const { startDemoApi } = await import('../../examples/demo/api.ts');
        const api = await startDemoApi({ port: options.apiPort, host: options.unprotected ? '0.0.0.0' : '127.0.0.1' });
        const audit = demoAuditFiles();
        const adminToken = randomBytes(18).toString('base64url');
        const env = {
          ...process.env,
          DEMO_API_URL: `http://127.0.0.1:${api.port}`,
          PORTCULLIS_PORT: String(options.port),
          PORTCULLIS_ADMIN_PORT: String(options.adminPort),
          PORTCULLIS_ADMIN_TOKEN: adminToken,
          PORTCULLIS_AUDIT_STORE: audit.store,
          PORTCULLIS_AUDIT_KEY: audit.key,
        };
        const gateway = await startGateway({ configPath: join(packageRoot(), 'examples', 'demo', 'portcullis.yaml'), logger, env });
        process.stderr.write(banner(gateway.urls[0]!.url, gateway.adminUrl, api.url, options.unprotected === true, api.users, adminToken, audit.store));
        handleSignals(gateway, []);
        process.on('exit', () => void api.close());
      } catch (error) {
        exitWith(error, logger);
      }
    });
}

/** The demo's audit trail lives in a temp folder (kept across runs, so the chain continues), with its own signing key. */
function demoAuditFiles(): { store: string; key: string } {
  const dir = join(tmpdir(), 'portcullis-demo');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'audit.key');
  if (!existsSync(key)) writeFileSync(key, generateKeyPair().privatePem, { mode: 0o600 });
  return { store: join(dir, 'audit.db'), key };
}

function banner(url: string, admin: string | undefined, apiUrl: string, unprotected: boolean, users: readonly { username: string; password: string; role: string; apiKey: string }[], adminToken: string, auditStore: string): string {
  const lines = [
    '',
    'Portcullis demo',
    `  gateway (protected)   ${url}/api/v2`,
    `  bare API              ${apiUrl}/api/v2${unprotected ? '   (exposed on all interfaces: --unprotected)' : '   (loopback only)'}`,
    ...(admin
      ? [
          `  admin                 ${admin}/healthz`,
          `  admin token           ${adminToken}   (new each run; for /api/* and /metrics)`,
          `  audit trail           ${auditStore}`,
        ]
      : []),
    '',
    '  users (username / password / role / API key):',
    ...users.map((u) => `    ${u.username.padEnd(8)} ${u.password.padEnd(14)} ${u.role.padEnd(6)} ${u.apiKey}`),
    '',
    '  try:',
    `    curl -i ${url}/api/v2/products`,
    `    curl -i -H 'X-API-Key: ${users[0]?.apiKey ?? ''}' ${url}/api/v2/me`,
    `    curl -i ${url}/api/v2/debug/config      # undocumented: refused by the gateway`,
    `    curl -i ${apiUrl}/api/v2/debug/config   # ...but there on the bare API`,
    ...(admin
      ? [
          `    curl -H 'Authorization: Bearer ${adminToken}' '${admin}/api/events?verdict=deny'`,
          `    curl -H 'Authorization: Bearer ${adminToken}' ${admin}/api/inventory`,
          `    portcullis audit-log verify --store ${auditStore}`,
        ]
      : []),
    '',
    '  Ctrl-C to stop. The access log follows on stdout.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
