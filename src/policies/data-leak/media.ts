// How the data-leak policy reads a response body, by its media type. Text it can rewrite is masked:
// JSON (one text, or one after another: NDJSON, JSON Lines, RFC 7464 sequences), scripts (JSONP's
// callback around JSON), XML, YAML and other text. Media and compressed archives are not read: a
// secret in them is no text a detector would find. Anything else (application/octet-stream, protobuf,
// PDF, a type the policy does not know) may carry a secret as plain bytes but would be corrupted by a
// rewrite: it is read byte for byte and withheld rather than masked.
import { isJsonMediaType } from '../../core/media-type.ts';

/** `sequence`: JSON texts one after another; `untyped`: no Content-Type (read by what it looks like); `skip`: not read. */
export type BodyKind = 'json' | 'sequence' | 'script' | 'text' | 'bytes' | 'untyped' | 'skip';

const JSON_SEQUENCES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonl', 'application/jsonlines', 'application/x-jsonlines', 'application/json-seq']);
const SCRIPTS = new Set(['application/javascript', 'application/x-javascript', 'application/ecmascript', 'application/x-ecmascript', 'text/javascript', 'text/x-javascript', 'text/ecmascript', 'text/jscript']);
const TEXT = new Set(['application/xml', 'application/yaml', 'application/x-yaml', 'application/x-www-form-urlencoded', 'application/graphql', 'application/sql', 'application/toml']);
const SKIPPED = /^(?:image|audio|video|font)\//;
// Compressed archives, and fonts by their older application/ names.
const UNREAD = new Set([
  'application/gzip', 'application/x-gzip', 'application/zip', 'application/x-zip-compressed', 'application/x-7z-compressed', 'application/x-bzip',
  'application/x-bzip2', 'application/x-xz', 'application/zstd', 'application/x-zstd', 'application/x-rar-compressed', 'application/vnd.rar',
  'application/x-compress', 'application/x-lzma', 'application/x-lzip', 'application/x-brotli', 'application/font-woff', 'application/x-font-ttf',
  'application/x-font-otf', 'application/vnd.ms-fontobject',
]);

export function bodyKind(type: string): BodyKind {
  if (type === '') return 'untyped';
  if (JSON_SEQUENCES.has(type)) return 'sequence';
  if (isJsonMediaType(type)) return 'json';
  if (SCRIPTS.has(type)) return 'script';
  // Before the media families: image/svg+xml is text.
  if (type.startsWith('text/') || type.endsWith('+xml') || type.endsWith('+yaml') || TEXT.has(type)) return 'text';
  if (SKIPPED.test(type) || UNREAD.has(type) || type.endsWith('+zip') || type.endsWith('+gzip')) return 'skip';
  return 'bytes';
}
