// Request and response helpers: JSON bodies, typed 4xx errors and the input checks the handlers share.
import type { IncomingMessage } from 'node:http';
import type { Ctx, Reply } from './types.ts';

export const BODY_LIMIT = 1024 * 1024;

/** An answer the API means to give (4xx). Anything else thrown becomes the verbose 500. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function json(status: number, body?: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

export const noContent: Reply = { status: 204 };

export async function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new HttpError(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses without any guard on purpose: a malformed body reaches the verbose 500 (flaw verbose-errors). */
export function parseJson(text: string): unknown {
  return JSON.parse(text);
}

export function objectBody(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_body', 'The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** Rejects properties outside `allowed` (what a correct endpoint does). */
export function onlyKnown(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new HttpError(400, 'unknown_property', `Unknown properties: ${unknown.join(', ')}.`);
}

export function str(body: Record<string, unknown>, name: string, max: number, required: true): string;
export function str(body: Record<string, unknown>, name: string, max: number, required?: boolean): string | undefined;
export function str(body: Record<string, unknown>, name: string, max: number, required = false): string | undefined {
  const value = body[name];
  if (value === undefined) {
    if (required) throw new HttpError(400, 'missing_property', `"${name}" is required.`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new HttpError(400, 'invalid_property', `"${name}" must be a string of 1 to ${max} characters.`);
  }
  return value;
}

export function int(body: Record<string, unknown>, name: string, min: number, max: number, required = false): number | undefined {
  const value = body[name];
  if (value === undefined) {
    if (required) throw new HttpError(400, 'missing_property', `"${name}" is required.`);
    return undefined;
  }
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new HttpError(400, 'invalid_property', `"${name}" must be an integer from ${min} to ${max}.`);
  }
  return value as number;
}

/** A positive integer path parameter (ids). */
export function idParam(ctx: Ctx, name: string): number {
  const raw = ctx.params[name] ?? '';
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new HttpError(400, 'invalid_parameter', `Path parameter "${name}" must be a positive integer.`);
  }
  return Number(raw);
}

/** An integer query parameter; `max` undefined = no upper bound (see flaw unbounded-page-size). */
export function intQuery(ctx: Ctx, name: string, fallback: number, min: number, max?: number): number {
  const raw = ctx.url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^[0-9]{1,9}$/.test(raw) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `at least ${min}` : `from ${min} to ${max}`;
    throw new HttpError(400, 'invalid_parameter', `Query parameter "${name}" must be an integer ${range}.`);
  }
  return value;
}
