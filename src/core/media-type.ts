// Media types of Content-Type values, one way everywhere: "Application/JSON; charset=utf-8" →
// "application/json". Header values repeat from request to request, so results are cached (bounded).

const MAX_CACHED = 256;
const cache = new Map<string, string>();

/** The media type of a Content-Type value, lower-case without parameters ("" when there is none). */
export function bareMediaType(header: unknown): string {
  if (typeof header !== 'string') return '';
  let bare = cache.get(header);
  if (bare === undefined) {
    const semi = header.indexOf(';');
    bare = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(header, bare);
  }
  return bare;
}

/** JSON bodies: application/json and the "+json" structured syntax suffix (problem+json...). */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

/** Whether a declared media range ("*\/*", "image/*", "image/png") covers a media type. */
export function mediaRangeMatches(range: string, type: string): boolean {
  if (range === '*/*' || range === type) return true;
  return range.endsWith('/*') && type.startsWith(range.slice(0, -1));
}

const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * Whether a response's Content-Type names one media type that every reader takes alike: absent, or a
 * single field whose type is `type/subtype`. A repeated field (two types, or the same one twice), a
 * list ("application/json, text/html": browsers take the last one) or a type that does not parse is
 * not: what the body is would depend on who reads it.
 */
export function isSingleMediaType(header: string | readonly string[] | undefined): boolean {
  if (header === undefined) return true;
  if (typeof header !== 'string' || !MEDIA_TYPE.test(bareMediaType(header))) return false;
  // A comma outside a quoted parameter value separates media types.
  return !header.includes(',') || !header.replace(/"(?:[^"\\]|\\.)*"/g, '').includes(',');
}
