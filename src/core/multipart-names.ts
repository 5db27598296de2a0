// Every field name a multipart parser could find in a body, whichever reading it takes: parsers
// disagree on which `boundary` parameter counts (Rack takes the last, PHP the first substring match,
// both cut an unquoted one at "," or ";"), on which `name` parameter of a part counts (first or last,
// quoted with " or ', backslash escapes), Werkzeug reads `name*` (RFC 2231 / 8187: percent-encoded,
// continuations `name*0`, `name*1*` appended to the name read so far), and Rack names a part without
// Content-Disposition by its Content-ID. So no single parse is trusted: for each boundary any of them
// could take, the header section after each delimiter (anywhere in the body: PHP reads parts after the
// close delimiter, Werkzeug finds the first one mid-line) is read for every name it could give. Part
// contents are never read (an uploaded HTML form holding `name="_method"` is data, not a field).
// This lenient reading is for refusing a name wherever it could hide (method overrides, copies of an
// owned parameter); the policies that read fields use the strict parser (multipart.ts), which refuses
// every body these readings disagree on.

const MAX_HEADER_BYTES = 8192;
/** Each boundary is a search of the whole body; a Content-Type naming more is refused, not read (fail closed). */
const MAX_BOUNDARIES = 8;

/** The boundaries a parser could read from a multipart Content-Type value. */
export function boundaryCandidates(contentType: string): string[] {
  const out = new Set<string>();
  const php = phpBoundary(contentType);
  if (php !== undefined) out.add(php);
  const re = /boundary\s*=\s*("((?:[^"\\]|\\.)*)"|([^\s;,]*)([^\s;]*))/gi;
  for (const m of contentType.matchAll(re)) {
    if (m[2] !== undefined) out.add(m[2].replace(/\\(.)/g, '$1'));
    if (m[3]) out.add(m[3]);
    if (m[3] !== undefined && m[4]) out.add(m[3] + m[4]);
  }
  out.delete('');
  return [...out];
}

/**
 * PHP's reading (rfc1867.c): the first `boundary` substring (any letter case when none is lower
 * case), the first `=` after it, then up to the next `"` when quoted (no escapes) or to `,` or `;`
 * (blanks kept).
 */
function phpBoundary(contentType: string): string | undefined {
  let at = contentType.indexOf('boundary');
  if (at === -1) at = contentType.toLowerCase().indexOf('boundary');
  const eq = at === -1 ? -1 : contentType.indexOf('=', at);
  if (eq === -1) return undefined;
  const value = contentType.slice(eq + 1);
  if (value.startsWith('"')) {
    const end = value.indexOf('"', 1);
    return end === -1 ? undefined : value.slice(1, end);
  }
  const end = value.search(/[,;]/);
  return end === -1 ? value : value.slice(0, end);
}

/**
 * Whether any reading of the body gives a field name `matches` accepts. A header section that does
 * not end within MAX_HEADER_BYTES (PHP reads on: it has no such bound) counts as a match: a name
 * could lie beyond what is read. So do sections past a total budget (a delimiter inside another
 * section starts a section of its own, read on its own: a reading from mid-section can differ; a body
 * of delimiters would be read over and over), and more than MAX_BOUNDARIES boundaries.
 */
export function someMultipartName(body: string, contentType: string, matches: (name: string) => boolean): boolean {
  const boundaries = boundaryCandidates(contentType);
  if (boundaries.length > MAX_BOUNDARIES) return true;
  // Sections that do not overlap total at most the body's length per boundary: a well-formed body
  // stays within even when two boundaries (`AA` and `AA,BB`) both find its parts.
  let budget = 2 * body.length + 65536;
  for (const boundary of boundaries) {
    const delimiter = `--${boundary}`;
    const headerEnd = headerEnds(body);
    for (let at = body.indexOf(delimiter); at !== -1; at = body.indexOf(delimiter, at + delimiter.length)) {
      const start = at + delimiter.length;
      const end = headerEnd(start);
      if (end === -1 || (budget -= end - start) < 0) return true;
      if (end > start && namesIn(body.slice(start, end)).some(matches)) return true;
    }
  }
  return false;
}

/**
 * For header sections starting at growing offsets: where each ends, the first blank line (CRLF or
 * LF), or the end of the body; -1 when it runs past MAX_HEADER_BYTES. (Werkzeug also ends it at
 * CR CR: earlier, so no name it reads lies beyond.) Each search resumes past the blank line the last
 * one found, so the body is searched once in all, not a window per delimiter.
 */
function headerEnds(body: string): (from: number) => number {
  let crlf = -2; // the next "\r\n\r\n" at or after the last `from`; -1 when none is left, -2 before the first search
  let lf = -2;
  return (from) => {
    if (crlf !== -1 && crlf < from) crlf = body.indexOf('\r\n\r\n', from);
    if (lf !== -1 && lf < from) lf = body.indexOf('\n\n', from);
    let end = -1;
    for (const at of [crlf, lf]) if (at !== -1 && at - from <= MAX_HEADER_BYTES && (end === -1 || at < end)) end = at;
    if (end !== -1) return end;
    return from + MAX_HEADER_BYTES + 4 >= body.length ? body.length : -1;
  };
}

/**
 * Every `name` parameter (any quoting, escapes undone), extended `name*` value (raw and decoded), the
 * name Werkzeug builds from them in order, and Content-ID value in a header section.
 */
function namesIn(headers: string): string[] {
  const names: string[] = [];
  let werkzeug: string | undefined;
  for (const m of headers.matchAll(/\bname(\*\d*)?(\*?)\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|'([^']*)'?|([^;\r\n]*))/gi)) {
    const value = (m[3] ?? m[4] ?? m[5] ?? '').replace(/\\(.)/g, '$1').trim();
    names.push(value);
    // PHP ends an unquoted value at a blank: `name=_method x` is `_method` there.
    if (m[5] !== undefined) names.push(value.split(/\s/, 1)[0]!);
    if (m[1] === undefined) {
      werkzeug = value.replaceAll('%22', '"');
      continue;
    }
    const continuation = m[1] !== '*';
    const decoded = !continuation || m[2] === '*' ? decodeExtended(value) : value;
    names.push(decoded);
    werkzeug = continuation ? (werkzeug ?? '') + decoded : decoded;
    names.push(werkzeug);
  }
  for (const m of headers.matchAll(/^content-id\s*:\s*<?([^>\r\n]*)>?/gim)) names.push(m[1]!.trim());
  // The search above starts a value wherever "name=" appears, also inside another parameter's quoted
  // value (`x="a name="; name="_method"`), and that value can swallow the real name: the section is
  // also read as parameter lists, quotes skipped the ways parsers skip them.
  for (const [quotes, escapes] of LIST_READINGS) names.push(...listedNames(headers, quotes, escapes));
  // Each name once: the readings of one part agree most of the time, and one part is one field (the
  // ownership policy counts the copies of a field).
  return [...new Set(names)];
}

/** Quote characters and whether a backslash escapes: most parsers; PHP (also ', no escapes). */
const LIST_READINGS: readonly (readonly [string, boolean])[] = [['"', true], ['"', false], ['"\'', false]];

/** The `name` values of each header line read as `; key=value` parameters; linear in the section's length. */
function listedNames(headers: string, quotes: string, escapes: boolean): string[] {
  const out: string[] = [];
  for (const line of headers.split(/\r?\n/)) {
    let i = line.indexOf(';');
    let eq = -1; // the first "=" after i, found once per stretch (no rescans: linear)
    while (i !== -1) {
      if (eq <= i) eq = line.indexOf('=', i + 1);
      if (eq === -1) break;
      const semi = line.indexOf(';', i + 1);
      if (semi !== -1 && semi < eq) {
        i = semi;
        continue;
      }
      const key = line.slice(i + 1, eq).trim().toLowerCase();
      let j = eq + 1;
      while (line[j] === ' ' || line[j] === '\t') j++;
      let value: string;
      const quote = line[j];
      if (quote !== undefined && quotes.includes(quote)) {
        let k = j + 1;
        while (k < line.length && line[k] !== quote) k += escapes && line[k] === '\\' ? 2 : 1;
        value = line.slice(j + 1, Math.min(k, line.length));
        if (escapes) value = value.replace(/\\(.)/g, '$1');
        i = line.indexOf(';', k);
      } else {
        const end = line.indexOf(';', j);
        value = line.slice(j, end === -1 ? line.length : end).trim();
        i = end;
      }
      if (key === 'name') out.push(value);
    }
  }
  return out;
}

/** An RFC 2231 / 8187 value (`charset'language'percent-encoded`, or bare) decoded: UTF-8 unless it says ISO-8859-1. */
function decodeExtended(value: string): string {
  const m = /^([^']*)'[^']*'(.*)$/s.exec(value);
  const bytes = Buffer.from((m ? m[2]! : value).replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return bytes.toString(m && /^iso-8859-1$/i.test(m[1]!) ? 'latin1' : 'utf8');
}
