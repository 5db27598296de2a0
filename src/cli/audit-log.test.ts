// portcullis audit-log verify through a real process, on a signed chain whose beginning was deleted
// the way retention prunes it (events up to a checkpoint, the checkpoints before it): with -c the
// config's audit.retention decides, --retention overrides it, and without any retention a witnessed
// checkpoint before the chain's start fails.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { runCli } from '../../test/helpers/process.ts';
import { generateKeyPair, loadSigner } from '../observe/audit/signer.ts';
import { AuditWriter } from '../observe/audit/writer.ts';
import { SqliteStore } from '../store/sqlite.ts';

describe('audit-log verify: a beginning deleted as if pruned', () => {
  let dir: string;
  const log = () => join(dir, 'gateway.log');
  const config = (retention: string) => writeFile(join(dir, 'portcullis.yaml'), `audit:\n  enabled: true\n  store: ./audit.db\n  signingKey: ./audit.key\n  retention: ${retention}\nupstreams:\n  u:\n    url: http://127.0.0.1:1\napis: []\n`);
  const verify = (...args: string[]) => runCli(['audit-log', 'verify', ...args], { timeoutMs: 60_000 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcl-audit-cli-'));
    await writeFile(join(dir, 'audit.key'), generateKeyPair().privatePem, { mode: 0o600 });
    const store = new SqliteStore(join(dir, 'audit.db'));
    await store.migrate();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const writer = await AuditWriter.open({
      store: store.audit, chain: 'gw1', logger, signer: loadSigner(join(dir, 'audit.key')), bufferSize: 1000, batchSize: 10, flushMs: 60_000,
      checkpointEvery: 10, checkpointMs: 3_600_000, retentionMs: 0,
    });
    for (let i = 0; i < 100; i++) {
      writer.push({
        chain: 'gw1', time: Date.now(), requestId: `r${i}`, clientIp: '192.0.2.1', consumer: 'alice', subject: null, api: 'shop', operation: 'op', method: 'GET',
        path: `/x/${i}`, status: 403, policy: 'authorize', verdict: 'deny', reason: 'PCL_ERR_FORBIDDEN', decisions: null, evidence: null,
      }, true);
      // A checkpoint every 10 events, each a few milliseconds after the one before.
      if (i % 10 === 9) {
        await writer.flush();
        await new Promise((r) => setTimeout(r, 3));
      }
    }
    await writer.close();
    await writeFile(log(), lines.join(''));
    // What retention would leave: events through 90 and the checkpoints before 90 deleted.
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(join(dir, 'audit.db'));
    db.exec('DELETE FROM pcl_audit_events WHERE seq <= 90; DELETE FROM pcl_audit_checkpoints WHERE seq < 90');
    db.close();
    await store.close();
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('-c with retention 0 (kept forever): deleted, also with the witness and --max-unsigned 0', async () => {
    await config('0');
    const r = await verify('-c', join(dir, 'portcullis.yaml'), '--witness', log(), '--max-unsigned', '0');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /deleted +at seq 80: .*although the retention is 0/);
    assert.match(r.stdout, /deleted +at seq 90: events up to 90 are gone although the retention is 0/);
  });

  test('-c with a retention the checkpoint is within: deleted; --retention overrides the config', async () => {
    await config('90d');
    let r = await verify('-c', join(dir, 'portcullis.yaml'), '--witness', log());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /deleted +at seq 90: .*within the retention: deleted, not pruned/);
    assert.match(r.stdout, /deleted +at seq 80: a checkpoint witnessed outside the store/);
    r = await verify('-c', join(dir, 'portcullis.yaml'), '--witness', log(), '--retention', '1ms', '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).retentionMs, 1);
  });

  test('--store without --retention: a witnessed checkpoint before the start fails and says how to pass the retention', async () => {
    const store = ['--store', join(dir, 'audit.db'), '--key', join(dir, 'audit.key')];
    let r = await verify(...store, '--witness', log());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /deleted +at seq 80: .*no retention is known to tell pruning from deletion: pass --retention/);
    // Without a witness nothing contradicts the start; it passes with a warning that nothing was checked.
    r = await verify(...store);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /starting after checkpoint 90 .*retention not known, not checked/);
    assert.match(r.stderr, /warning: chain gw1 starts after checkpoint 90 .*no retention is known.*--retention/);
  });
});
