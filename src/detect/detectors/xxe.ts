// XML external entities: DOCTYPE declarations with entities, external identifiers (SYSTEM/PUBLIC),
// parameter entities and XInclude, in XML bodies or in any value that will be parsed as XML.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';

const ENTITY = re('<!ENTITY\\s{1,16}(?:%\\s{1,16})?[\\w.:-]{1,128}\\s{1,16}(?:SYSTEM|PUBLIC)\\b|<!ENTITY\\s{1,16}%', 'i');
const DOCTYPE_EXTERNAL = re('<!DOCTYPE\\s{1,16}[\\w.:-]{1,128}\\s{1,16}(?:SYSTEM|PUBLIC)\\s{1,16}["\'][^"\']{0,256}["\']|<!DOCTYPE[^>]{0,1024}\\[\\s{0,16}<!ENTITY', 'i');
const XINCLUDE = re('<[\\w]{0,32}:?include\\s[^>]{0,512}(?:xmlns[\\w:]{0,32}\\s{0,4}=\\s{0,4}["\']http://www\\.w3\\.org/2001/XInclude|href\\s{0,4}=)', 'i');
// An XML value naming a schema to fetch from elsewhere; a bare `!ENTITY ... SYSTEM` without `<`.
const SCHEMA_LOCATION = re('\\bxsi:(?:nonamespace)?schemalocation\\s{0,4}=\\s{0,4}["\'][^"\']{0,256}(?:https?|ftp|file)://', 'i');
const BARE_ENTITY = re('!entity\\s{1,16}(?:%\\s{1,16})?[\\w.:-]{1,128}\\s{1,16}(?:system|public)\\b', 'i');
const ANY_ENTITY = re('<!ENTITY\\b|<!DOCTYPE\\b', 'i');

export const xxe: Detector = {
  class: 'xxe',
  gate: (v) =>
    (v.chars & (C.lt | C.excl)) === (C.lt | C.excl) ||
    ((v.chars & C.lt) !== 0 && (v.lower.includes('include') || v.lower.includes('schemalocation'))) ||
    ((v.chars & C.excl) !== 0 && v.lower.includes('entity')),
  scan(v, pl) {
    const t = v.text;
    const m = ENTITY.exec(t) ?? DOCTYPE_EXTERNAL.exec(t) ?? XINCLUDE.exec(t) ?? SCHEMA_LOCATION.exec(t);
    if (m) return [{ rule: 'xxe-external-entity', score: 5, paranoia: 1, evidence: excerpt(t, m.index, m.index + 80) }];
    const d = pl >= 2 ? (ANY_ENTITY.exec(t) ?? BARE_ENTITY.exec(t)) : null;
    return d ? [{ rule: 'xxe-doctype', score: 5, paranoia: 2, evidence: excerpt(t, d.index, d.index + 80) }] : [];
  },
};
