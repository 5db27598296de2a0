// Shellshock (CVE-2014-6271): a function definition `() {` at the start of a value bash imports
// from the environment; anything after the closing brace runs.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';

const FUNCTION_DEF = re('\\(\\s{0,16}\\)\\s{0,16}\\{');

export const shellshock: Detector = {
  class: 'shellshock',
  gate: (v) => (v.chars & (C.paren | C.brace)) === (C.paren | C.brace),
  scan(v) {
    const m = FUNCTION_DEF.exec(v.text);
    if (!m) return [];
    // `function() {` in JavaScript is not bash's import syntax.
    const before = v.text.slice(Math.max(0, m.index - 8), m.index);
    if (/function\s{0,4}$|\w$/.test(before)) return [];
    return [{ rule: 'shellshock-function', score: 5, paranoia: 1, evidence: excerpt(v.text, m.index, m.index + 60) }];
  },
};
