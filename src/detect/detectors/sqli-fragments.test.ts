// SQL fragments at paranoia 2: breakouts ended by a comment or a terminator, leading boolean
// operators, PostgreSQL JSON tests, hex strings; and the sentences that resemble them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, type Input } from '../index.ts';

const d = compileDetector();
const f = (value: string): Input => ({ location: 'form', name: 'v', value });

const ATTACKS = [
  "x' or array[id] is not null--",
  "'sounds like rowid--",
  "admin@shop.example';",
  "';#",
  "' or abc!",
  'xor 2 <',
  `OR '{"a":"b"}' ? 'a'`,
  '1.e(ascii)',
  'SELECT/*x*/password/**/FROM/**/Members',
  'DROP sampletable;--',
  'except select.1,2',
  'select 0x616263',
  "overlay(password placing '' from 1 for 0)::int",
  // Unclosed SQL calls, alone in a value.
  'SUM(',
  'hour /**/ (',
  'values  (',
  // Escaped quotes a naive escaper doubles, quote probes, stacked statements on bracketed names.
  "name\\'or 1=1",
  `'"`,
  "7' ' 7",
  ';drop[users]',
  '; select',
  'div(10, -3)',
  "' regexp '^a'",
  "1 as' from",
  "' = --",
  'waitfor+delay+\'0:0:3\'',
  // A query written out with SQL punctuation is no sentence, however many spaces it has.
  "FROM `orders` WHERE `orders`.`id` = 3 ORDER BY `total` LIMIT",
];

const BENIGN = [
  "is this your parents' or yours?",
  "Rock 'n' roll and jazz",
  "font-family: 'Arial';",
  'black or white!',
  'or more!',
  'version 1.e',
  "It's 5 o'clock -- time to go",
  'std::string name',
  'the count (approximate)',
  'Max (the dog)',
  '--drop-caches',
  'left',
  "''",
  '"hello"',
  '`',
  'Open (9am-5pm); closed Sundays',
  'Select the plan that suits you; select again to change it',
  'Known as Bob from Paris, he writes about SQL joins and indexes every week',
];

test('SQL fragments are blocked', () => {
  for (const v of ATTACKS) {
    const r = d.inspect([f(v)]);
    assert.ok(r.blocked && r.matches.some((m) => m.class === 'sqli'), `not blocked: ${v}`);
  }
});

test('sentences that resemble them pass', () => {
  for (const v of BENIGN) {
    const r = d.inspect([f(v)]);
    assert.equal(r.blocked, false, `${v}: ${r.matches.map((m) => `${m.rule} «${m.evidence}»`).join(', ')}`);
  }
});
