// The signature base against RFC 9421's own test vector (Appendix B.2.6, Ed25519): the base built
// from the example request must verify under the RFC's public key with the RFC's signature.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { test } from 'node:test';
import { parseDictionary, type InnerList } from 'structured-headers';
import type { RequestContext } from '../core/context.ts';
import { contentDigest, contentDigestMatches } from './content-digest.ts';
import { signatureBase } from './signature-base.ts';

const headers = { host: 'example.com', date: 'Tue, 20 Apr 2021 02:07:55 GMT', 'content-type': 'application/json', 'content-length': '18' };
const ctx = {
  req: { method: 'POST', url: '/foo?param=Value&Pet=dog', headers, rawHeaders: Object.entries(headers).flat(), socket: {} },
} as unknown as RequestContext;

test('RFC 9421 B.2.6: the Ed25519 example verifies byte for byte', () => {
  const input = parseDictionary('sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"').get('sig-b26') as InnerList;
  const base = signatureBase(ctx, input)!;
  assert.equal(
    base,
    [
      '"date": Tue, 20 Apr 2021 02:07:55 GMT',
      '"@method": POST',
      '"@path": /foo',
      '"@authority": example.com',
      '"content-type": application/json',
      '"content-length": 18',
      '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    ].join('\n'),
  );
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs' }, format: 'jwk' });
  const signature = Buffer.from('wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==', 'base64');
  assert.ok(verify(null, Buffer.from(base), key, signature));
  const tampered = Buffer.from(signature);
  tampered[0]! ^= 1;
  assert.ok(!verify(null, Buffer.from(base), key, tampered));
});

test('@target-uri, @query, missing components and component parameters', () => {
  const list = (s: string) => parseDictionary(`s=${s}`).get('s') as InnerList;
  assert.match(signatureBase(ctx, list('("@target-uri" "@query");created=1'))!, /^"@target-uri": http:\/\/example.com\/foo\?param=Value&Pet=dog\n"@query": \?param=Value&Pet=dog\n/);
  assert.equal(signatureBase(ctx, list('("x-missing");created=1')), undefined);
  assert.equal(signatureBase(ctx, list('("content-type";sf);created=1')), undefined);
});

test('RFC 9530 Content-Digest: the RFC example, mismatches, unknown algorithms', () => {
  const body = Buffer.from('{"hello": "world"}\n');
  assert.equal(contentDigest(body), 'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:');
  assert.ok(contentDigestMatches('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:', body));
  assert.ok(!contentDigestMatches('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:', Buffer.from('{"hello": "world!"}\n')));
  assert.ok(!contentDigestMatches('md5=:AAAA:', body), 'no supported algorithm');
  assert.ok(!contentDigestMatches('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:, sha-512=:AAAA:', body), 'every supported one must match');
  assert.ok(!contentDigestMatches('sha-256=not-bytes', body));
});
