// `Cookie: a=1; b=2` into one input per cookie. Values stay as sent; the normalizer decodes them.

import { type Input, markTruncated } from '../types.ts';

export function cookieInputs(header: string, out: Input[], max: number): void {
  let n = 0;
  for (const part of header.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    if (n >= max) return markTruncated(out);
    n++;
    const eq = p.indexOf('=');
    const name = eq < 0 ? '' : p.slice(0, eq).trim();
    let value = eq < 0 ? p : p.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out.push({ location: 'cookie', name, value });
  }
}
