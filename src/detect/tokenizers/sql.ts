// A small SQL lexer that understands just enough of MySQL, PostgreSQL, MSSQL, Oracle and SQLite to
// tell an injected fragment from text: strings (with doubled quotes and backslash escapes), numbers
// (hex, binary, exponent), comments (`--`, `#`, `/* */`, MySQL's executable `/*! */`), variables,
// operators and words. Linear in the input; stops after `maxTokens`.
//
// `context` is where the value lands in the victim's query: as-is (a number), or inside a single- or
// double-quoted string, in which case the first token is the end of that string.

import { FUNCTIONS, KEYWORDS, LOGIC, STATEMENTS, TYPES, UNIONS, WORD_OPERATORS } from './sql-words.ts';

export interface SqlToken {
  type: string;
  /** Lower-cased text for words and operators; empty for strings and comments. */
  value: string;
  start: number;
  end: number;
  /** Strings: the closing quote is missing. */
  open?: boolean;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 36 || c > 127;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 160;

const OPERATORS3 = ['<=>', '!<>', '->>'];
const OPERATORS2 = ['<=', '>=', '<>', '!=', '==', '||', '&&', '<<', '>>', '::', ':=', '!<', '!>', '->', '~*', '!~', '^='];

export function tokenizeSql(s: string, context: '' | "'" | '"' = '', maxTokens = 512): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const n = s.length;
  if (context !== '') i = readString(s, 0, context, out, true);
  while (i < n && out.length < maxTokens) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const ch = s[i]!;
    // Comments
    if (ch === '/' && s[i + 1] === '*') {
      if (s[i + 2] === '!') {
        // MySQL executable comment: its body is code. Skip `/*!` and an optional version number.
        i += 3;
        while (i < n && isDigit(s.charCodeAt(i))) i++;
        continue;
      }
      const end = s.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out.push({ type: 'c', value: '/*', start: i, end: stop });
      i = stop;
      continue;
    }
    if (ch === '*' && s[i + 1] === '/') {
      // End of an executable comment (or stray): no meaning.
      i += 2;
      continue;
    }
    if ((ch === '-' && s[i + 1] === '-') || ch === '#') {
      const nl = s.indexOf('\n', i);
      const stop = nl < 0 ? n : nl;
      // `--` ends a query when followed by a space or nothing (MySQL's rule), `#` when nothing but
      // spaces follow; `--word` and `#2` are mostly prose.
      const after = s.slice(i + (ch === '#' ? 1 : 2), stop);
      const terminates = ch === '#' ? after.trim() === '' : after === '' || isSpace(after.charCodeAt(0)) || after[0] === '-' || after[0] === '+';
      out.push({ type: terminates ? 'c' : 'm', value: ch === '#' ? '#' : '--', start: i, end: stop });
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      i = readString(s, i + 1, ch, out, false);
      continue;
    }
    if (ch === '`') {
      // MySQL quoted identifier
      const end = s.indexOf('`', i + 1);
      const stop = end < 0 ? n : end + 1;
      out.push({ type: 'b', value: s.slice(i + 1, end < 0 ? n : end).toLowerCase(), start: i, end: stop });
      i = stop;
      continue;
    }
    if (ch === '[' ) {
      // MSSQL quoted identifier: [name]
      const end = s.indexOf(']', i + 1);
      if (end > 0 && end - i < 130 && !/[\s'"]/.test(s.slice(i + 1, end))) {
        out.push({ type: 'b', value: s.slice(i + 1, end).toLowerCase(), start: i, end: end + 1 });
        i = end + 1;
        continue;
      }
    }
    if (isDigit(c) || (ch === '.' && isDigit(s.charCodeAt(i + 1)))) {
      i = readNumber(s, i, out);
      continue;
    }
    if (ch === '@') {
      let j = i + 1;
      if (s[j] === '@') j++;
      if (s[j] === '`' || s[j] === '"' || s[j] === "'") {
        const q = s[j]!;
        const end = s.indexOf(q, j + 1);
        j = end < 0 ? n : end + 1;
      } else while (j < n && (isWordChar(s.charCodeAt(j)) || s[j] === '.')) j++;
      out.push({ type: 'v', value: s.slice(i, j).toLowerCase(), start: i, end: j });
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && (isWordChar(s.charCodeAt(j)) || (s[j] === '.' && isWordChar(s.charCodeAt(j + 1) || 0)))) j++;
      // `N'...'`, `X'...'`, `B'...'`, `E'...'`, `U&'...'`: prefixed string literals.
      const word = s.slice(i, j).toLowerCase();
      if (j - i === 1 && s[j] === "'" && 'nxbe'.includes(word)) {
        i = readString(s, j + 1, "'", out, false);
        continue;
      }
      i = j;
      pushWord(s, word, out, i - word.length, j);
      continue;
    }
    const three = s.slice(i, i + 3);
    if (OPERATORS3.includes(three)) {
      out.push({ type: 'o', value: three, start: i, end: i + 3 });
      i += 3;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (OPERATORS2.includes(two)) {
      out.push({ type: two === '||' || two === '&&' ? '&' : 'o', value: two, start: i, end: i + 2 });
      i += 2;
      continue;
    }
    let type = 'x';
    if ('=<>+-*/%^|&~!'.includes(ch)) type = ch === '!' ? 'o' : 'o';
    else if ('(),;.'.includes(ch)) type = ch;
    else if (ch === ':' || ch === '?') type = 'o';
    else if (ch === '\\') type = '\\';
    out.push({ type, value: ch, start: i, end: i + 1 });
    i++;
  }
  return out;
}

// The token type of each SQL word, one lookup per word (statements first, then unions, logic, word
// operators, keywords and types: a word in several lists takes the first).
const WORD_TYPES = new Map<string, string>();
for (const [words, type] of [[TYPES, 't'], [KEYWORDS, 'k'], [WORD_OPERATORS, 'o'], [LOGIC, '&'], [UNIONS, 'U'], [STATEMENTS, 'E']] as const) {
  for (const w of words) WORD_TYPES.set(w, type);
}

function pushWord(s: string, word: string, out: SqlToken[], start: number, end: number): void {
  const dot = word.lastIndexOf('.');
  const base = dot >= 0 ? word.slice(dot + 1) : word;
  let type = dot < 0 ? (WORD_TYPES.get(word) ?? 'b') : 'b';
  // A word followed by `(` is a call, whatever its name.
  let j = end;
  while (j < s.length && isSpace(s.charCodeAt(j))) j++;
  // A word followed by `(` is a call: `f` for SQL functions, `g` for any other name.
  if (s[j] === '(') {
    if (FUNCTIONS.has(base)) type = 'f';
    else if (type === 'b' || type === 't') type = 'g';
  }
  out.push({ type, value: word, start, end });
}

function readString(s: string, from: number, q: string, out: SqlToken[], leading: boolean): number {
  let i = from;
  const n = s.length;
  while (i < n) {
    const ch = s[i]!;
    // Backslash escapes only inside literals the attacker opened (MySQL); the victim's string may
    // follow the standard, where `\'` ends it.
    if (ch === '\\' && !leading) {
      i += 2;
      continue;
    }
    if (ch === q) {
      if (s[i + 1] === q && !leading) {
        i += 2;
        continue;
      }
      out.push({ type: 's', value: q, start: from - (leading ? 0 : 1), end: i + 1 });
      return i + 1;
    }
    i++;
  }
  out.push({ type: 's', value: q, start: from - (leading ? 0 : 1), end: n, open: true });
  return n;
}

function readNumber(s: string, from: number, out: SqlToken[]): number {
  let i = from;
  const n = s.length;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X' || s[i + 1] === 'b' || s[i + 1] === 'B')) {
    i += 2;
    while (i < n && /[0-9a-fA-F]/.test(s[i]!)) i++;
  } else {
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (s[i] === '.') {
      i++;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
    }
    if ((s[i] === 'e' || s[i] === 'E') && (isDigit(s.charCodeAt(i + 1)) || ((s[i + 1] === '-' || s[i + 1] === '+') && isDigit(s.charCodeAt(i + 2))))) {
      i += 2;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
    }
  }
  // `1union`, `0x1e3d`-style glued words still end the number (MySQL accepts `1union select`).
  out.push({ type: 'n', value: s.slice(from, i).toLowerCase(), start: from, end: i });
  return i;
}
