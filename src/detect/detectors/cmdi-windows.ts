// cmd.exe syntax that has no other use in a parameter: `cmd /c`, `%COMSPEC%`, `FOR ... %x IN (...)`
// loops and `IF [/I] [NOT] a==b command` conditions. Matched on the lower-cased value with `^`
// escapes dropped and quotes kept (a quoted operand is one operand).

import { re } from '../regex.ts';

const CMD = re(
  '\\bcmd(?:\\.exe)?\\s{0,8}/[ckr]\\b|\\bpowershell(?:\\.exe)?\\s{1,8}(?:-\\w|/\\w)|\\bpowershell(?:\\.exe)?\\s{1,8}[a-z]:\\\\|%(?:comspec|systemroot|windir|programfiles|appdata|temp|userprofile|systemdrive)%',
);
// FOR [/D /R /L /F [path] ["options"]] %var IN (set)
const FOR = re('\\bfor\\s{1,32}(?:/[dlrf]\\b[^%\\n]{0,128})?%%?[^\\s%]{0,32}\\s{1,32}in\\s{0,32}\\(');
// One IF operand: quoted, parenthesized, braced, or a bare token without code punctuation.
const OPERAND = '(?:"[^"\\n]{0,64}"|%[^%\\s]{1,32}%|\\([^)\\n]{0,64}\\)|\\{[^}\\n]{0,64}\\}|[^\\s=():;{}"]{1,64})';
const IF_COMPARE = re(
  `\\bif(?:\\s{1,32}|(?=/))(?:/i\\s{0,32})?(?:not\\s{1,32})?${OPERAND}\\s{0,32}(?:={2,3}|\\s(?:equ|neq|lss|leq|gtr|geq)\\s)\\s{0,32}${OPERAND}(?:\\s{0,32}\\(|\\s{1,32}[a-z@]|\\s{0,32}$)`,
);
// IF [NOT] (a EQU b) command
const IF_GROUPED = re('\\bif\\s{1,32}(?:/i\\s{1,32})?(?:not\\s{1,32})?\\([^()\\n]{1,64}\\s(?:equ|neq|lss|leq|gtr|geq|==)\\s[^()\\n]{1,64}\\)\\s{0,32}[a-z@(]');
const IF_TEST = re('\\bif\\s{1,32}(?:/i\\s{1,32})?(?:not\\s{1,32})?(?:exist|defined|errorlevel|cmdextversion)\\s{1,32}\\S');
const CARET = re('\\^(?=\\w)', 'g');

/** The first cmd.exe construct in `lower`, or null. */
export function windowsShell(lower: string): RegExpExecArray | null {
  const s = lower.includes('^') ? lower.replace(CARET, '') : lower;
  return CMD.exec(s) ?? (s.includes('for') ? FOR.exec(s) : null) ?? (s.includes('if') ? (IF_TEST.exec(s) ?? IF_COMPARE.exec(s) ?? IF_GROUPED.exec(s)) : null);
}
