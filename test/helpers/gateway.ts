// Starts a real gateway in-process from a YAML text (written to a temp dir), on ephemeral ports.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import pino, { type Logger } from 'pino';
import { startGateway, type RunningGateway } from '../../src/server/gateway.ts';
import { startUpstream, type TestUpstream } from './upstream.ts';

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

/** `logger`: where the gateway logs (silent by default). */
export async function startTestGateway(yaml: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env, logger: Logger = pino({ level: 'silent' })): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-test-'));
  const configPath = join(dir, 'portcullis.yaml');
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(configPath, yaml);
  const gateway = await startGateway({ configPath, logger, env });
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

/** The usual test config: ephemeral listener, admin off, one upstream `backend`; `apis` is the YAML list under `apis:`. */
export function apisYaml(upstreamUrl: string, apis: string): string {
  return `listeners: [{ port: 0, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstreamUrl} } }
apis:
${apis}`;
}

export interface SuiteGateway {
  readonly upstream: TestUpstream;
  readonly gw: TestGateway;
}

/**
 * For a describe block: a recording upstream and a gateway of `apisYaml(upstream, apis)` started before
 * its tests and closed after them. Read the fields inside tests (they are set by then).
 */
export function suiteGateway(apis: string, files: Record<string, string> = {}): SuiteGateway {
  const suite = {} as { upstream: TestUpstream; gw: TestGateway };
  before(async () => {
    suite.upstream = await startUpstream();
    suite.gw = await startTestGateway(apisYaml(suite.upstream.url, apis), files);
  });
  after(async () => {
    await suite.gw?.close();
    await suite.upstream?.close();
  });
  return suite;
}
