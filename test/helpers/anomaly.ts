// What the anomaly tests share: one API behind API-key authentication, whose refused keys feed the
// credential-stuffing detector, and the spray of stolen keys from one network that trips it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey } from '../../src/auth/api-key.ts';
import { freshGet } from './fresh-get.ts';
import { freePort, startCli, waitUntil } from './process.ts';
import { startUpstream } from './upstream.ts';

/**
 * The `upstreams` and `apis` of a config: one API behind auth-apikey (lockout out of the way), one
 * consumer per key; its operations are /v1/* ("api"), or those of a spec file (`spec`, API "shop").
 */
export function keyedApiYaml(upstreamUrl: string, consumers: Readonly<Record<string, string>>, spec?: string): string {
  const entries = Object.entries(consumers).map(([id, key]) => `          - { id: ${id}, keys: [{ sha256: ${hashApiKey(key)} }] }`);
  const api = spec === undefined ? '  - name: api\n    upstream: backend\n    routes: [{ path: /v1/*, operationId: v1 }]' : `  - name: shop\n    spec: ${spec}\n    upstream: backend`;
  return `upstreams: { backend: { url: ${upstreamUrl} } }
apis:
${api}
    policies:
      auth-apikey:
        format: any
        bruteForce: { maxFailures: 100000 }
        consumers:
${entries.join('\n')}
`;
}

/**
 * Sends a different stolen key from each address of 203.0.113.0/24 until the gateway answers 429;
 * every answer before must be 401. Returns the number of refused keys sent.
 */
export async function sprayUntilBlocked(send: (key: string, ip: string) => Promise<number>, max = 60): Promise<number> {
  let tried = 0;
  for (; tried < max; tried++) {
    const status = await send(`stolen-key-${tried}-0123456789`, `203.0.113.${tried + 1}`);
    if (status === 429) break;
    assert.equal(status, 401);
  }
  assert.ok(tried < max, 'never blocked');
  return tried;
}

export interface AnomalyCluster {
  /** The API listener and the admin listener. */
  readonly base: string;
  readonly admin: string;
  stop(): Promise<void>;
}

/**
 * `serve --workers 2` with credential stuffing in enforce mode (8 distinct refused keys per /24), the
 * audit trail (chain "gw": workers "gw/w1" and "gw/w2") and the keyed API; resolves once it is ready.
 */
export async function startAnomalyCluster(o: { key: string; blockFor: string; token?: string }): Promise<AnomalyCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-anomaly-cluster-'));
  const upstream = await startUpstream();
  const port = await freePort();
  const adminPort = await freePort();
  const configPath = join(dir, 'portcullis.yaml');
  await writeFile(
    configPath,
    `listeners: [{ port: ${port}, host: 127.0.0.1 }]
admin: { host: 127.0.0.1, port: ${adminPort}${o.token === undefined ? '' : `, token: ${o.token}`} }
log: { level: warn, access: false }
forwarding: { trustedProxies: [127.0.0.1] }
audit: { enabled: true, store: audit.db, chain: gw, flushInterval: 20ms }
alerts:
  anomalies:
    credentialStuffing: { distinctCredentials: 8, window: 1m, mode: enforce, blockFor: ${o.blockFor} }
${keyedApiYaml(upstream.url, { alice: o.key })}`,
  );
  const gw = startCli(['serve', '-c', configPath, '--workers', '2', '--no-watch']);
  const admin = `http://127.0.0.1:${adminPort}`;
  const stop = async () => {
    await gw.kill();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('readyz 200', async () => (await freshGet(`${admin}/readyz`).catch(() => ({ status: 0 }))).status === 200, 100_000, 100);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base: `http://127.0.0.1:${port}`, admin, stop };
}
