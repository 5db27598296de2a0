// Every field name a multipart parser could find in a body, whichever reading it takes: parsers
// disagree on which `boundary` parameter counts (Rack takes the last, PHP the first substring match,
// both cut an unquoted one at "," or ";"), on which `name` parameter of a part counts (first or last,
// quoted with " or ', backslash escapes), and Rack names a part without Content-Disposition by its
// Content-ID. So no single parse is trusted: for each boundary any of them could take, the header
// section after each delimiter is read for every name it could give. Part contents are never read
// (an uploaded HTML form holding `name="_method"` is data, not a field).

const MAX_HEADER_BYTES = 8192;

/** The boundaries a parser could read from a multipart Content-Type value. */
export function boundaryCandidates(contentType: string): string[] {
  const out = new Set<string>();
  const re = /boundary\s*=\s*("((?:[^"\\]|\\.)*)"|([^\s;,]*)([^\s;]*))/gi;
  for (const m of contentType.matchAll(re)) {
    if (m[2] !== undefined) out.add(m[2].replace(/\\(.)/g, '$1'));
    if (m[3]) out.add(m[3]);
    if (m[3] !== undefined && m[4]) out.add(m[3] + m[4]);
  }
  out.delete('');
  return [...out];
}

/** Whether any reading of the body gives a field name `matches` accepts. */
export function someMultipartName(body: string, contentType: string, matches: (name: string) => boolean): boolean {
  for (const boundary of boundaryCandidates(contentType)) {
    const delimiter = `--${boundary}`;
    for (let at = body.indexOf(delimiter); at !== -1; at = body.indexOf(delimiter, at + delimiter.length)) {
      const start = at + delimiter.length;
      const end = headerEnd(body, start);
      if (namesIn(body.slice(start, end)).some(matches)) return true;
    }
  }
  return false;
}

/** Where the header section starting at `from` ends: the first blank line (CRLF or LF), or a bound. */
function headerEnd(body: string, from: number): number {
  const limit = Math.min(body.length, from + MAX_HEADER_BYTES);
  const crlf = body.indexOf('\r\n\r\n', from);
  const lf = body.indexOf('\n\n', from);
  const ends = [crlf, lf].filter((i) => i !== -1 && i < limit);
  return ends.length ? Math.min(...ends) : limit;
}

/** Every `name` parameter (any quoting, escapes undone) and Content-ID value in a header section. */
function namesIn(headers: string): string[] {
  const names: string[] = [];
  for (const m of headers.matchAll(/\bname\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|'([^']*)'?|([^;\r\n]*))/gi)) {
    names.push((m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1').trim());
  }
  for (const m of headers.matchAll(/^content-id\s*:\s*<?([^>\r\n]*)>?/gim)) names.push(m[1]!.trim());
  return names;
}
