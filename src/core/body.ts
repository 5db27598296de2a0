// The request body, read once for the policies that need it (validation, inspection, signatures) and
// then forwarded from memory. Operations whose policies need no body keep streaming it untouched.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { RequestContext } from './context.ts';
import { GatewayError } from './errors.ts';

/** Whether a request has a body to read (a chunked one, or a Content-Length other than 0). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Reads the whole body, at most `ctx.bodyLimit` bytes (413 beyond); later calls share the result. */
export function readBody(ctx: RequestContext): Promise<Buffer> {
  if (ctx.body !== undefined) return Promise.resolve(ctx.body);
  return (ctx.bodyReading ??= collect(ctx).then((body) => (ctx.body = body)));
}

async function collect(ctx: RequestContext): Promise<Buffer> {
  const req = ctx.req;
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return Buffer.alloc(0);
  const limit = ctx.bodyLimit;
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as Readable) {
    total += (chunk as Buffer).length;
    if (total > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('PCL_ERR_BODY_TOO_LARGE', `The body may be at most ${limit} bytes.`);
}
