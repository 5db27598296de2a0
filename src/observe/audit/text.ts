// Audit text as the stores keep it. An event's strings are hashed, then stored, and verify hashes what
// it reads back, so the stored text must be exactly the hashed text. Two kinds of JavaScript string do
// not survive a store: one with NUL (PostgreSQL refuses the row) and one with a lone UTF-16 surrogate
// (both stores keep U+FFFD in its place, the hash saw the surrogate). Such text comes from outside (a
// JWT claim mapped to the subject or consumer, a path, a header), so the writer replaces both with
// U+FFFD before hashing: the event keeps what can be stored, and verifies.
import type { Unhashed } from './hash.ts';

const TEXT_FIELDS = ['chain', 'requestId', 'clientIp', 'consumer', 'subject', 'api', 'operation', 'method', 'path', 'policy', 'verdict', 'reason', 'decisions', 'evidence'] as const;

/** `text` well-formed (lone surrogates replaced) and without NUL, both as U+FFFD. */
export function storableText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\0') ? wellFormed.replaceAll('\0', '\uFFFD') : wellFormed;
}

/**
 * Fields the stores index (and their companions): at most MAX_INDEXED characters, the rest cut and
 * marked. PostgreSQL refuses a row whose index entry passes about 2,700 bytes, so a longer value (a
 * consumer id from a client's claim) would make an event unstorable on purpose: it would be replaced
 * by a placeholder without its consumer, path or decisions. 512 UTF-16 units are at most 1,536 bytes.
 */
const INDEXED_FIELDS = new Set(['chain', 'requestId', 'clientIp', 'consumer', 'subject', 'api', 'operation', 'method', 'policy', 'verdict', 'reason']);
const MAX_INDEXED = 512;
const CUT = '…[cut]';

/** Makes every string of the event storable, in place (the writer's own buffered event: no copy). */
export function makeStorable(event: Unhashed): void {
  const fields = event as unknown as Record<string, unknown>;
  for (const name of TEXT_FIELDS) {
    const value = fields[name];
    if (typeof value !== 'string') continue;
    let text = storableText(value);
    if (text.length > MAX_INDEXED && INDEXED_FIELDS.has(name)) text = storableText(text.slice(0, MAX_INDEXED - CUT.length)) + CUT;
    if (text !== value) fields[name] = text;
  }
}
