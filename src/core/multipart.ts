// multipart/form-data (RFC 7578 over RFC 2046), parsed from the buffered request body without
// decoding it: part contents stay bytes (files are binary), only part headers are read as text.
// Anything that does not follow the grammar is an error, never a guess: a gateway and the upstream
// that read the same body differently is how validation gets bypassed.

import { bareMediaType } from './media-type.ts';

export interface FormPart {
  readonly name: string;
  /** The file name sent with a file part; undefined for a plain field. */
  readonly filename: string | undefined;
  /** The part's media type, lower-case without parameters ("" when the part has none). */
  readonly contentType: string;
  readonly data: Buffer;
}

export interface MultipartLimits {
  readonly maxParts: number;
  /** Largest header section of one part, in bytes. */
  readonly maxHeaderBytes?: number;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary parameter of a multipart content type (RFC 2046: 1 to 70 characters), or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const params = parameters(contentType.slice(contentType.indexOf(';') + 1));
  const boundary = contentType.includes(';') ? params.get('boundary') : undefined;
  return boundary !== undefined && boundary.length >= 1 && boundary.length <= 70 && !/[\r\n]/.test(boundary) ? boundary : undefined;
}

/** The parts of a body, or an error message saying why it is not valid multipart/form-data. */
export function parseMultipart(body: Buffer, boundary: string, limits: MultipartLimits): FormPart[] | string {
  const dash = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const maxHeader = limits.maxHeaderBytes ?? 8192;
  // A preamble before the first delimiter is allowed and ignored (RFC 2046 §5.1.1).
  let at = body.subarray(0, dash.length).equals(dash) ? 0 : body.indexOf(next);
  if (at === -1) return 'has no opening boundary';
  if (at > 0) at += 2;
  const parts: FormPart[] = [];
  for (;;) {
    at += dash.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // "--": the close delimiter; an epilogue may follow
    while (body[at] === 0x20 || body[at] === 0x09) at++; // transport padding
    if (!body.subarray(at, at + 2).equals(CRLF)) return 'has a boundary line that does not end with CRLF';
    at += 2;
    if (parts.length >= limits.maxParts) return `has more than ${limits.maxParts} parts`;
    const headerEnd = body.subarray(at, at + maxHeader + 4).indexOf(HEADER_END);
    // A part with no header at all starts with its blank line.
    const blank = body.subarray(at, at + 2).equals(CRLF);
    if (headerEnd === -1 && !blank) return 'has a part whose headers do not end (or are too long)';
    const headerText = blank ? '' : body.toString('utf8', at, at + headerEnd);
    const dataStart = blank ? at + 2 : at + headerEnd + 4;
    const end = body.indexOf(next, dataStart);
    if (end === -1) return 'is not closed by its boundary';
    const part = partOf(headerText, body.subarray(dataStart, end));
    if (typeof part === 'string') return part;
    parts.push(part);
    at = end + 2;
  }
}

function partOf(headerText: string, data: Buffer): FormPart | string {
  let disposition: string | undefined;
  let contentType = '';
  for (const line of headerText === '' ? [] : headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') return 'has a malformed part header';
    const field = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === 'content-disposition') {
      if (disposition !== undefined) return 'has a part with two Content-Disposition headers';
      disposition = value;
    } else if (field === 'content-type') contentType = bareMediaType(value);
  }
  if (disposition === undefined) return 'has a part without Content-Disposition';
  const semi = disposition.indexOf(';');
  if ((semi === -1 ? disposition : disposition.slice(0, semi)).trim().toLowerCase() !== 'form-data') return 'has a part that is not form-data';
  const params = parameters(semi === -1 ? '' : disposition.slice(semi + 1));
  const name = params.get('name');
  if (name === undefined) return 'has a part without a name';
  return { name, filename: params.get('filename'), contentType, data };
}

/** `; key=value; key="quoted \"value\""` → lower-case keys; a repeated key keeps its first value. */
function parameters(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ';' || text[i] === ' ' || text[i] === '\t')) i++;
    const eq = text.indexOf('=', i);
    if (eq === -1) break;
    const key = text.slice(i, eq).trim().toLowerCase();
    let value = '';
    i = eq + 1;
    while (text[i] === ' ') i++;
    if (text[i] === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
      }
      i++;
    } else {
      const stop = text.indexOf(';', i);
      value = text.slice(i, stop === -1 ? text.length : stop).trim();
      i = stop === -1 ? text.length : stop;
    }
    if (key !== '' && !out.has(key)) out.set(key, value);
  }
  return out;
}
