// Our own benign corpus: realistic API traffic, one JSON request per line in `benign/*.jsonl`.
//   {"method":"POST","path":"/v1/users","query":"a=b","headers":{...},"json":{...}}  (or "body" + "contentType")

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestLike } from '../../src/detect/index.ts';

export interface BenignCase {
  id: string;
  request: RequestLike;
}

export function loadBenign(dir: string): BenignCase[] {
  const out: BenignCase[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        const r = JSON.parse(line);
        const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', ...r.headers };
        let body: string | undefined = r.body;
        let contentType: string | undefined = r.contentType;
        if (r.json !== undefined) {
          body = JSON.stringify(r.json);
          contentType = 'application/json';
        }
        if (contentType) headers['content-type'] = contentType;
        out.push({
          id: `${file}:${i + 1}`,
          request: {
            method: r.method ?? 'GET',
            path: r.path ?? '/',
            rawQuery: r.query ?? '',
            headers,
            ...(body !== undefined ? { body } : {}),
            ...(contentType ? { contentType } : {}),
          },
        });
      });
  }
  return out;
}
