// Percent-decoding that never throws: `%XX` and IIS-style `%uXXXX`, `+` left alone (form decoding
// handles it), bytes decoded as UTF-8 where valid, with overlong forms (`%c0%ae`) mapped to the
// character they smuggle, and stray bytes mapped to Latin-1.

const HEX = /^[0-9a-fA-F]$/;

function hexAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s[i + k];
    if (c === undefined || !HEX.test(c)) return -1;
    v = v * 16 + Number.parseInt(c, 16);
  }
  return v;
}

/** Decodes a byte run as UTF-8, tolerating overlong and invalid sequences. */
export function decodeUtf8Loose(bytes: number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need = 0;
    let cp = 0;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (b >= 0xc0 && b < 0xe0) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b < 0xf0) {
      need = 2;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b < 0xf8) {
      need = 3;
      cp = b & 0x07;
    }
    let ok = need > 0 && i + need < bytes.length;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(b);
      i++;
    }
  }
  return out;
}

/** One pass of percent-decoding. Returns the input itself when it holds no escape. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) {
      out += decodeUtf8Loose(bytes);
      bytes = [];
    }
  };
  for (let i = 0; i < s.length; ) {
    const ch = s[i]!;
    if (ch === '%') {
      const v = hexAt(s, i + 1, 2);
      if (v >= 0) {
        bytes.push(v);
        i += 3;
        continue;
      }
      if (s[i + 1] === 'u' || s[i + 1] === 'U') {
        const u = hexAt(s, i + 2, 4);
        if (u >= 0) {
          flush();
          // %uFFxx full-width forms are folded later by NFKC.
          out += String.fromCharCode(u);
          i += 6;
          continue;
        }
      }
    }
    flush();
    out += ch;
    i++;
  }
  flush();
  return out;
}

/** `application/x-www-form-urlencoded` decoding: `+` is a space, then percent-decoding. */
export function formDecode(s: string): string {
  return percentDecode(s.indexOf('+') < 0 ? s : s.replaceAll('+', ' '));
}
