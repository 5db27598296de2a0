// Every regular expression of the engine must run in linear time on hostile input. V8's engine
// backtracks, so this test rejects the constructs that make it super-linear: nested quantifiers
// (`(a+)+`), back-references, and an unbounded repeat of something that overlaps what precedes
// it (`\w+\w+`, `.*.*`). It audits the literals in the sources and every RegExp built through
// `re()` (see regex.ts). Unbounded repetition is allowed only on simple atoms after a literal
// they cannot match (`union\s+select`); `{0,n}` bounds are the usual cure.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDetector } from './index.ts';
import { registeredRegexes } from './regex.ts';

interface Finding {
  source: string;
  problem: string;
}

/** Splits a pattern into top-level items, each `{atom, quantifier}`; groups are recursed into. */
function audit(source: string): string[] {
  const problems: string[] = [];
  // Returns the max quantifier "unboundedness" inside the group (true if an unbounded or large
  // quantifier occurs inside).
  const parse = (s: string, i: number, depth: number): { end: number; hasRepeat: boolean } => {
    let hasRepeat = false;
    let prevAtom = '';
    while (i < s.length) {
      const c = s[i]!;
      if (c === ')') return { end: i + 1, hasRepeat };
      let atom = '';
      let inner = false;
      if (c === '\\') {
        atom = s.slice(i, i + 2);
        if (/\\[1-9]/.test(atom) || s.startsWith('\\k<', i)) problems.push('back-reference');
        i += 2;
      } else if (c === '[') {
        let j = i + 1;
        if (s[j] === '^') j++;
        if (s[j] === ']') j++;
        while (j < s.length && s[j] !== ']') j += s[j] === '\\' ? 2 : 1;
        atom = s.slice(i, j + 1);
        i = j + 1;
      } else if (c === '(') {
        let j = i + 1;
        if (s[j] === '?') {
          j++;
          if (s[j] === '<' && s[j + 1] !== '=' && s[j + 1] !== '!') j = s.indexOf('>', j) + 1;
          else j++;
        }
        const r = parse(s, j, depth + 1);
        inner = r.hasRepeat;
        atom = s.slice(i, r.end);
        i = r.end;
      } else if (c === '|') {
        prevAtom = '';
        i++;
        continue;
      } else {
        atom = c;
        i++;
      }
      // Quantifier
      let q = '';
      const m = /^(?:[*+?]|\{\d+(?:,\d*)?\})\??/.exec(s.slice(i));
      if (m) {
        q = m[0];
        i += q.length;
      }
      const unbounded = q.startsWith('*') || q.startsWith('+') || /^\{\d+,\}/.test(q);
      const max = q === '' || q.startsWith('?') ? 1 : unbounded ? Infinity : Number(/,(\d+)\}|\{(\d+)\}/.exec(q)?.slice(1).find(Boolean) ?? 1);
      if (max > 1) {
        if (inner && (unbounded || max > 64)) problems.push(`nested quantifier: ${atom}${q}`);
        hasRepeat = true;
      }
      if (inner) hasRepeat = true;
      if (unbounded && prevAtom !== '' && overlaps(prevAtom, atom)) problems.push(`overlapping repeat: ${prevAtom}${atom}${q}`);
      prevAtom = q === '' || !unbounded ? atom : atom;
    }
    return { end: i, hasRepeat };
  };
  parse(source, 0, 0);
  return problems;
}

// Could two atoms match the same character? Conservative for classes and escapes.
function overlaps(a: string, b: string): boolean {
  const sample = (atom: string): string[] => {
    if (atom === '.') return ['any'];
    if (atom.startsWith('(')) return ['any'];
    if (atom.startsWith('[')) return atom.startsWith('[^') ? ['any'] : [atom];
    return [atom];
  };
  const sa = sample(a);
  const sb = sample(b);
  if (sa[0] === 'any' || sb[0] === 'any') return true;
  const chars = (atom: string): string => {
    const all = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
    try {
      const r = new RegExp(`^${atom}$`, 'i');
      return [...all].filter((ch) => r.test(ch)).join('');
    } catch {
      return all;
    }
  };
  const ca = chars(a);
  return [...chars(b)].some((ch) => ca.includes(ch));
}

function literalRegexes(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...literalRegexes(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      const src = readFileSync(p, 'utf8');
      // A `/` starting a regex literal follows an operator, a bracket or a keyword.
      for (const m of src.matchAll(/(?:[=(,:!&|?{};]|return|\[)\s*\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/[dgimsuyv]*/g)) {
        if (!m[1]!.startsWith('/') && !m[1]!.startsWith('*')) out.push(m[1]!);
      }
    }
  }
  return out;
}

test('no regular expression of the engine can backtrack catastrophically', () => {
  compileDetector(); // registers every re() built at load time
  const sources = [...registeredRegexes().map((r) => r.source), ...literalRegexes(import.meta.dirname)];
  assert.ok(sources.length > 100, `found only ${sources.length} regexes`);
  const findings: Finding[] = [];
  for (const source of sources) for (const problem of audit(source)) findings.push({ source: source.slice(0, 120), problem });
  assert.deepEqual(findings, []);
});

test('the auditor catches the classic bad patterns', () => {
  assert.ok(audit('(a+)+$').length > 0);
  assert.ok(audit('(\\w*)*').length > 0);
  assert.ok(audit('\\w+\\d+').length > 0);
  assert.ok(audit('.*.*x').length > 0);
  assert.ok(audit('(a)\\1').length > 0);
  assert.deepEqual(audit('union\\s+select'), []);
  assert.deepEqual(audit('(?:ab){1,8}c'), []);
});
