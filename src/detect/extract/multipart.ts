// `multipart/*` bodies, read by the gateway's one multipart parser (core/multipart.ts, which the
// validate and mass-assignment policies use too): each part's field value (text parts) and file
// name. Binary file contents are not inspected (only their first bytes would be meaningful, and
// uploads are the job of a dedicated scanner); file parts declared as JSON, XML or a form are read by
// those extractors (frameworks deserialize them: Spring's @RequestPart).
//
// The parser refuses what upstream parsers read in different ways (a delimiter after a bare LF, parts
// after the close delimiter, a repeated header or parameter, quoting some parsers read otherwise...):
// split otherwise, a field value could hide its end in a skipped "file". Such a body is marked
// malformed, which blocks it whatever the options (the gateway answers 400).

import { FORM } from '../../core/body-fields.ts';
import { boundaryOf, forEachPart } from '../../core/multipart.ts';
import { type Input, markMalformed, markTruncated } from '../types.ts';
import { jsonInputs, type JsonLimits } from './json.ts';
import { parsePairs } from './query.ts';
import { isXmlMediaType, xmlInputs } from './xml.ts';

export interface MultipartLimits extends JsonLimits {
  maxParts: number;
}

/** Bytes as text: UTF-8 when valid, Latin-1 otherwise (binary intact). */
function text(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\ufffd') ? bytes.toString('latin1') : utf8;
}

export function multipartInputs(body: Buffer, contentType: string, out: Input[], limits: MultipartLimits): void {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return markMalformed(out, 'has no valid boundary parameter');
  const formData = /^multipart\/form-data\s*(?:;|$)/i.test(contentType);
  let n = 0;
  const error = forEachPart(body, boundary, { maxParts: Number.MAX_SAFE_INTEGER, formData }, (part) => {
    if (n >= limits.maxParts) {
      // Parts past the limit are not inspected: say so.
      markTruncated(out);
      return false;
    }
    n++;
    const { name, filename, extendedFilename, contentType: type } = part;
    if (filename !== undefined) out.push({ location: 'multipart', name: `${name}.filename`, value: filename });
    if (extendedFilename !== undefined && extendedFilename !== filename) out.push({ location: 'multipart', name: `${name}.filename`, value: extendedFilename });
    for (const reading of part.filenameReadings) out.push({ location: 'multipart', name: `${name}.filename`, value: reading });
    // Structured parts, files or not, are read as the framework will read them; by their media type
    // (`type` has no parameters), not by a word in it: `text/x-nonxml` is text. Any type naming JSON
    // is tried as JSON, and read as its type says when it is not.
    if (type.includes('json') && jsonInputs(text(part.data), out, limits)) return;
    if (isXmlMediaType(type)) return xmlInputs(text(part.data), out, limits.maxParts * 4);
    if (type === FORM) return parsePairs(text(part.data), 'form', out, limits.maxParts);
    // File contents only when declared as text. The whole value: the engine inspects it up to
    // maxValueLength and marks the verdict truncated beyond.
    // An empty filename makes no file to busboy, ASP.NET Core or Go: the part is a field there.
    const file = (filename !== undefined && filename !== '') || (extendedFilename !== undefined && extendedFilename !== '');
    if (file && !type.startsWith('text/') && type !== '') return;
    out.push({ location: 'multipart', name, value: text(part.data) });
  });
  if (error !== undefined) markMalformed(out, error);
}
