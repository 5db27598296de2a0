// portcullis demo (npm start): the demo API with its deliberate flaws, the gateway in front of it, the
// dashboard on the admin listener (a fresh admin token each run), and background traffic so that
// every dashboard page has something to show within a minute (--no-traffic to stay quiet).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../observe/audit/signer.ts';
import type { Command } from 'commander';
import { createLogger } from '../observe/logger.ts';
import { startGateway, type RunningGateway } from '../server/gateway.ts';
import { sharedStore } from '../store/open.ts';
import { handleSignals } from './serve.ts';
import { exitWith, packageRoot, positiveInt } from './util.ts';

interface DemoOptions {
  port: number;
  host: string;
  adminPort: number;
  apiPort: number;
  unprotected?: boolean;
  quiet?: boolean;
  traffic: boolean;
  trafficRate: number;
  adminToken?: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the demo API behind the gateway (the embedded default), with the dashboard and sample traffic')
    .option('-p, --port <n>', 'gateway port', positiveInt, 8080)
    .option('--host <address>', 'address the gateway listens on (the demo\'s credentials are public: loopback unless you choose)', '127.0.0.1')
    .option('--admin-port <n>', 'admin port (dashboard)', positiveInt, 9901)
    .option('--api-port <n>', 'port of the bare demo API (default: any free port)', Number, 0)
    .option('--unprotected', 'also expose the bare, unprotected demo API on all interfaces (compare with the gateway)')
    .option('--quiet', 'do not print the access log')
    .option('--no-traffic', 'do not send sample traffic (ordinary calls, a scraper, a few attacks)')
    .option('--traffic-rate <n>', 'sample requests per second', positiveInt, 4)
    .option('--admin-token <token>', 'admin token of the dashboard (default: $PORTCULLIS_ADMIN_TOKEN or a random one)')
    .action(async (options: DemoOptions) => {
      const logger = createLogger(options.quiet ? 'warn' : 'info', options.quiet ? '/dev/null' : 1);
      try {
        const { startDemoApi } = await import('../../examples/demo/api.ts');
        const api = await startDemoApi({ port: options.apiPort, host: options.unprotected ? '0.0.0.0' : '127.0.0.1' });
        const audit = demoAuditFiles();
        const token = options.adminToken ?? process.env.PORTCULLIS_ADMIN_TOKEN ?? randomBytes(18).toString('base64url');
        const env = {
          ...process.env,
          DEMO_API_URL: `http://127.0.0.1:${api.port}`,
          PORTCULLIS_PORT: String(options.port),
          PORTCULLIS_HOST: options.host,
          PORTCULLIS_ADMIN_PORT: String(options.adminPort),
          PORTCULLIS_ADMIN_TOKEN: token,
          PORTCULLIS_AUDIT_STORE: audit.store,
          PORTCULLIS_AUDIT_KEY: audit.key,
        };
        const configPath = join(packageRoot(), 'examples', 'demo', 'portcullis.yaml');
        const gateway = await startGateway({ configPath, logger, env });
        await seedConsumers(gateway, join(packageRoot(), 'examples', 'demo'));
        const url = gateway.urls[0]!.url;
        const traffic = options.traffic ? (await import('../../examples/demo/traffic.ts')).startTraffic({ baseUrl: `${url}/api/v2`, users: api.users, rate: options.trafficRate }) : undefined;
        process.stderr.write(banner(url, gateway.adminUrl, token, audit.store, api.url, options.unprotected === true, api.users, traffic !== undefined));
        handleSignals(gateway, []);
        process.on('exit', () => {
          traffic?.stop();
          void api.close();
        });
      } catch (error) {
        exitWith(error, logger);
      }
    });
}

/** The consumers declared in the demo config, copied into the store so the dashboard can give them keys. */
async function seedConsumers(gateway: RunningGateway, baseDir: string): Promise<void> {
  const location = gateway.runtime.config.admin.store;
  if (location === undefined) return;
  const store = await sharedStore(location, baseDir);
  const schemes = (gateway.runtime.config.apis[0]?.policies as Record<string, any> | undefined)?.['auth-schemes']?.schemes ?? {};
  for (const scheme of Object.values(schemes) as { apiKey?: { consumers?: { id: string; roles?: string[]; scopes?: string[]; metadata?: Record<string, unknown> }[] } }[]) {
    for (const c of scheme.apiKey?.consumers ?? []) {
      if (!(await store.getConsumer(c.id))) await store.upsertConsumer({ id: c.id, roles: c.roles ?? [], scopes: c.scopes ?? [], metadata: c.metadata ?? {} });
    }
  }
}

/** The demo's audit trail lives in a temp folder (kept across runs, so the chain continues), with its own signing key. */
function demoAuditFiles(): { store: string; key: string } {
  const dir = join(tmpdir(), 'portcullis-demo');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'audit.key');
  if (!existsSync(key)) writeFileSync(key, generateKeyPair().privatePem, { mode: 0o600 });
  return { store: join(dir, 'audit.db'), key };
}

function banner(url: string, admin: string | undefined, token: string, auditStore: string, apiUrl: string, unprotected: boolean, users: readonly { username: string; password: string; role: string; apiKey: string }[], traffic: boolean): string {
  const lines = [
    '',
    'Portcullis demo',
    `  gateway (protected)   ${url}/api/v2`,
    `  bare API              ${apiUrl}/api/v2${unprotected ? '   (exposed on all interfaces: --unprotected)' : '   (loopback only)'}`,
    ...(admin
      ? [
          `  dashboard             ${admin}/`,
          `  admin token           ${token}   (new each run unless --admin-token; for the dashboard, /api/* and /metrics)`,
          `  audit trail           ${auditStore}`,
        ]
      : []),
    `  sample traffic        ${traffic ? 'on (ordinary calls, a scraper, a few attacks; --no-traffic to turn off)' : 'off'}`,
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
          `    curl -H 'Authorization: Bearer ${token}' '${admin}/api/events?verdict=deny'`,
          `    curl -H 'Authorization: Bearer ${token}' ${admin}/api/inventory`,
          `    portcullis audit-log verify --store ${auditStore}`,
        ]
      : []),
    '',
    '  Ctrl-C to stop. The access log follows on stdout.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}
