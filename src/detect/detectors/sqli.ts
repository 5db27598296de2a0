// SQL injection: the value is lexed as SQL three times (as-is, as the tail of a single-quoted string,
// as the tail of a double-quoted string) and the token sequence is matched against the shapes
// injections take: breaking out of a string into logic or comments, tautologies, UNION SELECT,
// stacked statements, time delays and catalog reads. Prose with apostrophes lexes into strings
// followed by words, which none of the shapes accept.

import { C, type Detector, isProse, type ScanValue } from '../detector.ts';
import { excerpt } from '../evidence.ts';
import { re } from '../regex.ts';
import type { Hit, Paranoia } from '../types.ts';
import { type SqlToken, tokenizeSql } from '../tokenizers/sql.ts';
import { CALL_NAMES, CATALOGS, DANGEROUS_FUNCTIONS, FUNCTIONS } from '../tokenizers/sql-words.ts';
import { fragmentHit } from './sqli-fragments.ts';
import { readsAsSentence } from './sentence.ts';

const COMPARISONS = new Set(['=', '==', '<', '>', '<=', '>=', '<>', '!=', '<=>', '!<', '!>', 'like', 'ilike', 'rlike', 'regexp', 'glob', 'sounds', 'is', 'in', 'between', 'match', 'similar', 'notnull', 'isnull', 'member']);
const RELATIONAL = new Set(['<', '>', '<=', '>=']);
const TIME_FUNCTIONS = new Set(['sleep', 'benchmark', 'pg_sleep']);
// Function names that are SQL and rarely anything else.
const SQL_ONLY_FUNCTIONS = new Set([
  'concat', 'concat_ws', 'group_concat', 'coalesce', 'substr', 'substring', 'ifnull', 'nullif', 'sysdate',
  'xmltype', 'make_set', 'mid', 'rand', 'sin', 'cot', 'unhex', 'ascii', 'ord', 'chr', 'char', 'nchar',
  'string_agg', 'listagg', 'json_keys', 'to_char', 'current_database', 'db_name', 'user_name', 'schema_name',
  'object_id', 'quotename', 'elt', 'find_in_set', 'instr', 'strcmp', 'lcase', 'ucase', 'soundex', 'iif',
  'isnull', 'cast', 'convert', 'encode', 'aes_decrypt', 'aes_encrypt', 'uncompress', 'conv', 'to_number',
  'row_to_json', 'json_build_object', 'array_agg', 'current_schema', 'inet_server_addr', 'unistr',
  'suser_name', 'host_name', 'has_dbaccess', 'col_name', 'object_name', 'sqlite_version', 'typeof',
]);
// Calls that are code when written with empty parentheses: `version()`, `user()`.
const NULLARY = new Set(['version', 'database', 'user', 'current_user', 'system_user', 'session_user', 'schema', 'now', 'connection_id', 'last_insert_id', 'found_rows', 'row_count', 'uuid', 'pi', 'rand', 'sysdate']);
const STRONG_CATALOGS = CATALOGS.filter((c) => !['table_name', 'column_name', 'schema_name', 'table_schema', 'current_user', 'session_user', 'system_user', 'northwind'].includes(c));

// Dashes, underscores and `@` are everywhere in ordinary values (dates, SKUs, e-mails); they only
// matter as `--` comments and `@@` variables, checked in the word test.
const GATE_CHARS = C.quote | C.paren | C.semi | C.eq | C.lt | C.gt | C.hash | C.pipe | C.amp | C.star | C.excl;
// Values without any of those characters can still be keyword-only probes (`XOR`, `case when`).
const GATE_UNDERSCORE = re('\\b(?:xp|sp|utl|dbms|sys)_\\w|schema_name|current_user|session_user|system_user|table_name|column_name');
const GATE_SYMBOLS = re('--|@@|/\\*|2\\.2250738585072011e-308|\\d\\.e\\.');
const GATE_SYMBOL_CHARS = C.dash | C.at | C.star | C.dot;
const GATE_WORDS = new Set([
  'union', 'select', 'or', 'and', 'xor', 'regexp', 'rlike', 'like', 'having', 'order', 'group', 'limit', 'exec',
  'execute', 'waitfor', 'declare', 'drop', 'insert', 'delete', 'update', 'values', 'when', 'into', 'null', 'msdb',
  'northwind', 'tempdb', 'nvarchar', 'varchar', 'openrowset', 'information_schema', 'sysobjects', '4294967296',
  'msysaccessobjects', 'msysobjects', 'msysqueries',
]);
// `create` is an everyday word and `MySQL` a product name: they open the gate only as DDL and as a
// schema (`mysql.user`).
const GATE_CREATE = re('\\bcreate\\s{1,8}(?:table|database|function|procedure|user|view|trigger|index|schema)\\b|\\bmysql\\.\\w');
const MAX_GATE_WORD = Math.max(...[...GATE_WORDS].map((w) => w.length));

/** Whether a whole word of `lower` (a maximal run of `[a-z0-9_]`, as `\b...\b` reads it) is one of
 *  the gate words; a scan without regular expressions or allocation for words of other lengths. */
function hasGateWord(lower: string): boolean {
  let start = 0;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) continue;
    const n = i - start;
    if (n >= 2 && n <= MAX_GATE_WORD && GATE_WORDS.has(lower.slice(start, i))) return true;
    start = i + 1;
  }
  return false;
}
const MYSQL_EXEC_COMMENT = re('/\\*!\\d{0,5}\\s{0,10}(?:and|or|union|select|xor|not|having|order|from|where|concat)\\b', 'i');
const CASE_WHEN = re('\\bcase\\b[^;]{0,40}\\bwhen\\b[^;]{0,80}\\bthen\\b', 'i');
const CATALOG_RE = re(`(?:${STRONG_CATALOGS.map((c) => c.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&')).join('|')})`, 'i');
const WEAK_CATALOG_RE = re('\\b(?:table_name|column_name|schema_name|table_schema|current_user|session_user|system_user)\\b', 'i');

/** One character per token; the rules below are regular expressions over this short string.
 *  `quote` is the breakout context: an unterminated string of that quote at the end is the victim's
 *  own closing quote, `z` when it holds a short token (`'1`), `y` otherwise. */
function shape(tokens: SqlToken[], quote: string, text: string, relationalApart = false): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const v = t.value;
    switch (t.type) {
      case 's':
        if (t.open && quote !== '' && v === quote) {
          const content = text.slice(t.start + 1, t.end);
          out += content.length <= 16 && !/\s/.test(content) ? 'z' : 'y';
        } else out += 's';
        break;
      case 'm':
        break;
      case 'E':
        out += v === 'select' ? 'S' : 'E';
        break;
      case 'k':
        if (v === 'from') out += 'F';
        else if (v === 'where') out += 'W';
        else if ((v === 'order' || v === 'group') && tokens[i + 1]?.value === 'by') {
          out += 'O';
          i++;
        } else if (v === 'having' || v === 'limit' || v === 'procedure' || v === 'into' || v === 'offset') out += 'L';
        else if (v === 'true' || v === 'false' || v === 'null') out += 'n';
        else if (v === 'outfile' || v === 'dumpfile') out += 'D';
        else out += 'k';
        break;
      case '&':
        out += v === 'not' ? '!' : '&';
        break;
      case 'o':
        out += relationalApart && RELATIONAL.has(v) ? 'r' : COMPARISONS.has(v) ? 'q' : 'o';
        break;
      case 'f': {
        const base = v.slice(v.lastIndexOf('.') + 1);
        out += DANGEROUS_FUNCTIONS.has(base) || DANGEROUS_FUNCTIONS.has(v) ? 'D' : 'f';
        break;
      }
      case '\\':
        out += 'x';
        break;
      default:
        out += t.type;
    }
  }
  return out;
}

interface Rule {
  id: string;
  re: RegExp;
  paranoia: Paranoia;
  score: number;
  /** Match the shape before folding (rules about single literals). */
  unfolded?: boolean;
  /** Only `=`-like comparisons count (`and 2 < 4` is prose math, `and 2=2` is not). */
  equality?: boolean;
}

// Folding turns expressions into one operand, so `1+2=3*1` and `(pi())=3` read like `n=n`.
const FOLD_CALL = re('[fg]\\([nsvbk,o]{0,32}\\)', 'g');
const FOLD_PAREN = re('\\(([nsvb])\\)', 'g');
const FOLD_UNARY = re('([(&q,!])[o!]{1,8}(?=[nsvb(])', 'g');
const FOLD_LEADING_UNARY = re('^[o!]{1,8}(?=[nsvb(])');
const FOLD_ARITH = re('[nsvb]o[nsvb]', 'g');
const FOLD_PAREN_OP = re('\\(q(?=[nsvb])', 'g');

function fold(shape: string, leading: boolean): string {
  let t = shape;
  for (let i = 0; i < 8; i++) {
    const prev = t;
    t = t.replace(FOLD_CALL, 'n').replace(FOLD_PAREN, '$1').replace(FOLD_UNARY, '$1').replace(FOLD_PAREN_OP, '(').replace(FOLD_ARITH, 'n');
    if (leading) t = t.replace(FOLD_LEADING_UNARY, '');
    if (t === prev) break;
  }
  return t;
}

// Rules applied to what follows a string breakout (`'` or `"` closing the victim's string).
// Leading `)` are dropped first (`') or ('1'='1`).
const AFTER_BREAKOUT: Rule[] = [
  { id: 'sqli-breakout-logic', re: re('^&[(!]*[snvbzk][)]*q'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-logic', re: re('^&[(!]*[snvz][)]*(?:c|;|$|[OL])'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-logic', re: re('^&[(!]*(?:[DfS]|\\(S)'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-compare', re: re('^q[(!]*(?:[fDS(]|[snv][)]*(?:[&qc;]|z?$)|z)'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-operator', re: re('^o[(!]*(?:[fDS]|\\([SfD])'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-comment', re: re('^c'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-stacked', re: re('^;[(]*(?:S[(]*[nvfDsbo(*]|E[kvsf(n]|Eb[kq]|E(?:c|$)|v)'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-list', re: re('^,[(]*[snv][)]*q'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-select', re: re('^S[(]*[nvfDs(o]'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-clause', re: re('^[OL][(]*[nvfD(]'), paranoia: 1, score: 5 },
  { id: 'sqli-breakout-clause', re: re('^W[(]*[nbsv][)]*q'), paranoia: 1, score: 5 },
];

// Rules applied to the whole value lexed as-is (the ones not anchored with `^` also to what
// follows a breakout).
const AS_IS: Rule[] = [
  { id: 'sqli-union-select', re: re('U[k(]{0,3}S'), paranoia: 1, score: 5 },
  { id: 'sqli-tautology', re: re('^[(]*[nv][)]*&[(!]*[nsvbk][)]*q[(]*[nsvbk]'), paranoia: 1, score: 5 },
  { id: 'sqli-tautology', re: re('^[(]*b[)]*&[(!]*[nsv][)]*q[(]*[nsvb]'), paranoia: 1, score: 5 },
  { id: 'sqli-tautology', re: re('&[(!]*[nsv][)]*q[(]*[nsvz]'), paranoia: 1, score: 5, equality: true },
  { id: 'sqli-logic-comment', re: re('[snv][)]*&[(!]*[snvb][)]*c'), paranoia: 1, score: 5 },
  { id: 'sqli-logic-function', re: re('^[(]*[nvb][)]*&[(!]*(?:D|f|\\(S)'), paranoia: 1, score: 5 },
  { id: 'sqli-logic-function', re: re('^[(]*[nv][)]*&[(!]*[nv][)]*(?:c|;|$)'), paranoia: 3, score: 5 },
  { id: 'sqli-arith-function', re: re('^[(]*[nvs][)]*o[(]*(?:D|S|\\(S)'), paranoia: 1, score: 5 },
  { id: 'sqli-numeric-clause', re: re('^[(]*[nv][)]*[OL][(]*[nbvf]'), paranoia: 1, score: 5 },
  { id: 'sqli-numeric-clause', re: re('^[OL][(]*n(?:,n){0,32}c'), paranoia: 1, score: 5 },
  { id: 'sqli-into-outfile', re: re('[snb)]LD'), paranoia: 1, score: 5 },
  { id: 'sqli-comparison', re: re('^[(]*[ns][)]*!?q!?[(]*[ns][)]*$'), paranoia: 2, score: 5, unfolded: true },
  { id: 'sqli-comparison', re: re('^b,[(]*n[)]*q[(]*n'), paranoia: 2, score: 5 },
  { id: 'sqli-comparison', re: re('^s,[(]*[ns][)]*q[(]*[ns]'), paranoia: 2, score: 5 },
  { id: 'sqli-numeric-comment', re: re('^[(]*n[)]*c'), paranoia: 2, score: 5, unfolded: true },
  { id: 'sqli-stacked', re: re(';[(]*S[(]*[nvfDo*(s]'), paranoia: 1, score: 5 },
  { id: 'sqli-stacked', re: re(';[(]*(?:E[kvsf(n]|Eb[kq]|E(?:c|$)|v)'), paranoia: 1, score: 5 },
  { id: 'sqli-select-from', re: re('S[(]*(?:[nvfDs*o]|b[,.])[^;]{0,24}F[(]*[bv]'), paranoia: 1, score: 5 },
  { id: 'sqli-select-from', re: re('S[^;F]{0,16}F[(]*b[)]*(?:W[(]*[nbsv]|O|L|c|;)'), paranoia: 1, score: 5 },
  { id: 'sqli-select-call', re: re('S[(]*[fDv]'), paranoia: 1, score: 5 },
  { id: 'sqli-select-from', re: re('S[^;F]{0,16}F[(]*b'), paranoia: 3, score: 5 },
  { id: 'sqli-subselect', re: re('\\(S[(]*[nvfDs*ob]'), paranoia: 1, score: 5 },
];

// Shapes of token lists already computed (a list is analysed against several rule sets).
const SHAPES = new WeakMap<SqlToken[], { raw: string; t: string }>();
const USEFUL = re('[&qocm;SUEFOLWDfvVKzy,]');

const AS_IS_ANYWHERE = AS_IS.filter((r) => !r.re.source.startsWith('^'));

function analyse(tokens: SqlToken[], rules: Rule[], pl: Paranoia, quote: string, text: string, hits: Hit[], guard?: (rule: Rule, matched: string) => boolean): boolean {
  if (tokens.length === 0) return false;
  let cached = SHAPES.get(tokens);
  if (!cached) {
    const raw = shape(tokens, quote, text);
    cached = { raw, t: fold(raw, quote === '') };
    SHAPES.set(tokens, cached);
  }
  const { raw, t } = cached;
  // Every rule needs one of these; most ordinary values have none after folding.
  if (!USEFUL.test(t) && !USEFUL.test(raw)) return false;
  let eq: string | null = null;
  for (const r of rules) {
    if (r.paranoia > pl) continue;
    if (r.equality && !r.re.test(t)) continue;
    if (r.equality) eq ??= fold(shape(tokens, quote, text, true), quote === '');
    const m = r.re.exec(r.unfolded ? raw : r.equality ? eq! : t);
    if (!m || (guard && !guard(r, m[0]))) continue;
    // Folding loses the token positions; the evidence starts where the analysed tokens start.
    const from = quote === '' ? tokens[0]!.start : Math.max(0, tokens[0]!.start - 1);
    hits.push({ rule: r.id, score: r.score, paranoia: r.paranoia, evidence: excerpt(text, from, from + 80) });
    return true;
  }
  return false;
}

function statementHit(tokens: SqlToken[], text: string, pl: Paranoia): Hit | null {
  // Complete statements: `drop table x`, `insert into x values`, `exec xp_cmdshell`, `waitfor delay '0:0:5'`.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'E' && t.type !== 'f') continue;
    const a = tokens[i + 1];
    const b = tokens[i + 2];
    const c = tokens[i + 3];
    const endsAt = (x: SqlToken | undefined) => x === undefined || x.type === ';' || x.type === 'c';
    let ok = false;
    switch (t.value) {
      case 'drop':
      case 'create':
      case 'alter':
      case 'truncate':
        ok = a?.type === 'k' && /^(table|database|schema|procedure|function|view|index|trigger|user|column)$/.test(a.value) && (b?.type === 'b' || b?.type === 's') && (endsAt(c) || t.value !== 'drop');
        break;
      case 'insert':
        ok = a?.value === 'into' && b?.type === 'b' && (c?.type === '(' || c?.value === 'values' || c?.value === 'select');
        break;
      case 'delete':
        ok = a?.value === 'from' && b?.type === 'b' && (c?.value === 'where' || endsAt(c)) && (i > 0 || c !== undefined);
        break;
      case 'update':
        ok = a?.type === 'b' && b?.value === 'set' && c !== undefined;
        break;
      case 'exec':
      case 'execute':
        ok = (a?.type === 'b' || a?.type === 'f') && /^(xp_|sp_|master\.|dbo\.|sys\.)/.test(a.value) || a?.type === '(' || a?.value === 'immediate';
        break;
      case 'declare':
        ok = a?.type === 'v';
        break;
      case 'waitfor':
        ok = (a?.value === 'delay' || a?.value === 'time') && b?.type === 's';
        break;
      case 'shutdown':
        ok = endsAt(a) && i > 0 && tokens[i - 1]!.type === ';';
        break;
      case 'set':
        ok = a?.type === 'v' && (b?.value === '=' || b?.value === ':=');
        break;
      case 'use':
        ok = i > 0 && tokens[i - 1]!.type === ';' && a?.type === 'b';
        break;
    }
    if (ok) return { rule: 'sqli-statement', score: 5, paranoia: 1, evidence: excerpt(text, t.start, (c ?? b ?? a ?? t).end) };
  }
  void pl;
  return null;
}

function functionHit(tokens: SqlToken[], text: string, pl: Paranoia): Hit | null {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'f') continue;
    const base = t.value.slice(t.value.lastIndexOf('.') + 1);
    // Skip to the token after `(`.
    const open = tokens[i + 1];
    if (open?.type !== '(') continue;
    const arg = tokens[i + 2];
    const ev = () => excerpt(text, t.start, (arg ?? open).end + 8);
    if (TIME_FUNCTIONS.has(base) && arg && (arg.type === 'n' || arg.type === 'v' || arg.type === 's' || arg.type === 'f' || arg.type === 'E' || arg.type === '(' || arg.value === '-')) {
      // `sleep(5) isn't enough`: in a sentence the call alone does not block, unless SQL goes on
      // after it (`sleep(5) and ...`, `sleep(5)--`).
      const next = tokens[i + 3]?.type === ')' ? tokens[i + 4] : undefined;
      const sentence = (next === undefined || !'&oqc;,'.includes(next.type)) && readsAsSentence(text);
      return { rule: 'sqli-time-delay', score: sentence ? 3 : 5, paranoia: 1, evidence: ev() };
    } else if (TIME_FUNCTIONS.has(base)) {
      if (pl >= 2 && text.length <= 48) return { rule: 'sqli-time-delay', score: 5, paranoia: 2, evidence: ev() };
    } else if (DANGEROUS_FUNCTIONS.has(base) || DANGEROUS_FUNCTIONS.has(t.value)) {
      return { rule: 'sqli-dangerous-function', score: 5, paranoia: 1, evidence: ev() };
    } else if (pl >= 2 && SQL_ONLY_FUNCTIONS.has(base)) {
      return { rule: 'sqli-function', score: 5, paranoia: 2, evidence: ev() };
    } else if (pl >= 2 && NULLARY.has(base) && arg?.type === ')') {
      return { rule: 'sqli-function', score: 5, paranoia: 2, evidence: ev() };
    } else if (pl >= 2 && FUNCTIONS.has(base) && text.length <= 48 && (arg === undefined || 'nsvf)*'.includes(arg.type))) {
      // A short value that is an SQL function call (`floor(`, `hex(1)`) is a probe; in longer text
      // the same words are prose or code in other languages.
      return { rule: 'sqli-function', score: 5, paranoia: 2, evidence: ev() };
    }
  }
  return null;
}

export const sqli: Detector = {
  class: 'sqli',
  gate(v: ScanValue) {
    return (v.chars & GATE_CHARS) !== 0 || ((v.chars & C.colon) !== 0 && v.lower.includes('::')) || ((v.chars & GATE_SYMBOL_CHARS) !== 0 && GATE_SYMBOLS.test(v.lower)) || hasGateWord(v.lower) || ((v.lower.includes('create') || v.lower.includes('mysql.')) && GATE_CREATE.test(v.lower)) || ((v.chars & C.underscore) !== 0 && (CATALOG_RE.test(v.lower) || GATE_UNDERSCORE.test(v.lower)));
  },
  scan(v, pl) {
    const hits = scanText(v.text, v.lower, pl);
    // `DR/**/OP`, `UN/**/ION`: comments inside words, removed by some filters before the database.
    if (hits.length === 0 && v.text.includes('/*')) {
      // Empty comments first (`DR/**/OP/*x*/t` -> `DROP/*x*/t`), then all of them.
      const glued = v.text.replace(EMPTY_COMMENT, '');
      if (glued !== v.text) {
        const h = scanText(glued, glued.toLowerCase(), pl);
        if (h.length > 0) return h;
      }
      const joined = v.text.replace(INLINE_COMMENT, '');
      if (joined !== v.text && joined !== glued) return scanText(joined, joined.toLowerCase(), pl);
    }
    return hits;
  },
};

const INLINE_COMMENT = re('/\\*[^*]{0,256}\\*/', 'g');
const EMPTY_COMMENT = re('/\\*\\*/', 'g');
const OPEN_CALL = re('^\\s{0,8}([a-z_][a-z0-9_]{0,31})[^a-z0-9_(]{0,12}\\(\\s{0,8}$');
// Characters of code, not of sentences: quotes, brackets, operators, separators of SQL.
const CODE_CHARS = new Uint8Array(128);
for (const ch of '\'"`()=;@<>|&,*') CODE_CHARS[ch.charCodeAt(0)] = 1;

/** Long text with words or lines, unless it is as dense in SQL punctuation as code is (backticked
 *  identifiers, `;`-separated statements, `@variables`): a query written out is not a sentence. */
function isSqlProse(text: string): boolean {
  if (!isProse(text)) return false;
  let spaces = 0;
  let code = 0;
  for (let i = 0; i < text.length && i < 4096; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) spaces++;
    else if (c < 128) code += CODE_CHARS[c]!;
  }
  return code * 2 <= spaces;
}

function scanText(text: string, lower: string, pl: Paranoia): Hit[] {
  {
    const hits: Hit[] = [];
    const plain = tokenizeSql(text);
    const streams = [plain];
    // `I can't select from it -- weird`: a select without columns in a sentence is English.
    const plainGuard = (r: Rule, matched: string) => !(r.id === 'sqli-select-from' && matched.startsWith('SF') && readsAsSentence(text));
    if (!analyse(plain, AS_IS, pl, '', text, hits, plainGuard)) {
      for (const q of ["'", '"'] as const) {
        if (text.indexOf(q) < 0) continue;
        const tokens = tokenizeSql(text, q);
        streams.push(tokens);
        const lead = tokens[0]!;
        // A breakout from a one-word string (`admin'--`) is more telling than one ending a sentence.
        const leadIsWord = !/\s/.test(text.slice(lead.start, lead.end - 1));
        // Skip closing parentheses right after the breakout: `') or ('1'='1`.
        // Empty strings glued to it too (`'''or 1`: adjacent literals concatenate).
        let k = 1;
        while (tokens[k]?.type === ')' || (tokens[k]?.type === 's' && tokens[k]!.end - tokens[k]!.start === 2 && !tokens[k]!.open)) k++;
        const rest = tokens.slice(k);
        const leadEmpty = lead.end - lead.start <= 1;
        const guard = (r: Rule, matched: string) => {
          if (r.id === 'sqli-breakout-comment') return leadIsWord || rest[0]!.value !== '#';
          // A quoted word in a sentence (`the 'Select' button`), not a breakout.
          if (r.id === 'sqli-breakout-select' && text[rest[0]!.start - 1] === q && rest[1]?.type === 's' && rest[1].start === rest[0]!.end) return !readsAsSentence(text);
          // Ending on the victim's own quote (`x' or 'y`) is only telling after a one-word string.
          if (matched.endsWith('z')) return leadIsWord && !(leadEmpty && r.id === 'sqli-breakout-compare' && matched.length <= 3);
          return true;
        };
        if (rest.length > 0 && analyse(rest, AFTER_BREAKOUT, pl, q, text, hits, guard)) break;
        if (analyse(rest, AS_IS_ANYWHERE, pl, q, text, hits)) break;
      }
    }
    for (const tokens of streams) {
      if (hits.length > 0) break;
      const h = statementHit(tokens, text, pl) ?? functionHit(tokens, text, pl);
      if (h) hits.push(h);
    }
    if (hits.length === 0) {
      const m = MYSQL_EXEC_COMMENT.exec(text) ?? (pl >= 2 ? CASE_WHEN.exec(text) : null);
      if (m) hits.push({ rule: 'sqli-syntax', score: 5, paranoia: 1, evidence: excerpt(text, m.index, m.index + m[0].length) });
    }
    if (hits.length === 0) {
      const m = CATALOG_RE.exec(text);
      if (m && pl >= 1) hits.push({ rule: 'sqli-catalog', score: 5, paranoia: 1, evidence: excerpt(text, m.index, m.index + m[0].length) });
      else if (pl >= 3) {
        const w = WEAK_CATALOG_RE.exec(text);
        if (w) hits.push({ rule: 'sqli-catalog', score: 5, paranoia: 3, evidence: excerpt(text, w.index, w.index + w[0].length) });
      }
    }
    if (hits.length === 0 && pl >= 2) {
      // Fragments are probes sent alone; in prose and code samples only the level-1 ones count.
      const f = fragmentHit(lower, isSqlProse(text) && pl < 3 ? 1 : pl);
      if (f) hits.push(f);
    }
    if (hits.length === 0 && pl >= 2 && text.length <= 48) {
      // A value that only opens an SQL call (`MAX(`, `time (`, `IN/**/(`, `length||!!$(`): the start
      // of an expression whose rest the query supplies, a probe for a function the database runs.
      const m = OPEN_CALL.exec(lower);
      if (m && CALL_NAMES.has(m[1]!)) hits.push({ rule: 'sqli-open-call', score: 5, paranoia: 2, evidence: excerpt(text, 0, text.length) });
    }
    if (hits.length === 0 && plain.some((t) => t.type === 'v' && t.value.startsWith('@@'))) {
      hits.push({ rule: 'sqli-system-variable', score: 5, paranoia: 2, evidence: excerpt(text, 0, 40) });
    }
    return hits;
  }
}

