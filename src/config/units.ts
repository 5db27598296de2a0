// Durations ("250ms", "5s", "2m", "1h", "90d") and sizes ("512b", "16kb", "1mb") as users write them.

export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?(b|kb|mb|gb)$';

const DURATION_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SIZE_BYTES = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;

/** Milliseconds; numbers are taken as milliseconds. The schema has already checked the form. */
export function toMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9.]+)([a-z]+)$/.exec(value);
  if (!m) throw new Error(`invalid duration ${value}`);
  return Math.round(Number(m[1]) * DURATION_MS[m[2] as keyof typeof DURATION_MS]);
}

/** Bytes; numbers are taken as bytes. */
export function toBytes(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9.]+)([a-z]+)$/.exec(value);
  if (!m) throw new Error(`invalid size ${value}`);
  return Math.floor(Number(m[1]) * SIZE_BYTES[m[2] as keyof typeof SIZE_BYTES]);
}

export const durationSchema = {
  type: ['integer', 'string'],
  minimum: 0,
  pattern: DURATION_PATTERN,
  description: 'A duration: milliseconds as a number, or a string such as "250ms", "5s", "2m", "1h".',
} as const;

export const sizeSchema = {
  type: ['integer', 'string'],
  minimum: 0,
  pattern: SIZE_PATTERN,
  description: 'A size: bytes as a number, or a string such as "512b", "16kb", "1mb".',
} as const;
