// Undoes what a shell undoes before it runs a command line, so that obfuscated commands read plainly:
// `${IFS}` as a space, variables assigned earlier in the value substituted (`a=/etc;cat $a/passwd`),
// empty expansions dropped (`$@`, `${x}`, ``` `` ```, `$()`), brace expansion spread
// (`c{a,oun}t` → `cat count`), quotes and backslashes inside words dropped, Windows `^` escapes
// dropped. `evasion` says some of this happened inside a word, which ordinary text never needs.

import { re } from '../regex.ts';

const IFS = re('\\$\\{ifs(?:[%#][^}]{0,8})?\\}|\\$ifs(?:\\$\\d)?\\b', 'g');
const EMPTY_VARS = re('\\$(?:[@*!_#?$-]|\\{[a-z_]?\\}|\\d(?!\\d))', 'g');
const EMPTY_SUBST = re('(?<!`)``(?!`)|\\$\\(\\s{0,4}\\)|[<>]\\(\\s{0,4}\\)', 'g');
// `${anything}` glued to a word (`${x.y}gcc`), ANSI-C quoting `$'...'`, one-character glob classes
// `[u]name`, and an undefined `$var` standing alone where a command starts (`;$u wget`).
const GLUED_EXPANSION = re('\\$\\{[\\w.]{0,32}\\}(?=\\w)', 'g');
const ANSI_C_QUOTE = re('\\$(?=[\'"])', 'g');
const CHAR_CLASS = re('\\[([a-z0-9])\\]', 'g');
const LONE_VAR = re('(^|[;|&`(\\n]\\s{0,8})\\$[a-z_][a-z0-9_]{0,31}\\s{1,8}(?=[a-z/])', 'g');
const BACKSLASH = re('\\\\(?=[^\\s])', 'g');
const QUOTES = re('[\'"]', 'g');
const CARET = re('\\^(?=\\w)', 'g');
// One brace group with a comma list, and the word characters glued to it: `pre{a,b}post`.
const BRACES = re('([\\w./-]{0,32})\\{([^{}\\s]{0,128},[^{}\\s]{0,128})\\}([\\w./-]{0,32})', 'g');
// `name=value` followed by a separator: a shell variable assignment.
const ASSIGN = re('(?:^|[;&|\\n\\s])([a-z_][a-z0-9_]{0,31})=((?:\'[^\']{0,64}\'|"[^"]{0,64}"|[^\\s;&|\'"]{0,64}))(?=\\s{0,4}(?:;|&&|\\|\\||\\n|\\s[a-z$]))', 'g');
const VAR_REF = re('\\$\\{([a-z_][a-z0-9_]{0,31})\\}|\\$([a-z_][a-z0-9_]{0,31})', 'g');
export interface ShellForm {
  /** The value as the shell would see it, lower-cased. */
  s: string;
  /** Brace expansion of the kind evasions use happened (see `expandBraces`). */
  braces: boolean;
  /** Variables assigned in the value were used. */
  variables: boolean;
  /** Before quotes, backslashes and empty expansions were dropped (those are marked `\u0001`):
   *  what `obfuscatedCommands` reads. */
  pre: string;
}

/** Spreads brace groups; `telling` when the group has the marks of an evasion rather than a field
 *  list (`{id,name}`): an empty item, letters glued around it, or shell characters in an item. */
function expandBraces(s: string): { s: string; telling: boolean } {
  let telling = false;
  const out = s.replace(BRACES, (_m, pre: string, list: string, post: string) => {
    const items = list.split(',', 16);
    if (pre !== '' || post !== '' || items.some((i) => i === '' || /[-/$#'"?*\\]/.test(i))) telling = true;
    return items
      .map((item) => (item === '' && pre === '' && post === '' ? '' : pre + item + post))
      .filter((w) => w !== '')
      .join(' ');
  });
  return { s: out, telling };
}

function substituteVariables(s: string): { s: string; used: boolean } {
  if (!s.includes('=')) return { s, used: false };
  const vars = new Map<string, string>();
  ASSIGN.lastIndex = 0;
  for (let m = ASSIGN.exec(s), n = 0; m && n < 64; m = ASSIGN.exec(s), n++) vars.set(m[1]!, m[2]!.replace(QUOTES, ''));
  if (vars.size === 0) return { s, used: false };
  let used = false;
  const out = s.replace(VAR_REF, (ref, a: string | undefined, b: string | undefined) => {
    const v = vars.get((a ?? b)!);
    if (v === undefined) return ref;
    used = true;
    return v;
  });
  return { s: out, used };
}

export function shellForm(lower: string): ShellForm {
  let s = lower;
  if (s.includes('ifs')) s = s.replace(IFS, ' ');
  let variables = false;
  if (s.includes('$')) {
    const r = substituteVariables(s);
    s = r.s;
    variables = r.used;
  }
  if (s.includes('``') || s.includes('()')) s = s.replace(EMPTY_SUBST, '\u0001');
  let braces = false;
  if (s.includes('{') && s.includes(',')) {
    const e = expandBraces(s);
    braces = e.telling;
    s = e.s;
  }
  if (s.includes('$')) s = s.replace(GLUED_EXPANSION, '').replace(ANSI_C_QUOTE, '').replace(LONE_VAR, '$1');
  if (s.includes('[')) s = s.replace(CHAR_CLASS, '$1');
  const pre = s;
  if (s.includes('$')) s = s.replace(EMPTY_VARS, '');
  if (s.includes('\u0001')) s = s.replaceAll('\u0001', '');
  if (s.includes('\\')) s = s.replace(BACKSLASH, '');
  if (s.includes("'") || s.includes('"')) s = s.replace(QUOTES, '');
  if (s.includes('^')) s = s.replace(CARET, '');
  return { s, braces, variables, pre };
}

// Words are separated by blanks and operators; quotes, backslashes and `$` stay inside words.
const WORD = re('[^\\s;|&()<>`{},]{1,128}', 'g');
const SEPARATOR = re('[;|&`(\\n\\r{]');
const EDGE_QUOTES = re('^[\'"]{1,4}|[\'"]{1,4}$', 'g');
const OBFUSCATION = re('[\'"\\\\\\u0001]|\\$[@*!_#?$-]|\\$\\{[a-z_]{0,32}\\}|\\$[a-z_]');
const OBFUSCATION_ALL = re('\\$\\{[a-z_]{0,32}\\}|\\$[a-z_][a-z0-9_]{0,31}|\\$[@*!_#?$-]|[\'"\\\\\\u0001]', 'g');

/** The words at command positions (value start, after a separator) whose raw form was obfuscated
 *  (`c''at`, `w\\ho\\ami`, `ca$@t`, `pi``ng`, `cat$u`), cleaned: ordinary text never needs that. Quotes
 *  around a whole word are ordinary quoting and do not count. Reads `ShellForm.pre`. */
export function obfuscatedCommands(pre: string, max = 32): string[] {
  const out: string[] = [];
  let atCommand = true;
  let last = 0;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(pre), n = 0; m && n < max; m = WORD.exec(pre), n++) {
    if (SEPARATOR.test(pre.slice(last, m.index))) atCommand = true;
    last = m.index + m[0].length;
    if (!atCommand) continue;
    atCommand = false;
    const inner = m[0].replace(EDGE_QUOTES, '');
    if (!OBFUSCATION.test(inner)) continue;
    const clean = inner.replace(OBFUSCATION_ALL, '');
    if (clean !== '') out.push(clean);
  }
  return out;
}
