// Pieces of SQL that carry no complete injection but are typical of probing and of payloads cut by
// length limits: a lone operator, a function call, a clause keyword, a catalog name, PostgreSQL JSON
// operators. They are what CRS's paranoia-level-2 SQL rules look for; too noisy for level 1.

import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';
import type { Hit, Paranoia } from '../types.ts';

interface Fragment {
  id: string;
  re: RegExp;
  paranoia: Paranoia;
  /** Only in short values (a parameter that is nothing but this is code, a sentence may not be). */
  maxLength?: number;
  /** Text the value must contain for the expression to be worth running (a cheap pre-check). */
  needs?: string;
}

const FRAGMENTS: Fragment[] = [
  // A value that is only an SQL operator or a comparison with NULL / a list.
  { id: 'sqli-operator', re: re('^\\s{0,8}(?:>>|<<|&&|\\|\\||!=|==|->>?|<=>|<=|>=|<>|!<|!>|xor|regexp|rlike|sounds\\s{1,4}like|not\\s{1,4}between)\\s{0,8}$'), paranoia: 2 },
  { id: 'sqli-operator', re: re('(?<![\'"`])\\blike\\s{0,8}[\'"]\\s{0,8}$'), paranoia: 2 },
  // Numbers that crash or overflow database drivers (PHP's 2.2250738585072011e-308, 2^32).
  { id: 'sqli-magic-number', re: re('^\\s{0,8}(?:4294967296|2\\.2250738585072011e-308)\\s{0,8}$'), paranoia: 2 },
  { id: 'sqli-clause', re: re('\\bvalues\\s{0,8}\\(\\s{0,8}[\'"\\d]'), paranoia: 2, needs: 'values' },
  { id: 'sqli-clause', re: re('\\binto\\s{1,8}(?:out|dump)file\\b'), paranoia: 1, needs: 'file' },
  { id: 'sqli-clause', re: re('\\bwhen\\s{1,8}[\\w\'"]{1,64}\\s{1,8}then\\b'), paranoia: 2, needs: 'then' },
  { id: 'sqli-clause', re: re('\\bselect\\s{1,8}(?:pg_sleep|sleep|benchmark|version|user|database|current_user|load_file|@@[\\w.]{1,64})\\b'), paranoia: 1, needs: 'select' },
  { id: 'sqli-operator', re: re('^\\s{0,8}(?:is|like)\\s{1,8}(?:not\\s{1,8})?null\\s{0,8}$|\\blike\\s{1,8}null\\b'), paranoia: 2, needs: 'null' },
  { id: 'sqli-operator', re: re('(?:^|\\s)in\\s{0,8}\\(\\s{0,8}-?\\d{1,20}\\s{0,8}(?:,\\s{0,8}-?\\d{1,20}\\s{0,8}){0,32}\\)'), paranoia: 2, maxLength: 64 },
  { id: 'sqli-operator', re: re('\\)\\s{0,8}(?:like|regexp|rlike|glob|between|sounds)\\s{0,8}\\('), paranoia: 2, needs: ')' },
  // Chained conditions: `and id=`, `|| langCode ==`, `&&(e===`.
  { id: 'sqli-chained', re: re('(?:^|[\\s()\'"`;/]|^\\w{1,32}=)(?:(?:and|or|xor|div)\\b|&&|\\|\\|)[\\s(]{0,8}[\\w.@`\'"]{1,64}[\\s)]{0,8}(?:!?==?=?(?![|&>])|\\b(?:like|regexp|rlike)\\b)'), paranoia: 2 },
  { id: 'sqli-chained', re: re('(?:^|[\\s()\'"`;/]|^\\w{1,32}=)(?:(?:and|or|xor)\\b|&&|\\|\\|)[\\s(]{0,8}\\d{1,20}[\\s)]{0,8}[=!]'), paranoia: 2 },
  // At the start of a value, `insert into` needs a table and what follows it (`insert into the slot`).
  { id: 'sqli-chained', re: re('[;>]\\s{0,8}insert\\s{1,8}into|^\\s{0,8}insert\\s{1,8}into\\s{1,8}[\\w`."\\[\\]]{1,64}\\s{0,8}(?:\\(|values\\b|select\\b|set\\b|default\\b|;|--|#|/\\*|$)|(?:^|[;>])\\s{0,8}(?:set\\s{1,8}@|declare\\s{0,8}@)|[;>]\\s{0,8}(?:update\\s{1,8}[\\w`."]{1,64}|delete\\s{1,8}from|drop\\s{1,8}[\\w`."]{1,64})'), paranoia: 2 },
  { id: 'sqli-chained', re: re('(?:^|[;>\\s])set\\s{1,8}@@?[\\w.]{1,64}'), paranoia: 2, needs: '@' },
  { id: 'sqli-chained', re: re('(?:^|[\\s(=])\\(\\s{0,8}select\\s{0,8}$'), paranoia: 2, needs: 'select' },
  // Clause keywords: `order by` alone, `having 1=`, `from x where`, `) as y from`.
  { id: 'sqli-clause', re: re('^\\s{0,8}(?:order|group)\\s{1,8}by\\s{0,8}$'), paranoia: 2, needs: 'by' },
  { id: 'sqli-clause', re: re('\\bhaving\\s{1,8}[\\w()]{1,64}\\s{0,8}[=<>]'), paranoia: 2, needs: 'having' },
  { id: 'sqli-clause', re: re('\\bfrom\\s{1,8}[\\w`."\\[\\]]{1,64}\\s{1,8}(?:where\\s{1,8}[\\w`."]{1,64}\\s{0,8}[=<>!]|group\\s{1,8}by|order\\s{1,8}by|limit\\s{0,8}\\d?)'), paranoia: 2, needs: 'from' },
  { id: 'sqli-clause', re: re('[)`\'"\\w!;]\\s{0,8}\\bas\\s{0,8}[`\'"\\w]{1,64}\\s{0,8}\\bfrom\\b'), paranoia: 2, needs: 'from' },
  { id: 'sqli-clause', re: re('\\bselect\\s[^;]{1,64}\\bgroup\\s{1,8}by\\s[^;]{1,64}\\bhaving\\s'), paranoia: 1, needs: 'having' },
  { id: 'sqli-clause', re: re('[)`]\\s{0,8}\\bas\\s{0,8}[`\'"]?[\\w]{1,64}[`\'"]?\\s{0,8}$'), paranoia: 2, needs: 'as' },
  { id: 'sqli-clause', re: re('\\bselect\\s{0,8}\\(\\s{0,8}case\\b'), paranoia: 1, needs: 'case' },
  { id: 'sqli-clause', re: re('\\bprocedure\\s{1,8}analyse\\b'), paranoia: 1, needs: 'analyse' },
  { id: 'sqli-clause', re: re('^\\s{0,8}execute\\s{1,8}[\\w.]{1,64}'), paranoia: 2, maxLength: 64, needs: 'execute' },
  { id: 'sqli-clause', re: re('\\bexec(?:ute)?\\s{1,8}(?:master\\.|xp_|sp_)'), paranoia: 1, needs: 'exec' },
  { id: 'sqli-clause', re: re('\\bcreate\\s{1,8}(?:table|database|function|procedure|user|view|trigger)\\s{1,8}\\w'), paranoia: 2, needs: 'create' },
  { id: 'sqli-clause', re: re('^\\s{0,8}[\'"`]\\s{0,8}(?:alter|union|select|insert|delete|drop|truncate)\\b(?![\'"`])'), paranoia: 2 },
  // `waitfor delay '0:0:5'` cut anywhere after `delay`.
  // `+` too: a payload URL-encoded twice keeps the spaces of its first encoding.
  { id: 'sqli-time-delay', re: re('\\bwaitfor[\\s+]{1,8}(?:delay|time)[\\s+]{0,8}[\'"]'), paranoia: 1, needs: 'waitfor' },
  // Stored procedures and packages that only attackers call from a web parameter.
  { id: 'sqli-procedure', re: re('\\b(?:xp_cmdshell|xp_dirtree|xp_regread|xp_fileexist|xp_availablemedia|sp_password|sp_executesql|sp_oacreate|sp_addextendedproc|sp_makewebtask|utl_http|utl_inaddr|utl_file|dbms_pipe|dbms_ldap|dbms_java|openrowset|opendatasource|nvarchar|varchar|msdb|northwind|schema_name|msdasql|sqloledb)\\b'), paranoia: 2 },
  // PostgreSQL casts and JSON operators around a literal: `'{"a":1}'::jsonb <@`, `password::int`.
  { id: 'sqli-postgres', re: re('::\\s{0,4}(?:jsonb?|int|integer|bigint|text|varchar|regclass|bytea|numeric|double\\s{1,4}precision|bool(?:ean)?)\\b'), paranoia: 2, needs: '::' },
  { id: 'sqli-postgres', re: re('[)\'"]\\s{0,4}::\\s{0,4}(?:jsonb?|int|integer|bigint|text|varchar|regclass|bytea|numeric|double\\s{1,4}precision|bool(?:ean)?)\\b'), paranoia: 1, needs: '::' },
  { id: 'sqli-postgres', re: re('(?:<@|@>|\\?\\||\\?&|#>>?)\\s{0,8}[\'"]?[\\[{]'), paranoia: 2 },
  { id: 'sqli-postgres', re: re('\\b(?:json_extract|json_each|jsonb_each|json_array_elements|jsonb_path_query|jsonb_pretty|json_build_object|starts_with|lo_get|lo_import|pg_read_file)\\s{0,8}\\('), paranoia: 2, needs: '(' },
  // `x'-email--`: an operator right after a quote and a comment at the end.
  { id: 'sqli-breakout-comment', re: re('[\'"`][-+*/%^|&<>=][^\'"`\\s]{0,64}(?:--|#|/\\*)\\s{0,8}$'), paranoia: 2 },
  { id: 'sqli-breakout-comment', re: re('[\'"`]\\s{0,8}(?:not|is|like|glob|notnull|collate)\\b[^\\n]{0,64}(?:--|#|/\\*)\\s{0,8}$'), paranoia: 2 },
  // A quote closing the victim's string, a boolean or arithmetic operator, anything, and a comment
  // cutting off the rest of the query: `x' or array[id] is not null--`, `'sounds like rowid--`.
  { id: 'sqli-breakout-comment', re: re('[\'"`]\\s{0,8}(?:(?:or|and|xor|div|mod|like|rlike|regexp|sounds\\s{1,4}like)\\b|\\|\\||&&)[^\\n]{0,128}(?:--|#)[^\\n\'"]{0,4}$'), paranoia: 2 },
  // An identifier or e-mail, the victim's quote and a statement terminator: `admin@x.io';`, `';#`.
  { id: 'sqli-breakout-terminator', re: re('^[\\w@.+-]{0,64}[\'"`]\\s{0,4};\\s{0,4}(?:$|--|#|/\\*|[a-z]{2,16}\\b)'), paranoia: 2, needs: ';' },
  // A value opening with a boolean operator, an operand and a comparison: `' or abc!`, `xor 2 <`.
  { id: 'sqli-chained', re: re('^\\s{0,4}(?:[\'"`]\\s{0,8}(?:x?or|and|div|\\|\\||&&)|xor)\\s{1,16}(?:\\d{1,20}|\'[^\']{0,32}\'|"[^"]{0,32}"|\\w{1,32})\\s{0,8}(?:[<>!=@-]|$)'), paranoia: 2 },
  { id: 'sqli-chained', re: re('^\\s{0,4}(?:or|and)\\s{1,16}(?:\'[^\']{0,32}\'|"[^"]{0,32}")\\s{0,8}[<>!=]'), paranoia: 2 },
  { id: 'sqli-chained', re: re('^\\s{0,4}(?:x?or|and)\\s{1,8}\\d{1,10}\\s{0,4}(?:--|#|$)'), paranoia: 2 },
  { id: 'sqli-chained', re: re('^\\s{0,4}(?:x?or|and)\\s{1,8}(?:\'[^\']{0,32}\'|"[^"]{0,32}")'), paranoia: 2 },
  // A statement stacked after `;`: on a bracketed or quoted name (`;truncate[t]`), or opening the value.
  { id: 'sqli-chained', re: re('^\\s{0,4};\\s{0,8}(?:alter|create|drop|rename|truncate|update|delete|insert|select|exec)\\b'), paranoia: 2, needs: ';' },
  { id: 'sqli-chained', re: re(';\\s{0,8}(?:alter|create|drop|rename|truncate|update|delete|insert|select|load)\\s{0,8}[\\[(`"]\\w'), paranoia: 2, needs: ';' },
  // An escaped quote (`\\'`, `\\x27`) that a naive escaping doubles into a breakout, then logic:
  // `\\'and`, `foo\\''or'x`.
  { id: 'sqli-escaped-quote', re: re('\\\\[\'"`](?:[^\'"`]{0,64}[\'"`])?\\s{0,8}(?:x?or|and)\\b'), paranoia: 2, needs: '\\' },
  { id: 'sqli-escaped-quote', re: re('\\\\x(?:2[37]|3d)'), paranoia: 2, needs: '\\x' },
  // A value that is only quotes of two kinds (`"'`): the probe for a string the query does not escape.
  { id: 'sqli-quote-probe', re: re('^[\\s\\\\]{0,2}(?:\'["`]|"[\'`]|`[\'"])[\'"`]?\\s{0,2}$'), paranoia: 2 },
  // A number's string closed and a new one opened: `3' ' 1`.
  { id: 'sqli-quote-probe', re: re('\\d[\'"`]\\s{1,8}[\'"`]\\s{1,8}\\d'), paranoia: 2 },
  // A quote closing the victim's string, a comparison and a comment cutting the query: `' = #`, `'? # = --`.
  { id: 'sqli-breakout-comment', re: re('^\\s{0,4}[\'"`]\\s{0,8}[=<>!?][\\s=<>!?]{0,15}(?:#|--|/\\*)'), paranoia: 2 },
  // A comment, then a schema change: `--alter`, `-- drop`.
  { id: 'sqli-chained', re: re('(?:^|[\\s;\'")])--\\s{0,8}(?:alter|drop)\\b(?!-)'), paranoia: 2, needs: '--' },
  // PostgreSQL's div(a, b) on numbers.
  { id: 'sqli-function', re: re('\\bdiv\\s{0,8}\\(\\s{0,8}[+-]{0,4}[\\d.]{1,32}\\s{0,8},\\s{0,8}[+-]{0,4}[\\d.]{1,32}\\s{0,8}\\)'), paranoia: 2, needs: 'div' },
  // A closed string compared by regular expression: `' regexp `, `` ` REGEXP ``.
  { id: 'sqli-operator', re: re('[\'"`]\\s{1,8}(?:not\\s{1,8})?(?:regexp|rlike)\\b'), paranoia: 2 },
  // A JSON literal tested with a JSON operator: `or '{"a":1}' ? 'a'`, `'[1,2]' ?| array[...]`.
  { id: 'sqli-postgres', re: re('\'[\\[{][^\']{0,256}[\\]}]\'\\s{0,8}(?:\\?[|&]?|@>|<@|->>?|#>>?|[<>]=?|=)\\s{0,8}(?:[\'"]|array\\b)'), paranoia: 2, needs: '\'' },
  // MySQL's `1.e(` and `1.e.table` (a float glued to a name), optimizer hints `/*+ ... */`.
  { id: 'sqli-syntax', re: re('\\b\\d{1,10}\\.e\\s{0,4}(?:\\(|\\.\\s{0,4}[a-z_]{2})|/[*][+][^*]{0,64}[*]/'), paranoia: 2 },
  // A statement keyword glued to an inline comment (`DROP/*x*/t`, `SELECT/**/password`).
  { id: 'sqli-syntax', re: re('\\b(?:select|union|drop|insert|delete|update|from|where|truncate|alter|exec)/\\*[^*]{0,64}\\*/\\s{0,4}[\\w@(`]'), paranoia: 2, needs: '/*' },
  { id: 'sqli-chained', re: re('^\\s{0,4}drop\\s{1,8}[\\w`."]{1,64}\\s{0,4};\\s{0,4}(?:--|#|/\\*|$)'), paranoia: 2, needs: 'drop' },
  // Set operators before a column list: `except select 1,2`.
  { id: 'sqli-union-select', re: re('\\b(?:except|intersect|minus)\\s{1,8}(?:all\\s{1,8}|distinct\\s{1,8})?select[\\s.(]{1,8}[\\w*@\'"]{1,64}\\s{0,4},'), paranoia: 2, needs: 'select' },
  // Hexadecimal strings selected or assigned: `select 0x616263`, `X'53454c454354...'`.
  { id: 'sqli-hex', re: re('\\bselect\\s{1,8}0x[0-9a-f]{4,}|\\bx\'[0-9a-f]{16,}'), paranoia: 2 },
];

export function fragmentHit(lower: string, pl: Paranoia): Hit | null {
  for (const f of FRAGMENTS) {
    if (f.paranoia > pl || (f.maxLength !== undefined && lower.length > f.maxLength) || (f.needs !== undefined && !lower.includes(f.needs))) continue;
    const m = f.re.exec(lower);
    if (m) return { rule: f.id, score: 5, paranoia: f.paranoia, evidence: excerpt(lower, m.index, m.index + m[0].length) };
  }
  return null;
}
