// What an error body must not show a client: stack traces of the common runtimes, database error
// messages (they carry the failing query), and the default error pages of web frameworks.
// Each signature is anchored on text no legitimate API error message contains.

const SIGNATURES: readonly (readonly [kind: string, pattern: RegExp])[] = [
  ['stack-trace', /\bat (?:async )?[\w$.<>[\] ]{1,200} \((?:file:\/\/|node:|\/|[A-Za-z]:\\)[^)\n]{1,300}:\d+:\d+\)/], // Node.js / V8
  ['stack-trace', /\bat (?:file:\/\/|node:internal)[^\s]{1,300}:\d+:\d+/], // V8 anonymous frames
  ['stack-trace', /\bat [\w$]+(?:\.[\w$<>]+)+\((?:[\w$-]+\.(?:java|kt|scala|groovy)|Native Method|Unknown Source)(?::\d+)?\)/], // JVM
  ['stack-trace', /Traceback \(most recent call last\)|File "[^"\n]{1,300}", line \d+, in /], // Python
  ['stack-trace', /\bat [\w.`<>]+\([^)\n]{0,300}\) in [^\n]{1,300}:line \d+/], // .NET
  ['stack-trace', /(?:^|\s|")(?:from )?\/[^\s:"]{1,300}\.rb:\d+:in [`']/], // Ruby
  ['stack-trace', /\bgoroutine \d+ \[[a-z ]+\]:|panic: [^\n]{1,200}\n\s*goroutine/], // Go
  ['stack-trace', /(?:Fatal error|Warning|Parse error)<\/b>?:? [^\n]{1,300} in (?:<b>)?\/[^\n]{1,300}(?:<\/b>)? on line/], // PHP
  ['sql-error', /\bSQLITE_[A-Z]+\b|SqliteError|\bunrecognized token:|near "[^"\n]{0,100}": syntax error/],
  ['sql-error', /You have an error in your SQL syntax|\bER_[A-Z_]+\b.{0,40}\bsqlMessage\b|\bsqlMessage\b/],
  ['sql-error', /\bsyntax error at or near "|\bunterminated quoted string at or near\b|\bPG::[A-Z]\w+Error\b|\bSQLSTATE\[\w+\]/],
  ['sql-error', /\bORA-\d{5}\b|\bMicrosoft OLE DB Provider for SQL Server\b|\bUnclosed quotation mark after the character string\b/],
  ['framework-page', /Whitelabel Error Page|Werkzeug Debugger|<title>(?:Django|Symfony|Laravel)[^<]{0,100}<\/title>|DEBUG = True|Exception Details:|Server Error in '\/' Application/],
  ['framework-page', /<pre>(?:Error|TypeError|ReferenceError|SyntaxError)[^<]{0,300}<br> &nbsp; &nbsp;at /], // Express default handler
];

/** The kinds of internals found in an error body (empty when none). */
export function findInternals(text: string): string[] {
  const found: string[] = [];
  for (const [kind, pattern] of SIGNATURES) if (!found.includes(kind) && pattern.test(text)) found.push(kind);
  return found;
}
