// OS command injection, Unix and Windows. The value is first undone the way a shell would read it
// (quotes and backslashes inside words dropped, `$IFS` as a space, empty variables removed, brace
// expansion `{cat,/etc/passwd}` spread, Windows `^` escapes dropped), then commands are looked for
// where a shell starts one: at a separator (`;` `|` `&` newline backtick `$(` `<(`), with a known
// command name. Ambiguous names (`cat`, `time`) need shell-looking arguments. Substitutions,
// globbing evasions, reverse-shell idioms, PowerShell cmdlets and cmd.exe syntax are rules of
// their own.

import { C, type Detector, isProse } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re, wordsRe } from '../regex.ts';
import { POWERSHELL, POWERSHELL_ALIASES, STRONG_UNIX, WEAK, WINDOWS } from '../tokenizers/shell-words.ts';
import type { Hit, Paranoia } from '../types.ts';

const COMMANDS = new Set([...STRONG_UNIX, ...WINDOWS]);
const ALIASES = new Set(POWERSHELL_ALIASES);

const IFS = re('\\$\\{ifs(?:[%#][^}]{0,8})?\\}|\\$ifs(?:\\$\\d)?\\b', 'g');
const EMPTY_VARS = re('\\$(?:[@*!_#?-]|\\{[a-z_]?\\}|\\d(?!\\d))', 'g');
const BACKSLASH = re('\\\\(?=[^\\s])', 'g');
const QUOTES = re('[\'"]', 'g');
const CARET = re('\\^(?=\\w)', 'g');
const BRACES = re('\\{([^{}\\s,]{1,64}(?:,[^{}\\s,]{0,128}){1,8})\\}', 'g');

// A command position: separator, optional wrapper (`sudo`, `nohup`...) and optional directory.
const POSITION = re(
  '(^|[;|&\\n\\r`({!]|\\$\\(|<\\(|>\\()[\\s]{0,16}(?:(?:sudo|nohup|env|exec|command|builtin|xargs|time|busybox|setsid|timeout\\s{1,4}\\d{1,5})\\s{1,16}){0,3}((?:[a-z]:)?(?:[\\\\/]?[\\w.~-]{0,64}[\\\\/]){0,8})([a-z0-9_][\\w.+-]{0,63})',
  'g',
);
const SHELLISH_ARGS = re('^(?:\\s{0,16}$|\\s{1,16}(?:-{1,2}[a-z0-9]|/|~|\\$|\\.{1,2}/|[<>]|\\*|[a-z]:\\\\|%\\w|https?://|\\d{1,5}\\s{0,4}[<>]))|^[<>]', 'i');

interface Rule {
  id: string;
  re: RegExp;
  paranoia: Paranoia;
}

const RULES: Rule[] = [
  // Not part of a markdown fence, and in a value with spaces only right after an operator.
  { id: 'cmdi-backtick', re: re('(?<!`)`\\s{0,8}[\\w/.$][^`]{0,128}`(?!`)'), paranoia: 1 },
  { id: 'cmdi-substitution', re: re('\\$\\(\\s{0,8}[\\w/.$({`][^)]{0,128}\\)|\\$\\(\\(|[<>]\\(\\s{0,8}[\\w/.$][^)]{0,128}\\)|\\$\\[[^\\]]{0,64}\\]|\\$\\{[^}]{0,64}[#%:/`][^}]{0,64}\\}|\\$\\{\\s{0,4}`'), paranoia: 1 },
  { id: 'cmdi-reverse-shell', re: re('/dev/(?:tcp|udp)/|\\bbash\\s{1,8}-i\\b|\\b(?:nc|ncat|netcat)\\b[^|;&]{0,64}\\s-[ec]\\s|\\d?>&\\s{0,4}\\d|>&\\s{0,4}/dev/|\\bmkfifo\\s'), paranoia: 1 },
  { id: 'cmdi-binary-path', re: re('(?:^|[\\s;|&`\'"(=<>])/(?:usr/)?(?:local/)?s?bin/[\\w.-]{1,32}'), paranoia: 1 },
  { id: 'cmdi-glob-evasion', re: re('(?:^|[\\s;|&`\'"(=])(?:/[\\w.\\-]{0,32}[?*\\[][\\w.\\-?*\\[\\]!^/]{0,64}|/[\\w.\\-]{1,32}/[\\w.\\-]{0,32}[?*\\[][\\w.\\-?*\\[\\]!^]{0,64})(?=[\\s;|&]|$)'), paranoia: 1 },
  { id: 'cmdi-windows', re: re('\\bcmd(?:\\.exe)?\\s{0,8}/[ckr]\\b|\\bpowershell(?:\\.exe)?\\s{1,8}(?:-\\w|/\\w)|\\bpowershell(?:\\.exe)?\\s{1,8}[a-z]:\\\\|%(?:comspec|systemroot|windir|programfiles|appdata|temp|userprofile|systemdrive)%|\\bfor\\s{1,16}(?:/[dlrf](?:\\s{1,16}/[dlrf]){0,4}\\s{1,16}(?:[a-z]:\\\\[^%]{0,64}\\s{1,16}|"[^"]{0,64}"\\s{1,16})?)?%%?[^\\s]{1,2}\\s{1,16}in\\s{0,16}\\(|\\bif\\s{0,16}(?:/i\\s{0,16})?(?:not\\s{1,16})?(?:exist|defined|errorlevel|cmdextversion)\\b|\\bif\\s{1,16}(?:/i\\s{1,16})?(?:not\\s{1,16})?[^\\s(]{1,64}\\s{0,16}(?:==|\\bequ\\b|\\bneq\\b|\\blss\\b|\\bleq\\b|\\bgtr\\b|\\bgeq\\b)\\s{0,16}[^\\s{]{1,64}\\s{1,16}[^\\s{]'), paranoia: 1 },
  { id: 'cmdi-windows', re: re('\\bif\\s{1,16}(?:/i\\s{1,16})?(?:not\\s{1,16})?\\(?[^\\s]{1,64}\\)?\\s{1,16}(?:==|equ|neq|lss|leq|gtr|geq)\\s{1,16}[^\\s{]{1,64}\\s{1,16}[^\\s{]'), paranoia: 1 },
  { id: 'cmdi-powershell', re: wordsRe(POWERSHELL, 'i') , paranoia: 1 },
  { id: 'cmdi-alias', re: re('\\balias\\s{1,8}(?:[-+]\\w{1,8}\\s{1,8}){0,4}[\'"]?[\\w.-]{1,64}[\'"]?=\\S'), paranoia: 1 },
  { id: 'cmdi-redirect', re: re('(?:^|[\\s;|&])>{1,2}\\s{0,4}/(?:tmp|dev|etc|var|root|home|usr|bin)/\\w'), paranoia: 1 },
  { id: 'cmdi-sqlite-shell', re: re('(?:^|[;\\n])\\s{0,8}\\.(?:system|shell|import|output|load|once)\\s'), paranoia: 2 },
  { id: 'cmdi-history', re: re('(?:^|[\\s;|&])!-\\d{1,4}(?:\\s|$)'), paranoia: 2 },
  { id: 'cmdi-heredoc', re: re('<<<\\s{0,8}[\\w\'"$(`]'), paranoia: 1 },
  { id: 'cmdi-variable', re: re('^\\s{0,4}\\$\\{?[a-z_]{2,32}\\}?\\s{1,8}-\\w'), paranoia: 2 },
];

function shellForm(lower: string): string {
  let s = lower;
  if (s.includes('ifs')) s = s.replace(IFS, ' ');
  if (s.includes('$')) s = s.replace(EMPTY_VARS, '');
  if (s.includes('\\')) s = s.replace(BACKSLASH, '');
  if (s.includes("'") || s.includes('"')) s = s.replace(QUOTES, '');
  if (s.includes('^')) s = s.replace(CARET, '');
  if (s.includes('{')) s = s.replace(BRACES, (_m, list: string) => list.replaceAll(',', ' '));
  return s;
}

// In prose, commands after line breaks and backticks are code samples; the paranoia level used
// for them is one lower.
function commandHit(s: string, pl: Paranoia, prose = false): Hit | null {
  POSITION.lastIndex = 0;
  for (let m = POSITION.exec(s), n = 0; m && n < 256; m = POSITION.exec(s), n++) {
    if (m[0].length === 0) POSITION.lastIndex++;
    const sep = m[1]!;
    const word = m[3]!;
    const dir = m[2] ?? '';
    const isAlias = ALIASES.has(word);
    if (!COMMANDS.has(word) && !isAlias && !(dir !== '' && /^(?:[a-z]:)?[\\/]/.test(dir))) continue;
    if (!COMMANDS.has(word) && !isAlias) continue;
    const argStart = m.index + m[0].length;
    const args = s.slice(argStart, argStart + 96);
    // A command ends at a space, an operator or the end: `ls.txt`, `color=red`, `base64,...` are not.
    if (args !== '' && !/^[\s<>|;&)`]/.test(args)) continue;
    // A markdown code fence: ```python
    if (sep === '`' && s[m.index - 1] === '`') continue;
    const shellish = SHELLISH_ARGS.test(args);
    const weak = WEAK.has(word) || word.length <= 2;
    let paranoia: Paranoia | null = null;
    if (sep === '' || sep === '(' || sep === '{' || sep === '!') {
      // Start of the value: a command line only when its arguments say so.
      if (sep === '' && shellish && !weak && args.trim() !== '') paranoia = 2;
      else if (sep === '' && !weak && args.trim() === '' && s.trim() === word) paranoia = 3;
    } else if ((prose || (sep === '`' && (s.match(/ /g)?.length ?? 0) > 4)) && (sep === '\n' || sep === '\r' || sep === '`')) {
      if (!weak || shellish) paranoia = 3;
    } else if (sep === '\n' || sep === '\r') {
      // Line starts in long text are prose or code samples more often than injections.
      if ((!weak || shellish) && s.length <= 256) paranoia = 1;
      else if (!weak || shellish) paranoia = 3;
    } else if (!weak || shellish || /^\s{0,4}[`)]/.test(args)) paranoia = 1;
    else paranoia = 3;
    if (paranoia !== null && paranoia <= pl) {
      return { rule: 'cmdi-command', score: 5, paranoia, evidence: excerpt(s, m.index, argStart + 40) };
    }
  }
  return null;
}

export const cmdi: Detector = {
  class: 'cmdi',
  gate: (v) =>
    (v.chars & (C.semi | C.pipe | C.amp | C.newline | C.quote | C.dollar | C.slash | C.backslash | C.percent | C.lt | C.gt | C.paren | C.brace)) !== 0 ||
    /\b(?:if|for|alias|invoke-|iex|iwr)/.test(v.lower),
  scan(v, pl) {
    const s = shellForm(v.lower);
    const prose = isProse(v.text);
    for (const r of RULES) {
      if (r.paranoia > pl) continue;
      // Backticks in markdown and prose are code spans, not substitutions.
      if (prose && r.id === 'cmdi-backtick' && pl < 3) continue;
      const m = r.re.exec(s);
      if (!m) continue;
      if (r.id === 'cmdi-backtick' && pl < 3 && (s.match(/ /g)?.length ?? 0) > 4 && !/[;|&=$(<>]\s{0,4}$/.test(s.slice(0, m.index))) continue;
      // `#!/usr/bin/env python` opening a script sample.
      if (r.id === 'cmdi-binary-path' && s.slice(Math.max(0, m.index - 1), m.index + 2).includes('#!')) continue;
      return [{ rule: r.id, score: 5, paranoia: r.paranoia, evidence: excerpt(s, m.index, m.index + 60) }];
    }
    const h = commandHit(s, prose ? (Math.max(1, pl - 1) as Paranoia) : pl, prose);
    return h ? [h] : [];
  },
};
