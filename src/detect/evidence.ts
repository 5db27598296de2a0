// Evidence is for humans reading logs: short, one line, no control characters.

export const MAX_EVIDENCE = 80;

// biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters
const CTRL = /[\u0000-\u001f\u007f]/g;

export function excerpt(s: string, start = 0, end = s.length, max = MAX_EVIDENCE): string {
  const from = Math.max(0, start);
  const to = Math.min(s.length, Math.max(end, from), from + max);
  let out = s.slice(from, to).replace(CTRL, ' ');
  if (to - from < end - from) out += '…';
  return out;
}

/** Evidence from a RegExp match. */
export function matchEvidence(s: string, m: RegExpExecArray): string {
  return excerpt(s, m.index, m.index + m[0].length);
}
