import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayHoldInexactNumbers, parseExactNumbers } from './exact-numbers.ts';

const again = (text: string) => JSON.stringify(parseExactNumbers(text));

test('numbers JSON.parse would change are kept as their text; the others are parsed', () => {
  for (const kept of ['9007199254740993', '-12345678901234567891', '12345678901234.5678', '0.12345678901234567', '1e400', '-1E+309', '1e-400', '4.9e-324', '1.2345678901234567e20']) {
    assert.equal(again(`[${kept}]`), `[${kept}]`, kept);
  }
  // Up to 15 significant digits a double gives the value back, perhaps written otherwise.
  assert.equal(again('[1e3,0.1,123456789012345,1.50,0.000001,0e-400,9007199254740991]'), '[1000,0.1,123456789012345,1.5,0.000001,0,9007199254740991]');
});

test('mayHoldInexactNumbers: long numbers and three-digit exponents where values go, not digits in strings', () => {
  for (const yes of ['{"a":9007199254740993}', '[1,12345678901234.5678]', '{"a": 1e400}', '[1E-308]']) assert.equal(mayHoldInexactNumbers(yes), true, yes);
  for (const no of ['{"card":"4111111111111111"}', '{"a":123456789012345}', '{"a":1e30}', '{"a":0.5}']) assert.equal(mayHoldInexactNumbers(no), false, no);
});
