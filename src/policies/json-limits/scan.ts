// One pass over the raw bytes of a JSON body, before anything parses it: nesting depth, object
// members in total, string length (in characters) and array length. Nothing is allocated per value,
// so a hostile document (deep, wide, huge strings) costs one linear scan and is refused before
// JSON.parse builds it. Malformed JSON is not judged here (validation refuses it).
export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxKeys: number;
  readonly maxStringLength: number;
  readonly maxArrayLength: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The first limit the document exceeds, as a message, or undefined. */
export function exceededLimit(body: Uint8Array, limits: JsonLimits): string | undefined {
  const { maxDepth, maxKeys, maxStringLength, maxArrayLength } = limits;
  const isArray = new Uint8Array(maxDepth + 1);
  const items = new Int32Array(maxDepth + 1);
  let depth = 0;
  let keys = 0;
  let inString = false;
  let escaped = false;
  let hexLeft = 0;
  let chars = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (hexLeft > 0) {
        hexLeft--; // the digits of a \uXXXX escape
        continue;
      }
      if (escaped) {
        escaped = false;
        if (c === 0x75) hexLeft = 4;
      } else if (c === BACKSLASH) {
        escaped = true;
        continue; // an escape sequence is one character
      } else if (c === QUOTE) {
        inString = false;
        continue;
      }
      // UTF-8 continuation bytes do not start a character.
      if ((c & 0xc0) !== 0x80 && ++chars > maxStringLength) return `a string is longer than ${maxStringLength} characters`;
      continue;
    }
    switch (c) {
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        continue;
      case 0x7b: // {
      case 0x5b: // [
        if (depth > 0 && isArray[depth] === 1 && items[depth] === 0) items[depth] = 1;
        if (++depth > maxDepth) return `nesting is deeper than ${maxDepth}`;
        isArray[depth] = c === 0x5b ? 1 : 0;
        items[depth] = 0;
        continue;
      case 0x7d: // }
      case 0x5d: // ]
        if (depth > 0) depth--;
        continue;
      case 0x2c: // ,
        if (isArray[depth] === 1 && ++items[depth]! > maxArrayLength) return `an array has more than ${maxArrayLength} items`;
        continue;
      case 0x3a: // :
        if (++keys > maxKeys) return `objects have more than ${maxKeys} members in all`;
        continue;
      case QUOTE:
        inString = true;
        chars = 0;
        break;
    }
    // The start of a value (string, number, literal): the first item of an array counts here.
    if (depth > 0 && isArray[depth] === 1 && items[depth] === 0) items[depth] = 1;
  }
  return undefined;
}
