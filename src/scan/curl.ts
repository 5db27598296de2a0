// A curl command for an exchange: credentials stay ${VARIABLES} the reader sets before running it.
import type { Exchange } from './types.ts';

const PLACEHOLDER = /\$\{[A-Z0-9_]+\}/g;

/** Double-quoted shell word: placeholders expand, everything else is literal. */
export function shellQuote(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    out += escape(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return `"${out}${escape(text.slice(last))}"`;
}

function escape(text: string): string {
  return text.replace(/[\\"`$]/g, (c) => `\\${c}`);
}

export function curlFor(exchange: Exchange | undefined): string {
  if (!exchange) return '';
  const { method, url, headers, body } = exchange.request;
  const parts = ['curl -si'];
  if (method !== 'GET' || body !== undefined) parts.push(`-X ${method}`);
  for (const [k, v] of Object.entries(headers)) parts.push(`-H ${shellQuote(`${k}: ${v}`)}`);
  if (body !== undefined) parts.push(`--data-raw ${shellQuote(body)}`);
  parts.push(shellQuote(url));
  return parts.join(' ');
}
