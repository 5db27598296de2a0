// Base64 look-alikes (standard or URL alphabet, padded or not, wrapped in lines or not) decoded when
// the result is mostly printable text: attackers wrap payloads in base64; random tokens decode to
// binary and are ignored. One pass over the characters validates, decodes and counts printable bytes
// without allocating; only text that qualifies is materialized. No length cap here: the engine
// passes at most `maxValueLength` characters, and a cap below it would let a payload hide past it.

// Character code → 6-bit value, -1 outside the alphabet (`+`/`-` and `/`/`_` both accepted).
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 26; i++) {
  VALUE[65 + i] = i;
  VALUE[97 + i] = 26 + i;
}
for (let i = 0; i < 10; i++) VALUE[48 + i] = 52 + i;
VALUE[43] = 62; // +
VALUE[45] = 62; // -
VALUE[47] = 63; // /
VALUE[95] = 63; // _

const isPrintable = (b: number) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09;

const isBlank = (c: number) => c === 32 || c === 10 || c === 13;

export function decodeBase64Text(s: string): string | null {
  const v = s.trim();
  if (v.length < 8) return null;
  let end = v.length;
  if (v.charCodeAt(end - 1) === 61) end--;
  if (v.charCodeAt(end - 1) === 61) end--;
  if (end < 8) return null;
  // Plain words and numbers are valid base64 too; require a mix that encoders produce.
  let upper = false;
  let lowerOrDigit = false;
  let acc = 0;
  let bits = 0;
  let bytes = 0;
  let binary = 0;
  // More than 10% non-printable bytes rules the value out; stop as soon as that is certain.
  const maxBinary = Math.floor(((end * 3) >> 2) / 10);
  for (let i = 0; i < end; i++) {
    const c = v.charCodeAt(i);
    const x = c < 128 ? VALUE[c]! : -1;
    if (x < 0) {
      // MIME (76) and PEM (64) wrap lines; a decoder skips the breaks.
      if (isBlank(c)) continue;
      return null;
    }
    if (x < 26) upper = true;
    else if (x < 62) lowerOrDigit = true;
    acc = ((acc << 6) | x) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes++;
      if (!isPrintable((acc >> bits) & 0xff) && ++binary > maxBinary) return null;
    }
  }
  if (!upper || !lowerOrDigit || bytes < 5) return null;
  // Node's decoder takes both alphabets and skips blanks, as validated above.
  return Buffer.from(v.slice(0, end), 'base64').toString('latin1');
}
