// Media types of bodies as the inventory keeps them: "Application/JSON; charset=utf-8" →
// "application/json" (no parameters: they carry values, not structure), at most MAX_MEDIA_TYPES
// distinct per endpoint.

import { bareMediaType, isJsonMediaType } from '../../core/media-type.ts';

export const MAX_MEDIA_TYPES = 8;
const MEDIA = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9*][a-z0-9!#$&^_.+*-]{0,63}$/;

/** The bare media type of a Content-Type value, or undefined when absent or malformed. */
export function mediaType(header: string | string[] | number | undefined): string | undefined {
  const bare = bareMediaType(header);
  return MEDIA.test(bare) ? bare : undefined;
}

export function isJson(media: string | undefined): boolean {
  return media !== undefined && isJsonMediaType(media);
}

/** Counts one more body of `media` under `key` ("application/json", "2xx application/json"...). */
export function countMedia(counts: Record<string, number>, key: string): void {
  const n = counts[key];
  if (n !== undefined) counts[key] = n + 1;
  else if (Object.keys(counts).length < MAX_MEDIA_TYPES) counts[key] = 1;
}

/** Whether a stored key is one `countMedia` could have made (load-time check of persisted data). */
export function isMediaKey(key: string, withStatusClass: boolean): boolean {
  if (!withStatusClass) return MEDIA.test(key);
  const space = key.indexOf(' ');
  return /^[1-5]xx$/.test(key.slice(0, space)) && MEDIA.test(key.slice(space + 1));
}
