// `multipart/form-data` bodies: each part's field value (text parts) and file name. Binary file
// contents are not inspected (only their first bytes would be meaningful, and uploads are
// the job of a dedicated scanner); file parts declared as JSON, XML or a form are read by those
// extractors (frameworks deserialize them: Spring's @RequestPart).
//
// Parts are delimited as real parsers delimit them (busboy, PHP, Go, Python's email): `--boundary`
// only at the start of a line (at the very start of the body for the first one), followed by `--`
// (the last one) or blanks and the end of the line. Split anywhere else, a field value holding
// `--boundary` and fake part headers would hide its end in a skipped "file". A line that starts with
// `--boundary` but goes on with something else is read differently by different parsers (PHP takes it
// for a delimiter, Python does not): the inputs are then marked truncated (fail closed).

import { type Input, markTruncated } from '../types.ts';
import { jsonInputs, type JsonLimits } from './json.ts';
import { parsePairs } from './query.ts';
import { xmlInputs } from './xml.ts';

export function boundaryOf(contentType: string): string | null {
  const m = /;\s{0,8}boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

const NAME = /;\s{0,8}name=(?:"([^"]{0,1024})"|([^;]{0,1024}))/i;
const FILENAME = /;\s{0,8}filename=(?:"([^"]{0,1024})"|([^;]{0,1024}))/i;

function param(disposition: string, key: 'name' | 'filename'): string | null {
  const m = (key === 'name' ? NAME : FILENAME).exec(disposition);
  return m ? (m[1] ?? m[2] ?? '').trim() : null;
}

interface Delimiter {
  /** End of the previous part's content (the line break before the delimiter is not content). */
  contentEnd: number;
  /** Start of the next part (after the delimiter line). */
  next: number;
  close: boolean;
}

/** The next delimiter line at or after `from`; `null` when there is none. Lines that start like one
 *  but are not (`--boundaryX`) are skipped and reported through `ambiguous`. */
function nextDelimiter(body: string, delim: string, from: number, ambiguous: () => void): Delimiter | null {
  let search = from;
  for (;;) {
    let at: number;
    let contentEnd: number;
    if (search === 0 && body.startsWith(delim)) {
      at = 0;
      contentEnd = 0;
    } else {
      const lf = body.indexOf(`\n${delim}`, search);
      if (lf < 0) return null;
      at = lf + 1;
      contentEnd = lf > 0 && body.charCodeAt(lf - 1) === 13 ? lf - 1 : lf;
    }
    let j = at + delim.length;
    const close = body.startsWith('--', j);
    if (close) j += 2;
    while (body[j] === ' ' || body[j] === '\t') j++;
    if (j >= body.length) return { contentEnd, next: body.length, close: true };
    if (body[j] === '\n') return { contentEnd, next: j + 1, close };
    if (body[j] === '\r' && body[j + 1] === '\n') return { contentEnd, next: j + 2, close };
    if (close) return { contentEnd, next: j, close };
    ambiguous();
    search = at + 1;
  }
}

export interface MultipartLimits extends JsonLimits {
  maxParts: number;
}

export function multipartInputs(body: string, boundary: string, out: Input[], limits: MultipartLimits): void {
  const delim = `--${boundary}`;
  const ambiguous = () => markTruncated(out);
  let d = nextDelimiter(body, delim, 0, ambiguous);
  let n = 0;
  while (d !== null && !d.close) {
    const start = d.next;
    d = nextDelimiter(body, delim, Math.max(0, start - 1), ambiguous);
    if (n >= limits.maxParts) {
      // Parts past the limit are not inspected: say so.
      markTruncated(out);
      return;
    }
    n++;
    const chunk = body.slice(start, Math.max(start, d === null ? body.length : d.contentEnd));
    // The headers end at the first empty line (which may be the very first line: no headers).
    const sep = /^\r?\n|\r?\n\r?\n/.exec(chunk);
    const head = sep ? chunk.slice(0, sep.index) : chunk;
    const content = sep ? chunk.slice(sep.index + sep[0].length) : '';
    let name = '';
    let filename: string | null = null;
    let type = '';
    for (const line of head.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const h = line.slice(0, colon).trim().toLowerCase();
      const v = line.slice(colon + 1);
      if (h === 'content-disposition') {
        name = param(v, 'name') ?? '';
        filename = param(v, 'filename');
      } else if (h === 'content-type') type = v.trim().toLowerCase();
    }
    if (filename !== null) out.push({ location: 'multipart', name: `${name}.filename`, value: filename });
    // Structured parts, files or not, are read as the framework will read them.
    if (type.includes('json') && jsonInputs(content, out, limits)) continue;
    if (type.includes('xml')) {
      xmlInputs(content, out, limits.maxParts * 4);
      continue;
    }
    if (type.includes('x-www-form-urlencoded')) {
      parsePairs(content, 'form', out, limits.maxParts);
      continue;
    }
    // File contents only when declared as text. The whole value: the engine inspects it up to
    // maxValueLength and marks the verdict truncated beyond.
    if (filename !== null && !type.startsWith('text/') && type !== '') continue;
    out.push({ location: 'multipart', name, value: content });
  }
}
