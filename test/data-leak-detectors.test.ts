// data-leak detectors at their edges, on their own and through a real gateway and upstream: card
// numbers between Unicode spaces, dashes and invisible separators, AWS key ids glued to `_`, PEM
// private keys without their END line or longer than 16 KiB, in linear time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { passthroughYaml, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { servingBodies, type CannedBody, type TestUpstream } from './helpers/upstream.ts';
import { scanText, type LeakFindings, type LeakRules } from '../src/policies/data-leak/scan.ts';

const MASK_ALL: LeakRules = { actions: { card: 'mask', iban: 'mask', ssn: 'mask', privateKey: 'mask', cloudKey: 'mask', jwt: 'mask', password: 'mask' }, ignoreFields: new Set() };
const scan = (text: string) => {
  const findings: LeakFindings = { found: {}, masked: false };
  return { text: scanText(text, MASK_ALL, findings), found: findings.found };
};
const KEY = 'AKIAIOSFODNN7EXAMPLE';
const BASE64 = (n: number) => 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC+/='.repeat(Math.ceil(n / 34)).slice(0, n);

// No-break, narrow no-break, thin, figure and ideographic spaces; hyphen, non-breaking hyphen, figure
// dash, en and em dashes, minus sign, fullwidth hyphen-minus; soft hyphen and zero-width space (the
// number renders whole).
const SEPARATORS = ['\u00a0', '\u202f', '\u2009', '\u2007', '\u3000', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\uff0d', '\u00ad', '\u200b'];

test('card numbers between Unicode spaces, dashes and invisible separators are found and masked; Luhn still applies', () => {
  for (const sep of SEPARATORS) {
    const name = `U+${sep.charCodeAt(0).toString(16)}`;
    assert.deepEqual(scan(`card 4111${sep}1111${sep}1111${sep}1111 ok`), { text: 'card ************1111 ok', found: { card: 1 } }, name);
    assert.deepEqual(scan(`4111${sep}1111${sep}1111${sep}1112`).found, {}, `${name}: fails Luhn`);
  }
  assert.deepEqual(scan('3782\u00a0822463\u00a010005').text, '***********0005', 'Amex grouping 4-6-5');
  assert.deepEqual(scan('3056 930902 5904').text, '**********5904', 'Diners Club grouping 4-6-4');
  // A number that runs on after a dash-like separator is no card (a phone number, a range).
  assert.deepEqual(scan('12\u20134111111111111111').found, {});
  assert.deepEqual(scan('+1\u00a0415\u2011555\u20110100').found, {});
});

test('AWS key ids bordered by `_` or other non-alphanumerics are found; never inside a longer alphanumeric run', () => {
  for (const [text, masked] of [
    [`key_${KEY}_x`, 'key_AKIA[REDACTED]_x'],
    [`AWS_ACCESS_KEY_ID_${KEY}`, 'AWS_ACCESS_KEY_ID_AKIA[REDACTED]'],
    [`${KEY}_2`, 'AKIA[REDACTED]_2'],
    ['x_ASIAY34FZKBOKMUTVV7A_y', 'x_ASIA[REDACTED]_y'],
    [`(${KEY})`, '(AKIA[REDACTED])'],
  ]) assert.deepEqual(scan(text!), { text: masked, found: { cloudKey: 1 } }, text);
  for (const text of [`x${KEY}`, `${KEY}x`, `${KEY}2`, `MFRGGZDFMZTWQ2LK${KEY}NRWG43`, `ab${KEY.toLowerCase()}`, `AKIA${'A'.repeat(17)}`]) assert.deepEqual(scan(text).found, {}, text);
});

test('a PEM private key is masked from BEGIN to END whatever its length, or without END to the end of its base64', () => {
  const long = `-----BEGIN RSA PRIVATE KEY-----\n${BASE64(40_000)}\n-----END RSA PRIVATE KEY-----`;
  assert.deepEqual(scan(`a ${long} b`), { text: 'a [REDACTED PRIVATE KEY] b', found: { privateKey: 1 } });
  // Truncated: to the end of the base64 run, escaped line breaks and header lines included.
  assert.deepEqual(scan(`{"key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN\\nBgkqhkiG9w0B"}`).text, '{"key":"[REDACTED PRIVATE KEY]"}');
  assert.equal(scan('-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\nMIIEow+/=').text, '[REDACTED PRIVATE KEY]');
  assert.equal(scan('<pre>-----BEGIN PRIVATE KEY-----<br>MIIEvQIB<br/>ADANBgkq&#10;hkiG9w0B</pre>').text, '<pre>[REDACTED PRIVATE KEY]</pre>');
  // Two keys, the first cut short: both go, whatever lies between.
  assert.equal(scan(`-----BEGIN PRIVATE KEY-----\nMIIE; then -----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY----- end`).text, '[REDACTED PRIVATE KEY] end');
});

test('PEM scanning is linear: 1 MB of base64 after a BEGIN line, or 1 MB of BEGIN lines, in well under 200 ms', () => {
  for (const text of [`-----BEGIN PRIVATE KEY-----\n${BASE64(1 << 20)}`, '-----BEGIN PRIVATE KEY-----\n'.repeat((1 << 20) / 28), `${'-----BEGIN PRIVATE KEY-----'.repeat(20_000)}${'x'.repeat(500_000)}-----END PRIVATE KEY-----`]) {
    const start = performance.now();
    const { text: masked, found } = scan(text);
    const ms = performance.now() - start;
    assert.ok(ms < 200, `${ms} ms`);
    assert.ok(found.privateKey! >= 1 && !masked.includes('MIIE') && !masked.includes('BEGIN'), masked.slice(0, 80));
  }
});

describe('data-leak detectors through the gateway', () => {
  const pem = `-----BEGIN PRIVATE KEY-----\n${BASE64(30_000)}\n-----END PRIVATE KEY-----`;
  const bodies: Record<string, CannedBody> = {
    '/nbsp-text': { type: 'text/plain; charset=utf-8', body: 'card 4111\u00a01111\u00a01111\u00a01111, 5500\u202f0000\u202f0000\u202f0004, 4111\u20131111\u20131111\u20131111' },
    '/nbsp-json': { type: 'application/json', body: JSON.stringify({ pan: '4111\u20091111\u20091111\u20091111', ref: '4111\u00a01111\u00a01111\u00a01112' }) },
    // Latin-1 bytes: 0xA0 is its no-break space (the UTF-8 reading sees U+FFFD there); windows-1252 0x96 an en dash.
    '/latin1-nbsp': { type: 'text/plain; charset=iso-8859-1', body: Buffer.from('caf\u00e9 4111\u00a01111\u00a01111\u00a01111', 'latin1') },
    '/cp1252-dash': { type: 'text/plain; charset=windows-1252', body: Buffer.from('4111\u00961111\u00961111\u00961111 \u00e9', 'latin1') },
    '/untagged-latin1-nbsp': { type: 'text/plain', body: Buffer.from('4111\u00a01111\u00a01111\u00a01111 \u00e9', 'latin1') },
    // UTF-8 no-break spaces in a body labelled Latin-1: one reading sees a card, the other does not.
    '/latin1-label-utf8-nbsp': { type: 'text/plain; charset=iso-8859-1', body: 'card 4111\u00a01111\u00a01111\u00a01111' },
    '/aws-glued': { type: 'application/json', body: JSON.stringify({ env: `AWS_ACCESS_KEY_ID_${KEY}_END`, note: `key_${KEY}_x` }) },
    '/aws-run': { type: 'text/plain', body: `MFRGGZDFMZTWQ2LK${KEY}NRWG43` },
    '/pem-long': { type: 'text/plain', body: `key:\n${pem}\nafter` },
    '/pem-long-json': { type: 'application/json', body: JSON.stringify({ id: 1, key: pem }) },
    '/pem-truncated': { type: 'application/json', body: JSON.stringify({ id: 1, key: `-----BEGIN OPENSSH PRIVATE KEY-----\n${BASE64(2000)}`, next: 'kept' }) },
    '/pem-truncated-text': { type: 'text/plain', body: `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n"next"` },
    '/pem-megabyte': { type: 'text/plain', body: `-----BEGIN PRIVATE KEY-----\n${BASE64(1_000_000)}` },
  };
  let upstream: TestUpstream;
  let gw: TestGateway;
  let blocking: TestGateway;

  before(async () => {
    upstream = await servingBodies(bodies);
    gw = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: {}\n'));
    blocking = await startTestGateway(passthroughYaml(upstream.url, '    policies:\n      data-leak: { actions: { privateKey: block, card: block } }\n'));
  });
  after(async () => {
    await gw.close();
    await blocking.close();
    await upstream.close();
  });

  const get = async (path: string) => {
    const res = await fetch(`${gw.url}${path}`);
    assert.equal(res.status, 200, path);
    return Buffer.from(await res.arrayBuffer());
  };
  const withheld = async (g: TestGateway, path: string) => {
    const res = await fetch(`${g.url}${path}`);
    assert.equal(res.status, 502, path);
    const sent = await res.text();
    assert.equal(JSON.parse(sent).code, 'PCL_ERR_RESPONSE_DATA_LEAK', path);
    assert.doesNotMatch(sent, /4111|MIIE/, path);
  };

  test('cards between no-break, narrow no-break and thin spaces or en dashes are masked; a Luhn failure is left', async () => {
    assert.equal((await get('/nbsp-text')).toString(), 'card ************1111, ************0004, ************1111');
    assert.deepEqual(JSON.parse((await get('/nbsp-json')).toString()), { pan: '************1111', ref: '4111\u00a01111\u00a01111\u00a01112' });
    await withheld(blocking, '/nbsp-text');
  });

  test('in a single-byte charset (or bytes that are not UTF-8), cards between its no-break spaces or windows-1252 dashes are masked on the bytes', async () => {
    assert.deepEqual(await get('/latin1-nbsp'), Buffer.from('caf\u00e9 ************1111', 'latin1'));
    assert.deepEqual(await get('/cp1252-dash'), Buffer.from('************1111 \u00e9', 'latin1'));
    assert.deepEqual(await get('/untagged-latin1-nbsp'), Buffer.from('************1111 \u00e9', 'latin1'), 'bytes that are not UTF-8, no charset');
    // The bytes and their UTF-8 reading disagree: nothing is guessed, the body is withheld.
    await withheld(gw, '/latin1-label-utf8-nbsp');
  });

  test('AWS key ids glued to `_` are masked; inside a longer run they are no key', async () => {
    assert.deepEqual(JSON.parse((await get('/aws-glued')).toString()), { env: 'AWS_ACCESS_KEY_ID_AKIA[REDACTED]_END', note: 'key_AKIA[REDACTED]_x' });
    assert.equal((await get('/aws-run')).toString(), bodies['/aws-run']!.body);
  });

  test('PEM keys longer than 16 KiB, or cut short, are masked whole, in text and in JSON; a 1 MB one promptly', async () => {
    assert.equal((await get('/pem-long')).toString(), 'key:\n[REDACTED PRIVATE KEY]\nafter');
    assert.deepEqual(JSON.parse((await get('/pem-long-json')).toString()), { id: 1, key: '[REDACTED PRIVATE KEY]' });
    assert.deepEqual(JSON.parse((await get('/pem-truncated')).toString()), { id: 1, key: '[REDACTED PRIVATE KEY]', next: 'kept' });
    assert.equal((await get('/pem-truncated-text')).toString(), '[REDACTED PRIVATE KEY]"next"');
    const start = performance.now();
    assert.equal((await get('/pem-megabyte')).toString(), '[REDACTED PRIVATE KEY]');
    assert.ok(performance.now() - start < 1000, 'through the gateway too');
    for (const path of ['/pem-long', '/pem-truncated', '/pem-megabyte']) await withheld(blocking, path);
  });
});
