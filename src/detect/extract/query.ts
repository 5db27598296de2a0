// `a=1&b=2` parsing for query strings and urlencoded bodies. Keys keep their bracket syntax
// (`user[$ne]`, `a[b][c]`) because the brackets are what NoSQL and prototype-pollution attacks use.

import { formDecode } from '../normalize/url.ts';
import { type Input, type InputLocation, markTruncated } from '../types.ts';

const NOT_A_NAME = /['"`()\s]/;

export function parsePairs(raw: string, location: InputLocation, out: Input[], maxPairs: number): void {
  let start = 0;
  let count = 0;
  while (start <= raw.length && count < maxPairs) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    const pair = raw.slice(start, end);
    start = end + 1;
    if (pair === '') continue;
    count++;
    const eq = pair.indexOf('=');
    const name = formDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
    out.push({ location, name, value });
    // A name with quotes, brackets or blanks is no parameter name: the pair is text that holds an `=`
    // (`'a', '1'='1'`), and split there it would hide what it says. It is inspected whole as well,
    // under the same name (so that exclusions of that name still apply).
    if (eq > 0 && NOT_A_NAME.test(name)) out.push({ location, name, value: formDecode(pair) });
  }
  // Pairs past the limit are not inspected: say so (the verdict fails closed by default).
  if (count >= maxPairs) {
    for (let i = start; i < raw.length; i++) {
      if (raw.charCodeAt(i) !== 0x26 /* & */) return markTruncated(out);
    }
  }
}

/** True when a body without a usable content type looks like `k=v&k2=v2`. */
export function looksLikeForm(body: string): boolean {
  if (body.length === 0 || body.length > 1 << 20) return false;
  const first = body.indexOf('=');
  if (first <= 0) return false;
  const key = body.slice(0, first);
  return !/[\s<>{}"]/.test(key);
}
