// Client-controlled values used as keys (rate-limit counters, anomaly blocks): a long or odd value is
// replaced by its SHA-256, so every key stays short, printable, and no value can forge a separator
// (or pass for another value's hash: a plain value never starts with "#").
import { hash } from 'node:crypto';

const MAX_PLAIN = 200;

/** The value itself when short and printable, else "#" + its SHA-256 (base64url). */
export function bounded(value: string): string {
  if (value.length <= MAX_PLAIN && !hasControl(value) && value.charCodeAt(0) !== 0x23) return value;
  return `#${hash('sha256', value, 'base64url')}`;
}

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
