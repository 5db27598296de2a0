// LDAP filter injection: closing the victim's filter and opening a new clause (`*)(uid=*))(|(uid=*`),
// or always-true filters.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';

const BREAKOUT = re('(?:\\*|\\w)\\s{0,4}\\)\\s{0,4}\\(\\s{0,4}(?:[|&!]\\s{0,4}\\(?|[\\w.-]{1,64}\\s{0,4}[~<>]?=)');
const ALWAYS_TRUE = re('\\(\\s{0,4}(?:[|&]\\s{0,4}\\(\\s{0,4})?(?:objectclass|uid|cn|mail|sn|userpassword)\\s{0,4}=\\s{0,4}\\*\\s{0,4}\\)', 'i');

export const ldap: Detector = {
  class: 'ldap',
  gate: (v) => (v.chars & C.paren) !== 0,
  scan(v) {
    const m = BREAKOUT.exec(v.text) ?? ALWAYS_TRUE.exec(v.text);
    return m ? [{ rule: 'ldap-filter-injection', score: 5, paranoia: 1, evidence: excerpt(v.text, m.index, m.index + 60) }] : [];
  },
};
