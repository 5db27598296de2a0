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
import { obfuscatedCommands, shellForm } from '../tokenizers/shell-form.ts';
import { POWERSHELL, POWERSHELL_ALIASES, STRONG_UNIX, WEAK, WINDOWS } from '../tokenizers/shell-words.ts';
import type { Hit, Paranoia } from '../types.ts';
import { configFileName, isUploadName } from './cmdi-upload.ts';
import { windowsShell } from './cmdi-windows.ts';
import { readsAsSentence } from './sentence.ts';

const COMMANDS = new Set([...STRONG_UNIX, ...WINDOWS]);
const ALIASES = new Set(POWERSHELL_ALIASES);

// A command position: separator, optional wrapper (`sudo`, `nohup`...) and optional directory.
const POSITION = re(
  '(^|[;|&\\n\\r`({!]|\\$\\(|<\\(|>\\()[\\s]{0,16}((?:(?:sudo|doas|nohup|env|exec|command|builtin|xargs|time|strace|ltrace|nice|ionice|stdbuf|unbuffer|busybox|setsid|timeout\\s{1,4}\\d{1,5}|\\.)\\s{1,16}){0,3})((?:[a-z]:)?(?:[\\\\/]?[\\w.~-]{0,64}[\\\\/]){0,8})([a-z0-9_][\\w.+-]{0,63})',
  'g',
);
const SHELLISH_ARGS = re('^(?:\\s{0,16}$|\\s{1,16}(?:-{1,2}[a-z0-9]|/|~|\\$|\\.{1,2}/|[<>]|\\*|[a-z]:\\\\|%\\w|https?://|\\d{1,5}\\s{0,4}[<>]))|^[<>]', 'i');
// Further arguments that only command lines have: a flag or an absolute path among the next few words.
const LATER_FLAG = re('^(?:\\s{1,8}[\\w.@:=,-]{1,64}){1,4}\\s{1,8}(?:-{1,2}[a-z]|/[a-z])', 'i');
const WRAPPED_BY_TIME = re('^time\\s');
const SCRIPT_ARG = re('^(?:\\s{1,8}[\\w.-]{1,64}){0,3}\\s{1,8}[\\w-]{1,64}\\.(?:sh|bash|rb|py|pl|php|ps1|bat|cmd)(?=[\\s;|&]|$)');
const FILE_ARG = re('^(?:\\s{1,8}[\\w.-]{1,64}){0,3}\\s{1,8}[\\w-]{1,64}\\.(?:txt|sh|bash|rb|py|pl|php|js|log|conf|cfg|ini|json|ya?ml|xml|csv|sql|db|key|pem)(?=[\\s;|&]|$)');
// The value with one opening quote removed: `'cscli' alerts list` starts with its program.
const UNQUOTED_START = (t: string): string => (t[0] === "'" || t[0] === '"' ? t.slice(1) : t);
const VERSIONED = re('^([a-z][a-z_]{0,31}?)-?\\d{1,3}(?:\\.\\d{1,3}){0,2}$');

interface Rule {
  id: string;
  re: RegExp;
  paranoia: Paranoia;
  /** Matched on the lower-cased value before the shell form undoes what the rule looks for. */
  raw?: boolean;
}

// A relative `bin/` path to a known program is resolved by the shell like any other.
const RELATIVE_BIN: Rule = { id: 'cmdi-binary-path', re: re('^(?:\\.{0,2}/)?(?:usr/)?(?:local/)?s?bin/[\\w.-]{1,32}\\s{0,4}$'), paranoia: 2 };

const RULES: Rule[] = [
  { id: 'cmdi-substitution', re: re('\\$\\(\\s{0,8}[\\w/.$({`][^)]{0,128}\\)|\\$\\(\\(|[<>]\\(\\s{0,8}[\\w/.$][^)]{0,128}\\)|\\$\\[[^\\]]{0,64}\\]|\\$\\{[^}]{0,64}[#%:/`][^}]{0,64}\\}|\\$\\{\\s{0,4}`'), paranoia: 1 },
  { id: 'cmdi-reverse-shell', re: re('/dev/(?:tcp|udp)/|\\bbash\\s{1,8}-i\\b|\\b(?:nc|ncat|netcat)\\b[^|;&]{0,64}\\s-[ec]\\s|\\d?>&\\s{0,4}\\d|>&\\s{0,4}/dev/|\\bmkfifo\\s'), paranoia: 1 },
  { id: 'cmdi-binary-path', re: re('(?:^|[\\s;|&`\'"(=<>])/(?:usr/)?(?:local/)?s?bin/[\\w.-]{1,32}'), paranoia: 1 },
  { id: 'cmdi-glob-evasion', re: re('(?:^|[\\s;|&`\'"(=])(?:/[\\w.\\-]{0,32}[?*\\[][\\w.\\-?*\\[\\]!^/]{0,64}|/[\\w.\\-]{1,32}/[\\w.\\-]{0,32}[?*\\[][\\w.\\-?*\\[\\]!^/]{0,64})(?=[\\s;|&]|$)'), paranoia: 1 },
  { id: 'cmdi-powershell', re: wordsRe(POWERSHELL, 'i'), paranoia: 1 },
  { id: 'cmdi-alias', re: re('\\balias\\s{1,8}(?:[-+][\\w+]{1,8}\\s{1,8}){0,4}[\'"]?[\\w.-]{1,64}[\'"]?=\\S'), paranoia: 1 },
  { id: 'cmdi-redirect', re: re('(?:^|[\\s;|&])>{1,2}\\s{0,4}/(?:tmp|dev|etc|var|root|home|usr|bin)/\\w'), paranoia: 1 },
  // A function that calls itself in a pipe or in the background: the fork bomb `:(){ :|:& };:`.
  { id: 'cmdi-fork-bomb', re: re('(?:^|[\\s;|&])([\\w:]{1,32})\\s{0,8}\\(\\s{0,4}\\)\\s{0,8}\\{[^}]{0,64}[|&][^}]{0,64}\\}'), paranoia: 1 },
  // Tilde and history expansions as a whole word: `~+`, `~-2`, `!-1`, `!!`.
  { id: 'cmdi-expansion', re: re('^\\s{0,4}~[+-]\\d{0,3}\\s{0,4}$|(?:^|[\\s;|&])!-\\d{1,4}(?=[\\s!;|&]|$)'), paranoia: 1 },
  { id: 'cmdi-expansion', re: re('^\\s{0,4}~\\d{1,3}\\s{0,4}$'), paranoia: 2 },
  // SQLite's command-line dot commands after a statement: `;.shell id`, `;\n.databases`.
  { id: 'cmdi-sqlite-shell', re: re('(?:^|[;\\n])\\s{0,8}\\.(?:system|shell|sh|import|output|load|once|read|open|databases|tables|dump|backup|restore|save|clone|excel|log|cd|schema|archive)(?:\\s|$)'), paranoia: 2 },
  // Special parameters that expand to nothing, inside words, more than once: `c$@at /et$*c/pas$!swd`.
  { id: 'cmdi-evasion', re: re('[a-z]\\$[@*!?_-][a-z/][^]{0,64}[a-z]\\$[@*!?_-][a-z/]'), paranoia: 2, raw: true },
  // One-character bracket globs inside a path: `/etc/pas[s]wd`, `/usr/bin/[u]name`.
  { id: 'cmdi-glob-evasion', re: re('/[\\w.-]{0,32}\\[[a-z]\\][a-z]'), paranoia: 1, raw: true },
  { id: 'cmdi-heredoc', re: re('<<<\\s{0,8}[\\w\'"$(`]'), paranoia: 1 },
  { id: 'cmdi-variable', re: re('^\\s{0,4}\\$\\{?[a-z_]{2,32}\\}?\\s{1,8}-\\w'), paranoia: 2 },
  RELATIVE_BIN,
];

/** A known command name, its version-suffixed form (`python3.10`, `gcc7.4`) or a hyphenated tool of a
 *  known program (`ansible-vault`, `ssh-copy-id`). `weak` when it is also an ordinary word. */
function commandName(word: string): { weak: boolean } | null {
  if (COMMANDS.has(word) || ALIASES.has(word)) return { weak: WEAK.has(word) || word.length <= 2 };
  const v = VERSIONED.exec(word);
  // `python3.10` is no English word, even where `python` is.
  if (v && COMMANDS.has(v[1]!) && v[1]!.length > 1) return { weak: false };
  const dash = word.indexOf('-');
  if (dash > 1) {
    const head = word.slice(0, dash);
    if (COMMANDS.has(head) && head.length > 2) return { weak: WEAK.has(head) };
  }
  return null;
}

/** Backtick pairs read left to right, as the shell does: a non-empty pair whose content starts
 *  with a word is a command substitution (`` `id` ``, ``x`echo a``echo b` ``). Empty pairs are
 *  markdown's double backticks or an evasion, both dropped. */
function backtickSubstitution(s: string): number {
  let open = -1;
  for (let i = s.indexOf('`'), n = 0; i >= 0 && n < 64; i = s.indexOf('`', i + 1), n++) {
    if (open < 0) {
      open = i;
      continue;
    }
    if (i > open + 1 && /^\s{0,8}[\w/.$]/.test(s.slice(open + 1, open + 10))) return open;
    open = -1;
  }
  return -1;
}

// In prose, commands after line breaks and backticks are code samples; the paranoia level used
// for them is one lower. `forced`: the value was brace-expanded or used its own variables, so a
// command at its start is no ordinary word.
function commandHit(s: string, text: string, pl: Paranoia, prose: boolean, forced: boolean): Hit | null {
  POSITION.lastIndex = 0;
  let chain = 0;
  let chainArgs = 0;
  for (let m = POSITION.exec(s), n = 0; m && n < 256; m = POSITION.exec(s), n++) {
    if (m[0].length === 0) POSITION.lastIndex++;
    const sep = m[1]!;
    const wrappers = m[2]!;
    const word = m[4]!;
    const name = commandName(word);
    if (!name) continue;
    const argStart = m.index + m[0].length;
    const args = s.slice(argStart, argStart + 96);
    // A command ends at a space, an operator or the end: `ls.txt`, `color=red`, `base64,...` are not.
    if (args !== '' && !/^[\s<>|;&)`]/.test(args)) continue;
    if (sep === '' || sep === ';' || sep === '|' || sep === '&') {
      chain++;
      if (/^\s{1,16}[^\s;|&]/.test(args)) chainArgs++;
    }
    // A markdown code fence: ```python
    if (sep === '`' && s[m.index - 1] === '`') continue;
    const shellish = SHELLISH_ARGS.test(args) || LATER_FLAG.test(args);
    const weak = name.weak;
    // `nohup x`, `strace x`, `sudo x`; `time` is also a word, so it needs a command that is not.
    const wrapped = wrappers !== '' && (!WRAPPED_BY_TIME.test(wrappers) || !weak || shellish);
    let paranoia: Paranoia | null = null;
    if (sep === '' || sep === '(' || sep === '{' || sep === '!') {
      // Start of the value: a command line only when its arguments say so.
      if (sep === '' && (wrapped || forced)) paranoia = prose ? 3 : 1;
      else if (sep === '' && prose) paranoia = !weak && shellish ? 2 : null;
      else if (sep === '' && !weak && (shellish || /^\s{0,4}[;|&]/.test(args)) && args.trim() !== '') paranoia = 2;
      // A short, lower-case value that is a program name and words: `cscli alerts list`.
      else if (sep === '' && !weak && word.length > 3 && args.trim() !== '' && s.length <= 96 && UNQUOTED_START(text).startsWith(word) && !/[A-Z]/.test(text)) paranoia = 2;
      else if (sep === '' && weak && /^\s{1,8}(?:-{1,2}[a-z0-9]|\/[a-z])/.test(args) && s.length <= 128) paranoia = 2;
      // `chef-run all recipe.rb`, `perl x.pl`: a program and a script for it to run.
      else if (sep === '' && weak && SCRIPT_ARG.test(args) && s.length <= 128) paranoia = 2;
      else if (sep === '' && !weak && args.trim() === '' && s.trim() === word) paranoia = 3;
    } else if ((prose || (sep === '`' && (s.match(/ /g)?.length ?? 0) > 4)) && (sep === '\n' || sep === '\r' || sep === '`')) {
      if (!weak || shellish) paranoia = 3;
    } else if (sep === '\n' || sep === '\r') {
      // Line starts in long text are prose or code samples more often than injections.
      if ((!weak || shellish || wrapped) && s.length <= 256) paranoia = 1;
      else if (!weak || shellish) paranoia = 3;
    } else if (!weak || shellish || wrapped || /^\s{0,4}[`)]/.test(args)) paranoia = 1;
    // `;cat test.txt`, `; chef-run all recipe.rb`: a file of a scripting or data type as argument.
    else if (FILE_ARG.test(args)) paranoia = 2;
    else paranoia = 3;
    if (paranoia !== null && paranoia <= pl) {
      return { rule: 'cmdi-command', score: 5, paranoia, evidence: excerpt(s, m.index, argStart + 40) };
    }
  }
  // Three programs or more chained by `;`, `|` or `&`, two of them with arguments (`cd /;cd etc;fold
  // passwd`), are a command line even when each name alone is also a word (`id;date;time;host` is a
  // list of columns).
  if (chain >= 3 && chainArgs >= 2 && pl >= 2 && !prose) return { rule: 'cmdi-command-chain', score: 5, paranoia: 2, evidence: excerpt(s, 0, 60) };
  return null;
}

const SHELL_CHARS = C.semi | C.pipe | C.amp | C.newline | C.quote | C.dollar | C.slash | C.backslash | C.percent | C.lt | C.gt | C.paren | C.brace | C.tilde | C.excl;
const SHELL_KEYWORDS = re('\\b(?:if|for|alias|invoke-|iex|iwr)');
const FIRST_WORD = re('^\\s{0,16}([^\\s]{1,64})');
const WRAPPERS = new Set(['sudo', 'doas', 'nohup', 'env', 'exec', 'command', 'builtin', 'xargs', 'time', 'strace', 'ltrace', 'nice', 'ionice', 'stdbuf', 'unbuffer', 'busybox', 'setsid', 'timeout']);

function startsWithCommand(lower: string): boolean {
  const w = FIRST_WORD.exec(lower)?.[1];
  return w !== undefined && (WRAPPERS.has(w) || commandName(w) !== null);
}

// `I'd rate it`: an English contraction reads as an obfuscated `id` once the quote is dropped.
const CONTRACTION = re("(?:^|\\s)([a-z]{1,8})'(d|s|t|ll|re|ve|m)(?=[\\s.,!?]|$)", 'g');

function contraction(lower: string, word: string): boolean {
  if (!lower.includes("'")) return false;
  CONTRACTION.lastIndex = 0;
  for (let m = CONTRACTION.exec(lower), n = 0; m && n < 32; m = CONTRACTION.exec(lower), n++) if (m[1]! + m[2]! === word) return true;
  return false;
}

export const cmdi: Detector = {
  class: 'cmdi',
  gate: (v) =>
    (v.chars & SHELL_CHARS) !== 0 ||
    // Words and spaces only: a command line only if it starts with a program or a wrapper.
    ((v.chars & C.space) !== 0 && startsWithCommand(v.lower)) ||
    SHELL_KEYWORDS.test(v.lower) ||
    isUploadName(v),
  scan(v, pl) {
    if (isUploadName(v)) {
      const f = configFileName(v.lower);
      if (f) return [{ rule: 'cmdi-upload-config', score: 5, paranoia: 1, evidence: excerpt(f) }];
    }
    const form = shellForm(v.lower);
    const s = form.s;
    const prose = isProse(v.text);
    const hit = (rule: string, paranoia: Paranoia, at: number, text = s): Hit[] =>
      paranoia <= pl ? [{ rule, score: 5, paranoia, evidence: excerpt(text, at, at + 60) }] : [];
    // Backticks in markdown and prose are code spans, not substitutions; in a value with spaces
    // they count only right after an operator.
    if (!prose || pl >= 3) {
      const b = s.includes('`') ? backtickSubstitution(s) : -1;
      if (b >= 0 && (pl >= 3 || (s.match(/ /g)?.length ?? 0) <= 4 || /[;|&=$(<>]\s{0,4}$/.test(s.slice(0, b)))) return hit('cmdi-backtick', 1, b);
    }
    for (const r of RULES) {
      if (r.paranoia > pl) continue;
      const m = r.re.exec(r.raw ? v.lower : s);
      if (!m) continue;
      // `#!/usr/bin/env python` opening a script sample.
      if (r.id === 'cmdi-binary-path' && s.slice(Math.max(0, m.index - 1), m.index + 2).includes('#!')) continue;
      // A relative `bin/` path needs a program name after it.
      if (r === RELATIVE_BIN && !commandName(m[0].trim().slice(m[0].trim().lastIndexOf('/') + 1))) continue;
      return hit(r.id, r.paranoia, m.index);
    }
    const win = windowsShell(v.lower);
    if (win) return hit('cmdi-windows', 1, 0, win[0]);
    // A command name obfuscated with quotes, backslashes or empty expansions (`w'h'o'am'i`).
    for (const w of obfuscatedCommands(form.pre)) {
      if (commandName(w)) return hit('cmdi-evasion', prose || (contraction(v.lower, w) && readsAsSentence(v.text)) ? 3 : 1, 0, w);
    }
    const h = commandHit(s, v.text.trimStart(), prose ? (Math.max(1, pl - 1) as Paranoia) : pl, prose, form.braces || form.variables);
    return h ? [h] : [];
  },
};
