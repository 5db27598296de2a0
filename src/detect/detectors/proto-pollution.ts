// JavaScript prototype pollution: keys that reach Object.prototype when a server merges user input
// (`__proto__`, `constructor.prototype`, `constructor[prototype]`), in names or serialized values.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';

const PROTO = re('__proto__|\\bconstructor\\s{0,4}(?:\\.|\\[\\s{0,4}["\']?)\\s{0,4}prototype\\b|\\bprototype\\s{0,4}(?:\\.|\\[)\\s{0,4}["\']?(?:constructor|__defineGetter__|__defineSetter__)', 'i');

export const protoPollution: Detector = {
  class: 'proto-pollution',
  gate: (v) => (v.chars & C.underscore) !== 0 || v.lower.includes('prototype'),
  scan(v) {
    const m = PROTO.exec(v.text);
    if (!m) return [];
    // As a key it is the attack itself; in a value it must look like a path or a JSON key.
    const tail = v.text.slice(m.index + m[0].length, m.index + m[0].length + 3);
    if (!v.isName && !/^\s{0,2}["'\].[:=]/.test(tail) && !/prototype/i.test(m[0])) return [];
    return [{ rule: 'proto-pollution-key', score: 5, paranoia: 1, evidence: excerpt(v.text, m.index, m.index + 60) }];
  },
};
