// What an error body must not show a client: stack traces of the common runtimes, database error
// messages (they carry the failing query), and the default error pages of web frameworks.
// Each signature is anchored on text no legitimate API error message contains.

const SIGNATURES: readonly (readonly [kind: string, pattern: RegExp])[] = [
  ['stack-trace', /\bat (?:async )?[\w$.<>[\] ]{1,200} \((?:file:\/\/|node:|\/|[A-Za-z]:\\)[^)\n]{1,300}:\d+:\d+\)/], // Node.js / V8
  ['stack-trace', /\bat (?:file:\/\/|node:internal)[^\s]{1,300}:\d+:\d+/], // V8 anonymous frames
  ['stack-trace', /\bat [\w$]+(?:\.[\w$<>]+)+\((?:[\w$-]+\.(?:java|kt|scala|groovy)|Native Method|Unknown Source)(?::\d+)?\)/], // JVM
  ['stack-trace', /Traceback \(most recent call last\)|File "[^"\n]{1,300}", line \d+, in /], // Python
  ['stack-trace', /\bat [\w.`<>$]+\([^)\n]{0,300}\) in [^\n]{1,300}:line \d+/], // .NET ("Program.<Main>$(String[] args)" included)
  ['stack-trace', /(?:^|\s|")(?:from )?\/[^\s:"]{1,300}\.rb:\d+:in [`']/], // Ruby
  ['stack-trace', /\bgoroutine \d+ \[[a-z ]+\]:|panic: [^\n]{1,200}\n\s*goroutine/], // Go
  ['stack-trace', /(?:Fatal error|Warning|Parse error)<\/b>?:? [^\n]{1,300} in (?:<b>)?\/[^\n]{1,300}(?:<\/b>)? on line/], // PHP
  ['stack-trace', /^#\d+ (?:\/|[A-Za-z]:\\)[^\n]{1,300}\.php\(\d+\): /m], // PHP getTraceAsString()
  ['stack-trace', /"file"\s*:\s*"(?:\/|[A-Za-z]:\\)[^"\n]{1,300}\.php"\s*,\s*"line"\s*:\s*\d+/], // Laravel / Symfony debug JSON
  ['sql-error', /\bSQLITE_[A-Z]+\b|SqliteError|\bunrecognized token:|near "[^"\n]{0,100}": syntax error/],
  ['sql-error', /You have an error in your SQL syntax|\bER_[A-Z_]+\b.{0,40}\bsqlMessage\b|\bsqlMessage\b/],
  ['sql-error', /\bsyntax error at or near "|\bunterminated quoted string at or near\b|\bPG::[A-Z]\w+Error\b|\bSQLSTATE\[\w+\]/],
  ['sql-error', /\bORA-\d{5}\b|\bMicrosoft OLE DB Provider for SQL Server\b|\bUnclosed quotation mark after the character string\b/],
  ['framework-page', /Whitelabel Error Page|Werkzeug Debugger|<title>(?:Django|Symfony|Laravel)[^<]{0,100}<\/title>|DEBUG = True|Exception Details:|Server Error in '\/' Application/],
  ['framework-page', /<pre>(?:Error|TypeError|ReferenceError|SyntaxError)[^<]{0,300}<br> &nbsp; &nbsp;at /], // Express default handler
];

const KINDS = new Set(SIGNATURES.map(([kind]) => kind)).size;

/** How many times a text is unescaped again (JSON in a JSON string, a JSON body quoted in a log field). */
const MAX_UNESCAPES = 2;

/**
 * The kinds of internals found in an error body (empty when none). JSON hides what the signatures
 * look for behind its escapes (a Spring Boot "trace" field's "\n\tat com.acme...", Laravel's
 * "\/var\/www\/...", .NET's "\u003CMain\u003E"): a text with a backslash is also read with them
 * undone, whatever its media type. Each pass is linear in the text, which the policy's limit bounds.
 */
export function findInternals(text: string): string[] {
  const found: string[] = [];
  scan(text, found);
  for (let i = 0; i < MAX_UNESCAPES && found.length < KINDS && text.includes('\\'); i++) {
    const unescaped = unescapeJson(text);
    if (unescaped === text) break;
    scan((text = unescaped), found);
  }
  return found;
}

function scan(text: string, found: string[]): void {
  for (const [kind, pattern] of SIGNATURES) if (!found.includes(kind) && pattern.test(text)) found.push(kind);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '"': '"', '\\': '\\' };
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** JSON string escapes undone, in one pass from backslash to backslash (an unknown one is kept as written). */
function unescapeJson(text: string): string {
  let out = '';
  let from = 0;
  for (let i = text.indexOf('\\'); i !== -1 && i < text.length - 1; i = text.indexOf('\\', from)) {
    const c = text[i + 1]!;
    let decoded = ESCAPES[c];
    let end = i + 2;
    if (decoded === undefined && c === 'u' && HEX4.test(text.slice(i + 2, i + 6))) {
      decoded = String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      end = i + 6;
    }
    out += decoded === undefined ? text.slice(from, end) : text.slice(from, i) + decoded;
    from = end;
  }
  return out + text.slice(from);
}
