// JavaScript prototype pollution: keys that reach Object.prototype when a server merges user input
// (`__proto__`, `constructor.prototype`, `constructor[prototype]`, `a[constructor][prototype]`), in
// names or serialized values, and a JSON key `prototype` inside a key `constructor`.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';

const PROTO = re(
  '__proto__|\\bconstructor\\s{0,4}["\']?\\s{0,4}\\]?\\s{0,4}(?:\\.|\\[\\s{0,4}["\']?)\\s{0,4}prototype\\b|\\bprototype\\s{0,4}(?:\\.|\\[)\\s{0,4}["\']?(?:constructor|__defineGetter__|__defineSetter__)',
  'i',
);

// A JSON key is one segment of its path (`$.constructor.prototype`): `prototype` alone is an ordinary
// word, under `constructor` it is the attack. Its verdict depends on the path, not the text only.
const PARENT = '.constructor.prototype';

/** True for a JSON key whose verdict depends on its parent: the engine must not remember it as clean. */
export const judgedByParent = (key: string): boolean => key.length === 9 && key.toLowerCase() === 'prototype';

export const protoPollution: Detector = {
  class: 'proto-pollution',
  gate: (v) => (v.chars & C.underscore) !== 0 || v.lower.includes('prototype'),
  scan(v) {
    if (v.location === 'json-key' && judgedByParent(v.raw) && v.name.length > PARENT.length && v.name.slice(-PARENT.length).toLowerCase() === PARENT) {
      return [{ rule: 'proto-pollution-key', score: 5, paranoia: 1, evidence: excerpt(v.name, v.name.length - PARENT.length + 1, v.name.length) }];
    }
    const m = PROTO.exec(v.text);
    if (!m) return [];
    // As a key it is the attack itself; in a value it must look like a path or a JSON key.
    const tail = v.text.slice(m.index + m[0].length, m.index + m[0].length + 3);
    if (!v.isName && !/^\s{0,2}["'\].[:=]/.test(tail) && !/prototype/i.test(m[0])) return [];
    return [{ rule: 'proto-pollution-key', score: 5, paranoia: 1, evidence: excerpt(v.text, m.index, m.index + 60) }];
  },
};
