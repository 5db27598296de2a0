import assert from 'node:assert/strict';
import { test } from 'node:test';
import { someMultipartName } from './multipart-names.ts';

const TYPE = 'multipart/form-data; boundary=B';
const isOverride = (name: string) => name === '_method';
/** A part of boundary B: CRLF-framed headers, content. */
const part = (headers: string, content = 'v') => `--B\r\n${headers}\r\n\r\n${content}\r\n`;
const field = (name: string, content = 'v') => part(`Content-Disposition: form-data; name="${name}"`, content);
const lf = (text: string) => text.replaceAll('\r\n', '\n');
/** Every name the readings give, in order (one list per call). */
function names(body: string, type = TYPE): string[] {
  const out: string[] = [];
  someMultipartName(body, type, (name) => (out.push(name), false));
  return out;
}

test('the names of a form, CRLF or LF-only; part contents are not read', () => {
  const body = field('a', 'name="_hidden"') + field('_method', 'DELETE') + '--B--\r\n';
  assert.deepEqual(names(body), ['a', '_method']);
  assert.deepEqual(names(lf(body)), ['a', '_method']);
  assert.equal(someMultipartName(field('a') + '--B--\r\n', TYPE, isOverride), false);
});

test('every reading a parser could take finds the name, in CRLF and LF-only bodies', () => {
  const cases: [string, string][] = [
    [TYPE, part('Content-Disposition: form-data; name="x"; name="_method"')],
    [TYPE, part("Content-Disposition: form-data; name='_method'")],
    [TYPE, part('Content-Disposition: form-data; name=_method x')],
    [TYPE, part("Content-Disposition: form-data; name=\"x\"; name*=UTF-8''%5Fmethod")],
    [TYPE, part("Content-Disposition: form-data; name*0*=UTF-8''%5Fme; name*1=thod")],
    [TYPE, part('Content-Disposition: form-data; x="a name="; name="_method"')],
    [TYPE, part('Content-ID: <_method>')],
    [TYPE, field('x') + '--B--\r\n' + field('_method')], // after the close delimiter (PHP)
    [TYPE, `preamble--B\r\nContent-Disposition: form-data; name="_method"\r\n\r\nv\r\n`], // mid-line (Werkzeug)
    ['multipart/form-data; boundary=AA; boundary=B', field('_method')],
    ['multipart/form-data; xboundary=B; boundary=AA', field('_method')],
    ['multipart/form-data; boundary=B,CC', field('_method')],
  ];
  for (const [type, body] of cases) {
    assert.equal(someMultipartName(body, type, isOverride), true, `${type}: ${JSON.stringify(body)}`);
    assert.equal(someMultipartName(lf(body), type, isOverride), true, `LF-only ${type}: ${JSON.stringify(body)}`);
  }
});

test('what is not read within bounds counts as a match', () => {
  const pad = `X-Pad: ${'a'.repeat(9000)}`;
  assert.equal(someMultipartName(part(`${pad}\r\nContent-Disposition: form-data; name="x"`) + '--B--\r\n', TYPE, () => false), true);
  assert.equal(someMultipartName(lf(part(`${pad}\r\nContent-Disposition: form-data; name="x"`)) + '--B--\n', TYPE, () => false), true);
  // A header section reaching the end of the body within the bound is read whole.
  assert.equal(someMultipartName(`--B\r\n${'a'.repeat(8000)}`, TYPE, () => false), false);
  const many = 'multipart/form-data' + Array.from({ length: 9 }, (_, i) => `; boundary=b${i}`).join('');
  assert.equal(someMultipartName(field('x'), many, () => false), true);
});

test('linear in the body: a megabyte of delimiters is answered well under a second', () => {
  const shapes: [string, string, boolean][] = [
    ['empty CRLF parts', '--B\r\n\r\n', false],
    ['empty LF parts', '--B\n\n', false],
    ['a form of small fields', field('a'), false],
    // Delimiters inside one (under 8 KiB) header section each start a section overlapping the rest:
    // past the budget they count as a match.
    ['delimiters inside header sections', '--B\r\n'.repeat(1600) + '\r\n', true],
    ['the same, LF-only', '--B\n'.repeat(1600) + '\n', true],
    ['delimiters and parameters inside header sections', '--B\r\nContent-Disposition: form-data; a=1; b=2; c=3;\r\n'.repeat(150) + '\r\n', true],
  ];
  for (const [label, unit, expected] of shapes) {
    const body = unit.repeat(Math.floor(1_000_000 / unit.length));
    const started = performance.now();
    assert.equal(someMultipartName(body, TYPE, () => false), expected, label);
    const took = performance.now() - started;
    assert.ok(took < 1000, `${label}: took ${Math.round(took)} ms`);
  }
});
