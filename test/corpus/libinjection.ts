// libinjection test data: one URL-encoded payload per line, sent as a query parameter value.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestLike } from '../../src/detect/index.ts';

export interface LibinjectionCase {
  file: string;
  kind: 'sqli' | 'xss' | 'benign';
  line: string;
  request: RequestLike;
}

export function loadLibinjection(root: string): LibinjectionCase[] {
  const out: LibinjectionCase[] = [];
  for (const file of readdirSync(root).sort()) {
    const kind = file.startsWith('sqli-') ? 'sqli' : file.startsWith('xss-') ? 'xss' : file === 'false_positives.txt' ? 'benign' : null;
    if (!kind) continue;
    for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
      const l = line.replace(/\r$/, '');
      if (l.trim() === '' || l.startsWith('#')) continue;
      // Lines are URL-encoded already; a bare `&` or `#` would split or cut the query, so escape them.
      const value = l.replaceAll('&', '%26').replaceAll('#', '%23').replaceAll(' ', '%20');
      out.push({ file, kind, line: l, request: { method: 'GET', path: '/search', rawQuery: `q=${value}`, headers: { 'user-agent': 'corpus' } } });
    }
  }
  return out;
}
