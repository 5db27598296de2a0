// XML bodies: the raw document (for DOCTYPE/ENTITY checks) plus element names, attribute names,
// attribute values and text nodes, with character references decoded. A small tolerant scanner,
// not a validating parser: hostile documents must not stop the inspection.

import { decodeEntities } from '../normalize/entities.ts';
import { type Input, markTruncated } from '../types.ts';

export const XML_DOCUMENT = '#document';

// Tags are read up to MAX_TAG characters, so an attribute value (quoted) is never longer.
const MAX_TAG = 16384;
const ATTR = /([^\s=/>]{1,256})\s{0,16}=\s{0,16}(?:"([^"]{0,16384})"|'([^']{0,16384})')/g;

/** The `>` closing a tag, skipping quoted attribute values (which may hold a raw `>`). */
function tagEnd(body: string, from: number): number {
  let quote = '';
  const limit = Math.min(body.length, from + 65536);
  for (let i = from; i < limit; i++) {
    const c = body[i];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return body.indexOf('>', from);
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
  while (i < body.length && n < maxNodes) {
    const lt = body.indexOf('<', i);
    const text = lt < 0 ? body.slice(i) : body.slice(i, lt);
    if (text !== '') pieces.push(decodeEntities(text));
    if (lt < 0) break;
    if (body.startsWith('<!--', lt)) {
      const end = body.indexOf('-->', lt + 4);
      i = end < 0 ? body.length : end + 3;
      continue;
    }
    if (body.startsWith('<![CDATA[', lt)) {
      const end = body.indexOf(']]>', lt + 9);
      pieces.push(body.slice(lt + 9, end < 0 ? body.length : end));
      i = end < 0 ? body.length : end + 3;
      continue;
    }
    const gt = tagEnd(body, lt + 1);
    if (gt < 0) break;
    // Attribute scanning is bounded per tag; an absurd tag is cut, not skipped (and the inputs say so).
    if (gt - lt - 1 > MAX_TAG) markTruncated(out);
    const tag = body.slice(lt + 1, Math.min(gt, lt + 1 + MAX_TAG));
    i = gt + 1;
    if (tag.startsWith('?') || tag.startsWith('!')) continue;
    flush();
    if (tag.startsWith('/')) {
      path.pop();
      continue;
    }
    const nameEnd = tag.search(/[\s/]|$/);
    const el = tag.slice(0, nameEnd);
    n++;
    out.push({ location: 'xml', name: `${path.join('/')}/<name>`, value: el });
    for (const m of tag.slice(nameEnd).matchAll(ATTR)) {
      n += 2;
      const attrPath = `${path.join('/')}/${el}/@`;
      out.push({ location: 'xml', name: `${attrPath}<name>`, value: m[1]! });
      out.push({ location: 'xml', name: attrPath + m[1], value: decodeEntities(m[2] ?? m[3] ?? '') });
    }
    if (!tag.endsWith('/')) path.push(el);
  }
  flush();
  // Nodes past the limit are not inspected: say so (the verdict fails closed by default).
  if (n >= maxNodes && /\S/.test(body.slice(i))) markTruncated(out);
}
