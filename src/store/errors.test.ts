// Store errors told apart by their codes (never by message text): the audit writer retries an
// unavailable store as it is and looks for a refused event otherwise.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { isStoreUnavailable, storeErrorCode } from './errors.ts';

const withCode = (code: string) => Object.assign(new Error('x'), { code });

test('store errors: unavailable (retry as is) or possibly about a row', () => {
  for (const e of [withCode('ECONNREFUSED'), withCode('ECONNRESET'), withCode('08006'), withCode('57P01'), withCode('53100'), withCode('40P01'), new Error('Connection terminated unexpectedly'), { errcode: 5 }, { errcode: 13 }, { errcode: 8 | (2 << 8) }]) {
    assert.equal(isStoreUnavailable(e), true, JSON.stringify(e));
  }
  for (const e of [withCode('22021'), withCode('23502'), withCode('54000'), withCode('42P01'), withCode('ERR_INVALID_ARG_TYPE'), { errcode: 1299 }, { errcode: 18 }]) {
    assert.equal(isStoreUnavailable(e), false, JSON.stringify(e));
  }
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (a TEXT NOT NULL)');
  let error: unknown;
  try {
    db.prepare('INSERT INTO t VALUES (?)').run(null);
  } catch (e) {
    error = e;
  }
  assert.equal(isStoreUnavailable(error), false);
  assert.equal(storeErrorCode(error), 'sqlite:1299 constraint failed');
  assert.equal(storeErrorCode(withCode('54000')), '54000');
});
