// Reading the small JSON bodies of admin API calls: bounded, application/json only, an object.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/errors.ts';
import { bareMediaType } from '../core/media-type.ts';

const MAX_BODY = 16 * 1024;

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = bareMediaType(req.headers['content-type']);
  const length = Number(req.headers['content-length'] ?? 0);
  if (length === 0 && req.headers['transfer-encoding'] === undefined) return {};
  if (type !== 'application/json') throw new GatewayError('PCL_ERR_UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  if (length > MAX_BODY) throw new GatewayError('PCL_ERR_BODY_TOO_LARGE', `at most ${MAX_BODY} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new GatewayError('PCL_ERR_BODY_TOO_LARGE', `at most ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new GatewayError('PCL_ERR_BAD_REQUEST', 'the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new GatewayError('PCL_ERR_BAD_REQUEST', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Field readers: each throws a 400 naming the field, never echoing its value. */
export function optionalString(body: Record<string, unknown>, name: string, pattern: RegExp): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !pattern.test(v)) throw new GatewayError('PCL_ERR_BAD_REQUEST', `"${name}" must match ${pattern.source}`);
  return v;
}

export function stringList(body: Record<string, unknown>, name: string, pattern: RegExp): string[] {
  const v = body[name];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > 100 || !v.every((s) => typeof s === 'string' && pattern.test(s))) {
    throw new GatewayError('PCL_ERR_BAD_REQUEST', `"${name}" must be a list of at most 100 strings matching ${pattern.source}`);
  }
  return v as string[];
}
