// Cross-site scripting: HTML tags are scanned like a browser would (see tokenizers/html.ts) and
// judged by what runs code: script-capable elements, event-handler attributes, `javascript:` URLs,
// CSS expressions. Values that break out of an attribute (`" onmouseover="...`) are parsed as the
// rest of a tag. Without any tag, script URLs and JavaScript sinks are checked.

import { C, type Detector } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { decodeEscapes } from '../normalize/escapes.ts';
import { percentDecode } from '../normalize/url.ts';
import { re } from '../regex.ts';
import { type HtmlAttr, readAttributes, scanTags } from '../tokenizers/html.ts';
import type { Hit, Paranoia } from '../types.ts';
import { readsAsSentence } from './sentence.ts';

const CODE_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'import', 'xss',
  'isindex', 'vmlframe', 'xml', 'handler', 'listener', 'eval', 'portal', 'fencedframe',
]);
// Tags that run code through the right attribute or by their nature; flagged from paranoia 2.
const ACTIVE_TAGS = new Set([
  'svg', 'math', 'style', 'link', 'meta', 'form', 'template', 'animate', 'set', 'input', 'button',
  'textarea', 'select', 'option', 'details', 'dialog', 'marquee', 'keygen', 'video', 'audio', 'source',
  'track', 'body', 'html', 'head', 'title', 'noscript', 'noembed', 'noframes', 'plaintext', 'xmp',
  'listing', 'layer', 'ilayer', 'bgsound', 'image', 'animatetransform', 'animatemotion', 'foreignobject',
  'use', 'feimage', 'object', 'param', 'area', 'map', 'isindex', 'menu', 'command', 'slot', 'shadow',
]);

// Tags that are harmless unless an attribute makes them run code.
const PLAIN_TAGS = new Set([
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'cite', 'code', 'col', 'dd', 'del', 'div', 'dl',
  'dt', 'em', 'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins',
  'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'small', 'span', 'strong', 'sub', 'sup', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul', 'section', 'article', 'header', 'footer',
  'nav', 'main', 'aside', 'time', 'label', 'font', 'center', 'tt', 'big', 'strike', 'wbr',
]);
const URL_ATTRS = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'background', 'dynsrc', 'lowsrc',
  'poster', 'codebase', 'srcdoc', 'to', 'from', 'values', 'by', 'content', 'lang', 'xmlns', 'ping',
  'icon', 'manifest', 'cite', 'longdesc', 'usemap', 'profile', 'classid', 'archive', 'folder',
  'datasrc', 'srcset', 'imagesrcset', 'attributename', 'begin', 'filter', 'style',
]);

// Scheme of a URL once control characters and spaces browsers ignore are removed.
const SCRIPT_URL = re('^(?:javascript|vbscript|livescript|mocha|data\\s{0,4}:\\s{0,4}(?:text/html|image/svg|application/(?:x-)?(?:javascript|ecmascript|xhtml))|jar:|view-source:)', 'i');
const SCRIPT_SCHEME = re('(?:^|[\\s"\'`=(<>])(?:javascript|vbscript|livescript)\\s{0,4}:', 'i');
// `javascript: the good parts`: a sentence after the scheme, nothing JavaScript could run without a
// call, a template, an assignment or an operator.
const SCHEME_THEN_WORDS = re('^\\s{0,4}javascript\\s{0,4}:\\s{1,8}[a-z][a-z\'\\s,.!?-]{0,256}$', 'i');
const CSS_CODE = re('expression\\s{0,8}\\(|-moz-binding|behavior\\s{0,8}:|javascript:|@import|url\\s{0,8}\\(\\s{0,8}[\'"]?\\s{0,8}(?:javascript|vbscript|data):', 'i');
const EVENT_ATTR = re('^on[a-z]{3,40}$');
// JavaScript that reaches for the page: sinks and dialog functions called directly (not an empty
// call followed by a word, `eval() is evil`: a syntax error in JavaScript, a mention in a sentence).
const JS_SINKS = re(
  '(?:\\b(?:alert|prompt|confirm|eval|settimeout|setinterval|atob|btoa|fetch|execscript|msgbox)\\s{0,8}(?:\\((?!\\s{0,8}\\)\\s{1,8}(?!(?:in|instanceof)\\b)[a-z])|`)|\\bdocument\\s{0,4}\\.\\s{0,4}(?:cookie|domain|write|location|body)|\\bwindow\\s{0,4}\\.\\s{0,4}(?:location|open|name)|\\.innerhtml\\b|\\bstring\\.fromcharcode\\b|\\bfunction\\s{0,8}\\(\\s{0,8}\\)\\s{0,8}\\{|\\b(?:top|self|parent|frames)\\s{0,4}\\[\\s{0,4}[\'"`]|\\bconstructor\\s{0,4}\\.\\s{0,4}constructor\\b|\\bimport\\s{0,8}\\(|\\b(?:window|self|top|parent|globalthis|document)\\s{0,4}\\)?\\s{0,4}\\[\\s{0,4}[\'"`]|\\.\\s{0,4}(?:call|apply|bind)\\s{0,4}`|\\$\\{\\s{0,4}(?:alert|prompt|confirm|eval)\\b|\\bdocument\\s{0,4}\\.\\s{0,4}(?:queryselector|getelementbyid|createelement)\\s{0,4}\\()',
);
// Characters browsers drop inside a scheme name: `java\tscript:`, `java&#0;script:`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters
const IGNORED_IN_URL = re('[\\u0000-\\u0020\\u007f]', 'g');

function attrHit(tag: string, a: HtmlAttr, s: string, start: number, tagIsReal: boolean): Hit | null {
  const ev = () => excerpt(s, start, start + 80);
  if (EVENT_ATTR.test(a.name) && (a.value !== null || tagIsReal)) {
    return { rule: 'xss-event-handler', score: 5, paranoia: 1, evidence: ev() };
  }
  if (a.value === null) return null;
  const compact = a.value.replace(IGNORED_IN_URL, '');
  if ((URL_ATTRS.has(a.name) || tag === 'meta') && SCRIPT_URL.test(compact)) {
    return { rule: 'xss-script-url', score: 5, paranoia: 1, evidence: ev() };
  }
  if (tag === 'meta' && /url\s{0,4}=\s{0,4}(?:javascript|data|vbscript):/i.test(compact)) {
    return { rule: 'xss-script-url', score: 5, paranoia: 1, evidence: ev() };
  }
  if (a.name === 'style' && CSS_CODE.test(a.value)) return { rule: 'xss-css-code', score: 5, paranoia: 1, evidence: ev() };
  return null;
}

const JS_COMMENT = re('/\\*[^*]{0,256}\\*/', 'g');
// Legacy encodings that smuggle `<` and `>`: UTF-7 (`+ADw-`) and bytes whose high bit a filter
// strips (`\xbc` is `<` once 0x80 is removed).
const UTF7 = re('\\+AD[w4IA]-?', 'gi');
const HAS_UTF7 = re('\\+AD[w4IA]', 'i');
// The raw value holds bytes above 0x7f (escaped or not): NFKC would turn `¼` into `1/4`, so the
// high-bit variant is built from the raw value, with UTF-8 lead bytes read as Latin-1 dropped.
const RAW_HIGH = re('\\\\x[89a-f][0-9a-f]|%[89a-f][0-9a-f]|[\\u0080-\\u00ff]', 'i');
const UTF8_LEAD = re('[\\u00c2-\\u00df](?=[\\u0080-\\u00bf])', 'g');
const WELL_FORMED = re('<[a-z][^<>]{0,128}>[^]{0,512}</[a-z]{1,16}\\s{0,4}>', 'i');
// Tag names spelled with spaces between the letters (`<f o r m`).
const SPACED_TAG = re('<\\s{0,4}((?:[a-z]\\s){2,12}[a-z])(?![a-z])', 'i');
const UTF7_MAP: Record<string, string> = { adw: '<', ad4: '>', adi: '"', ada: "'" };
// biome-ignore lint/suspicious/noControlCharactersInRegex: Latin-1 range
const HIGH_BIT = re('[\\u0080-\\u00ff]', 'g');
const UNQUOTED_HANDLER = re('[\\s"\'`;/=,(]on[a-z]{3,25}\\s{0,8}=[^=]');
const JSFUCK = re('!\\s{0,4}!?\\s{0,4}\\[\\s{0,4}\\]|\\+\\s{0,4}\\[\\s{0,4}\\]');
// A tag name behind a namespace prefix, possibly empty or spaced: `<x:script`, `< x: script`, `<:vmlframe`.
const NAMESPACED_TAG = re('<\\s{0,4}(?:[a-z][\\w-]{0,15})?\\s{0,4}:\\s{0,4}([a-z]{2,16})(?![\\w-])', 'i');
// A data URL whose content is markup, whatever its declared type: `data:,<x>`, `data: ;,<svg>`.
const DATA_URL_MARKUP = re('(?:^|[\\s"\'`=(])data\\s{0,4}:[^,<]{0,64},[^<]{0,256}<[a-z!/?][^>]{0,256}>', 'i');
// A value that opens by closing an HTML comment (`-->`, `--!>`): it escapes the comment it lands in,
// but is an arrow as often; paranoia 3.
const COMMENT_CLOSE = re('^\\s{0,8}--!?>');
// Leaving a JavaScript string into an assignment: `' in foo.bar=`, `"-location=`, `"in valueOf=`.
const JS_STRING_ASSIGN = re('[\'"`]\\s{0,8}(?:(?:[-+*/%|^]|in\\b)\\s{0,8}[\\w$]{1,32}(?:\\.[\\w$]{1,32}){0,4}|in[\\w$]{1,32}(?:\\.[\\w$]{1,32}){1,4})\\s{0,4}=(?!=)');
// Attributes that carry code or a target for it, right after a quote that closes the value:
// `'formaction=`, `" srcdoc=`.
const CODE_ATTRS = new Set(['formaction', 'srcdoc', 'xlink:href']);
const CSS_URL_SCRIPT = re('url\\s{0,8}\\(\\s{0,8}[\'"]?\\s{0,8}(?:javascript|vbscript)|-moz-binding\\s{0,8}:|\\bexpression\\s{0,8}\\(', 'i');

function scan(s: string, raw: string, pl: Paranoia): Hit | null {
  const direct = scanOnce(s, pl);
  if (direct && direct.score >= 5) return direct;
  const h = scanDecoded(s, raw, pl);
  return h && (h.score >= 5 || !direct) ? h : direct;
}

/** The legacy encodings and tag spellings scanOnce does not read. */
function scanDecoded(s: string, raw: string, pl: Paranoia): Hit | null {
  if (HAS_UTF7.test(s)) {
    const t = s.replace(UTF7, (m) => UTF7_MAP[m.slice(1, 4).toLowerCase()] ?? m);
    const h = scanOnce(t, pl);
    if (h && h.score >= 5) return h;
  }
  const legacy = RAW_HIGH.test(raw) ? decodeEscapes(percentDecode(raw)).replace(UTF8_LEAD, '') : /[\u00a0-\u00ff]/.test(s) ? s : null;
  if (legacy !== null) {
    // Accented and Cyrillic text also holds such bytes; the stripped reading counts only when it
    // yields well-formed markup, an opening and a closing tag.
    const stripped = legacy.replace(HIGH_BIT, (c) => String.fromCharCode(c.charCodeAt(0) & 0x7f));
    const h = WELL_FORMED.test(stripped) ? scanOnce(stripped, pl) : null;
    if (h && h.score >= 5) return h;
  }
  const spaced = s.includes('<') ? SPACED_TAG.exec(s) : null;
  if (spaced) {
    const name = spaced[1]!.replace(/\s/g, '').toLowerCase();
    if (CODE_TAGS.has(name) || (ACTIVE_TAGS.has(name) && pl >= 2)) {
      return { rule: 'xss-spaced-tag', score: 5, paranoia: CODE_TAGS.has(name) ? 1 : 2, evidence: excerpt(s, spaced.index, spaced.index + 40) };
    }
  }
  const lt = s.includes('<');
  const ns = lt && s.includes(':') ? NAMESPACED_TAG.exec(s) : null;
  // Spaced (`< x: script`) it counts only where a tag can open, not inside a sentence (`a < b: script`).
  if (ns && (!/\s/.test(ns[0]) || ns.index === 0 || /[>"'=]/.test(s[ns.index - 1]!))) {
    const name = ns[1]!.toLowerCase();
    const level: Paranoia = CODE_TAGS.has(name) && !/\s/.test(ns[0]) ? 1 : 2;
    if ((CODE_TAGS.has(name) || ACTIVE_TAGS.has(name)) && level <= pl) {
      return { rule: 'xss-namespaced-tag', score: 5, paranoia: level, evidence: excerpt(s, ns.index, ns.index + 40) };
    }
  }
  if (pl >= 2) {
    const eq = s.includes('=');
    const m =
      UNQUOTED_HANDLER.exec(s) ??
      JSFUCK.exec(s) ??
      CSS_URL_SCRIPT.exec(s) ??
      (lt ? DATA_URL_MARKUP.exec(s) : null) ??
      (eq ? JS_STRING_ASSIGN.exec(s) : null) ??
      (pl >= 3 ? COMMENT_CLOSE.exec(s) : null);
    if (m) return { rule: 'xss-script-fragment', score: 5, paranoia: 2, evidence: excerpt(s, m.index, m.index + 60) };
  }
  return null;
}

const BREAKOUT_QUOTES = ['"', "'", '`', ' '] as const;

function scanOnce(s: string, pl: Paranoia): Hit | null {
  // An unknown tag (paranoia 3) scores below the blocking threshold: it must not hide what the rest
  // of the value holds, so it is returned only when nothing else is found.
  let unknownTag: Hit | null = null;
  if (s.indexOf('<') >= 0) {
    for (const t of scanTags(s)) {
      const ev = () => excerpt(s, t.start, t.end);
      if (CODE_TAGS.has(t.name)) return { rule: 'xss-script-tag', score: 5, paranoia: 1, evidence: ev() };
      for (const a of t.attrs) {
        const h = attrHit(t.name, a, s, t.start, true);
        if (h) return h;
      }
      // `<noscript#`: a browser reads an unknown element, a filter reading the prefix does not.
      const prefix = /^[a-z]{1,32}/.exec(t.name)?.[0] ?? '';
      if ((ACTIVE_TAGS.has(t.name) || (prefix !== t.name && (ACTIVE_TAGS.has(prefix) || CODE_TAGS.has(prefix)))) && pl >= 2) {
        return { rule: 'xss-active-tag', score: 5, paranoia: 2, evidence: ev() };
      }
      if (pl >= 3 && !PLAIN_TAGS.has(t.name) && t.name.length < 16) unknownTag ??= { rule: 'xss-html-tag', score: 3, paranoia: 3, evidence: ev() };
    }
  }
  // Breaking out of an attribute value: `" autofocus onfocus="alert(1)`, `x onmouseover=alert(1)`.
  // Every hit below needs an attribute with a value, so a text without `=` has none.
  const hasEq = s.indexOf('=') >= 0;
  for (const q of hasEq ? BREAKOUT_QUOTES : []) {
    const at = q === ' ' ? -1 : s.indexOf(q);
    if (q !== ' ' && at < 0) continue;
    const from = q === ' ' ? s.search(/[\s/]/) : at + 1;
    if (from < 0) continue;
    const attrs: HtmlAttr[] = [];
    readAttributes(s, from, attrs, 16);
    for (const a of attrs) {
      if (q !== ' ' && pl >= 2 && a === attrs[0] && CODE_ATTRS.has(a.name) && a.value !== null) {
        return { rule: 'xss-attribute-breakout', score: 5, paranoia: 2, evidence: excerpt(s, at, at + 60) };
      }
      if (a.value === null) continue;
      const h = attrHit('', a, s, from, false);
      if (h && h.rule !== 'xss-script-url') return h;
    }
  }
  const compact = s.replace(IGNORED_IN_URL, '');
  if (SCHEME_THEN_WORDS.test(s) && readsAsSentence(s)) return unknownTag;
  if (SCRIPT_URL.test(compact)) return { rule: 'xss-script-url', score: 5, paranoia: 1, evidence: excerpt(s, 0, 80) };
  const m = SCRIPT_SCHEME.exec(s);
  if (m) return { rule: 'xss-script-url', score: 5, paranoia: 1, evidence: excerpt(s, m.index, m.index + 80) };
  if (pl >= 2) {
    const j = JS_SINKS.exec(s.includes('/*') ? s.toLowerCase().replace(JS_COMMENT, '') : s.toLowerCase());
    // In long prose or code samples these names are ordinary; in a short parameter they are a probe.
    if (j && (s.length <= 256 || pl >= 3)) return { rule: 'xss-js-sink', score: 5, paranoia: 2, evidence: excerpt(s, j.index, j.index + 60) };
  }
  return unknownTag;
}

export const xss: Detector = {
  class: 'xss',
  gate(v) {
    return (v.chars & (C.lt | C.colon | C.paren | C.quote | C.eq | C.dot | C.bracket)) !== 0 || ((v.chars & C.gt) !== 0 && v.text.includes('--')) || ((v.chars & C.plus) !== 0 && HAS_UTF7.test(v.text));
  },
  scan(v, pl) {
    const h = scan(v.text, v.raw, pl);
    return h ? [h] : [];
  },
};
