// Log4Shell and other Log4j lookups: `${jndi:ldap://...}` and its obfuscations, resolved the way
// Log4j resolves them: `${lower:j}`, `${upper:N}`, `${::-d}`, `${env:X:-i}` (default values), nested
// to any depth. Also data-leaking lookups (`${env:AWS_SECRET_ACCESS_KEY}`, `${sys:user.name}`).

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';
import type { Hit } from '../types.ts';

// Innermost `${...}` (no `${` inside), resolved first.
const INNER = re('\\$\\{([^${}]{0,256})\\}', 'g');
const JNDI = re('\\$\\{\\s{0,8}jndi\\s{0,8}:|\\bjndi\\s{0,4}:\\s{0,4}(?:ldaps?|rmi|dns|iiop|corba|nds|nis|http|https|ftp)\\s{0,4}:', 'i');
const LEAK = re('\\$\\{\\s{0,8}(?:env|sys|java|ctx|main|bundle|docker|k8s|kubernetes|spring|web|log4j|marker|sd|map|jvmrunargs|event|date)\\s{0,8}:', 'i');

function resolve(s: string): string {
  let cur = s;
  for (let i = 0; i < 16; i++) {
    const next = cur.replace(INNER, (m, body: string) => {
      const b = body.trim();
      const lower = b.toLowerCase();
      if (lower.startsWith('jndi:')) return `\u0001JNDI:${b.slice(5)}\u0002`;
      if (lower.startsWith('lower:')) return b.slice(6).toLowerCase();
      if (lower.startsWith('upper:')) return b.slice(6).toUpperCase();
      const dflt = b.indexOf(':-');
      if (dflt >= 0) return b.slice(dflt + 2);
      return m.replace('${', '\u0001').replace('}', '\u0002');
    });
    if (next === cur) break;
    cur = next;
  }
  return cur.replaceAll('\u0001', '${').replaceAll('\u0002', '}');
}

export const jndi: Detector = {
  class: 'jndi',
  gate: (v) => (v.chars & (C.dollar | C.brace)) === (C.dollar | C.brace) || v.lower.includes('jndi'),
  scan(v) {
    const t = v.text;
    const hits: Hit[] = [];
    const direct = JNDI.exec(t);
    const resolved = direct ? t : resolve(t);
    const m = direct ?? JNDI.exec(resolved);
    if (m) hits.push({ rule: 'jndi-lookup', score: 5, paranoia: 1, evidence: excerpt(resolved, m.index, m.index + 80) });
    else {
      const l = LEAK.exec(t);
      if (l) hits.push({ rule: 'jndi-data-lookup', score: 5, paranoia: 1, evidence: excerpt(t, l.index, l.index + 60) });
    }
    return hits;
  },
};
