// An HTML tag scanner shaped after the browser's tokenizer, as far as injection needs: tag names,
// attributes separated by spaces or `/`, quoted (`"`, `'`, and IE's backtick) or unquoted values,
// comments skipped, unterminated tags kept (a browser may still run them). Linear, bounded.

export interface HtmlAttr {
  name: string;
  value: string | null;
}

export interface HtmlTag {
  name: string;
  attrs: HtmlAttr[];
  start: number;
  end: number;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
const isAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/** Reads attributes from `i` until `>` (or the end); returns the position after the tag. */
export function readAttributes(s: string, from: number, attrs: HtmlAttr[], maxAttrs = 64): number {
  let i = from;
  const n = s.length;
  while (i < n && attrs.length < maxAttrs) {
    const c = s[i];
    if (c === '>') return i + 1;
    if (isSpace(c) || c === '/' || c === '\0') {
      i++;
      continue;
    }
    // Attribute name: anything up to space, `/`, `>` or `=` (the first character may be `=`).
    const nameStart = i;
    i++;
    while (i < n && !isSpace(s[i]) && s[i] !== '/' && s[i] !== '>' && s[i] !== '=') i++;
    const name = s.slice(nameStart, i).toLowerCase();
    let j = i;
    while (j < n && isSpace(s[j])) j++;
    if (s[j] !== '=') {
      attrs.push({ name, value: null });
      continue;
    }
    j++;
    while (j < n && isSpace(s[j])) j++;
    const q = s[j];
    if (q === '"' || q === "'" || q === '`') {
      const end = s.indexOf(q, j + 1);
      const stop = end < 0 ? n : end;
      attrs.push({ name, value: s.slice(j + 1, stop) });
      i = stop + 1;
    } else {
      const vStart = j;
      while (j < n && !isSpace(s[j]) && s[j] !== '>') j++;
      attrs.push({ name, value: s.slice(vStart, j) });
      i = j;
    }
  }
  return i;
}

export function scanTags(s: string, maxTags = 256): HtmlTag[] {
  const tags: HtmlTag[] = [];
  // Past this point there is no `-->`: once a search failed, later comments are not searched again
  // (`<!--<!--<!--...` would otherwise cost a search to the end each, quadratic).
  let noCommentEnd = s.length;
  let i = s.indexOf('<');
  while (i >= 0 && i < s.length && tags.length < maxTags) {
    if (s.startsWith('<!--', i)) {
      const end = i + 4 >= noCommentEnd ? -1 : s.indexOf('-->', i + 4);
      if (end < 0) noCommentEnd = i + 4;
      // Unterminated comment: what follows may still be parsed by a lenient consumer.
      i = end < 0 ? s.indexOf('<', i + 4) : s.indexOf('<', end + 3);
      continue;
    }
    let j = i + 1;
    if (s[j] === '/') j++;
    // Processing instructions are markup only for IE's `<?import>`.
    else if (s[j] === '?' && s.slice(j + 1, j + 7).toLowerCase() === 'import') j++;
    if (!isAlpha(s[j])) {
      i = s.indexOf('<', i + 1);
      continue;
    }
    const nameStart = j;
    while (j < s.length && !isSpace(s[j]) && s[j] !== '/' && s[j] !== '>' && s[j] !== '<') j++;
    // `<v:vmlframe>`, `<x:script>`: the local name decides what the element is.
    const qualified = s.slice(nameStart, j).toLowerCase();
    const tag: HtmlTag = { name: qualified.slice(qualified.indexOf(':') + 1), attrs: [], start: i, end: j };
    tag.end = s[j] === '<' ? j : readAttributes(s, j, tag.attrs);
    tags.push(tag);
    i = s.indexOf('<', Math.max(tag.end, i + 1));
  }
  return tags;
}
