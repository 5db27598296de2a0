// Server-side template injection: template delimiters (`{{ }}`, `{% %}`, `${ }`, `#{ }`, `<% %>`,
// `*{ }`, `@( )`) around something that computes or reaches into the runtime: arithmetic, calls,
// dunder attributes, statements. A plain variable (`{{username}}`) passes.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';

const EXPR = re(
  '(?:\\{\\{|\\{%|\\$\\{|#\\{|\\*\\{|<%=?|@\\()\\s{0,16}([^{}%>]{1,256}?)\\s{0,16}(?:\\}\\}|%\\}|\\}|%>|\\))',
  'g',
);
const DANGEROUS_BODY = re(
  '\\d\\s{0,8}[-+*/%]\\s{0,8}\\d|\\w\\s{0,4}\\(|__\\w{1,32}__|\\.\\s{0,4}(?:class|constructor|getclass|forname|getruntime|exec|system|popen|mro|subclasses|globals|builtins|import)\\b|\\b(?:if|for|set|import|include|block|macro|endif|endfor|system|exec|eval|require|runtime|process|self|config|request|lipsum|cycler|joiner|namespace)\\b|\\[\\s{0,4}[\'"]',
  'i',
);
// Not `{% raw %}`: it turns template processing off, and documentation mentions it.
const STATEMENT = re('\\{%\\s{0,16}(?:if|for|set|import|include|extends|block|macro|filter|with|call|from)\\b', 'i');

export const ssti: Detector = {
  class: 'ssti',
  gate: (v) => (v.chars & (C.brace | C.lt | C.paren)) !== 0 && (v.chars & (C.brace | C.percent | C.paren)) !== 0,
  scan(v) {
    const t = v.text;
    const s = STATEMENT.exec(t);
    if (s) return [{ rule: 'ssti-statement', score: 5, paranoia: 1, evidence: excerpt(t, s.index, s.index + 60) }];
    EXPR.lastIndex = 0;
    for (let m = EXPR.exec(t), n = 0; m && n < 32; m = EXPR.exec(t), n++) {
      const open = m[0].slice(0, 2);
      // `@(`, `${` and `*{` are common outside templates; they need a stronger body.
      const body = m[1]!;
      if (!DANGEROUS_BODY.test(body)) continue;
      if ((open === '@(' || open.startsWith('*')) && !/__|\.\s{0,4}(?:class|getclass|forname|getruntime)|\bT\s{0,4}\(/i.test(body)) continue;
      return [{ rule: 'ssti-expression', score: 5, paranoia: 1, evidence: excerpt(t, m.index, m.index + 60) }];
    }
    return [];
  },
};
