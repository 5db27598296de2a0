// Form bodies through a real gateway and upstream: urlencoded and multipart fields checked against
// their schemas (with coercion), multipart encodings and file sizes enforced, bodies forwarded byte
// for byte, and broken multipart refused before the upstream sees it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { suiteGateway } from '../../../test/helpers/gateway.ts';

const spec = `openapi: 3.1.0
info: { title: forms, version: '1' }
paths:
  /profile:
    post:
      operationId: updateProfile
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: { type: string, maxLength: 20 }
                age: { type: integer, minimum: 0 }
                tags: { type: array, items: { type: string }, maxItems: 3 }
      responses: { '200': { description: ok } }
  /avatar:
    post:
      operationId: uploadAvatar
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              additionalProperties: false
              required: [image]
              properties:
                caption: { type: string, maxLength: 30 }
                rating: { type: integer, maximum: 5 }
                meta: { type: object, required: [alt], properties: { alt: { type: string } } }
                image: { type: string, contentMediaType: application/octet-stream, maxLength: 4096 }
            encoding:
              image: { contentType: 'image/png, image/jpeg' }
      responses: { '200': { description: ok } }
`;

type Problem = { code: string; errors?: { in: string; pointer?: string; message: string }[] };

describe('validate policy: form bodies', () => {
  const suite = suiteGateway(
    `  - name: forms
    spec: ./spec.yaml
    upstream: backend
    policies:
      validate: { multipart: { maxFileSize: 2kb, maxParts: 8 } }
`,
    { 'spec.yaml': spec },
  );
  const post = (path: string, body: string | FormData, headers: Record<string, string> = {}) => fetch(`${suite.gw.url}${path}`, { method: 'POST', body, headers });
  async function refused(res: Response): Promise<Problem> {
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    return (await res.json()) as Problem;
  }
  const png = (size: number) => new Blob([new Uint8Array(size).fill(0x89)], { type: 'image/png' });

  test('urlencoded: fields coerced to their types, repeated fields are arrays, forwarded byte for byte', async () => {
    const body = 'name=Ada&age=36&tags=a&tags=b';
    const res = await post('/profile', body, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 200);
    assert.equal(suite.upstream.received.at(-1)!.body.toString(), body);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const before = suite.upstream.received.length;
    assert.equal((await refused(await post('/profile', 'name=Ada&age=old', form))).errors![0]!.pointer, '/age');
    await refused(await post('/profile', 'age=3', form)); // name required
    await refused(await post('/profile', 'name=Ada&role=admin', form)); // undeclared field
    await refused(await post('/profile', 'name=a&tags=1&tags=2&tags=3&tags=4', form));
    await refused(await post('/profile', 'name=a&name=b', form)); // a scalar sent twice
    assert.equal(suite.upstream.received.length, before);
  });

  test('multipart: a valid upload passes byte for byte', async () => {
    const form = new FormData();
    form.set('caption', 'Mé at the beach');
    form.set('rating', '4');
    form.set('meta', new Blob(['{"alt":"a photo"}'], { type: 'application/json' }));
    form.set('image', png(1500), 'me.png');
    const res = await post('/avatar', form);
    assert.equal(res.status, 200);
    const received = suite.upstream.received.at(-1)!;
    assert.match(String(received.headers['content-type']), /^multipart\/form-data; boundary=/);
    assert.ok(received.body.includes(Buffer.from(new Uint8Array(1500).fill(0x89))));
  });

  test('multipart: field schemas, encodings, file sizes and JSON parts are enforced', async () => {
    const before = suite.upstream.received.length;
    const make = (fields: [string, string | Blob, string?][]) => {
      const form = new FormData();
      for (const [name, value, filename] of fields) typeof value === 'string' ? form.append(name, value) : form.append(name, value, filename);
      return form;
    };
    const image: [string, Blob, string] = ['image', png(100), 'a.png'];
    const message = async (form: FormData) => (await refused(await post('/avatar', form))).errors!.map((e) => `${e.pointer ?? ''} ${e.message}`).join('; ');
    assert.match(await message(make([image, ['rating', 'five']])), /\/rating must be integer/);
    assert.match(await message(make([image, ['rating', '9']])), /\/rating must be <= 5/);
    assert.match(await message(make([['caption', 'no image']])), /must have required property 'image'/);
    assert.match(await message(make([image, ['role', 'admin']])), /additional properties/);
    assert.match(await message(make([['image', new Blob(['<svg onload=alert(1)>'], { type: 'image/svg+xml' }), 'x.svg']])), /\/image has a part whose media type is not one of image\/png, image\/jpeg/);
    assert.match(await message(make([['image', png(3000), 'big.png']])), /\/image has a file larger than 2048 bytes/);
    assert.match(await message(make([image, ['meta', new Blob(['{"alt":'], { type: 'application/json' })]])), /\/meta has a part that is not valid JSON/);
    assert.match(await message(make([image, ['meta', new Blob(['{}'], { type: 'application/json' })]])), /\/meta must have required property 'alt'/);
    const nine = make([image, ...Array.from({ length: 8 }, (_, i): [string, string] => ['caption', String(i)])]);
    assert.match(await message(nine), /more than 8 parts/);
    assert.equal(suite.upstream.received.length, before, 'nothing invalid reached the upstream');
  });

  test('multipart: broken framing is refused without echoing anything back', async () => {
    const before = suite.upstream.received.length;
    const type = { 'content-type': 'multipart/form-data; boundary=XX' };
    const broken = ['--XX\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n<script>', 'just text', '--XX\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XX--'];
    for (const body of broken) {
      const problem = await refused(await post('/avatar', body, type));
      assert.match(problem.errors![0]!.message, /^is not valid multipart\/form-data/);
      assert.doesNotMatch(JSON.stringify(problem), /<script>/);
    }
    const noBoundary = await refused(await post('/avatar', '--XX--', { 'content-type': 'multipart/form-data' }));
    assert.match(noBoundary.errors![0]!.message, /without a valid boundary/);
    assert.equal(suite.upstream.received.length, before);
  });
});
