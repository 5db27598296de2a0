// Detectors on their own (true and false positives), then the policy through a real gateway:
// masked JSON stays valid JSON, blocked responses never leave, clean bodies are byte-identical.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { passthroughYaml, startTestGateway, type TestGateway } from '../../../test/helpers/gateway.ts';
import { rawChunkedResponse, rawResponse, startRawUpstream, type RawUpstream } from '../../../test/helpers/raw-upstream.ts';
import { startUpstream, type TestUpstream } from '../../../test/helpers/upstream.ts';
import { carry, charsetOf, uncarry } from './charset.ts';
import { ibanValid, luhnValid } from './checksums.ts';
import { scanJson, scanText, type LeakFindings, type LeakRules } from './scan.ts';
import { parseExactNumbers } from '../../core/exact-numbers.ts';
import { keyColons, parseKeepingDuplicates, serialize } from '../../core/json-duplicates.ts';

const MASK_ALL: LeakRules = { actions: { card: 'mask', iban: 'mask', ssn: 'mask', privateKey: 'mask', cloudKey: 'mask', jwt: 'mask', password: 'mask' }, ignoreFields: new Set() };
const scan = (text: string) => {
  const findings: LeakFindings = { found: {}, masked: false };
  return { text: scanText(text, MASK_ALL, findings), found: findings.found };
};
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

test('checksums: Luhn and IBAN mod 97', () => {
  assert.ok(luhnValid('4111111111111111'));
  assert.ok(!luhnValid('4111111111111112'));
  assert.ok(ibanValid('GB82WEST12345698765432'));
  assert.ok(ibanValid('DE89370400440532013000'));
  assert.ok(!ibanValid('GB82WEST12345698765433'));
});

test('detectors find and mask each type, keeping what identifies it', () => {
  assert.deepEqual(scan('card 4111 1111 1111 1111 ok'), { text: 'card ************1111 ok', found: { card: 1 } });
  assert.deepEqual(scan('5500-0000-0000-0004').found, { card: 1 });
  assert.deepEqual(scan('IBAN GB82 WEST 1234 5698 7654 32.').text, 'IBAN GB****************5432.');
  // No-break spaces between the groups (French formatting), narrow ones too.
  assert.deepEqual(scan('IBAN FR76\u00a03000\u00a06000\u00a00112\u00a03456\u00a07890\u00a0189.').text, 'IBAN FR*********************0189.');
  assert.deepEqual(scan('DE89\u202f3704\u202f0044\u202f0532\u202f0130\u202f00').found, { iban: 1 });
  assert.deepEqual(scan('ssn 078-05-1120').text, 'ssn ***-**-1120');
  assert.deepEqual(scan(`key ${PEM} end`).text, 'key [REDACTED PRIVATE KEY] end');
  assert.deepEqual(scan('AKIAIOSFODNN7EXAMPLE').text, 'AKIA[REDACTED]');
  assert.deepEqual(scan(`ghp_${'a'.repeat(36)}`).found, { cloudKey: 1 });
  // A token is masked whole, dashes and all: no tail of it is left after a word boundary inside it.
  assert.deepEqual(scan(`t=xoxb-${'1'.repeat(60)}-${'b'.repeat(60)}.`), { text: 't=xoxb[REDACTED].', found: { cloudKey: 1 } });
  assert.deepEqual(scan(`Bearer ${JWT}`).text, 'Bearer [REDACTED JWT]');
});

test('no false positives on order numbers, timestamps, phone numbers, UUIDs, ordinary words', () => {
  const ordinary = [
    'order 4111111111111112 shipped', // fails Luhn
    '2026-12-01T13:08:09.123Z',
    '1733058489123',
    '+1 415-555-0100',
    '000-12-3456',
    '123e4567-e89b-12d3-a456-426614174000',
    'GB82WEST12345698765433',
    'The DE89 team',
    'tracking 1Z999AA10123456784',
  ];
  for (const text of ordinary) assert.deepEqual(scan(text).found, {}, text);
});

test('password members in text: blanks before the colon (Jackson pretty-printed) and escaped names are masked', () => {
  const mask = (text: string) => scanText(text, MASK_ALL, { found: {}, masked: false });
  assert.equal(mask('{"password" : "hunter2secret"}'), '{"password":"[REDACTED]"}');
  assert.equal(mask('[{"password"\t:"a"}]'), '[{"password":"[REDACTED]"}]');
  assert.equal(mask('config: {"password"\n: "a"}'), 'config: {"password":"[REDACTED]"}');
  assert.equal(mask('{"pass\\u0077ord":"hunter2secret"}'), '{"pass\\u0077ord":"[REDACTED]"}');
  assert.equal(mask('{"passport" : "X1"}'), '{"passport" : "X1"}');
});

test('JSON: numbers and object keys are scanned; ignoreFields exempts only the string value itself', () => {
  const rules: LeakRules = { actions: { ...MASK_ALL.actions, password: 'mask' }, ignoreFields: new Set(['token']) };
  const walk = (value: unknown) => {
    const findings: LeakFindings = { found: {}, masked: false };
    return { json: JSON.stringify(scanJson(value, rules, findings)), found: findings.found };
  };
  // A card sent as a number becomes a masked string; other numbers stay numbers.
  assert.deepEqual(walk({ card: 4111111111111111, at: 1733058489123, total: 41.5 }), { json: '{"card":"************1111","at":1733058489123,"total":41.5}', found: { card: 1 } });
  // A card as a key is masked as a key; order kept, two keys masked alike both stay.
  assert.deepEqual(walk({ cards: { '4111111111111111': 'visa', id: 1, '5500000000081111': 'mc' } }), { json: '{"cards":{"************1111":"visa","id":1,"************1111 (2)":"mc"}}', found: { card: 2 } });
  // Under an ignored field, nested values are still scanned; its own string value is not.
  assert.deepEqual(walk({ token: { pan: '4111111111111111', password: 'x' } }), { json: '{"token":{"pan":"************1111","password":"[REDACTED]"}}', found: { card: 1, password: 1 } });
  assert.deepEqual(walk({ token: JWT, list: { token: ['4111111111111111'] } }), { json: `{"token":"${JWT}","list":{"token":["************1111"]}}`, found: { card: 1 } });
  // A password field holding a number (a PIN) is masked like a string one.
  assert.deepEqual(walk({ pin: 1234, password: 123456 }), { json: '{"pin":1234,"password":"[REDACTED]"}', found: { password: 1 } });
  // "__proto__" from JSON.parse is an own key: it stays one when the object is rebuilt.
  assert.equal(walk(JSON.parse('{"__proto__":"4111111111111111"}')).json, '{"__proto__":"************1111"}');
  // Integers beyond 2^53: rounded by JSON.parse (imprecise), exact with parseExactNumbers, kept exact.
  const rounded: LeakFindings = { found: {}, masked: false };
  scanJson(JSON.parse('{"pan":6011000000000000001}'), rules, rounded);
  assert.equal(rounded.imprecise, true);
  assert.deepEqual(walk(parseExactNumbers('{"pan":6011000000000000001,"id":9007199254740993}')), { json: '{"pan":"***************0001","id":9007199254740993}', found: { card: 1 } });
  // A sign is no part of the card; exponent and fraction forms are read as their exact integer digits.
  assert.equal(walk({ a: -4111111111111111 }).json, '{"a":"************1111"}');
  for (const written of ['-4.1111111111111111e15', '4.111111111111111E+15', '6.011000000000000001e18', '4111111111111111.0']) {
    const masked = walk(parseKeepingDuplicates(`{"x":1,"x":2,"a":${written}}`, 128).value).json;
    assert.match(masked, /"a","\*+(1111|0001)"/, written); // Members: [key, value] entries
  }
  assert.equal(walk({ a: 1.5e300, b: 1e21 }).found.card, undefined, 'huge numbers are no cards');
});

test('duplicates: the key count is never below the keys written; the second parse keeps every copy, deep nesting as text', () => {
  assert.equal(keyColons('{"a" :1,"b":{"c"\n:"d:e","f":"\\":"}}'), 5, 'a colon after a quote in a string counts too (never fewer)');
  const text = '{"a":1,"a":{"b":[true,null,-1.5e3,"x"],"b":12345678901234567890}}';
  const kept = parseKeepingDuplicates(text, 128);
  assert.equal(kept.duplicates, true);
  assert.equal(serialize(kept.value), text);
  const deep = `{"k":${'['.repeat(20_000)}{"a":1,"a":2}${']'.repeat(20_000)}}`;
  const parsed = parseKeepingDuplicates(deep, 128);
  assert.equal(parsed.duplicates, false, 'not looked into beyond the scan depth');
  assert.equal(serialize(parsed.value), deep);
  assert.equal(parseKeepingDuplicates('{"\\u0061":1,"a":2}', 128).duplicates, true, 'keys compared decoded');
});

const bodies: Record<string, { type: string; body: string | Buffer }> = {
  '/card': { type: 'application/json', body: JSON.stringify({ id: 7, payment: { card: '4111111111111111', holder: 'A B' }, notes: ['iban DE89370400440532013000'] }) },
  '/user': { type: 'application/json', body: JSON.stringify({ id: 1, username: 'alice', passwordHash: '$2b$10$abc', password: '', login: { token: JWT } }) },
  '/key': { type: 'application/json', body: JSON.stringify({ id: 1, config: { aws: 'AKIAIOSFODNN7EXAMPLE' } }) },
  '/pem': { type: 'text/plain', body: `here:\n${PEM}\n` },
  '/pem-json': { type: 'application/json', body: JSON.stringify({ id: 1, tls: { key: PEM, cert: 'public' } }) },
  // A user stored a display name that looks like an AWS key: the list every caller reads holds it.
  '/users': { type: 'application/json', body: JSON.stringify([{ id: 1, displayName: 'Alice' }, { id: 2, displayName: 'AKIAIOSFODNN7EXAMPLE' }]) },
  '/utf16-key': { type: 'application/json; charset=utf-16le', body: Buffer.from('{"aws":"AKIAIOSFODNN7EXAMPLE"}', 'utf16le') },
  '/utf16-jwt': { type: 'application/json; charset=utf-16le', body: Buffer.from(`{"jwt":"${JWT}"}`, 'utf16le') },
  // Labelled UTF-16 but UTF-8: fetch().json(), axios and Node read JSON as UTF-8 whatever the charset
  // says, and a browser obeys a UTF-8 byte-order mark over it.
  '/utf8-labelled-utf16': { type: 'application/json; charset=utf-16', body: '{"pan":"4111111111111111"}' },
  '/utf8-bom-labelled-utf16': { type: 'text/html; charset=utf-16', body: Buffer.from('\uFEFF<p>card 4111111111111111</p>') },
  // UTF-16 without a type or a byte-order mark: Python's requests reads its zero bytes as UTF-16 JSON.
  '/utf16-untyped-json': { type: '', body: Buffer.from('{"pan":"4111111111111111"}', 'utf16le') },
  '/text': { type: 'text/html', body: '<p>SSN 078-05-1120</p>' },
  '/clean': { type: 'application/json', body: '{"id":1,   "total": 41.5}' },
  '/utf16-json': { type: 'application/json; charset=utf-16le', body: Buffer.from('{"card":"4111111111111111"}', 'utf16le') },
  '/utf16-text': { type: 'text/plain; charset=UTF-16LE', body: Buffer.from('ssn 078-05-1120', 'utf16le') },
  '/utf16-bom': { type: 'application/json', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"card":"4111111111111111"}', 'utf16le')]) },
  '/bom-password': { type: 'application/json', body: '\uFEFF{"user":"a","password":"hunter2"}' },
  '/nan-password': { type: 'application/json', body: '{"password":"hunter2","score":NaN}' },
  '/html-password': { type: 'text/html', body: '{"user":"a","password":"hunter2"}' },
  '/nested-password': { type: 'application/json', body: '{"user":"a","payload":"{\\"pwd\\":\\"hunter3\\"}"}' },
  '/utf16-dup': { type: 'application/json; charset=utf-16le', body: Buffer.from('{"card":"4111111111111111","card":"x"}', 'utf16le') },
  '/utf16-number': { type: 'application/json; charset=utf-16le', body: Buffer.from('{"card":4111111111111111110}', 'utf16le') },
  '/utf16-untyped': { type: '', body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ssn 078-05-1120', 'utf16le')]) },
  '/mp4-untyped': { type: '', body: Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]) },
  '/utf16-clean': { type: 'application/json; charset=utf-16le', body: Buffer.from('{"id":1}', 'utf16le') },
  '/binary': { type: 'application/octet-stream', body: '4111111111111111' },
  '/binary-clean': { type: 'application/octet-stream', body: Buffer.from([0, 1, 2, 0xff]) },
  '/huge': { type: 'text/plain', body: `4111111111111111 ${'x'.repeat(300_000)}` },
  '/card-number': { type: 'application/json', body: '{"id":9007199254740993,"card":4111111111111111,"maestro":6011000000000000001,"at":1733058489123}' },
  '/card-key': { type: 'application/json', body: '{"cards":{"4111111111111111":"visa"}}' },
  // Repeated keys: JSON.parse keeps only the last copy of each.
  '/dup': { type: 'application/json', body: '{"id":"1","card":"4111111111111111","card":"n/a","password":"hunter2","password":""}' },
  '/dup-nested': { type: 'application/json', body: '{"id": 9007199254740993, "rows": [{"pin": 1, "secret": 4321, "secret": null}], "x": {"a": {"b": "ok"}, "a": {"b": "4111 1111 1111 1111"}}, "k": "a\\":"}' },
  '/dup-clean': { type: 'application/json', body: '{"a":1,"a":2,"note":"x\\":y"}' },
  '/dup-exponent': { type: 'application/json', body: '{"x":1,"x":2,"card":4.111111111111111e15,"pan":41111111111111110e-1}' },
  '/dup-key': { type: 'application/json', body: '{"aws":"n/a","aws":"x","z":{"k":"AKIAIOSFODNN7EXAMPLE","k":""}}' },
  '/colons': { type: 'application/json', body: '{"url":"https://x.test/a:b","say":"\\":\\"","card":"4111111111111111"}' },
  '/ignored-nested': { type: 'application/json', body: JSON.stringify({ token: { pan: '4111111111111111', password: 'x' }, access_token: JWT }) },
  // Single-byte charsets: masked on the bytes, every other byte as it came (0x80 is € to a browser).
  '/latin1-text': { type: 'text/plain; charset=iso-8859-1', body: Buffer.from('caf\u00e9 AKIAIOSFODNN7EXAMPLE \u00fc\u0080 078-05-1120', 'latin1') },
  '/cp1252-json': { type: 'application/json; charset=windows-1252', body: Buffer.from('{"name":"Jos\u00e9 \u0080","note":"\\u00e9\\u20ac","pan":"4111111111111111"}', 'latin1') },
  '/ascii-dup': { type: 'application/json; charset=us-ascii', body: Buffer.from('{"n":"\u00ff","k":"AKIAIOSFODNN7EXAMPLE","k":""}', 'latin1') },
  // A PEM block is masked to its END line however long: 9000 two-byte characters as UTF-8, 18000 as bytes.
  '/latin1-long-pem': { type: 'text/plain; charset=latin1', body: `-----BEGIN PRIVATE KEY-----${'\u00e9'.repeat(9000)}-----END PRIVATE KEY----- \u00e9` },
  // Where the byte reading and the UTF-8 one would not mask alike, nothing is guessed: a card between
  // UTF-8 no-break spaces (bytes C2 A0, no separator to a Latin-1 reader); a JSON escape of a character
  // that carries a byte (see charset.ts).
  '/latin1-utf8-nbsp': { type: 'text/plain; charset=latin1', body: 'card 4111\u00a01111\u00a01111\u00a01111' },
  '/latin1-carrier-escape': { type: 'application/json; charset=latin1', body: Buffer.from('{"a":"\\uF7E9 \u00e9","pan":"4111111111111111"}', 'latin1') },
  '/not-utf8-text': { type: 'text/plain', body: Buffer.from('caf\u00e9 4111111111111111', 'latin1') },
  // Charsets whose bytes cannot be masked in place (an ASCII byte may end a Shift_JIS character).
  '/sjis-key': { type: 'text/plain; charset=shift_jis', body: Buffer.concat([Buffer.from([0x83, 0x5c]), Buffer.from(' AKIAIOSFODNN7EXAMPLE')]) },
  '/sjis-json': { type: 'application/json; charset=Shift_JIS', body: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0x83, 0x5c]), Buffer.from('","card":"4111111111111111"}')]) },
  '/sjis-jwt': { type: 'text/plain; charset=shift_jis', body: Buffer.concat([Buffer.from([0x83, 0x5c]), Buffer.from(` ${JWT}`)]) },
  '/sjis-clean': { type: 'text/plain; charset=shift_jis', body: Buffer.from([0x83, 0x5c, 0x20, 0x31]) },
  '/utf7': { type: 'text/plain; charset=utf-7', body: '+AEEASwBJAEE-IOSFODNN7EXAMPLE' },
  // WHATWG's other UTF-16 labels: browsers read `unicode` as UTF-16LE.
  '/unicode-pem': { type: 'text/plain; charset=unicode', body: Buffer.from(`note: ${PEM}`, 'utf16le') },
  '/ucs2-json': { type: 'application/json; charset=ucs-2', body: Buffer.from('{"k":"AKIAIOSFODNN7EXAMPLE"}', 'utf16le') },
  '/unicode-clean': { type: 'text/plain; charset=unicode', body: Buffer.from('note: nothing', 'utf16le') },
  // UTF-8 JSON with a byte-order mark, labelled UTF-16: a browser reads it by the mark, which must stay.
  '/bom-dup-json': { type: 'application/json', body: '\uFEFF{"pan":"4111111111111111","pan":"4111111111111111"}' },
  '/bom-nan-json': { type: 'application/json', body: '\uFEFF{"a":NaN,"k":"AKIAIOSFODNN7EXAMPLE"}' },
  '/bom-json-labelled-utf16': { type: 'application/json; charset=utf-16', body: Buffer.from('\uFEFF{"pan":"4111111111111111"}') },
};

describe('data-leak policy through the gateway', () => {
  let upstream: TestUpstream;
  let gw: TestGateway;
  let report: TestGateway;
  let failOpen: TestGateway;
  let failClosed: TestGateway;
  let blocking: TestGateway;

  before(async () => {
    upstream = await startUpstream((req, res) => {
      const b = bodies[req.url ?? ''] ?? bodies['/clean']!;
      res.writeHead(200, b.type === '' ? {} : { 'content-type': b.type });
      res.end(b.body);
    });
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: {}\n'));
    report = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { mode: report }\n'));
    failOpen = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { maxBodySize: 64kb, onOversize: pass }\n'));
    failClosed = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { maxBodySize: 64kb }\n'));
    blocking = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { actions: { privateKey: block, cloudKey: block } }\n'));
  });
  after(async () => {
    await gw.close();
    await report.close();
    await failOpen.close();
    await failClosed.close();
    await blocking.close();
    await upstream.close();
  });

  test('a single-byte charset (Latin-1, windows-1252, US-ASCII) is masked on its bytes: the rest goes out byte for byte, label unchanged', async () => {
    const text = await fetch(`${gw.url}/latin1-text`);
    assert.equal(text.status, 200);
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=iso-8859-1');
    assert.deepEqual(Buffer.from(await text.arrayBuffer()), Buffer.from('caf\u00e9 AKIA[REDACTED] \u00fc\u0080 ***-**-1120', 'latin1'));
    // JSON written again: raw bytes stay raw, escapes stay escapes.
    const json = await fetch(`${gw.url}/cp1252-json`);
    assert.equal(json.headers.get('content-type'), 'application/json; charset=windows-1252');
    assert.deepEqual(Buffer.from(await json.arrayBuffer()), Buffer.from('{"name":"Jos\u00e9 \u0080","note":"\\u00e9\\u20ac","pan":"************1111"}', 'latin1'));
    const dup = await fetch(`${gw.url}/ascii-dup`);
    assert.deepEqual(Buffer.from(await dup.arrayBuffer()), Buffer.from('{"n":"\u00ff","k":"AKIA[REDACTED]","k":""}', 'latin1'));
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/latin1-long-pem`)).arrayBuffer()), Buffer.from('[REDACTED PRIVATE KEY] \u00c3\u00a9', 'latin1'));
    for (const path of ['/latin1-utf8-nbsp', '/latin1-carrier-escape']) assert.equal((await fetch(`${gw.url}${path}`)).status, 502, path);
    // Bytes that are not UTF-8, with no charset: masked on the bytes too.
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/not-utf8-text`)).arrayBuffer()), Buffer.from('caf\u00e9 ************1111', 'latin1'));
  });

  test('a charset whose bytes cannot be masked in place is decoded and scanned: withheld when something is to be masked, else unchanged', async () => {
    for (const path of ['/sjis-key', '/sjis-json']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 502, path);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_RESPONSE_DATA_LEAK', path);
    }
    for (const path of ['/sjis-clean', '/sjis-jwt']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bodies[path]!.body, path);
    }
    // A charset the gateway cannot decode (UTF-7 spells letters in base64) is not read: withheld.
    const utf7 = await fetch(`${gw.url}/utf7`);
    assert.equal(utf7.status, 502);
    assert.equal(((await utf7.json()) as { code: string }).code, 'PCL_ERR_RESPONSE_UNINSPECTABLE');
  });

  test('every UTF-16 label is read as UTF-16: unicode and ucs-2 bodies with a key are withheld, clean ones unchanged', async () => {
    for (const path of ['/unicode-pem', '/ucs2-json']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 502, path);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_RESPONSE_DATA_LEAK', path);
    }
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/unicode-clean`)).arrayBuffer()), bodies['/unicode-clean']!.body);
    // JSON written again keeps a UTF-8 byte-order mark: without it a browser would read it as UTF-16.
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/bom-json-labelled-utf16`)).arrayBuffer()), Buffer.from('\uFEFF{"pan":"************1111"}'));
    // JSON that does not parse is masked as text: its one byte-order mark stays one.
    const nan = Buffer.from(await (await fetch(`${gw.url}/bom-nan-json`)).arrayBuffer()).toString('utf8');
    assert.equal(nan, '\uFEFF{"a":NaN,"k":"AKIA[REDACTED]"}');
    // A key written twice is masked in every copy, the mark kept there too.
    const dup = Buffer.from(await (await fetch(`${gw.url}/bom-dup-json`)).arrayBuffer()).toString('utf8');
    assert.ok(dup.startsWith('\uFEFF{') && !dup.startsWith('\uFEFF\uFEFF') && !dup.includes('4111111111111111'), JSON.stringify(dup));
  });

  test('cards and IBANs are masked, the JSON stays valid and keeps its shape', async () => {
    const res = await fetch(`${gw.url}/card`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { id: 7, payment: { card: '************1111', holder: 'A B' }, notes: ['iban DE****************3000'] });
  });

  test('password members are masked also where the body is not JSON.parse\'s JSON: a byte-order mark, NaN, JSON sent as text or inside a string', async () => {
    for (const path of ['/bom-password', '/nan-password', '/html-password', '/nested-password']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 200, path);
      const text = await res.text();
      assert.ok(!text.includes('hunter2') && !text.includes('hunter3'), `${path}: ${text}`);
      assert.ok(text.includes('[REDACTED]'), path);
    }
  });

  test('a UTF-16 body is read decoded, as its clients read it: a leak in it is withheld (it cannot be masked in place)', async () => {
    for (const path of ['/utf16-json', '/utf16-text', '/utf16-bom', '/utf16-dup', '/utf16-number', '/utf16-untyped']) {
      const res = await fetch(`${gw.url}${path}`);
      assert.equal(res.status, 502, path);
      assert.equal(((await res.json()) as { code: string }).code, 'PCL_ERR_RESPONSE_DATA_LEAK', path);
    }
    const binary = await fetch(`${gw.url}/mp4-untyped`);
    assert.equal(binary.status, 200, 'zero bytes without a type are binary, not UTF-32');
    await binary.body?.cancel();
    const clean = await fetch(`${gw.url}/utf16-clean`);
    assert.equal(clean.status, 200);
    assert.deepEqual(Buffer.from(await clean.arrayBuffer()), bodies['/utf16-clean']!.body);
    // A secret masked by default cannot be masked there either; a reported type is only reported.
    assert.equal((await fetch(`${gw.url}/utf16-key`)).status, 502);
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/utf16-jwt`)).arrayBuffer()), bodies['/utf16-jwt']!.body);
  });

  test('a body labelled UTF-16 is also read as UTF-8, as fetch(), axios and browsers (by a UTF-8 byte-order mark) read it: masked', async () => {
    const json = await fetch(`${gw.url}/utf8-labelled-utf16`);
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(Buffer.from(await json.arrayBuffer()).toString('utf8')), { pan: '************1111' });
    const html = await fetch(`${gw.url}/utf8-bom-labelled-utf16`);
    assert.equal(html.status, 200);
    // The byte-order mark stays: without it a browser would read the masked page as UTF-16.
    assert.deepEqual(Buffer.from(await html.arrayBuffer()), Buffer.from('\uFEFF<p>card ************1111</p>'));
    // Without a type or byte-order mark, zero bytes are UTF-16 when they decode to JSON (else binary: /mp4-untyped).
    assert.equal((await fetch(`${gw.url}/utf16-untyped-json`)).status, 502);
  });

  test('cards sent as numbers (large ones by their exact digits) or as object keys are masked; JSON stays valid', async () => {
    // The unmasked id beyond 2^53 goes out with its exact digits.
    assert.equal(await (await fetch(`${gw.url}/card-number`)).text(), '{"id":9007199254740993,"card":"************1111","maestro":"***************0001","at":1733058489123}');
    assert.deepEqual(await (await fetch(`${gw.url}/card-key`)).json(), { cards: { '************1111': 'visa' } });
  });

  test('an ignored field exempts its own string value, not what is nested under it', async () => {
    assert.deepEqual(await (await fetch(`${gw.url}/ignored-nested`)).json(), { token: { pan: '************1111', password: '[REDACTED]' }, access_token: JWT });
  });

  test('a key written twice: every copy is scanned and masked (a client may keep any), the body written again', async () => {
    const dup = await (await fetch(`${gw.url}/dup`)).text();
    assert.equal(dup, '{"id":"1","card":"************1111","card":"n/a","password":"[REDACTED]","password":""}');
    // Nested, numbers kept as written (no rounding), masked where they are.
    assert.equal(
      await (await fetch(`${gw.url}/dup-nested`)).text(),
      '{"id":9007199254740993,"rows":[{"pin":1,"secret":"[REDACTED]","secret":null}],"x":{"a":{"b":"ok"},"a":{"b":"************1111"}},"k":"a\\":"}',
    );
    // Secrets are masked in any copy, or block from any copy when set to block; report mode changes nothing.
    assert.equal(await (await fetch(`${gw.url}/dup-key`)).text(), '{"aws":"n/a","aws":"x","z":{"k":"AKIA[REDACTED]","k":""}}');
    assert.equal((await fetch(`${blocking.url}/dup-key`)).status, 502);
    assert.equal(await (await fetch(`${report.url}/dup`)).text(), bodies['/dup']!.body);
    // Numbers in exponent form are read as the digits a client's parser gives them, duplicates or not.
    assert.equal(await (await fetch(`${gw.url}/dup-exponent`)).text(), '{"x":1,"x":2,"card":"************1111","pan":"************1111"}');
    // Nothing found in any copy: byte for byte, duplicates included; colons inside strings change nothing.
    assert.equal(await (await fetch(`${gw.url}/dup-clean`)).text(), bodies['/dup-clean']!.body);
    assert.deepEqual(await (await fetch(`${gw.url}/colons`)).json(), { url: 'https://x.test/a:b', say: '":"', card: '************1111' });
  });

  test('password fields are masked, empty ones and tokens in ignored fields are left', async () => {
    assert.deepEqual(await (await fetch(`${gw.url}/user`)).json(), { id: 1, username: 'alice', passwordHash: '[REDACTED]', password: '', login: { token: JWT } });
  });

  test('cloud keys and private keys are masked by default: a value a user stored takes no shared response offline', async () => {
    const users = await fetch(`${gw.url}/users`);
    assert.equal(users.status, 200);
    assert.deepEqual(await users.json(), [{ id: 1, displayName: 'Alice' }, { id: 2, displayName: 'AKIA[REDACTED]' }]);
    assert.deepEqual(await (await fetch(`${gw.url}/key`)).json(), { id: 1, config: { aws: 'AKIA[REDACTED]' } });
    // The whole PEM block goes, in JSON (still valid) and in text: nothing of the key is left.
    const json = await (await fetch(`${gw.url}/pem-json`)).text();
    assert.deepEqual(JSON.parse(json), { id: 1, tls: { key: '[REDACTED PRIVATE KEY]', cert: 'public' } });
    const text = await (await fetch(`${gw.url}/pem`)).text();
    assert.equal(text, 'here:\n[REDACTED PRIVATE KEY]\n');
    for (const sent of [json, text]) assert.doesNotMatch(sent, /MIIEvQ|BEGIN|END/);
  });

  test('with action block, cloud keys and private keys withhold the response (502), whatever the content type', async () => {
    for (const path of ['/key', '/pem', '/pem-json']) {
      const res = await fetch(`${blocking.url}${path}`);
      assert.equal(res.status, 502, path);
      const text = await res.text();
      assert.equal(JSON.parse(text).code, 'PCL_ERR_RESPONSE_DATA_LEAK');
      assert.doesNotMatch(text, /AKIA|PRIVATE KEY/);
    }
  });

  test('text bodies are masked; clean bodies are byte-identical; a binary one with a leak is withheld, never rewritten', async () => {
    assert.equal(await (await fetch(`${gw.url}/text`)).text(), '<p>SSN ***-**-1120</p>');
    assert.equal(await (await fetch(`${gw.url}/clean`)).text(), bodies['/clean']!.body);
    assert.deepEqual(Buffer.from(await (await fetch(`${gw.url}/binary-clean`)).arrayBuffer()), bodies['/binary-clean']!.body);
    const binary = await fetch(`${gw.url}/binary`);
    assert.equal(binary.status, 502);
    assert.equal(((await binary.json()) as { code: string }).code, 'PCL_ERR_RESPONSE_DATA_LEAK');
  });

  test('report mode changes nothing the client sees', async () => {
    assert.equal(await (await fetch(`${report.url}/card`)).text(), bodies['/card']!.body);
    assert.equal((await fetch(`${report.url}/key`)).status, 200);
  });

  test('a body over maxBodySize is withheld (502) by default, or sent whole and unchecked with onOversize: pass', async () => {
    const closed = await fetch(`${failClosed.url}/huge`);
    assert.equal(closed.status, 502);
    assert.equal(((await closed.json()) as { code: string }).code, 'PCL_ERR_RESPONSE_UNINSPECTABLE');
    const open = await fetch(`${failOpen.url}/huge`);
    assert.equal(open.status, 200);
    assert.equal(await open.text(), bodies['/huge']!.body);
    assert.equal((await (await fetch(`${failOpen.url}/card`)).json() as { payment: { card: string } }).payment.card, '************1111', 'small bodies are still checked');
  });
});

/** `levels` objects, one inside the other, around a card number. */
const nested = (levels: number) => {
  let value: unknown = { card: '4111111111111111' };
  for (let i = 0; i < levels; i++) value = { c: value };
  return JSON.stringify(value);
};

test('charsets: single-byte ones masked on the bytes, others only decoded, unknown ones unreadable; bytes carried exactly', () => {
  const kind = (type: string) => charsetOf(type).kind;
  for (const label of ['iso-8859-1', '"Latin1"', 'us-ascii', 'ascii', 'windows-1252', 'cp1252']) assert.equal(kind(`text/plain; charset=${label}`), 'single-byte', label);
  for (const type of ['text/plain', 'text/plain; charset=utf-8', 'text/plain; charset=unicode-1-1-utf-8', 'text/plain; charset=unicode', 'text/plain; charset=utf16le', 'text/plain; charset=']) assert.equal(kind(type), 'utf-8', type);
  assert.deepEqual(charsetOf('text/plain; charset=latin1; charset=Shift_JIS'), { kind: 'decoded', encodings: ['shift_jis'] });
  for (const label of ['utf-7', 'ibm037', 'latin-1x']) assert.equal(kind(`text/plain; charset=${label}`), 'unreadable', label);
  const bytes = Buffer.from([0x41, 0x80, 0x9f, 0xe9, 0xff, 0x5c]);
  assert.deepEqual(uncarry(carry(bytes)), bytes);
  assert.deepEqual(uncarry('\u00e9\u20ac'), Buffer.from('\\u00e9\\u20ac'), 'characters that carry no byte go out as JSON escapes');
});

test('JSON nested deeper than the walk goes is refused, never passed on with its depths unchecked', () => {
  const findings: LeakFindings = { found: {}, masked: false };
  assert.match(JSON.stringify(scanJson(JSON.parse(nested(100)), MASK_ALL, findings)), /\*{12}1111/);
  assert.throws(() => scanJson(JSON.parse(nested(130)), MASK_ALL, { found: {}, masked: false }), { code: 'PCL_ERR_RESPONSE_UNINSPECTABLE' });
});

describe('data-leak with upstreams that answer oddly (raw socket)', () => {
  const leak = JSON.stringify({ id: '1', card: '4111111111111111' });
  const answers: Record<string, () => Buffer> = {
    '/plain': () => rawResponse('200 OK', ['Content-Type: application/json'], leak),
    '/repeated-type': () => rawResponse('200 OK', ['Content-Type: application/json', 'Content-Type: application/json'], leak),
    '/two-types': () => rawResponse('200 OK', ['Content-Type: text/plain', 'Content-Type: application/json'], leak),
    '/type-list': () => rawResponse('200 OK', ['Content-Type: application/json, text/html'], leak),
    '/type-garbage': () => rawResponse('200 OK', ['Content-Type: json'], leak),
    '/quoted-comma': () => rawResponse('200 OK', ['Content-Type: application/json; profile="a,b"'], leak),
    '/gzip-chunked': () => rawChunkedResponse('200 OK', ['Content-Type: application/json', 'Transfer-Encoding: gzip, chunked'], gzipSync(leak)),
    '/gzip-then-chunked': () => rawChunkedResponse('200 OK', ['Content-Type: application/json', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], gzipSync(leak)),
    '/chunked': () => rawChunkedResponse('200 OK', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], leak),
    '/chunked-twice': () => rawChunkedResponse('200 OK', ['Content-Type: application/json', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], leak),
    '/chunked-list': () => rawChunkedResponse('200 OK', ['Content-Type: application/json', 'Transfer-Encoding: identity, Chunked'], leak),
    '/chunked-not-last': () => rawChunkedResponse('200 OK', ['Content-Type: application/json', 'Transfer-Encoding: chunked, identity'], leak),
    '/chunked-empty-item': () => rawChunkedResponse('200 OK', ['Content-Type: application/json', 'Transfer-Encoding: chunked,'], leak),
    '/deep': () => rawResponse('200 OK', ['Content-Type: application/json'], nested(130)),
    '/untyped-json': () => rawResponse('200 OK', [], leak),
    '/untyped-text': () => rawResponse('200 OK', [], 'card 4111111111111111'),
    '/untyped-binary': () => rawResponse('200 OK', [], Buffer.from([0x00, 0x01, ...Buffer.from('4111111111111111')])),
  };
  let upstream: RawUpstream;
  let gw: TestGateway;
  let bare: TestGateway;
  let report: TestGateway;

  before(async () => {
    upstream = await startRawUpstream((head) => (answers[head.split(' ')[1]!] ?? answers['/plain']!)());
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: {}\n'));
    bare = await startTestGateway(passthroughYaml(upstream.url));
    report = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { mode: report }\n'));
  });
  after(async () => {
    await gw.close();
    await bare.close();
    await report.close();
    await upstream.close();
  });

  const refused = async (url: string, code: string) => {
    const res = await fetch(url);
    assert.equal(res.status, 502, url);
    const text = await res.text();
    assert.equal(JSON.parse(text).code, code, url);
    assert.doesNotMatch(text, /4111/, url);
  };

  test('a body with a repeated, listed or malformed Content-Type is withheld, not skipped', async () => {
    assert.deepEqual(await (await fetch(`${gw.url}/plain`)).json(), { id: '1', card: '************1111' }, 'the same body with one type is masked');
    assert.deepEqual(await (await fetch(`${gw.url}/quoted-comma`)).json(), { id: '1', card: '************1111' }, 'a comma inside a quoted parameter is no list');
    for (const path of ['/repeated-type', '/two-types', '/type-list', '/type-garbage']) await refused(`${gw.url}${path}`, 'PCL_ERR_RESPONSE_UNINSPECTABLE');
  });

  test('a body without a Content-Type is read as JSON or text; one that looks binary is read as bytes, withheld with a leak', async () => {
    assert.deepEqual(await (await fetch(`${gw.url}/untyped-json`)).json(), { id: '1', card: '************1111' });
    assert.equal(await (await fetch(`${gw.url}/untyped-text`)).text(), 'card ************1111');
    await refused(`${gw.url}/untyped-binary`, 'PCL_ERR_RESPONSE_DATA_LEAK');
  });

  test('report mode records the ambiguous type and changes nothing the client gets', async () => {
    const res = await fetch(`${report.url}/repeated-type`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), leak);
  });

  test('a transfer coding other than chunked is refused as a bad upstream response, body policies or not', async () => {
    for (const g of [gw, bare]) {
      // Chunked anywhere but last (or before an empty item) is not undone: the framing would reach the client as body.
      for (const path of ['/gzip-chunked', '/gzip-then-chunked', '/chunked-not-last', '/chunked-empty-item']) await refused(`${g.url}${path}`, 'PCL_ERR_UPSTREAM_BAD_RESPONSE');
    }
    assert.deepEqual(await (await fetch(`${gw.url}/chunked`)).json(), { id: '1', card: '************1111' }, 'chunked alone is read');
    assert.equal(await (await fetch(`${bare.url}/chunked`)).text(), leak);
    // Only framing: chunked repeated, or after identity, is no coding the client would have to undo.
    for (const path of ['/chunked-twice', '/chunked-list']) {
      assert.deepEqual(await (await fetch(`${gw.url}${path}`)).json(), { id: '1', card: '************1111' }, path);
      assert.equal(await (await fetch(`${bare.url}${path}`)).text(), leak, path);
    }
  });

  test('a body nested deeper than the scan goes is withheld', async () => {
    await refused(`${gw.url}/deep`, 'PCL_ERR_RESPONSE_UNINSPECTABLE');
  });
});
