// Backslash escapes of JavaScript, JSON, CSS and C-like languages: `\u0041`, `\u{41}`, `\x41`,
// octal `\101`. Other backslashes stay (they matter to shell and path detectors).

const ESC = /\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([0-3][0-7]{2}))/g;

export function decodeEscapes(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(ESC, (m, brace: string | undefined, u: string | undefined, x: string | undefined, oct: string | undefined) => {
    const cp =
      brace !== undefined
        ? Number.parseInt(brace, 16)
        : u !== undefined
          ? Number.parseInt(u, 16)
          : x !== undefined
            ? Number.parseInt(x, 16)
            : Number.parseInt(oct!, 8);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return m;
    return String.fromCodePoint(cp);
  });
}
