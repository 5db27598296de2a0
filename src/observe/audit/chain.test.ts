// The writer's chain and the verifier, against real SQLite and PostgreSQL: a clean chain verifies,
// a restart continues it, and each kind of tampering made directly in the database is caught where it is.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { AUDIT_COLUMNS } from '../../store/audit.ts';
import { PostgresStore } from '../../store/postgres.ts';
import { SqliteStore } from '../../store/sqlite.ts';
import type { Store } from '../../store/types.ts';
import { eventHash, type Unhashed } from './hash.ts';
import { generateKeyPair, loadPublicKey, loadSigner } from './signer.ts';
import { verifyChain, verifyStore, type VerifyProblem } from './verify.ts';
import { readWitness } from './witness.ts';
import { AuditWriter } from './writer.ts';

const DATABASE_URL = process.env.DATABASE_URL;
const logger = pino({ level: 'silent' });

type Sql = (text: string, params?: (string | number | null)[]) => Promise<Record<string, unknown>[]>;

function unhashed(chain: string, i: number): Unhashed {
  return {
    chain, time: 1_700_000_000_000 + i, requestId: `req-${i}`, clientIp: '192.0.2.7', consumer: i % 2 ? 'alice' : null, subject: null,
    api: 'shop', operation: 'getOrder', method: 'GET', path: `/orders/${i}`, status: 403, policy: 'ownership', verdict: 'deny',
    reason: 'PCL_ERR_FORBIDDEN', decisions: '[["ownership","deny","PCL_ERR_FORBIDDEN"]]', evidence: '{"reason":"not_owner"}',
  };
}

function suite(name: string, open: () => Promise<{ store: Store; sql: Sql; table: string; cleanup: () => Promise<void> }>) {
  describe(`audit chain on ${name}`, () => {
    let store: Store;
    let sql: Sql;
    let events: string;
    let checkpoints: string;
    let cleanup: () => Promise<void> = async () => {};
    let dir: string;
    let keyPath: string;

    before(async () => {
      const o = await open();
      ({ store, sql, cleanup } = o);
      events = `${o.table}audit_events`;
      checkpoints = `${o.table}audit_checkpoints`;
      await store.migrate();
      dir = await mkdtemp(join(tmpdir(), 'pcl-chain-'));
      keyPath = join(dir, 'audit.key');
      await writeFile(keyPath, generateKeyPair().privatePem, { mode: 0o600 });
    });
    after(async () => {
      await cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const write = async (chain: string, n: number, from = 0) => {
      const writer = await AuditWriter.open({
        store: store.audit, chain, logger, signer: loadSigner(keyPath), bufferSize: 1000, batchSize: 7, flushMs: 10_000,
        checkpointEvery: 10, checkpointMs: 3_600_000, retentionMs: 0,
      });
      for (let i = from; i < from + n; i++) assert.equal(writer.push(unhashed(chain, i), true), true);
      await writer.close();
    };
    const verify = async (chain: string) => verifyChain(store.audit, chain, loadPublicKey(keyPath));
    const kinds = (problems: readonly VerifyProblem[]) => problems.map((p) => `${p.kind}@${p.seq}`);
    const row = async (chain: string, seq: number) => (await sql(`SELECT * FROM ${events} WHERE chain = $1 AND seq = $2`, [chain, seq]))[0]!;

    test('a clean chain verifies; a restart continues it from its last event', async () => {
      await write('clean', 23);
      let report = await verify('clean');
      assert.deepEqual(report.problems, []);
      assert.equal(report.events, 23);
      // Batches of 7, a checkpoint once 10 events have passed since the last one, and one at close.
      assert.deepEqual((await store.audit.checkpoints('clean')).map((c) => c.seq), [14, 23]);
      assert.equal(report.signedCheckpoints, 2);
      await write('clean', 5, 23);
      report = await verify('clean');
      assert.deepEqual(report.problems, []);
      assert.equal(report.lastSeq, 28);
      assert.equal(String((await row('clean', 24)).prev_hash), String((await row('clean', 23)).hash));
    });

    test('retention deletes old events up to a checkpoint; what remains still verifies', async () => {
      await write('ret', 23);
      await new Promise((r) => setTimeout(r, 5));
      const pruning = await AuditWriter.open({
        store: store.audit, chain: 'ret', logger, bufferSize: 100, batchSize: 100, flushMs: 10_000, checkpointEvery: 10, checkpointMs: 3_600_000, retentionMs: 1,
      });
      await pruning.close(); // it prunes when it opens
      assert.equal(await pruning.prune(), 0);
      const report = await verify('ret');
      assert.deepEqual(report.problems, []);
      assert.equal(report.firstSeq, 15);
      // Deleting the first remaining event is still caught.
      await sql(`DELETE FROM ${events} WHERE chain = $1 AND seq = 15`, ['ret']);
      assert.deepEqual(kinds((await verify('ret')).problems), ['checkpoint@14', 'deleted@16']);
    });

    test('one writer per chain: a second writer on a held chain is refused (PostgreSQL)', async (t) => {
      if (store.kind !== 'postgres') return t.skip('SQLite: one host, chains are distinct by construction');
      const options = { store: store.audit, chain: 'held', logger, bufferSize: 10, batchSize: 10, flushMs: 10_000, checkpointEvery: 10, checkpointMs: 3_600_000, retentionMs: 0 };
      const first = await AuditWriter.open(options);
      await assert.rejects(AuditWriter.open(options), /being written by another gateway/);
      await first.close();
      await (await AuditWriter.open(options)).close();
    });

    test('modified: one changed field is reported at its event', async () => {
      await write('mod', 20);
      await sql(`UPDATE ${events} SET verdict = 'allow' WHERE chain = $1 AND seq = 7`, ['mod']);
      assert.deepEqual(kinds((await verify('mod')).problems), ['modified@7']);
    });

    test('deleted: a missing event in the middle', async () => {
      await write('del', 20);
      await sql(`DELETE FROM ${events} WHERE chain = $1 AND seq = 7`, ['del']);
      assert.deepEqual(kinds((await verify('del')).problems), ['deleted@8']);
    });

    test('deleted: events cut from the end, before a checkpoint', async () => {
      await write('tail', 20);
      await sql(`DELETE FROM ${events} WHERE chain = $1 AND seq > 15`, ['tail']);
      assert.deepEqual(kinds((await verify('tail')).problems), ['deleted@20']);
    });

    test('inserted: a forged event with a valid hash, numbers shifted to make room', async () => {
      await write('ins', 20);
      const prev = await row('ins', 6);
      for (let s = 20; s >= 7; s--) await sql(`UPDATE ${events} SET seq = seq + 1 WHERE chain = $1 AND seq = $2`, ['ins', s]);
      const forged = { ...unhashed('ins', 99), verdict: 'allow', reason: null };
      const hash = eventHash(forged, String(prev.hash));
      await sql(
        `INSERT INTO ${events} (chain, seq, time, request_id, client_ip, consumer, subject, api, operation, method, path, status, policy, verdict, reason, decisions, evidence, prev_hash, hash)
         VALUES ($1, 7, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        ['ins', forged.time, forged.requestId, forged.clientIp, forged.consumer, forged.subject, forged.api, forged.operation, forged.method, forged.path, forged.status, forged.policy, forged.verdict, forged.reason, forged.decisions, forged.evidence, String(prev.hash), hash],
      );
      const problems = (await verify('ins')).problems;
      // The forged event is off the chain; the checkpoints after it now point at renumbered events.
      assert.deepEqual(kinds(problems), ['inserted@7', 'reordered@14', 'reordered@20']);
      assert.match(problems[1]!.message, /checkpoint at event 14 vouches for the event now numbered 15 .*sequence numbers were changed/);
    });

    test('reordered: two events swapped', async () => {
      await write('reo', 20);
      await sql(`UPDATE ${events} SET seq = -1 WHERE chain = $1 AND seq = 7`, ['reo']);
      await sql(`UPDATE ${events} SET seq = 7 WHERE chain = $1 AND seq = 8`, ['reo']);
      await sql(`UPDATE ${events} SET seq = 8 WHERE chain = $1 AND seq = -1`, ['reo']);
      assert.deepEqual(kinds((await verify('reo')).problems), ['reordered@7']);
      // Swapped at a checkpoint's position: still only reordered (the events are intact, no hash was recomputed).
      await sql(`UPDATE ${events} SET seq = -1 WHERE chain = $1 AND seq = 14`, ['reo']);
      await sql(`UPDATE ${events} SET seq = 14 WHERE chain = $1 AND seq = 15`, ['reo']);
      await sql(`UPDATE ${events} SET seq = 15 WHERE chain = $1 AND seq = -1`, ['reo']);
      assert.deepEqual(kinds((await verify('reo')).problems), ['reordered@7', 'reordered@14']);
    });

    test('a rewritten chain with recomputed hashes is caught by the signed checkpoints', async () => {
      await write('rew', 20);
      let prev = String((await row('rew', 4)).hash);
      for (let s = 5; s <= 20; s++) {
        const r = await row('rew', s);
        const content = { ...unhashed('rew', s - 1), time: Number(r.time), verdict: s === 5 ? 'allow' : 'deny' };
        const hash = eventHash(content, prev);
        await sql(`UPDATE ${events} SET verdict = $1, prev_hash = $2, hash = $3 WHERE chain = $4 AND seq = $5`, [content.verdict, prev, hash, 'rew', s]);
        prev = hash;
      }
      assert.deepEqual(kinds((await verify('rew')).problems), ['checkpoint@14', 'checkpoint@20']);
      // ...and rewriting the checkpoint too breaks its signature.
      await sql(`UPDATE ${checkpoints} SET hash = $1 WHERE chain = $2 AND seq = 14`, [String((await row('rew', 14)).hash), 'rew']);
      assert.deepEqual(kinds((await verify('rew')).problems), ['signature@14', 'checkpoint@20']);
    });

    test('with a key: a chain whose checkpoints were all deleted (and events rewritten) is not authenticated', async () => {
      await write('nock', 20);
      await sql(`UPDATE ${events} SET verdict = 'allow' WHERE chain = $1 AND seq = 5`, ['nock']);
      let prev = String((await row('nock', 4)).hash);
      for (let s = 5; s <= 20; s++) {
        const r = await row('nock', s);
        const hash = eventHash({ ...unhashed('nock', s - 1), time: Number(r.time), verdict: String(r.verdict) }, prev);
        await sql(`UPDATE ${events} SET prev_hash = $1, hash = $2 WHERE chain = $3 AND seq = $4`, [prev, hash, 'nock', s]);
        prev = hash;
      }
      await sql(`DELETE FROM ${checkpoints} WHERE chain = $1`, ['nock']);
      assert.deepEqual(kinds((await verify('nock')).problems), ['signature@20']);
    });

    test('with a key: events past the last signed checkpoint are counted, and a limit fails the chain', async () => {
      await write('uns', 20);
      await sql(`DELETE FROM ${checkpoints} WHERE chain = $1 AND seq = 20`, ['uns']);
      const key = loadPublicKey(keyPath);
      const report = await verifyChain(store.audit, 'uns', key);
      assert.equal(report.unsignedTail, 6);
      assert.deepEqual(report.problems, []);
      assert.deepEqual(kinds((await verifyChain(store.audit, 'uns', key, { maxUnsigned: 5 })).problems), ['signature@14']);
      assert.deepEqual((await verifyChain(store.audit, 'uns', key, { maxUnsigned: 6 })).problems, []);
    });

    test('a beginning deleted as if retention had run is caught when the retention is given', async () => {
      await write('rec', 23);
      await sql(`DELETE FROM ${events} WHERE chain = $1 AND seq <= 14`, ['rec']);
      const key = loadPublicKey(keyPath);
      const report = await verifyChain(store.audit, 'rec', key);
      assert.deepEqual(report.problems, []);
      assert.equal(report.anchor?.seq, 14);
      assert.deepEqual(kinds((await verifyChain(store.audit, 'rec', key, { retentionMs: 90 * 86_400_000 })).problems), ['deleted@14']);
      assert.deepEqual((await verifyChain(store.audit, 'rec', key, { retentionMs: 1, now: Date.now() + 1000 })).problems, []);
      // Retention 0 keeps events forever: a chain not starting at its first event lost its beginning, however old.
      assert.deepEqual(kinds((await verifyChain(store.audit, 'rec', key, { retentionMs: 0, now: Date.now() + 400 * 86_400_000 })).problems), ['deleted@14']);
    });

    test('text with NUL and lone surrogates is stored as it was hashed: the trail goes on and verifies', async () => {
      const writer = await AuditWriter.open({
        store: store.audit, chain: 'txt', logger, signer: loadSigner(keyPath), bufferSize: 100, batchSize: 3, flushMs: 60_000,
        checkpointEvery: 10, checkpointMs: 3_600_000, retentionMs: 0,
      });
      // A JWT claim mapped to the subject or consumer, a path, evidence: any of them may carry such text.
      const odd = { ...unhashed('txt', 1), consumer: 'bob\u0000admin', subject: 'sub-\ud800', path: '/a\u0000b/\udfff', evidence: '{"q":"\u0000\ud83d"}' };
      for (let i = 0; i < 4; i++) writer.push(i === 2 ? odd : unhashed('txt', i), true);
      await Promise.race([writer.flush(), new Promise((r) => setTimeout(r, 5000))]);
      const buffered = writer.buffered;
      await writer.close();
      assert.equal(buffered, 0, 'the batch was written, not retried');
      assert.equal(writer.written, 4);
      assert.deepEqual((await verify('txt')).problems, []);
      const stored = await row('txt', 3);
      assert.equal(stored.consumer, 'bob\ufffdadmin');
      assert.equal(stored.subject, 'sub-\ufffd');
      assert.equal(stored.path, '/a\ufffdb/\ufffd');
      assert.equal(stored.evidence, '{"q":"\ufffd\ufffd"}');
    });

    test('an event the store refuses is replaced by a placeholder on the chain; the events after it are written', async () => {
      const lines: string[] = [];
      const logged = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
      const writer = await AuditWriter.open({
        store: store.audit, chain: 'bad', logger: logged, signer: loadSigner(keyPath), bufferSize: 100, batchSize: 4, flushMs: 60_000,
        checkpointEvery: 5, checkpointMs: 3_600_000, retentionMs: 0,
      });
      // A NOT NULL column without a value (a bug in whatever made the event): refused however often it is retried.
      const broken = { ...unhashed('bad', 6), method: null } as unknown as Unhashed;
      for (let i = 1; i <= 10; i++) writer.push(i === 6 ? broken : unhashed('bad', i), true);
      await Promise.race([writer.flush(), new Promise((r) => setTimeout(r, 5000))]);
      const buffered = writer.buffered;
      await writer.close();
      assert.equal(buffered, 0, 'the batch is not retried forever');
      assert.equal(writer.unstorable, 1);
      const report = await verify('bad');
      assert.deepEqual(report.problems, []);
      assert.equal(report.events, 10);
      assert.deepEqual(report.placeholders, [6], 'verify names the placeholders');
      const placeholder = await row('bad', 6);
      assert.deepEqual(
        [placeholder.request_id, placeholder.policy, placeholder.verdict, placeholder.reason, placeholder.method, placeholder.consumer],
        ['req-6', 'audit', 'error', 'PCL_AUDIT_EVENT_UNSTORABLE', '', null],
      );
      assert.equal(JSON.parse(String(placeholder.evidence)).unstorable, true);
      assert.equal(String((await row('bad', 7)).request_id), 'req-7');
      assert.ok(lines.some((l) => /"level":50.*a placeholder event stands in for it/.test(l)), lines.join(''));
    });

    // A consumer id from a JWT claim far past what a PostgreSQL index entry may hold (about 2.7 kB)
    // would make the event unstorable on purpose (a placeholder, without its consumer and path): cut.
    test('an indexed field longer than 512 characters is stored cut, hashed as stored', async () => {
      const writer = await AuditWriter.open({
        store: store.audit, chain: 'big', logger, signer: loadSigner(keyPath), bufferSize: 100, batchSize: 10, flushMs: 60_000,
        checkpointEvery: 100, checkpointMs: 3_600_000, retentionMs: 0,
      });
      writer.push({ ...unhashed('big', 1), consumer: randomBytes(12_000).toString('base64') }, true);
      writer.push(unhashed('big', 2), true);
      await Promise.race([writer.flush(), new Promise((r) => setTimeout(r, 5000))]);
      const buffered = writer.buffered;
      await writer.close();
      assert.equal(buffered, 0);
      assert.equal(writer.unstorable, 0);
      assert.deepEqual((await verify('big')).problems, []);
      const stored = String((await row('big', 1)).consumer);
      assert.equal(stored.length, 512);
      assert.ok(stored.endsWith('…[cut]'));
    });

    test('a chain asked for by name that has neither events nor checkpoints fails', async () => {
      const [report] = await verifyStore(store.audit, loadPublicKey(keyPath), ['ghost']);
      assert.deepEqual(kinds(report!.problems), ['deleted@0']);
    });

    test('cut back to an earlier checkpoint: verifies on its own, fails against the checkpoints the writer logged', async () => {
      // The writer's log, as a log shipper would keep it: every stored checkpoint has its line.
      const lines: string[] = [];
      const logged = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
      const writer = await AuditWriter.open({
        store: store.audit, chain: 'cut', logger: logged, signer: loadSigner(keyPath), bufferSize: 1000, batchSize: 7, flushMs: 10_000,
        checkpointEvery: 10, checkpointMs: 3_600_000, retentionMs: 0,
      });
      for (let i = 0; i < 30; i++) writer.push(unhashed('cut', i), true);
      await writer.close();
      const witness = readWitness(`not json\n${lines.join('')}{"msg":"other","hash":"x"}\n`);
      assert.deepEqual(witness.map((w) => w.seq), [14, 28, 30]);
      const key = loadPublicKey(keyPath);
      assert.deepEqual((await verifyChain(store.audit, 'cut', key, { witness })).problems, [], 'intact: the witness agrees');

      await sql(`DELETE FROM ${events} WHERE chain = $1 AND seq > 14`, ['cut']);
      await sql(`DELETE FROM ${checkpoints} WHERE chain = $1 AND seq > 14`, ['cut']);
      assert.deepEqual((await verifyChain(store.audit, 'cut', key)).problems, [], 'alone, the cut chain looks whole');
      assert.deepEqual(kinds((await verifyChain(store.audit, 'cut', key, { witness })).problems), ['deleted@28', 'deleted@30']);
      // Sequence numbers are not hashed: renumbering what is left must not move the witness out of reach.
      await sql(`UPDATE ${events} SET seq = seq + 100 WHERE chain = $1`, ['cut']);
      const renumbered = (await verifyChain(store.audit, 'cut', key, { witness })).problems;
      assert.deepEqual(kinds(renumbered), ['reordered@14', 'deleted@28', 'deleted@30'], `a renumbered cut chain still fails: ${JSON.stringify(renumbered)}`);
      await sql(`UPDATE ${events} SET seq = seq - 100 WHERE chain = $1`, ['cut']);

      // A witness line nobody signed is not trusted; a chain deleted whole is found through its witness.
      const forged = readWitness(JSON.stringify({ chain: 'cut', seq: 3, hash: 'a'.repeat(64), time: Date.now(), signature: null }));
      assert.deepEqual(kinds((await verifyChain(store.audit, 'cut', key, { witness: forged })).problems), ['signature@3']);
      await sql(`DELETE FROM ${events} WHERE chain = $1`, ['cut']);
      await sql(`DELETE FROM ${checkpoints} WHERE chain = $1`, ['cut']);
      const reports = await verifyStore(store.audit, key, undefined, { witness });
      assert.deepEqual(kinds(reports.find((r) => r.chain === 'cut')!.problems), ['deleted@14', 'deleted@28', 'deleted@30']);

      // Without a key, a forged start (an old-looking anchor checkpoint, events chained from it) does not
      // pass as a chain pruned by retention: the witnessed checkpoints are younger than the anchor claims.
      const fake = 'f'.repeat(64);
      await sql(`INSERT INTO ${checkpoints} (chain, seq, hash, time, signature, key_id) VALUES ($1, 30, $2, $3, NULL, NULL)`, ['cut', fake, Date.now() - 400 * 86_400_000]);
      let prev = fake;
      for (let seq = 31; seq <= 33; seq++) {
        const e = unhashed('cut', seq);
        const hash = eventHash(e, prev);
        await sql(`INSERT INTO ${events} (${AUDIT_COLUMNS}) VALUES (${AUDIT_COLUMNS.split(',').map((_, i) => `$${i + 1}`).join(', ')})`, [
          e.chain, seq, e.time, e.requestId, e.clientIp, e.consumer, e.subject, e.api, e.operation, e.method, e.path, e.status, e.policy, e.verdict, e.reason, e.decisions, e.evidence, prev, hash,
        ]);
        prev = hash;
      }
      assert.deepEqual((await verifyChain(store.audit, 'cut', undefined, { retentionMs: 90 * 86_400_000 })).problems, [], 'alone, the forged start passes for pruned');
      const forgedStart = await verifyChain(store.audit, 'cut', undefined, { witness, retentionMs: 90 * 86_400_000 });
      assert.deepEqual(kinds(forgedStart.problems), ['checkpoint@14', 'checkpoint@28', 'checkpoint@30']);
      // A witness line with a time no Date can hold is skipped, not a crash.
      assert.deepEqual(readWitness(JSON.stringify({ msg: 'audit checkpoint', checkpoint: { chain: 'cut', seq: 1, hash: 'a'.repeat(64), time: 9e15 } })), []);
    });
  });
}

suite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcl-chain-db-'));
  const file = join(dir, 'audit.db');
  const store = new SqliteStore(file);
  const db = new DatabaseSync(file);
  const sql: Sql = async (text, params = []) => {
    const statement = db.prepare(text.replace(/\$\d+/g, '?'));
    return /^\s*SELECT/i.test(text) ? statement.all(...params) : (statement.run(...params), []);
  };
  return { store, sql, table: 'pcl_', cleanup: async () => (db.close(), await store.close(), await rm(dir, { recursive: true, force: true })) };
});

if (DATABASE_URL) {
  suite('PostgreSQL', async () => {
    const schema = `pcl_chain_${process.pid}_${randomBytes(3).toString('hex')}`;
    const store = new PostgresStore(DATABASE_URL, { schema });
    const client = new pg.Client(DATABASE_URL);
    await client.connect();
    const sql: Sql = async (text, params = []) => (await client.query(text, params)).rows;
    return {
      store,
      sql,
      table: `"${schema}".pcl_`,
      cleanup: async () => {
        await store.close();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    };
  });
} else {
  test('audit chain on PostgreSQL', (t) => t.skip('DATABASE_URL is not set'));
}
