// `serve` reloads by itself when the config file changes (no SIGHUP): a new route appears, an invalid
// edit is ignored while the running config keeps serving, and nothing restarts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startCli } from './helpers/process.ts';
import { startUpstream } from './helpers/upstream.ts';

const config = (port: number, upstream: string, paths: string[]) => `listeners: [{ port: ${port}, host: 127.0.0.1 }]
admin: { enabled: false }
upstreams: { backend: { url: ${upstream} } }
apis:
  - name: api
    upstream: backend
    routes:
${paths.map((p) => `      - path: ${p}`).join('\n')}
`;

async function statusWithin(url: string, want: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let last = 0;
  while (Date.now() < deadline) {
    last = await fetch(url).then((r) => r.status, () => 0);
    if (last === want) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

test('a changed config file is applied without a signal or a restart', async () => {
  const upstream = await startUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'pcl-watch-'));
  const file = join(dir, 'portcullis.yaml');
  const port = await freePort();
  await writeFile(file, config(port, upstream.url, ['/a']));
  const gw = startCli(['serve', '-c', file, '--workers', '1']);
  try {
    const base = `http://127.0.0.1:${port}`;
    assert.equal(await statusWithin(`${base}/a`, 200, 10_000), 200);
    assert.equal((await fetch(`${base}/b`)).status, 404);

    await writeFile(file, config(port, upstream.url, ['/a', '/b']));
    assert.equal(await statusWithin(`${base}/b`, 200, 5_000), 200);

    await writeFile(file, 'apis: [ this is not valid');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await fetch(`${base}/b`)).status, 200, 'the running config keeps serving');
    assert.match(gw.stdout(), /config reload rejected/);
    assert.equal(gw.child.exitCode, null);
  } finally {
    await gw.kill();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
});
