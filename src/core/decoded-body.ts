// The bytes an upstream reads out of a body with a Content-Encoding: Express's body parsers and most
// frameworks inflate gzip and deflate (some brotli) before parsing, so checking the compressed bytes
// (attack detection, JSON limits, validation, mass assignment) would let anything through. The
// policies look at its decoded form, decoded once per request, and what they checked is what goes on:
// the body is encoded again by the gateway. Forwarded as sent, the compressed bytes could spell another
// body to an upstream that ignores Content-Encoding (plain node:http, Go, Flask parse the raw bytes):
// deflate's stored blocks carry text as it is, and bytes after the end of the stream are ignored by
// the decoder. Anything that cannot be decoded the way an upstream would is refused.
import { brotliCompressSync, brotliDecompressSync, constants, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { readBody } from './body.ts';
import type { RequestContext } from './context.ts';
import { GatewayError } from './errors.ts';

/** The request body as the upstream will parse it: read once (readBody), decoded once. */
export function readContent(ctx: RequestContext): Promise<Buffer> {
  if (ctx.content !== undefined) return Promise.resolve(ctx.content);
  return readBody(ctx).then(() => contentOf(ctx));
}

/**
 * The decoded content of a body already read (ctx.body), decoded once; an encoded body is replaced by
 * the gateway's own encoding of that content (replaceContent), so the upstream gets only what the
 * policies checked, whichever way it reads it.
 */
export function contentOf(ctx: RequestContext): Buffer {
  if (ctx.content !== undefined) return ctx.content;
  const content = decodedBody(ctx.body!, ctx.req.headers['content-encoding'], ctx.bodyLimit);
  if (content === ctx.body) ctx.content = content;
  else replaceContent(ctx, content);
  return content;
}

/**
 * Replaces the request's content (a policy rewrote it: mass-assignment's strip): the forwarded body is
 * encoded again with the request's Content-Encoding, so it still says what it is.
 */
export function replaceContent(ctx: RequestContext, content: Buffer): void {
  ctx.content = content;
  const encode = ENCODERS.get(codingOf(ctx.req.headers['content-encoding']));
  ctx.body = encode === undefined ? content : encode(content);
}

// Brotli's default (quality 11) takes about a second per megabyte on the event loop: a client could
// stall the gateway with one stripped body. Quality 4 costs about what gzip does.
const BROTLI_FAST = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
/** The codings decodedBody accepts (identity aside), to encode a rewritten body again. */
const ENCODERS = new Map<string, (content: Buffer) => Buffer>([
  ['gzip', (c) => gzipSync(c)],
  ['x-gzip', (c) => gzipSync(c)],
  ['deflate', (c) => deflateSync(c)],
  ['br', (c) => brotliCompressSync(c, BROTLI_FAST)],
]);

/** Whether a body with this Content-Encoding is encoded (not absent, empty or identity). */
export function isEncoded(contentEncoding: string | string[] | undefined): boolean {
  const coding = codingOf(contentEncoding);
  return coding !== '' && coding !== 'identity';
}

function codingOf(contentEncoding: string | string[] | undefined): string {
  return contentEncoding === undefined ? '' : (Array.isArray(contentEncoding) ? contentEncoding.join(',') : contentEncoding).trim().toLowerCase();
}

/** The body as the upstream will parse it; `limit` bounds the decoded size (413 beyond). */
export function decodedBody(body: Buffer, contentEncoding: string | string[] | undefined, limit: number): Buffer {
  if (contentEncoding === undefined || body.length === 0) return body;
  const coding = codingOf(contentEncoding);
  if (coding === '' || coding === 'identity') return body;
  // Synchronous: the input is within the body limit and the output is capped at it too, so a
  // decompression bomb stops after `limit` bytes instead of filling the memory.
  // `info`: how much of the input the decoder took. Bytes after the end of a deflate or brotli stream
  // are ignored by it and could be read by a parser of the raw body: refused.
  const options = { maxOutputLength: Math.max(limit, 1), info: true } as ZlibOptions;
  try {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return whole(gunzipSync(body, options), body);
      case 'deflate':
        // HTTP's deflate is the zlib format; some clients send a raw deflate stream, which
        // browsers and curl accept too.
        try {
          return whole(inflateSync(body, options), body);
        } catch (e) {
          if (tooLarge(e) || e instanceof GatewayError) throw e;
          return whole(inflateRawSync(body, options), body);
        }
      case 'br':
        return whole(brotliDecompressSync(body, options), body);
      default:
        // Stacked codings (`gzip, gzip`), `compress`, `zstd`...: not inspected, so not forwarded.
        throw new GatewayError('PCL_ERR_UNSUPPORTED_MEDIA_TYPE', 'The Content-Encoding must be gzip, deflate, br or identity, one coding only.');
    }
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    if (tooLarge(e)) throw new GatewayError('PCL_ERR_BODY_TOO_LARGE', `The decoded body may be at most ${limit} bytes.`);
    throw new GatewayError('PCL_ERR_BAD_REQUEST', `The body is not valid ${coding} data.`);
  }
}

/** The output of a decoder run with `info`, when it took the whole input. */
function whole(decoded: Buffer, input: Buffer): Buffer {
  const { buffer, engine } = decoded as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  if (engine.bytesWritten < input.length) throw new GatewayError('PCL_ERR_BAD_REQUEST', 'The body has data after the end of its compressed stream.');
  return buffer;
}

function tooLarge(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}
