// multipart/form-data (RFC 7578 over RFC 2046), parsed from the buffered request body without
// decoding it: part contents stay bytes (files are binary), only part headers are read as text.
// The one reading of multipart bodies for every policy (validate, mass-assignment, inspect's detector).
// Anything that does not follow the grammar, or that upstream parsers read in different ways, is an
// error, never a guess: a gateway and the upstream that read the same body differently is how
// validation and attack detection get bypassed. What real parsers do that a strict reading refuses:
// - PHP ends a part's data at "\n--B" (a bare LF), skips lines until one is exactly "--B" (so a
//   delimiter with trailing blanks starts no part, and parts after the close delimiter "--B--" are
//   read), takes ' as a quote in parameters, the last of repeated parameters, and no `name*`, `filename*`;
// - busboy (multer) needs "\r\n--B", prefers `filename*` to `filename`, skips a part whose
//   disposition ends with ";", decodes a field by its part's charset (even "base64");
// - Werkzeug takes CR, LF or CRLF as line breaks (before delimiters, inside headers), finds the first
//   delimiter mid-line, reads `name*` and RFC 2231 continuations, keeps the last repeated parameter;
// - python-multipart decodes a Content-Transfer-Encoding of base64 or quoted-printable;
// - Rack takes the last `boundary=` of the Content-Type, PHP the first "boundary" substring.
// So: every delimiter is CRLF "--B" CRLF (or the close delimiter), only blanks follow the close
// delimiter, part headers are CRLF-separated lines each naming its field once, parameters are
// tokens or "-quoted strings without backslashes (but in `filename`, read both ways), each given once,
// and `filename*` (RFC 8187) is read only beside a plain `filename` (both names are kept: upstreams
// disagree on which they use).

import { bareMediaType } from './media-type.ts';

export interface FormPart {
  readonly name: string;
  /** The file name sent with a file part; undefined for a plain field. */
  readonly filename: string | undefined;
  /** The decoded `filename*` parameter sent beside `filename` (busboy and Werkzeug prefer it). */
  readonly extendedFilename: string | undefined;
  /**
   * Other readings of a `filename` with backslashes (a Windows path, curl's escapes): with each "\"
   * taken as an escape (busboy, Werkzeug), and the part after the last "\" or "/" (PHP keeps only that).
   * Empty when the filename has no backslash.
   */
  readonly filenameReadings: readonly string[];
  /** The part's media type, lower-case without parameters ("" when the part has none). */
  readonly contentType: string;
  readonly data: Buffer;
}

export interface MultipartLimits {
  readonly maxParts: number;
  /** Largest header section of one part, in bytes. */
  readonly maxHeaderBytes?: number;
  /** multipart/form-data (the default): every part is form-data with a name. Other multipart types
   *  (mixed, related): a part may go without Content-Disposition, and is then named "". */
  readonly formData?: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');
// RFC 9110 token characters, without "'" (PHP reads it as a quote).
const TOKEN = /^[!#$%&*+.^_`|~0-9A-Za-z-]+$/;
const TOKEN_CHAR = /[!#$%&*+.^_`|~0-9A-Za-z-]/;
// RFC 2046 boundary characters, without "," (Rack and PHP cut an unquoted boundary there).
const BOUNDARY = /^[0-9A-Za-z'()+_./:=? -]{0,69}[0-9A-Za-z'()+_./:=?-]$/;
// Control characters other than HTAB: a header line holding one is read differently (C strings end at NUL).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// RFC 8187 ext-value: charset ' [ language ] ' value-chars (the charsets every recipient must support).
const EXT_VALUE = /^(utf-8|iso-8859-1)'[A-Za-z0-9-]*'((?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+.^_`|~-])*)$/i;
/** Part charsets every parser reads alike for the characters attacks are made of. */
const CHARSETS = new Set(['utf-8', 'us-ascii', 'iso-8859-1']);
/** Content-Transfer-Encoding values that mean "as is" (older Apache HttpClient sends them). */
const IDENTITY_ENCODINGS = new Set(['7bit', '8bit', 'binary']);

interface Param {
  readonly key: string;
  readonly value: string;
  /** Where the key starts and the value ends in the parsed text. */
  readonly start: number;
  readonly end: number;
}

/**
 * The boundary of a multipart Content-Type value, or undefined when it has none or has one that
 * parsers may read differently: the parameters must follow the grammar (RFC 9110), and "boundary"
 * may appear in it (any case) only as the name of the one boundary parameter and inside its value.
 */
export function boundaryOf(contentType: string): string | undefined {
  const semi = contentType.indexOf(';');
  if (semi === -1 || !/^[!#$%&*+.^_`|~0-9A-Za-z-]+\/[!#$%&*+.^_`|~0-9A-Za-z-]+[ \t]*$/.test(contentType.slice(0, semi))) return undefined;
  const params = parameters(contentType, semi);
  if (typeof params === 'string') return undefined;
  const param = params.find((p) => p.key === 'boundary');
  if (param === undefined || !BOUNDARY.test(param.value)) return undefined;
  const valueStart = param.end - param.value.length - (contentType[param.end - 1] === '"' ? 1 : 0);
  for (const m of contentType.matchAll(/boundary/gi)) {
    if (m.index !== param.start && (m.index < valueStart || m.index >= param.end)) return undefined;
  }
  // PHP looks for "boundary" in this case first; Rack takes the last "boundary=".
  if (contentType.slice(param.start, param.start + 8) !== 'boundary' && param.value.includes('boundary')) return undefined;
  if (/boundary=/i.test(param.value)) return undefined;
  return param.value;
}

/** The parts of a body, or an error message saying why it is not valid multipart/form-data. */
export function parseMultipart(body: Buffer, boundary: string, limits: MultipartLimits): FormPart[] | string {
  const parts: FormPart[] = [];
  const error = forEachPart(body, boundary, limits, (part) => {
    parts.push(part);
  });
  return error ?? parts;
}

/**
 * Reads the parts of a body one by one, in order; `visit` returning false stops the reading (what
 * follows is then not checked). Returns an error message (see parseMultipart), or undefined.
 */
export function forEachPart(body: Buffer, boundary: string, limits: MultipartLimits, visit: (part: FormPart) => boolean | void): string | undefined {
  const dash = Buffer.from(`--${boundary}`);
  const maxHeader = limits.maxHeaderBytes ?? 8192;
  // A preamble before the first delimiter is allowed and ignored (RFC 2046 §5.1.1); it ends with CRLF.
  let at = body.indexOf(dash);
  if (at === -1) return 'has no opening boundary';
  if (at > 0 && !(at >= 2 && body[at - 2] === 0x0d && body[at - 1] === 0x0a)) return 'has a boundary that does not start a line';
  let count = 0;
  for (;;) {
    at += dash.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) {
      // The close delimiter: an epilogue may follow, blank lines only (PHP reads parts after it).
      for (let i = at + 2; i < body.length; i++) {
        const c = body[i];
        if (c !== 0x0d && c !== 0x0a && c !== 0x20 && c !== 0x09) return 'has data after its close delimiter';
      }
      return undefined;
    }
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) return 'has a boundary line that does not end with CRLF';
    at += 2;
    if (count >= limits.maxParts) return `has more than ${limits.maxParts} parts`;
    count++;
    // The next delimiter, searched from the start of the headers: one inside them ends the part early for some parsers.
    const end = nextDelimiter(body, dash, at);
    if (typeof end === 'string') return end;
    if (end === -1) return 'is not closed by its boundary';
    // A part with no header at all starts with its blank line.
    const blank = body[at] === 0x0d && body[at + 1] === 0x0a;
    const headerEnd = blank ? 0 : body.subarray(at, Math.min(at + maxHeader + 4, end)).indexOf(HEADER_END);
    if (headerEnd === -1) return 'has a part whose headers do not end (or are too long)';
    const dataStart = blank ? at + 2 : at + headerEnd + 4;
    if (dataStart > end - 2) return 'has a part whose headers do not end (or are too long)';
    const part = partOf(blank ? '' : body.toString('utf8', at, at + headerEnd), body.subarray(dataStart, end - 2), limits.formData ?? true);
    if (typeof part === 'string') return part;
    if (visit(part) === false) return undefined;
    at = end;
  }
}

/**
 * The next delimiter at or after `from`: "--boundary" right after CRLF, followed by CRLF or "--".
 * The same string after a bare LF or CR, or followed by anything else, is a delimiter to some parsers
 * and not to others (PHP and Go split at "\n--B", Werkzeug at "\r--B" too, and PHP ends data at
 * "\n--Bxyz"): an error. Elsewhere in a line it is data to every parser.
 */
function nextDelimiter(body: Buffer, dash: Buffer, from: number): number | string {
  for (let at = body.indexOf(dash, from); at !== -1; at = body.indexOf(dash, at + 1)) {
    const before = body[at - 1];
    if (before !== 0x0a && before !== 0x0d) continue;
    if (before === 0x0d || body[at - 2] !== 0x0d) return 'has a boundary after a line break other than CRLF';
    const after = at + dash.length;
    if (!((body[after] === 0x0d && body[after + 1] === 0x0a) || (body[after] === 0x2d && body[after + 1] === 0x2d))) return 'has a boundary line that does not end with CRLF';
    return at;
  }
  return -1;
}

const MAX_HEADER_LINE = 4096;

function partOf(headerText: string, data: Buffer, formData: boolean): FormPart | string {
  let disposition: string | undefined;
  let type: string | undefined;
  let encoding: string | undefined;
  for (const line of headerText === '' ? [] : headerText.split('\r\n')) {
    // PHP reads part headers in lines of at most 5120 bytes: a longer one becomes two lines there.
    if (line.length > MAX_HEADER_LINE) return `has a part header line longer than ${MAX_HEADER_LINE} bytes`;
    const colon = line.indexOf(':');
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon)) || CONTROL.test(line)) return 'has a malformed part header';
    const field = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (field === 'content-disposition') {
      if (disposition !== undefined) return 'has a part with two Content-Disposition headers';
      disposition = value;
    } else if (field === 'content-type') {
      if (type !== undefined) return 'has a part with two Content-Type headers';
      type = value;
    } else if (field === 'content-transfer-encoding') {
      if (encoding !== undefined) return 'has a part with two Content-Transfer-Encoding headers';
      encoding = value;
    }
  }
  if (encoding !== undefined && !IDENTITY_ENCODINGS.has(encoding.toLowerCase())) return 'has a part with a Content-Transfer-Encoding other than 7bit, 8bit or binary';
  let contentType = '';
  if (type !== undefined) {
    const checked = partType(type);
    if (checked === undefined) return 'has a part with a malformed Content-Type';
    if (checked === false) return 'has a part whose charset is not UTF-8, US-ASCII or ISO-8859-1';
    contentType = checked;
  }
  if (disposition === undefined) {
    return formData ? 'has a part without Content-Disposition' : { name: '', filename: undefined, extendedFilename: undefined, filenameReadings: [], contentType, data };
  }
  const semi = disposition.indexOf(';');
  const kind = (semi === -1 ? disposition : disposition.slice(0, semi)).trimEnd();
  if (!TOKEN.test(kind) || (formData && kind.toLowerCase() !== 'form-data')) return 'has a part that is not form-data';
  const params = semi === -1 ? [] : parameters(disposition, semi);
  if (typeof params === 'string') return `has a part whose Content-Disposition ${params}`;
  let name: string | undefined;
  let filename: string | undefined;
  let extended: string | undefined;
  for (const p of params) {
    if (p.key === 'name') name = p.value;
    else if (p.key === 'filename') filename = p.value;
    else if (p.key === 'filename*') {
      extended = extendedValue(p.value);
      if (extended === undefined) return 'has a part with a malformed filename* parameter';
    } else if (p.key.includes('*')) return 'has a part with an extended parameter other than filename*';
  }
  if (name === '' || (name === undefined && formData)) return 'has a part without a name';
  // filename* alone: busboy and Werkzeug see a file, PHP a field.
  if (extended !== undefined && filename === undefined) return 'has a part with filename* but no filename';
  return { name: name ?? '', filename, extendedFilename: extended, filenameReadings: filename === undefined ? [] : readings(filename), contentType, data };
}

/** See FormPart.filenameReadings. */
function readings(filename: string): string[] {
  if (!filename.includes('\\')) return [];
  const out = new Set([filename.replace(/\\(.)/gs, '$1'), filename.slice(Math.max(filename.lastIndexOf('\\'), filename.lastIndexOf('/')) + 1)]);
  out.delete(filename);
  return [...out];
}

/**
 * `; key=value; key="quoted value"` from `at` (a ";") to the end of `text`: lower-case keys, values as
 * sent. Returns why the text does not follow the grammar, or has a parameter that parsers may read
 * differently: a repeated key (first or last wins), a value quoted with ' or holding a backslash
 * (an escape to some; a file name may hold one, except before its closing quote), an unterminated quote, blanks around "=" or after an unquoted value, an empty
 * parameter (a trailing ";").
 */
function parameters(text: string, at: number): Param[] | string {
  const out: Param[] = [];
  let i = at;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i === text.length) return out;
    if (text[i] !== ';') return 'has a malformed parameter';
    i++;
    while (text[i] === ' ' || text[i] === '\t') i++;
    const start = i;
    while (i < text.length && TOKEN_CHAR.test(text[i]!)) i++;
    if (i === start || text[i] !== '=') return 'has a malformed parameter';
    const key = text.slice(start, i).toLowerCase();
    i++;
    let value: string;
    if (text[i] === '"' && !key.endsWith('*')) {
      const close = text.indexOf('"', i + 1);
      if (close === -1) return 'has an unterminated quoted parameter';
      value = text.slice(i + 1, close);
      if (CONTROL.test(value)) return 'has a quoted parameter with a control character';
      // A backslash is an escape to some parsers and not to others. In a file name (Windows paths),
      // it is read both ways (see filenameReadings), as long as every reading ends the value at the
      // same quote: PHP and Python's email module take any backslash before a quote as its escape (even
      // a second one: "a\\\\" is unterminated there).
      if (value.includes('\\')) {
        if (key !== 'filename') return 'has a quoted parameter with a backslash';
        if (value.endsWith('\\')) return 'has a file name whose closing quote follows a backslash';
      }
      i = close + 1;
    } else {
      const valueStart = i;
      // An extended value (RFC 8187) holds "'" and "%": it is checked on its own.
      while (i < text.length && (TOKEN_CHAR.test(text[i]!) || (key.endsWith('*') && text[i] === "'"))) i++;
      value = text.slice(valueStart, i);
      if (value === '' || (i < text.length && text[i] !== ';')) return 'has a malformed parameter';
    }
    if (out.some((p) => p.key === key)) return 'has a repeated parameter';
    out.push({ key, value, start, end: i });
  }
}

/** A `filename*` value decoded (RFC 8187), or undefined when it is malformed or not valid in its charset. */
function extendedValue(value: string): string | undefined {
  const m = EXT_VALUE.exec(value);
  if (m === null) return undefined;
  const bytes = Buffer.from(m[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  if (m[1]!.toLowerCase() === 'iso-8859-1') return bytes.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** A part's media type, undefined when its Content-Type is malformed, false when its charset is one
 *  parsers decode differently (busboy decodes a field as UTF-16 or base64 when told so). */
function partType(value: string): string | false | undefined {
  const semi = value.indexOf(';');
  const bare = bareMediaType(value);
  if (!/^[!#$%&*+.^_`|~0-9a-z-]+\/[!#$%&*+.^_`|~0-9a-z-]+$/.test(bare)) return undefined;
  if (semi === -1) return bare;
  const params = parameters(value, semi);
  if (typeof params === 'string' || params.some((p) => p.key.includes('*'))) return undefined;
  const charset = params.find((p) => p.key === 'charset');
  return charset === undefined || CHARSETS.has(charset.value.toLowerCase()) ? bare : false;
}
