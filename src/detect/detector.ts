// The contract between the engine and one detector module.

import type { AttackClass, Hit, InputLocation, Paranoia } from './types.ts';

// Bits of `ScanValue.chars`: which special characters a value holds, computed in one pass, so a
// detector can skip values that cannot carry its attacks.
export const C = {
  quote: 1 << 0, // ' " `
  lt: 1 << 1, // <
  gt: 1 << 2, // >
  paren: 1 << 3, // ( )
  semi: 1 << 4, // ;
  pipe: 1 << 5, // |
  amp: 1 << 6, // &
  dollar: 1 << 7, // $
  brace: 1 << 8, // { }
  bracket: 1 << 9, // [ ]
  slash: 1 << 10, // /
  backslash: 1 << 11, // \
  eq: 1 << 12, // =
  colon: 1 << 13, // :
  dot: 1 << 14, // .
  hash: 1 << 15, // #
  dash: 1 << 16, // -
  star: 1 << 17, // *
  percent: 1 << 18, // %
  newline: 1 << 19, // \r \n
  comma: 1 << 20, // ,
  at: 1 << 21, // @
  excl: 1 << 22, // !
  tilde: 1 << 23, // ~ ^
  ctrl: 1 << 24, // other control characters (tab, vertical tab...)
  plus: 1 << 25, // +
  question: 1 << 26, // ?
  nonAscii: 1 << 27,
  space: 1 << 28,
  digit: 1 << 29,
  underscore: 1 << 30,
} as const;

const TABLE = new Int32Array(128);
for (const [ch, bit] of Object.entries({
  "'": C.quote, '"': C.quote, '`': C.quote, '<': C.lt, '>': C.gt, '(': C.paren, ')': C.paren,
  ';': C.semi, '|': C.pipe, '&': C.amp, $: C.dollar, '{': C.brace, '}': C.brace, '[': C.bracket,
  ']': C.bracket, '/': C.slash, '\\': C.backslash, '=': C.eq, ':': C.colon, '.': C.dot, '#': C.hash,
  '-': C.dash, '*': C.star, '%': C.percent, '\r': C.newline, '\n': C.newline, ',': C.comma, '@': C.at,
  '!': C.excl, '~': C.tilde, '^': C.tilde, '+': C.plus, '?': C.question, ' ': C.space, _: C.underscore,
})) {
  TABLE[ch.charCodeAt(0)] = bit;
}
for (let c = 0; c < 32; c++) if (TABLE[c] === 0) TABLE[c] = C.ctrl;
TABLE[127] = C.ctrl;
for (let c = 48; c < 58; c++) TABLE[c] = C.digit;

export function charMask(s: string): number {
  let m = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    m |= c < 128 ? TABLE[c]! : C.nonAscii;
  }
  return m;
}

/** Long text with several words or lines (comments, markdown, descriptions): some shapes that are
 *  telling in a short parameter (a command in backticks, a `../` link) are ordinary there. */
export function isProse(text: string): boolean {
  if (text.length < 24) return false;
  let spaces = 0;
  let lines = 0;
  for (let i = 0; i < text.length && i < 4096; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) spaces++;
    else if (c === 10) lines++;
  }
  return (spaces >= 6 && text.length >= 40) || lines >= 2;
}

/** One value as detectors see it. */
export interface ScanValue {
  /** The value as extracted (decoded once by its carrier: query, JSON...). */
  readonly raw: string;
  /** Fully normalized: repeated URL decoding, entities, escapes, NFKC, no null bytes. */
  readonly text: string;
  /** `text` lower-cased. */
  readonly lower: string;
  /** Character classes present in `text` (bits of `C`). */
  readonly chars: number;
  readonly location: InputLocation;
  readonly name: string;
  /** True when the value is a parameter/key name rather than a value. */
  readonly isName: boolean;
  /** True when `text` came out of base64 decoding of the raw value. */
  readonly fromBase64: boolean;
}

export interface Detector {
  readonly class: AttackClass;
  /** Cheap test on the character mask and the lower-cased text: may this value hold the attack? */
  gate(v: ScanValue): boolean;
  /** Full analysis; only called when `gate` passed. Returns the hits at or below `paranoia`. */
  scan(v: ScanValue, paranoia: Paranoia): Hit[];
}
