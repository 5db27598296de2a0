// A compressed request body is checked decoded; what goes upstream must be what was checked. Sent on as
// it came, its bytes could spell another body to an upstream that ignores Content-Encoding: deflate's
// stored blocks carry text as it is, and a decoder ignores what follows the end of its stream.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync, inflateSync } from 'node:zlib';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startUpstream, type TestUpstream } from './helpers/upstream.ts';

const CHECKED = '{"displayName":"x"}';

/**
 * Raw deflate whose decoded text is CHECKED followed by blanks, and whose bytes read as JSON name
 * `role` (after the end of the stream) inside an object: stored blocks with header bytes that are
 * JSON text (" " and "!" open a block; the lengths spell `{"` and `":`).
 */
function polyglot(tail: string): { body: Buffer; decoded: string } {
  const len1 = 0x227b; // `{"`
  const block1 = Buffer.concat([Buffer.from([0x20]), u16(len1), u16(~len1 & 0xffff), Buffer.alloc(len1, ' ')]);
  const nlen2 = Buffer.from('":').readUInt16LE(0);
  const len2 = ~nlen2 & 0xffff;
  const block2 = Buffer.concat([Buffer.from('!'), u16(len2), u16(nlen2), Buffer.from(CHECKED.padEnd(len2, ' '))]);
  return { body: Buffer.concat([block1, block2, Buffer.from(tail)]), decoded: ' '.repeat(len1) + CHECKED.padEnd(len2, ' ') };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

describe('compressed request bodies', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      inspect: {}\n'));
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const patch = (body: Buffer, coding: string) =>
    fetch(`${gw.url}/me`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'content-encoding': coding }, body });

  test('data after the end of the compressed stream is refused, nothing forwarded', async () => {
    const before = upstream.received.length;
    const attack = polyglot(',"role":"admin","bio":"<script>alert(document.cookie)</script>"}').body;
    const res = await patch(attack, 'deflate');
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_BAD_REQUEST');
    for (const [body, coding] of [
      [Buffer.concat([deflateSync(CHECKED), Buffer.from(',"role":"admin"}')]), 'deflate'],
      [Buffer.concat([brotliCompressSync(CHECKED), Buffer.from('x')]), 'br'],
      [Buffer.concat([gzipSync(CHECKED), Buffer.from('x')]), 'gzip'],
    ] as const) {
      const r = await patch(body, coding);
      assert.equal(r.status, 400, coding);
      await r.body?.cancel();
    }
    assert.equal(upstream.received.length, before);
  });

  test('a checked body goes on as the gateway encodes what it checked, never as the bytes sent', async () => {
    const { body: sent, decoded } = polyglot('');
    assert.ok(sent.includes(Buffer.from(CHECKED)), 'the text is in the raw bytes as it is');
    const res = await patch(sent, 'deflate');
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const got = upstream.received.at(-1)!;
    assert.equal(got.headers['content-encoding'], 'deflate');
    assert.equal(got.headers['content-length'], String(got.body.length));
    assert.notDeepEqual(got.body, sent);
    assert.equal(inflateSync(got.body).toString(), decoded);
  });

  test('ordinary compressed bodies still pass, encoded again the same way', async () => {
    for (const [body, coding] of [
      [gzipSync(CHECKED), 'gzip'],
      [deflateSync(CHECKED), 'deflate'],
      [deflateRawSync(CHECKED), 'deflate'],
      [brotliCompressSync(CHECKED), 'br'],
    ] as const) {
      const res = await patch(body, coding);
      assert.equal(res.status, 200, coding);
      await res.body?.cancel();
      assert.equal(upstream.received.at(-1)!.headers['content-encoding'], coding);
    }
  });
});
