// XML bodies: the raw document (for DOCTYPE/ENTITY checks) plus element names, attribute names,
// attribute values and text nodes, with character references decoded. A small tolerant scanner,
// not a validating parser: hostile documents must not stop the inspection.
//
// Markup ends where XML says: a comment at `-->`, a CDATA section at `]]>`, a processing instruction at
// `?>` (quotes mean nothing there: `<?foo '?>`), a declaration or an end tag at its first `>`, a start
// tag at the first `>` outside quoted attribute values. Ending a declaration early only makes its rest
// text, inspected. A start tag whose quotes run on past a `<`, and markup never closed, are where a quote
// or an opener would swallow element text: no well-formed document has them, and the rest of the body
// from there is inspected whole as text too (XML_TEXT), so no element text escapes inspection.

import { decodeEntities } from '../normalize/entities.ts';
import { type Input, markTruncated } from '../types.ts';

export const XML_DOCUMENT = '#document';
/** The rest of a document from markup the scanner cannot place, inspected as text for every class. */
export const XML_TEXT = '#text';

/** XML media types (bare, lower-case): `application/xml`, `text/xml` and the `+xml` suffix. */
export function isXmlMediaType(type: string): boolean {
  return type.endsWith('/xml') || type.endsWith('+xml');
}

// Tags are read up to MAX_TAG characters, so an attribute value (quoted) is never longer.
const MAX_TAG = 16384;
const ATTR = /([^\s=/>]{1,256})\s{0,16}=\s{0,16}(?:"([^"]{0,16384})"|'([^']{0,16384})')/g;
const LT = 0x3c;
const GT = 0x3e;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** Whether `s` holds only XML blanks (space, tab, CR, LF) from `from` to `to`. */
function blank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/** The `>` closing a start tag, skipping quoted attribute values (which may hold a raw `>`); -1 when
 *  the tag holds a `<` (quoted or not: a quote has run on into the document) or does not end. Stopping
 *  at a `<` keeps the scan linear: no character is read by two tags. */
function startTagEnd(body: string, from: number): number {
  let quote = 0;
  const limit = Math.min(body.length, from + 65536);
  for (let i = from; i < limit; i++) {
    const c = body.charCodeAt(i);
    if (c === LT) return -1;
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === DQUOTE || c === SQUOTE) quote = c;
    else if (c === GT) return i;
  }
  return -1;
}

export function xmlInputs(body: string, out: Input[], maxNodes: number): void {
  out.push({ location: 'xml', name: XML_DOCUMENT, value: body });
  let i = 0;
  let n = 0;
  const path: string[] = [];
  // An element's character data as parsers hand it to the application: text and CDATA sections
  // joined, comments and processing instructions dropped (`1' OR <![CDATA[1=1--]]>`,
  // `${jn<!---->di:...}`). The pieces are inspected too, each alone.
  let pieces: string[] = [];
  const flush = () => {
    if (pieces.length === 0) return;
    const name = path.join('/');
    const whole = pieces.join('').trim();
    if (pieces.length > 1) {
      for (const p of pieces) {
        const t = p.trim();
        if (t !== '' && t !== whole) {
          n++;
          out.push({ location: 'xml', name, value: t });
        }
      }
    }
    if (whole !== '') {
      n++;
      out.push({ location: 'xml', name, value: whole });
    }
    pieces = [];
  };
  // Once: the rest of the body from markup that cannot be placed, as text.
  let unplaced = false;
  const asText = (from: number) => {
    if (unplaced) return;
    unplaced = true;
    out.push({ location: 'xml', name: XML_TEXT, value: body.slice(from) });
  };
  while (i < body.length && n < maxNodes) {
    const lt = body.indexOf('<', i);
    const text = lt < 0 ? body.slice(i) : body.slice(i, lt);
    if (text !== '') pieces.push(decodeEntities(text));
    if (lt < 0) break;
    const next = body.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */) {
      if (body.startsWith('<!--', lt)) {
        const end = body.indexOf('-->', lt + 4);
        if (end < 0) asText(lt);
        i = end < 0 ? body.length : end + 3;
      } else if (body.startsWith('<![CDATA[', lt)) {
        const end = body.indexOf(']]>', lt + 9);
        pieces.push(body.slice(lt + 9, end < 0 ? body.length : end));
        i = end < 0 ? body.length : end + 3;
      } else {
        // A declaration (DOCTYPE...): to its first `>`; what follows inside it is read as text.
        const end = body.indexOf('>', lt + 2);
        if (end < 0) asText(lt);
        i = end < 0 ? body.length : end + 1;
      }
      continue;
    }
    if (next === 0x3f /* ? */) {
      const end = body.indexOf('?>', lt + 2);
      if (end < 0) asText(lt);
      i = end < 0 ? body.length : end + 2;
      continue;
    }
    if (next === 0x2f /* / */) {
      const end = body.indexOf('>', lt + 2);
      if (end < 0) {
        asText(lt);
        break;
      }
      flush();
      path.pop();
      i = end + 1;
      continue;
    }
    let gt = startTagEnd(body, lt + 1);
    if (gt < 0) {
      asText(lt);
      // Read on from the first `>`, as if the quotes were text.
      gt = body.indexOf('>', lt + 1);
      if (gt < 0) break;
    }
    // Attribute scanning is bounded per tag; an absurd tag is cut, not skipped (and the inputs say so).
    if (gt - lt - 1 > MAX_TAG) markTruncated(out);
    const tag = body.slice(lt + 1, Math.min(gt, lt + 1 + MAX_TAG));
    i = gt + 1;
    flush();
    const nameEnd = tag.search(/[\s/]|$/);
    const el = tag.slice(0, nameEnd);
    const parent = path.join('/');
    n++;
    out.push({ location: 'xml', name: `${parent}/<name>`, value: el });
    const attrs = tag.slice(nameEnd);
    const attrPath = `${parent}/${el}/@`;
    // What the attributes leave over must be blanks (and the `/` of an empty element). Anything else is
    // no attribute to an XML parser but is one to a browser (`<img src=x onerror=alert(1)>`, an HTML
    // body read as XML): the whole tag is then inspected too.
    let read = 0;
    let stray = false;
    for (const m of attrs.matchAll(ATTR)) {
      if (!blank(attrs, read, m.index)) stray = true;
      read = m.index + m[0].length;
      n += 2;
      out.push({ location: 'xml', name: `${attrPath}<name>`, value: m[1]! });
      out.push({ location: 'xml', name: attrPath + m[1], value: decodeEntities(m[2] ?? m[3] ?? '') });
    }
    if (stray || !blank(attrs, read, attrs.length - (attrs.endsWith('/') ? 1 : 0))) {
      n++;
      out.push({ location: 'xml', name: attrPath, value: `<${tag}>` });
    }
    if (!tag.endsWith('/')) path.push(el);
  }
  flush();
  // Nodes past the limit are not inspected: say so (the verdict fails closed by default).
  if (n >= maxNodes && /\S/.test(body.slice(i))) markTruncated(out);
}
