// Starts a real gateway in-process from a YAML text (written to a temp dir), on ephemeral ports.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../src/server/gateway.ts';

export interface TestGateway {
  readonly url: string;
  readonly adminUrl: string | undefined;
  readonly gateway: RunningGateway;
  readonly dir: string;
  readonly configPath: string;
  /** Replaces the config file's text (then call gateway.reload()). */
  rewrite(yaml: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTestGateway(yaml: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-test-'));
  const configPath = join(dir, 'portcullis.yaml');
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(configPath, yaml);
  const gateway = await startGateway({ configPath, logger: pino({ level: 'silent' }), env });
  return {
    url: gateway.urls[0]!.url,
    adminUrl: gateway.adminUrl,
    gateway,
    dir,
    configPath,
    rewrite: (text) => writeFile(configPath, text),
    async close() {
      await gateway.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal config: one catch-all API to `upstreamUrl`, ephemeral ports, admin off unless asked. */
export function passthroughYaml(upstreamUrl: string, extra = ''): string {
  return `listeners:
  - port: 0
    host: 127.0.0.1
admin:
  enabled: false
upstreams:
  backend:
    url: ${upstreamUrl}
apis:
  - name: api
    upstream: backend
    routes:
      - path: /*
        operationId: all
${extra}`;
}
