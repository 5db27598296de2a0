// Code injection into server-side interpreters: Node.js (`require('child_process')`, serialized
// functions `_$$ND_FUNC$$_`, `process.mainModule`), JavaScript denial-of-service loops, Perl
// interpolation `@{[ ... ]}`, Ruby and Python process calls, PHP openers and execution functions.

import { C, type Detector, isProse } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';
import type { Hit, Paranoia } from '../types.ts';
import { isUploadName, scriptFileParanoia } from './cmdi-upload.ts';

const PHP_FUNCTIONS = [
  'base64_decode', 'bzdecompress', 'call_user_func', 'call_user_func_array', 'create_function', 'fsockopen',
  'pfsockopen', 'gzdecode', 'gzinflate', 'gzuncompress', 'gzopen', 'str_rot13', 'shell_exec', 'proc_open',
  'pcntl_exec', 'posix_\\w{3,24}', 'get_defined_functions', 'get_defined_vars', 'get_defined_constants',
  'curl_init', 'curl_exec', 'file_get_contents', 'file_put_contents', 'move_uploaded_file',
  'preg_replace_callback', 'register_shutdown_function', 'register_tick_function', 'array_map',
  'ini_set', 'ini_get_all', 'ini_restore', 'php_uname', 'phpinfo', 'zlib_decode', 'convert_uudecode',
  'highlight_file', 'show_source', 'assert_options', 'stream_get_contents', 'stream_socket_client',
  'proc_nice', 'proc_terminate', 'set_include_path', 'mb_ereg_replace', 'escapeshellcmd', 'escapeshellarg',
  'file_exists', 'is_writable', 'unlink', 'chmod', 'symlink', 'readfile', 'parse_str', 'extract',
].join('|');

interface Rule {
  id: string;
  re: RegExp;
  paranoia: Paranoia;
  /** In prose and code samples this rule only counts from paranoia 3. */
  notInProse?: boolean;
}

const RULES: Rule[] = [
  // Node.js: module loading, serialized functions, process internals.
  { id: 'code-node', re: re('_\\$\\$nd_func\\$\\$_|\\b__js_function\\b|\\brequire\\s{0,8}(?:\\(\\s{0,8}[\'"`](?:child_process|fs|net|vm|os|http|module|process|worker_threads)\\b|\\[)|\\bchild_process\\b|\\bprocess\\s{0,4}(?:\\.\\s{0,4}(?:binding|mainmodule|dlopen|_linkedbinding)\\b|\\[\\s{0,4}[\'"`]?(?:env|binding|mainmodule|\\w{1,32}\\.)|\\.\\s{0,4}\\w{1,32}\\s{0,4}\\.\\s{0,4}(?:spawn|exec))|\\bthis\\s{0,4}\\.\\s{0,4}constructor\\s{0,4}\\.\\s{0,4}constructor\\b|\\bconstructor\\s{0,4}\\.\\s{0,4}constructor\\s{0,4}\\(|\\beval\\s{0,8}\\(\\s{0,8}(?:string\\.fromcharcode|atob|buffer)|\\.\\s{0,4}(?:readdirsync|readfilesync|writefilesync|execsync|spawnsync)\\s{0,4}\\(|\\$\\d{1,3}:(?:constructor|__proto__|prototype)|"\\$\\d{0,3}:[\\w]{1,32}:[\\w]{1,32}"'), paranoia: 1 },
  // Ordinary JavaScript that is only suspicious in a parameter, not in a code sample.
  { id: 'code-node', re: re('\\bprocess\\s{0,4}\\.\\s{0,4}(?:env|kill|exit)\\b|\\bmodule\\s{0,4}\\.\\s{0,4}exports\\s{0,4}=|\\bnew\\s{1,8}function\\s{0,8}\\(|\\bconsole\\s{0,4}(?:\\.\\s{0,4}\\w{2,16}|\\[\\s{0,4}[\'"`]\\w{2,16}[\'"`]\\s{0,4}\\])\\s{0,4}(?:\\.\\s{0,4}(?:call|apply)\\s{0,4})?\\(|\\bfunction\\s{0,8}\\(\\s{0,8}\\)\\s{0,8}\\{'), paranoia: 1, notInProse: true },
  // Infinite loops sent to be evaluated (`while(true)`, `while(!0)`, `for(;;)`).
  { id: 'code-dos-loop', re: re('\\bwhile\\s{0,8}\\(\\s{0,8}(?:!{1,2}\\s{0,4}(?:false|0|-0|\\+0|""|\'\'|``|null|undefined|nan|\\{\\}|\\[\\])|true|infinity|-infinity|\\+infinity|-?\\+?[1-9]\\d{0,8}|new\\s{1,8}\\w{1,32}|this|string|\\(\\s{0,4}true\\s{0,4}\\)|!!\\s{0,4}(?:\\{\\}|\\[\\]|""|\'\'|``))\\s{0,8}\\)|\\bfor\\s{0,8}\\(\\s{0,8};\\s{0,8};\\s{0,8}\\)'), paranoia: 1 },
  // Perl `@{[ code ]}` interpolation, Ruby and Python process APIs.
  { id: 'code-perl', re: re('@{1,4}\\{\\s{0,16}\\['), paranoia: 1 },
  { id: 'code-ruby', re: re('\\b(?:process\\s{0,4}\\.\\s{0,4}spawn|kernel\\s{0,4}\\.\\s{0,4}(?:exec|system|spawn)|io\\s{0,4}\\.\\s{0,4}popen|open3\\s{0,4}\\.\\s{0,4}\\w{1,16})\\s{0,4}\\(|%x\\{|\\bsyscall\\s{0,4}\\('), paranoia: 1 },
  { id: 'code-python', re: re('__import__\\s{0,8}\\(|\\bos\\s{0,4}\\.\\s{0,4}(?:system|popen|exec\\w{0,3})\\s{0,4}\\(|\\bsubprocess\\s{0,4}\\.\\s{0,4}\\w{2,16}\\s{0,4}\\(|\\b(?:pickle|cpickle|marshal)\\s{0,4}\\.\\s{0,4}loads\\s{0,4}\\(|__(?:globals|builtins|subclasses|mro|class|bases)__'), paranoia: 1 },
  // Server-side includes: `<!--#exec cmd="..." -->`, `<!--#include virtual=...`.
  { id: 'code-ssi', re: re('<!--\\s{0,4}#\\s{0,4}(?:exec|include|echo|set|config|fsize|flastmod|printenv|if|elif)\\s'), paranoia: 1 },
  // PHP
  { id: 'code-php', re: re('<\\?(?:php\\b|=)|(?<![.\\w$])(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|assert|create_function|show_source|highlight_file|phpinfo)\\s{0,8}\\(\\s{0,8}(?:\\$|[\'"]|base64_decode|gzinflate|str_rot13|\\$_)|\\$_(?:get|post|request|cookie|server|files|env|session)\\s{0,4}\\[|\\bphp://(?:input|filter|memory)|[oa]:\\d{1,6}:"[\\w\\\\]{1,128}":\\d{1,6}:\\{'), paranoia: 1 },
  // Not an empty call followed by a word (`eval() is evil`, `the system() call`): a syntax error in
  // PHP, so a mention in a sentence.
  { id: 'code-php', re: re('(?<![.\\w$])(?:phpinfo|system|passthru|shell_exec|proc_open|popen|pcntl_exec|eval|exec|assert|fopen|fsockopen|unserialize)\\s{0,8}\\((?!\\s{0,8}\\)\\s{1,8}(?!(?:and|or|xor|instanceof)\\b)[a-z])'), paranoia: 2 },
  // PHP functions that have no business in a parameter, called (spaces, comments or `=` before the
  // parenthesis are what filters miss): `base64_decode(`, `gzinflate/**/(`, `shell_exec=(`.
  { id: 'code-php', re: re(`(?:${PHP_FUNCTIONS})\\s{0,8}(?:/[*][^*]{0,64}[*]/\\s{0,8}|//[^\\n]{0,64}\\n\\s{0,8}|#[^\\n]{0,64}\\n\\s{0,8})?=?\\s{0,8}\\(`), paranoia: 1, notInProse: true },
  // A function name as a string or in parentheses, then called: `("system")("id")`, `"exec"(x)`.
  { id: 'code-php', re: re('(?:\\(\\s{0,4}[\'"]?|[\'"])\\s{0,4}(?:system|exec|passthru|shell_exec|assert|eval|popen|proc_open|phpinfo|base64_decode|create_function|call_user_func)\\s{0,4}[\'"]?\\s{0,4}\\)?\\s{0,4}\\(\\s{0,4}[\'"$\\w]'), paranoia: 1 },
  // Short open tags and template tags: `<? echo`, `<?xml:echo`, `[php]echo`, `{php}...{/php}`.
  { id: 'code-php', re: re('<\\?(?:\\s{1,16}(?:php\\b|echo\\b|print\\b|\\$|\\w{1,32}\\s{0,4}\\()|xml\\s{0,32}[:(;])|[\\[{][\\\\/]?php[\\]}]\\s{0,8}(?:echo|print|\\$|system|eval|include|require|$)|[\\[{][\\\\/]php[\\]}]'), paranoia: 1 },
  { id: 'code-php', re: re('<\\?\\s{0,8}$'), paranoia: 2 },
  // A value that is nothing but a call of a snake_case function, without arguments or left open
  // (`array_diff (`, `ldap_get_entries()`, `is_array()`): the probe for an evaluated parameter.
  { id: 'code-lone-call', re: re('^\\s{0,4}[a-z][a-z0-9]{0,15}_[a-z0-9_]{1,48}\\s{0,8}\\(\\s{0,8}\\)?\\s{0,4};?\\s{0,4}$'), paranoia: 2 },
  // Variable functions and variable variables: `$a(1)`, `$$b(2)`, `@$__[o](4)`, `${'x'}`.
  { id: 'code-php', re: re('\\$+[a-z_][\\w]{0,31}(?:\\[[^\\]]{0,32}\\]|\\{[^}]{0,32}\\}){0,4}\\(|\\$\\s{0,32}\\{\\s{0,32}[\'"$]'), paranoia: 2, notInProse: true },
];

export const codeInjection: Detector = {
  class: 'code-injection',
  gate: (v) => (v.chars & (C.paren | C.brace | C.dollar | C.lt | C.bracket | C.dot | C.at | C.colon)) !== 0 || v.lower.includes('_function'),
  scan(v, pl) {
    if (isUploadName(v)) {
      const p = scriptFileParanoia(v.lower);
      if (p !== null && p <= pl) return [{ rule: 'code-script-upload', score: 5, paranoia: p, evidence: excerpt(v.text, 0, 80) }];
    }
    const t = v.lower;
    const hits: Hit[] = [];
    const prose = isProse(v.text);
    for (const r of RULES) {
      if (r.paranoia > pl || (prose && r.notInProse && pl < 3)) continue;
      const m = r.re.exec(t);
      if (m) {
        hits.push({ rule: r.id, score: 5, paranoia: r.paranoia, evidence: excerpt(v.text, m.index, m.index + 80) });
        break;
      }
    }
    return hits;
  },
};
