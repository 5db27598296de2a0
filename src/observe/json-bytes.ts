// JSON values written straight into a byte buffer as UTF-8: the access log assembles each line in the
// log's own block of memory instead of concatenating strings and encoding the result (no string per
// line, no copy). Every function takes the position to write at and returns the position after it;
// the caller reserves room first (jsonStringBound gives the most a string can take).

/** The most bytes putJsonString can write for a string of this length (quotes included). */
export function jsonStringBound(length: number): number {
  return length * 6 + 2; // \u001f is the longest form of one UTF-16 unit
}

/** A JSON string, escaped as JSON.stringify does (same meaning; control characters as \u00XX). */
export function putJsonString(buf: Uint8Array, pos: number, value: string): number {
  buf[pos++] = 0x22;
  const length = value.length;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) buf[pos++] = c;
      else if (c >= 0x20) {
        buf[pos++] = 0x5c;
        buf[pos++] = c;
      } else pos = putEscape(buf, pos, c);
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        buf[pos++] = 0xf0 | (cp >> 18);
        buf[pos++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[pos++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[pos++] = 0x80 | (cp & 0x3f);
        i++;
      } else pos = putEscape(buf, pos, c); // a lone surrogate has no UTF-8 form: escaped, as JSON.stringify does
    } else {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    }
  }
  buf[pos++] = 0x22;
  return pos;
}

const HEX = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66];

function putEscape(buf: Uint8Array, pos: number, c: number): number {
  buf[pos++] = 0x5c;
  buf[pos++] = 0x75;
  buf[pos++] = HEX[(c >> 12) & 15]!;
  buf[pos++] = HEX[(c >> 8) & 15]!;
  buf[pos++] = HEX[(c >> 4) & 15]!;
  buf[pos++] = HEX[c & 15]!;
  return pos;
}

/** Text known to be printable ASCII without quote or backslash (keys, codes, addresses), unquoted. */
export function putAscii(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  return pos;
}

/** The most bytes putNumber writes. */
export const NUMBER_BOUND = 24;

/** A number as JSON: integers digit by digit; anything else (rare here) through its string form; not finite: null. */
export function putNumber(buf: Uint8Array, pos: number, n: number): number {
  if (!Number.isSafeInteger(n)) return putAscii(buf, pos, Number.isFinite(n) ? String(n) : 'null');
  if (n < 0) {
    buf[pos++] = 0x2d;
    n = -n;
  }
  if (n < 10) {
    buf[pos++] = 0x30 + n;
    return pos;
  }
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  let end = pos + digits;
  for (let m = n; end > pos; m = Math.floor(m / 10)) buf[--end] = 0x30 + (m % 10);
  return pos + digits;
}

/** Milliseconds rounded to hundredths, written as the shortest JSON number (3.4, 0.05, 12). */
export function putMs(buf: Uint8Array, pos: number, ms: number): number {
  const hundredths = Math.round(ms * 100);
  if (!Number.isSafeInteger(hundredths) || hundredths < 0) return putNumber(buf, pos, Math.round(ms * 100) / 100);
  pos = putNumber(buf, pos, Math.floor(hundredths / 100));
  const fraction = hundredths % 100;
  if (fraction !== 0) {
    buf[pos++] = 0x2e;
    buf[pos++] = 0x30 + Math.floor(fraction / 10);
    if (fraction % 10 !== 0) buf[pos++] = 0x30 + (fraction % 10);
  }
  return pos;
}
