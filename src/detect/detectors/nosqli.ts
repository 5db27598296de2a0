// NoSQL (MongoDB) injection: query operators where the application expects a plain value: JSON keys
// and bracketed parameter names (`user[$ne]=x`, `{"password": {"$gt": ""}}`), `$where` JavaScript,
// and operator objects smuggled inside string values. Also ORM lookup operators in parameter names
// (`user__password__startswith`), which let a filter reach fields it should not.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';
import type { Hit } from '../types.ts';

const OPERATORS = [
  'ne', 'eq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'regex', 'where', 'exists', 'not', 'nor', 'or',
  'and', 'elemmatch', 'text', 'expr', 'function', 'accumulator', 'lookup', 'all', 'size', 'type', 'mod',
  'jsonschema', 'search', 'options', 'comment', 'slice', 'natural', 'merge', 'out', 'unionwith',
  'geowithin', 'near', 'bitsallset', 'rename', 'set', 'unset', 'push', 'pull', 'inc',
];
const OP_KEY = re(`^\\$(?:${OPERATORS.join('|')})$`, 'i');
const OP_BRACKET = re(`\\[\\s{0,4}\\$(?:${OPERATORS.join('|')})\\s{0,4}\\]`, 'i');
const OP_IN_VALUE = re(`[{,]\\s{0,8}["']?\\$(?:${OPERATORS.join('|')})["']?\\s{0,8}:`, 'i');
const WHERE_JS = re('\\$where\\b|\\bthis\\.[\\w$]{1,64}\\s{0,8}(?:==|!=|\\.match\\s{0,4}\\()|\\bsleep\\s{0,4}\\(\\s{0,4}\\d|\\bdb\\.[\\w$]{1,64}\\.(?:find|drop|insert|remove|update)', 'i');
const ORM_LOOKUP = '(?:exact|iexact|contains|icontains|in|gt|gte|lt|lte|startswith|istartswith|endswith|iendswith|range|date|year|month|day|isnull|regex|iregex|search|has_key|has_keys|has_any_keys|contained_by|overlap|keys|values)';
const ORM_NESTED = re(`^\\$?[.\\w]{0,64}?[a-z0-9]__[a-z0-9_]{1,64}__${ORM_LOOKUP}$`, 'i');
const ORM_SINGLE = re(`^[a-z0-9_]{0,64}[a-z0-9]__${ORM_LOOKUP}$`, 'i');

export const nosqli: Detector = {
  class: 'nosqli',
  gate: (v) => (v.chars & C.dollar) !== 0 || (v.isName && (v.chars & C.underscore) !== 0),
  scan(v, pl) {
    const t = v.text;
    const hits: Hit[] = [];
    const ev = (i: number) => excerpt(t, i, i + 60);
    if (v.isName) {
      const key = v.location === 'json-key' ? t : t;
      if (OP_KEY.test(key.trim())) hits.push({ rule: 'nosqli-operator-key', score: 5, paranoia: 1, evidence: ev(0) });
      const b = OP_BRACKET.exec(key);
      if (b) hits.push({ rule: 'nosqli-operator-key', score: 5, paranoia: 1, evidence: ev(b.index) });
      const last = key.slice(key.lastIndexOf('.') + 1);
      if (ORM_NESTED.test(last)) hits.push({ rule: 'nosqli-orm-lookup', score: 5, paranoia: 2, evidence: ev(0) });
      else if (pl >= 3 && ORM_SINGLE.test(last)) hits.push({ rule: 'nosqli-orm-lookup', score: 5, paranoia: 3, evidence: ev(0) });
      return hits;
    }
    const b = OP_BRACKET.exec(t) ?? OP_IN_VALUE.exec(t);
    if (b) hits.push({ rule: 'nosqli-operator-value', score: 5, paranoia: 1, evidence: ev(b.index) });
    else if (t.includes('$')) {
      const w = WHERE_JS.exec(t);
      if (w && w[0].startsWith('$')) hits.push({ rule: 'nosqli-where', score: 5, paranoia: 1, evidence: ev(w.index) });
    }
    // `{"a__b__startswith": ...}` inside a raw body or a JSON string value.
    const orm = /"([a-z0-9_]{1,64}__[a-z0-9_]{1,64})"\s{0,4}:/i.exec(t);
    if (orm && ORM_NESTED.test(orm[1]!)) hits.push({ rule: 'nosqli-orm-lookup', score: 5, paranoia: 2, evidence: ev(orm.index) });
    return hits;
  },
};
