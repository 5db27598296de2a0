// Short natural-language text (a review, a comment, a chat line): `isProse` in detector.ts only
// recognises long text, but a short sentence mentioning `sleep(5)`, `javascript:` or `insert into`
// is no more an attack than a long one. Rules that read a bare word or a call as a probe use this
// to score lower, or to ask for more structure, when the value reads as a sentence.

import { re } from '../regex.ts';

// A plain word: letters, inner hyphens or an apostrophe contraction, optionally wrapped in quotes or
// parentheses and followed by sentence punctuation (`I'd`, `drop-down?`, `'Select'`, `mins)`).
const WORD = re('^[(\'"]?[a-z]{1,32}(?:-[a-z]{1,32}){0,3}(?:[\'\u2019][a-z]{1,3})?[)\'"]?[.,!?:;]{0,3}[)]?$', 'i');
// Characters that carry code, not sentences: comparisons, pipes, braces, variables, escapes.
const CODE = re('[=<>|&{}$`\\\\\\[\\]*@]|/\\*');

/** At least three plain words making up most of the value, and no code characters. */
export function readsAsSentence(text: string): boolean {
  if (text.length > 4096 || CODE.test(text)) return false;
  const tokens = text.trim().split(/\s+/, 64);
  if (tokens.length < 3) return false;
  let words = 0;
  for (const t of tokens) if (WORD.test(t)) words++;
  return words >= 3 && words * 5 >= tokens.length * 3;
}
