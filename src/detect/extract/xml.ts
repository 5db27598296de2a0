// XML bodies: the raw document (for DOCTYPE/ENTITY checks) plus element names, attribute names,
// attribute values and text nodes, with character references decoded. A small tolerant scanner,
// not a validating parser: hostile documents must not stop the inspection.

import { decodeEntities } from '../normalize/entities.ts';
import type { Input } from '../types.ts';

export const XML_DOCUMENT = '#document';

const ATTR = /([^\s=/>]{1,256})\s{0,16}=\s{0,16}(?:"([^"]{0,4096})"|'([^']{0,4096})')/g;

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
  while (i < body.length && n < maxNodes) {
    const lt = body.indexOf('<', i);
    const text = (lt < 0 ? body.slice(i) : body.slice(i, lt)).trim();
    if (text !== '') {
      n++;
      out.push({ location: 'xml', name: path.join('/'), value: decodeEntities(text) });
    }
    if (lt < 0) break;
    if (body.startsWith('<!--', lt)) {
      const end = body.indexOf('-->', lt + 4);
      i = end < 0 ? body.length : end + 3;
      continue;
    }
    if (body.startsWith('<![CDATA[', lt)) {
      const end = body.indexOf(']]>', lt + 9);
      const data = body.slice(lt + 9, end < 0 ? body.length : end);
      if (data.trim() !== '') {
        n++;
        out.push({ location: 'xml', name: path.join('/'), value: data });
      }
      i = end < 0 ? body.length : end + 3;
      continue;
    }
    const gt = tagEnd(body, lt + 1);
    if (gt < 0) break;
    // Attribute scanning is bounded per tag; an absurd tag is cut, not skipped.
    const tag = body.slice(lt + 1, Math.min(gt, lt + 1 + 16384));
    i = gt + 1;
    if (tag.startsWith('?') || tag.startsWith('!')) continue;
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
}
