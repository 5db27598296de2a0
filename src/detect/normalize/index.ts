// The normalization chain every value goes through before detection. Decoding repeats until nothing
// changes (bounded), so double-encoded payloads (`%253C`) and mixed layers (`&#x25;3C`) unfold.

import { decodeEntities } from './entities.ts';
import { decodeEscapes } from './escapes.ts';
import { foldUnicode } from './unicode.ts';
import { percentDecode } from './url.ts';

export { decodeBase64Text } from './base64.ts';
export { formDecode, percentDecode } from './url.ts';

export const MAX_DECODE_PASSES = 4;

export function normalize(value: string, passes = MAX_DECODE_PASSES): string {
  let cur = foldUnicode(value);
  for (let i = 0; i < passes; i++) {
    const next = foldUnicode(decodeEscapes(decodeEntities(percentDecode(cur))));
    if (next === cur) break;
    cur = next;
  }
  return cur;
}
