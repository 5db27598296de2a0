// The path as a whole (traversal needs the sequence) and each segment (a path parameter is a value
// like any other). Both are percent-decoded once; further layers are the normalizer's job.

import { formDecode, percentDecode } from '../normalize/url.ts';
import type { Input } from '../types.ts';

export function pathInputs(path: string, out: Input[], maxSegments: number): void {
  const decoded = percentDecode(path);
  out.push({ location: 'path', name: '', value: decoded });
  const segments = path.split('/');
  let n = 0;
  for (let i = 0; i < segments.length && n < maxSegments; i++) {
    const seg = segments[i]!;
    if (seg === '') continue;
    n++;
    // A segment equal to the whole path adds nothing. `+` reads as a space, as many servers do.
    const value = formDecode(seg);
    if (value !== decoded.slice(1)) out.push({ location: 'path', name: String(i), value });
  }
}
