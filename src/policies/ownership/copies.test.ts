// The names a query parameter or body field is read as, and how many copies of a ruled parameter a
// request holds (the request rules refuse any other copy: see ownership.test.ts through a gateway).
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { RequestContext } from '../../core/context.ts';
import { bodyOccurrences, copiesOf, pairOccurrences, readingsOf } from './copies.ts';

test('a name is read as frameworks read it: case folded, PHP registration, brackets and dots, escapes', () => {
  const rule = readingsOf(['customer_id']);
  assert.deepEqual(rule, ['customer_id']);
  const copies = (query: string) => copiesOf(pairOccurrences(query), rule);
  assert.equal(copies('customer_id=1'), 1);
  assert.equal(copies('customer_id=1&customer.id=2&customer%20id=3&Customer_ID=4&customer_id[]=5&customer_id%5Bx%5D=6&+customer_id=7'), 7);
  assert.equal(copies('a=1;customer_id=2'), 1, '`;` separates pairs for older Python and Perl');
  assert.equal(copies('customer=1&customer_ids=2&id=3&x=customer_id'), 0);
  // A ruled name with a dot is read as PHP reads it as well.
  assert.equal(copiesOf(pairOccurrences('customer.id=1&customer_id=2'), readingsOf(['customer.id'])), 2);
  // Fields past the ones read count as copies: one could hide behind the padding (PHP skips empty pairs).
  assert.ok(copies(`customer_id=2${'&'.repeat(10_000)}customer.id=1`) > 1);
  assert.equal(copies(`customer_id=2${'&'.repeat(100)}`), 1);
});

test('top-level fields of a body already read: JSON keys, form fields, multipart parts; none when unread', () => {
  const ctx = (type: string | undefined, body: string | undefined) => {
    const c = new RequestContext({ headers: type ? { 'content-type': type } : {}, socket: { bytesWritten: 0 } } as unknown as IncomingMessage, {} as ServerResponse, 0);
    if (body !== undefined) c.body = Buffer.from(body);
    return c;
  };
  const rule = readingsOf(['userId']);
  assert.equal(copiesOf(bodyOccurrences(ctx('application/json', '{"name":"x","USERID":1,"userId":2}')), rule), 2);
  assert.equal(copiesOf(bodyOccurrences(ctx('application/json', '{"profile":{"userId":1}}')), rule), 0, 'top level only');
  assert.equal(copiesOf(bodyOccurrences(ctx('application/x-www-form-urlencoded', 'name=x&userId[]=1')), rule), 1);
  const parts = '--b\r\nContent-Disposition: form-data; name="userid"\r\n\r\n1\r\n--b--\r\n';
  assert.equal(copiesOf(bodyOccurrences(ctx('multipart/form-data; boundary=b', parts)), rule), 1);
  const unquoted = '--b\r\nContent-Disposition: form-data; name=userid\r\n\r\n1\r\n--b--\r\n';
  assert.equal(copiesOf(bodyOccurrences(ctx('multipart/form-data; boundary=b', unquoted)), rule), 1, 'one part is one copy, however many readings give its name');
  const longHeader = `--b\r\nContent-Disposition: form-data; name="note"\r\nX-Pad: ${'p'.repeat(9000)}\r\n\r\nhi\r\n${parts}`;
  assert.ok(copiesOf(bodyOccurrences(ctx('multipart/form-data; boundary=b', longHeader)), rule) > 1, 'a part the scan cannot read counts as copies');
  assert.deepEqual(bodyOccurrences(ctx('application/json', undefined)), [], 'a body not read is not read for this');
  assert.deepEqual(bodyOccurrences(ctx('application/json', '{"userId":')), [], 'nor one that does not parse');
});
