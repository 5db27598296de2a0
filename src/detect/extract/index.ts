// From a request to the list of decoded inputs the detectors inspect.

import { FORM, readsAsForm, readsAsMultipart } from '../../core/body-fields.ts';
import { bareMediaType } from '../../core/media-type.ts';
import { type Input, markTruncated, type RequestLike } from '../types.ts';
import { cookieInputs } from './cookies.ts';
import { jsonInputs, jsonStringInputs } from './json.ts';
import { detectedJsonEncoding, jsonText } from '../../core/json-text.ts';
import { multipartInputs } from './multipart.ts';
import { pathInputs } from './path.ts';
import { looksLikeForm, parsePairs } from './query.ts';
import { isXmlMediaType, xmlInputs } from './xml.ts';

export interface ExtractOptions {
  /** Header names inspected for every attack class (lower case), or 'all' minus `ignoreHeaders`. */
  headers: 'all' | readonly string[];
  /** Headers inspected only for the classes that threaten any header (`header-other`: jndi, crlf,
   *  traversal) when `headers` is 'all': framing, caching, tracing, content negotiation. */
  ignoreHeaders: readonly string[];
  /** Bodies longer than this are inspected up to this many characters. */
  maxBodyLength: number;
  maxParams: number;
  maxJsonDepth: number;
  maxJsonItems: number;
}

export const DEFAULT_IGNORED_HEADERS: readonly string[] = [
  'host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'proxy-connection', 'te',
  'upgrade', 'accept', 'accept-encoding', 'accept-language', 'accept-charset', 'cookie', 'cache-control', 'pragma', 'if-none-match', 'if-match',
  'if-modified-since', 'if-unmodified-since', 'etag', 'traceparent', 'tracestate', 'x-request-id',
  'x-correlation-id', 'x-amzn-trace-id', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest',
  'sec-fetch-user', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform', 'dnt', 'priority',
];

export const DEFAULT_EXTRACT: ExtractOptions = {
  headers: 'all',
  ignoreHeaders: DEFAULT_IGNORED_HEADERS,
  maxBodyLength: 1 << 20,
  maxParams: 1000,
  maxJsonDepth: 32,
  maxJsonItems: 10000,
};

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

const JSON_ANYWHERE = /json/i;

/**
 * A body read as its media type says: the bare type (no parameters) decides, so that
 * `application/x-www-form-urlencoded; a=xml` is the form Express and PHP read, not XML.
 */
export function bodyInputs(body: string, contentType: string, out: Input[], o: ExtractOptions): void {
  const type = bareMediaType(contentType);
  const untyped = type === '' || type === 'text/plain';
  // A form to PHP and Rack too, which cut the type at "," or a blank as well as ";".
  const form = type.startsWith(FORM) && readsAsForm(contentType);
  const trimmed = body.trimStart();
  // Any type that names JSON, parameters included (Laravel's isJson() reads the whole header), is
  // tried as JSON: an extra reading, never in place of a form's.
  if (JSON_ANYWHERE.test(contentType) || (untyped && /^[[{]/.test(trimmed))) {
    if (jsonInputs(body, out, { maxDepth: o.maxJsonDepth, maxItems: o.maxJsonItems })) {
      if (!form) return;
    } else {
      // Not JSON to JSON.parse, perhaps JSON to a lenient parser (NaN, comments): each string in it is
      // inspected as a value (quotes inside a JSON string would otherwise hide an injection's own
      // quotes), and the body then as what its type says (the whole text, or a form when untyped).
      jsonStringInputs(body, out, o.maxJsonItems);
    }
  }
  if (form) return parsePairs(body, 'form', out, o.maxParams);
  if (isXmlMediaType(type) || trimmed.startsWith('<')) return xmlInputs(body, out, o.maxParams * 4);
  // Without a content type, servers and frameworks read bodies as forms; so do we.
  if (type === '' || (type === 'text/plain' && looksLikeForm(body))) return parsePairs(body, 'form', out, o.maxParams);
  out.push({ location: 'body', name: '', value: body });
}

// The header name sets of an options object (treated as immutable), built once rather than on every
// request.
const HEADER_SETS = new WeakMap<ExtractOptions, { ignored: Set<string>; wanted: Set<string> | null }>();

function headerSets(o: ExtractOptions): { ignored: Set<string>; wanted: Set<string> | null } {
  let sets = HEADER_SETS.get(o);
  if (!sets) {
    sets = { ignored: new Set(o.ignoreHeaders), wanted: o.headers === 'all' ? null : new Set(o.headers) };
    HEADER_SETS.set(o, sets);
  }
  return sets;
}

/** The query and fragment parameters of a Referer URL, form-decoded (`+` is a space there): values an
 *  attacker chose, as much as the request's own query. They keep the header's name. */
function refererParams(url: string, out: Input[], maxParams: number): void {
  const q = url.search(/[?#]/);
  if (q < 0 || url.length - q > 8192) return;
  const pairs: Input[] = [];
  parsePairs(url.slice(q + 1).replace('#', '&'), 'header', pairs, maxParams);
  for (const p of pairs) if (p.value !== '') out.push({ location: 'header', name: 'referer', value: p.value });
}

const BASE64 = /^[A-Za-z0-9+/=_-]+$/;

/** Authorization and Proxy-Authorization. A Basic user name is a name the application looks up
 *  (SQL, LDAP, a log line): inspected for every class, like a query value; it is never copied
 *  anywhere but the detectors. Tokens and other credentials are random text: only a Log4j lookup or
 *  a line break is inspected there (`header-other`, kept to those two classes for this name). */
function credentialInputs(name: string, value: string, out: Input[]): void {
  // "Basic <base64>", parsed without a regular expression (the engine's patterns are audited for
  // backtracking; this one needs none).
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const credentials = space === 5 && trimmed.slice(0, 5).toLowerCase() === 'basic' ? trimmed.slice(6).trim() : '';
  if (credentials !== '' && BASE64.test(credentials)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    if (user !== '') out.push({ location: 'header', name, value: user });
    return;
  }
  out.push({ location: 'header-other', name, value });
}

export function extractInputs(req: RequestLike, options: ExtractOptions = DEFAULT_EXTRACT): Input[] {
  const out: Input[] = [];
  pathInputs(req.path, out, 64);
  if (req.rawQuery) parsePairs(req.rawQuery, 'query', out, options.maxParams);
  const { ignored, wanted } = headerSets(options);
  let contentType = req.contentType;
  for (const [rawName, rawValue] of Object.entries(req.headers)) {
    const name = rawName.toLowerCase();
    const value = headerValue(rawValue);
    if (value === undefined) continue;
    if (name === 'cookie') cookieInputs(value, out, options.maxParams);
    else if (name === 'authorization' || name === 'proxy-authorization') credentialInputs(name, value, out);
    else if (wanted ? wanted.has(name) : !ignored.has(name)) {
      out.push({ location: 'header', name, value });
      if (name === 'referer') refererParams(value, out, options.maxParams);
    } else if (value !== '') {
      // Every other header reaches the upstream and its logs too: inspected for the few classes
      // that are an attack in any header whatever its grammar.
      out.push({ location: 'header-other', name, value });
    }
    if (name === 'content-type' && contentType === undefined) contentType = value;
  }
  if (req.body !== undefined && req.body.length > 0) {
    // Multipart bodies are read as bytes, part by part (file parts are binary); the whole of them,
    // but the verdict says when they are longer than maxBodyLength, as for other bodies.
    if (readsAsMultipart(contentType ?? '')) {
      const bytes = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
      if (bytes.length > options.maxBodyLength) markTruncated(out);
      multipartInputs(bytes, contentType!, out, { maxParts: options.maxParams, maxDepth: options.maxJsonDepth, maxItems: options.maxJsonItems });
      return out;
    }
    let text = typeof req.body === 'string' ? req.body : req.body.toString('latin1');
    if (text.length > options.maxBodyLength) {
      text = text.slice(0, options.maxBodyLength);
      markTruncated(out); // the rest is not inspected
    }
    // Bytes as Latin-1 keep binary intact; UTF-8 text is re-read as such when valid. A JSON body is
    // read as its parsers decode it (UTF-16 by its charset or first bytes, a byte-order mark dropped).
    if (typeof req.body !== 'string') {
      const head = req.body.subarray(0, options.maxBodyLength);
      const json = bareMediaType(contentType).includes('json') ? jsonText(head, contentType) : undefined;
      // Invalid UTF-8 is read as Latin-1 below; UTF-16 is kept decoded whatever it holds.
      if (json !== undefined && (!json.includes('\ufffd') || detectedJsonEncoding(head) !== 'utf-8')) text = json;
      else {
        const utf8 = head.toString('utf8');
        if (!utf8.includes('\ufffd')) text = utf8;
      }
    }
    bodyInputs(text, contentType ?? '', out, options);
  }
  return out;
}
