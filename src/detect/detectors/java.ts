// Java attacks (the CRS 944 family): deserialization gadgets and stream magic bytes (raw, hex and
// base64 at every alignment), class names used in exploit chains, expression-language and OGNL
// payloads (`T(java.lang.Runtime)`, `#_memberAccess`), Spring4Shell's class-loader path, and
// base64-wrapped keywords.

import { C, type Detector, type ScanValue } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re, wordsRe } from '../regex.ts';
import type { Hit } from '../types.ts';

const CLASS_NAMES = re(
  '\\b(?:java\\.(?:lang|io|net|nio|rmi|beans|security|util\\.(?:jar|zip|logging|prefs)|lang\\.reflect|lang\\.invoke)\\.[A-Za-z$][\\w$]{1,64}|javax\\.(?:script|naming|management|xml\\.transform|el|faces)\\.[\\w$.]{2,64}|com\\.sun\\.(?:org\\.apache|rowset|jndi|management)[\\w$.]{0,64}|org\\.apache\\.(?:commons\\.(?:collections\\d?|beanutils|fileupload)|xalan|xbean|wicket\\.util|tomcat\\.dbcp|naming|catalina\\.(?:core|loader))[\\w$.]{0,64}|org\\.springframework\\.(?:beans|context\\.support|jndi|transaction\\.jta|aop)[\\w$.]{0,64}|com\\.opensymphony\\.xwork2[\\w$.]{0,64}|ognl\\.(?:ognlcontext|ognlruntime|memberaccess)|sun\\.misc\\.(?:unsafe|base64decoder)|jdk\\.jshell|groovy\\.lang\\.[\\w$]{2,64}|bsh\\.interpreter|clojure\\.(?:core|main)[\\w$.]{0,32}|com\\.mchange\\.v2\\.c3p0[\\w$.]{0,64}|org\\.codehaus\\.groovy\\.runtime[\\w$.]{0,64}|com\\.thoughtworks\\.xstream[\\w$.]{0,64}|org\\.hibernate\\.(?:engine|tuple)[\\w$.]{0,64}|net\\.sf\\.json\\.JSONObject|com\\.alibaba\\.fastjson[\\w$.]{0,64}|org\\.mozilla\\.javascript[\\w$.]{0,64})',
  'i',
);
const GADGETS = wordsRe([
  'invokertransformer', 'clonetransformer', 'forclosure', 'instantiatefactory', 'instantiatetransformer',
  'prototypeclonefactory', 'prototypeserializationfactory', 'whileclosure', 'chainedtransformer',
  'constanttransformer', 'lazymap', 'transformedmap', 'templatesimpl', 'annotationinvocationhandler',
  'badattributevalueexpexception', 'priorityqueue', 'beancomparator', 'jdbcrowsetimpl', 'unicastref',
  'remoteobjectinvocationhandler', 'serializablefunction', 'objectinputstream', 'xmldecoder',
  'processbuilder', 'getruntime', 'classloader', 'urlclassloader', 'scriptenginemanager', 'defineclass',
  'newinstance', 'getdeclaredmethod', 'getmethod', 'forname', 'runtime', 'unmarshaller', 'xstream',
]);
const EXECUTION = re(
  '(?:\\bruntime\\s{0,8}\\.\\s{0,8}getruntime\\s{0,8}\\(|\\bprocessbuilder\\b[\\s\\S]{0,64}?(?:\\.\\s{0,4}start|\\(|clonetransformer|forclosure|instantiate|invokertransformer|prototype|whileclosure)|\\bruntime\\b[.\\s]{1,8}(?:clonetransformer|forclosure|instantiatefactory|instantiatetransformer|invokertransformer|prototypeclonefactory|prototypeserializationfactory|whileclosure)|\\bclass\\s{0,4}\\.\\s{0,4}forname\\s{0,4}\\(|\\.getclass\\s{0,4}\\(\\s{0,4}\\)\\s{0,4}\\.\\s{0,4}(?:forname|getmethod|getclassloader)|\\bt\\s{0,4}\\(\\s{0,4}java\\.|@java\\.lang\\.|#_memberaccess|#context\\s{0,4}\\[|#application\\b|#session\\b|#request\\b|ognlcontext|@ognl\\.|\\bclass\\s{0,4}\\.\\s{0,4}(?:module\\s{0,4}\\.\\s{0,4})?classloader\\b|\\.getruntime\\s{0,4}\\(\\s{0,4}\\)\\s{0,4}\\.\\s{0,4}exec|\\bnew\\s{1,8}java\\.)',
  'i',
);
const MAGIC_HEX = re('\\baced0005|\\\\xac\\\\xed\\\\x00\\\\x05|\\xac\\xed\\x00\\x05', 'i');

// Base64 of a keyword at the three byte alignments, minus the edge characters that depend on
// neighbours: the strings CRS searches for, computed here rather than listed.
function base64Forms(word: string): string[] {
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.from('\0'.repeat(pad) + word, 'latin1').toString('base64').replace(/=+$/, '');
    const start = Math.ceil((pad * 4) / 3);
    const usable = Math.floor(((pad + word.length) * 4) / 3) - (((pad + word.length) % 3) === 0 ? 0 : 1);
    const s = b64.slice(start, Math.max(start, usable));
    if (s.length >= 5) out.push(s);
  }
  return out;
}
const BASE64_KEYWORDS = [
  ...[
    'runtime', 'processbuilder', 'clonetransformer', 'forclosure', 'instantiatefactory',
    'instantiatetransformer', 'invokertransformer', 'prototypeclonefactory',
    'prototypeserializationfactory', 'whileclosure', 'getruntime', 'java.lang', 'classloader',
  ].flatMap(base64Forms),
  // Serialization stream header 0xaced0005 at the three alignments.
  'rO0AB', 'KztAAU', 'Cs7QAF',
];

// One pass instead of an indexOf per keyword form; case matters in base64.
const BASE64_KEYWORD_RE = wordsRe(BASE64_KEYWORDS, '', false);
const LONG_BASE64_KEYWORD_RE = wordsRe(BASE64_KEYWORDS.filter((k) => k.length >= 8), '', false);

// Every keyword form holds an upper-case letter, so a value without one cannot contain any.
const KEYWORDS_NEED_UPPER = BASE64_KEYWORDS.every((k) => /[A-Z]/.test(k));
const BASE64_ALPHABET = C.digit | C.plus | C.slash | C.eq | C.underscore | C.dash;
const base64Like = (v: ScanValue): boolean =>
  (v.chars & ~BASE64_ALPHABET) === 0 && v.raw.length >= 5 && !(KEYWORDS_NEED_UPPER && v.lower === v.raw) && BASE64_LIKE.test(v.raw);

const CODE_CHARS = C.dot | C.hash | C.at | C.backslash | C.paren;
const BASE64_LIKE = re('^[A-Za-z0-9+/=_-]{5,}$');

export const java: Detector = {
  class: 'java',
  gate: (v) => (v.chars & CODE_CHARS) !== 0 || v.fromBase64 || base64Like(v),
  scan(v) {
    const t = v.text;
    const hits: Hit[] = [];
    const add = (rule: string, i: number) => hits.push({ rule, score: 5, paranoia: 1, evidence: excerpt(t, i, i + 80) });
    const e = (v.chars & CODE_CHARS) !== 0 || v.fromBase64 ? EXECUTION.exec(t) : null;
    if (e) add('java-code-execution', e.index);
    else if ((v.chars & CODE_CHARS) !== 0 || v.fromBase64) {
      const c = CLASS_NAMES.exec(t);
      if (c) add('java-class', c.index);
      else {
        const g = GADGETS.exec(t);
        // Gadget names are words; alone in prose they are weak, decoded from base64 they are not.
        const alone = g !== null && t.trim().length === g[0].length && g[0].length >= 12;
        if (g && (v.fromBase64 || alone || /[.$]/.test(t.slice(Math.max(0, g.index - 1), g.index + g[0].length + 1)))) add('java-gadget', g.index);
      }
    }
    if (hits.length === 0) {
      const m = MAGIC_HEX.exec(t);
      if (m) add('java-serialized-object', m.index);
      else if (v.raw.length > 1024) {
        // Long base64 (images, files) contains any 5 characters by chance; there only a leading
        // serialization header or a long keyword form counts.
        const k = v.raw.startsWith('rO0AB') ? 0 : (LONG_BASE64_KEYWORD_RE.exec(v.raw)?.index ?? -1);
        if (k >= 0) add('java-base64-keyword', k);
      } else if (base64Like(v)) {
        const k = BASE64_KEYWORD_RE.exec(v.raw);
        if (k) add('java-base64-keyword', k.index);
      }
    }
    return hits;
  },
};
