import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAnchored, isExponential, maxMatchLength, parseRegex, RegexSyntaxError } from './regex.ts';

const exponential = (pattern: string): boolean | undefined => isExponential(parseRegex(pattern));

describe('ReDoS: exponential backtracking', () => {
  test('nested quantifiers', () => {
    for (const p of ['(a+)+', '^(a+)+$', '(a*)*', '^(\\d+)*$', '^(\\w+\\s?)*$', '([a-z0-9]+[-.]?)+@', '(x+x+)+y', '(\\w+\\d+)+$', '^([a-z]{1,64}\\.?)+$', '^(a*b*)*$']) {
      assert.equal(exponential(p), true, p);
    }
  });

  test('overlapping alternatives under a quantifier', () => {
    for (const p of ['(a|a)*', '(\\d|\\w)+', '(a|aa)+', '^(a|b|ab)*c$', '^(.|\\s)*$', '(?:[a-z]|\\w)+$']) {
      assert.equal(exponential(p), true, p);
    }
  });

  test('the classic email validator', () => {
    const p = '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$';
    assert.equal(exponential(p), true);
  });

  test('safe look-alikes stay quiet', () => {
    for (const p of ['^[a-z]+$', '(\\w+\\.)+com', '(ab|ac)+', '^\\d{3}-\\d{4}$', '^(\\d{1,3}\\.){3}\\d{1,3}$', '^[A-Za-z0-9 ._-]+$', '^https://', '[a-f0-9]{32}', '^(foo|bar)+$', 'a*b*', '^[^@]+@[^@]+\\.[a-z]{2,}$', '^([a-z]+-)*[a-z]+$', '^\\+?[1-9]\\d{1,14}$', '^[a-z0-9]+(-[a-z0-9]+)*$', '^(?:\\d{2}){2,4}$']) {
      assert.equal(exponential(p), false, p);
    }
  });

  test('back-references are not analysed', () => {
    assert.equal(exponential('(a+)\\1'), undefined);
  });

  test('large patterns finish quickly', () => {
    const big = `^${Array.from({ length: 150 }, (_, i) => `(x${i}|y${i})?`).join('')}(a|b)+$`;
    const started = performance.now();
    exponential(big);
    exponential(`(${'[a-z]+'.repeat(60)})+`);
    assert.ok(performance.now() - started < 2000);
  });
});

describe('parsing', () => {
  test('syntax errors', () => {
    for (const p of ['(a', 'a)', '[b-a]', '*a', '[abc', '\\']) assert.throws(() => parseRegex(p), RegexSyntaxError, p);
  });

  test('escapes, classes, groups and lookarounds', () => {
    for (const p of ['\\u{1F600}', '[\\w-]+', '(?<name>a)\\k<name>', '(?=a)a', '(?<!b)a', '\\p{L}+', '[^\\]]', 'a{,3}', '\\x41\\u0041\\cJ']) {
      assert.doesNotThrow(() => parseRegex(p), p);
    }
  });

  test('longest match and anchoring', () => {
    assert.equal(maxMatchLength(parseRegex('^[a-z]{2,10}$')), 10);
    assert.equal(maxMatchLength(parseRegex('^(a|bc)?d$')), 3);
    assert.equal(maxMatchLength(parseRegex('^a+$')), Infinity);
    assert.equal(isAnchored(parseRegex('^abc$')), true);
    assert.equal(isAnchored(parseRegex('^abc')), false);
    assert.equal(isAnchored(parseRegex('^a$|^b$')), true);
  });
});
