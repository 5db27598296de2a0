// PHP injection at paranoia 2: dangerous functions however they are called, short and template
// tags, variable functions, script uploads; and ordinary text and files.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, type Input } from '../index.ts';

const d = compileDetector();
const q = (value: string): Input => ({ location: 'query', name: 'v', value });

const ATTACKS: Input[] = [
  q('base64_decode($_GET[x])'),
  q('gzinflate/**/(x)'),
  q('("system")("whoami")'),
  q('<? echo 1; ?>'),
  q('[php]echo "x";[/php]'),
  q('$$b(2)'),
  q('str_split()'), // a lone call of a snake_case function
  q('mb_substr ('),
  { location: 'multipart', name: 'file.filename', value: 'shell.php5...' },
  { location: 'header', name: 'x-file-name', value: 'photo. phtml' },
];

const BENIGN: Input[] = [
  q('How do I use base64 decoding in PHP? It returns a string.'),
  q('Price: $5 (incl. VAT)'),
  q('Hello ${name}, welcome'),
  q('[PHP] sorting arrays by value'),
  q('user_id'),
  q('call get_user() to fetch the user'),
  q('snake_case (naming)'),
  { location: 'multipart', name: 'file.filename', value: 'invoice-2024.pdf' },
  { location: 'multipart', name: 'file.filename', value: 'photo.php.jpg' }, // double extension: paranoia 3
];

test('PHP injections and script uploads are blocked', () => {
  for (const input of ATTACKS) {
    const r = d.inspect([input]);
    assert.ok(r.blocked, `not blocked: ${input.value}`);
  }
});

test('text and files that resemble them pass', () => {
  for (const input of BENIGN) {
    const r = d.inspect([input]);
    assert.equal(r.blocked, false, `${input.value}: ${r.matches.map((m) => `${m.rule} «${m.evidence}»`).join(', ')}`);
  }
});
