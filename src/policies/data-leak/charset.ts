// What a response's charset allows the data-leak policy to do with its body. Detectors match ASCII
// only and masks are ASCII, so a body can be masked on its bytes wherever every reading of it has each
// ASCII byte as that character and no other byte as an ASCII one: then every reading finds the same
// matches, and the bytes around them go out as they came. That holds for the labels WHATWG maps to
// windows-1252 (iso-8859-1, latin1, us-ascii, ascii, cp1252...): browsers read 0x80–0x9F as windows-1252
// (€, curly quotes), Java and Python's iso-8859-1 as C1 controls, US-ASCII decoders refuse or replace
// every byte from 0x80, and UTF-8 readers (fetch().text()) take them as invalid or multi-byte UTF-8. It
// does not hold for Shift_JIS, GBK, ISO-2022-JP... (an ASCII byte can be half of a character there): such
// a body is decoded and scanned but never rewritten. A charset the gateway cannot decode (UTF-7, EBCDIC)
// could hide anything: not read at all.
import { charsetLabels, utf16Label } from '../../core/json-text.ts';

export type Charset =
  | { readonly kind: 'utf-8' | 'single-byte' }
  /** Decoders (WHATWG names) for the readings that cannot be rewritten. */
  | { readonly kind: 'decoded'; readonly encodings: readonly string[] }
  | { readonly kind: 'unreadable' };

const UTF8: Charset = { kind: 'utf-8' };
const SINGLE_BYTE: Charset = { kind: 'single-byte' };
const MAX_CACHED = 256;
const cache = new Map<string, Charset>();

/**
 * The charset of a Content-Type, by every label it names. UTF-16 and UTF-32 labels count as UTF-8
 * here: the policy reads such bodies decoded (wideEncoding) and as UTF-8 as well.
 */
export function charsetOf(contentType: unknown): Charset {
  if (typeof contentType !== 'string' || !/charset/i.test(contentType)) return UTF8;
  let charset = cache.get(contentType);
  if (charset === undefined) {
    charset = classify(charsetLabels(contentType));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(contentType, charset);
  }
  return charset;
}

function classify(labels: string[]): Charset {
  let singleByte = false;
  const encodings: string[] = [];
  for (const label of labels) {
    // An empty label names nothing: readers use their default, as without one.
    if (label === '' || utf16Label(label) !== undefined || /^utf[-_]?32/.test(label)) continue;
    let encoding: string;
    try {
      encoding = new TextDecoder(label).encoding;
    } catch {
      return { kind: 'unreadable' };
    }
    if (encoding === 'windows-1252') singleByte = true;
    else if (encoding !== 'utf-8' && !encoding.startsWith('utf-16')) encodings.push(encoding);
  }
  return encodings.length > 0 ? { kind: 'decoded', encodings } : singleByte ? SINGLE_BYTE : UTF8;
}

// Bytes 0x80–0xFF are carried as U+F780–U+F7FF (private use) through parsing and masking, so that they
// are told apart from a JSON escape's character (Python's surrogateescape, but JSON.stringify would
// escape a lone surrogate): each goes out as the byte it was, the escaped ones as escapes again.

/** The body's bytes as text, one character per byte. */
export function carry(bytes: Buffer): string {
  // WHATWG's x-user-defined decoder maps 0x80–0xFF to exactly U+F780–U+F7FF: 20 times faster than a
  // replace callback per byte (half a second per megabyte of accented text).
  return CARRY_DECODER.decode(bytes);
}
const CARRY_DECODER = new TextDecoder('x-user-defined');

/** Whether JSON text escapes a character of the carried range (it would go out as a byte): rare. */
export function escapesCarried(text: string): boolean {
  return /\\u[fF]7[89a-fA-F][0-9a-fA-F]/.test(text);
}

/** The bytes of carried text (masked, or JSON written again): other non-ASCII characters as JSON escapes. */
export function uncarry(text: string): Buffer {
  // One pass into a buffer (a replace callback per character cost as much as carry's did); an escape
  // takes 6 bytes, so room for 6 per character.
  const out = Buffer.allocUnsafe(text.length * 6);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) out[n++] = code;
    else if (code >= 0xf780 && code <= 0xf7ff) out[n++] = code - 0xf700;
    else n += out.write(`\\u${code.toString(16).padStart(4, '0')}`, n, 'latin1');
  }
  return out.subarray(0, n);
}
