// `multipart/form-data` bodies: each part's field value (text parts) and file name. Binary file
// contents are not inspected (only their first bytes would be meaningful, and uploads are
// the job of a dedicated scanner).

import type { Input } from '../types.ts';

export function boundaryOf(contentType: string): string | null {
  const m = /;\s{0,8}boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

const NAME = /;\s{0,8}name=(?:"([^"]{0,1024})"|([^;]{0,1024}))/i;
const FILENAME = /;\s{0,8}filename=(?:"([^"]{0,1024})"|([^;]{0,1024}))/i;

function param(disposition: string, key: 'name' | 'filename'): string | null {
  const m = (key === 'name' ? NAME : FILENAME).exec(disposition);
  return m ? (m[1] ?? m[2] ?? '').trim() : null;
}

export function multipartInputs(body: string, boundary: string, out: Input[], maxParts: number): void {
  const delim = `--${boundary}`;
  const chunks = body.split(delim);
  let n = 0;
  for (let i = 1; i < chunks.length && n < maxParts; i++) {
    let chunk = chunks[i]!;
    if (chunk.startsWith('--')) break;
    chunk = chunk.replace(/^\r?\n/, '');
    const sep = /\r?\n\r?\n/.exec(chunk);
    const head = sep ? chunk.slice(0, sep.index) : chunk;
    let content = sep ? chunk.slice(sep.index + sep[0].length) : '';
    content = content.replace(/\r?\n$/, '');
    n++;
    let name = '';
    let filename: string | null = null;
    let type = '';
    for (const line of head.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const h = line.slice(0, colon).trim().toLowerCase();
      const v = line.slice(colon + 1);
      if (h === 'content-disposition') {
        name = param(v, 'name') ?? '';
        filename = param(v, 'filename');
      } else if (h === 'content-type') type = v.trim().toLowerCase();
    }
    if (filename !== null) {
      out.push({ location: 'multipart', name: `${name}.filename`, value: filename });
      // File contents only when declared as text.
      if (!type.startsWith('text/') && type !== '') continue;
    }
    out.push({ location: 'multipart', name, value: content.slice(0, 65536) });
  }
}
