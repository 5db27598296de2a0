// Unicode folding: NFKC turns full-width (`＜`), circled (`ⓛ`, `①`) and other compatibility forms into
// ASCII; a few look-alike dots and slashes NFKC keeps are mapped by hand; null bytes are dropped.

const EXTRA: Record<string, string> = {
  '\u3002': '.', '\uff61': '.', '\u2024': '.', '\u2215': '/', '\u2044': '/', '\u29f8': '/',
  '\u2216': '\\', '\u29f9': '\\', '\u02bc': "'", '\u2018': "'", '\u2019': "'", '\u201c': '"',
  '\u201d': '"', '\u02c2': '<', '\u02c3': '>', '\u2039': '<', '\u203a': '>',
};
const EXTRA_CHARS = '[\u3002\uff61\u2024\u2215\u2044\u29f8\u2216\u29f9\u02bc\u2018\u2019\u201c\u201d\u02c2\u02c3\u2039\u203a]';
const EXTRA_TEST = new RegExp(EXTRA_CHARS);
const EXTRA_RE = new RegExp(EXTRA_CHARS, 'g');

// biome-ignore lint/suspicious/noControlCharactersInRegex: null bytes are what we strip
const NUL = /\u0000/g;

export function foldUnicode(s: string): string {
  let out = s;
  if (out.indexOf('\u0000') >= 0) out = out.replace(NUL, '');
  // Pure ASCII is already in NFKC.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range test
  if (/^[\u0000-\u007f]*$/.test(out)) return out;
  out = out.normalize('NFKC');
  return EXTRA_TEST.test(out) ? out.replace(EXTRA_RE, (c) => EXTRA[c] ?? c) : out;
}
