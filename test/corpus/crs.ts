// Loads the OWASP CRS regression tests (go-ftw YAML) as labelled requests.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RequestLike } from '../../src/detect/index.ts';
import { testParanoia } from './crs-paranoia.ts';

export interface CrsCase {
  id: string; // `942100-3`
  family: string; // `942`
  kind: 'attack' | 'benign' | 'unlabelled';
  /** Attacks: 3 or 4 when every rule of the family the test expects runs only at that level in CRS
   *  (see crs-paranoia.ts), 1 otherwise (levels 1 and 2 are not told apart). */
  paranoia: 1 | 3 | 4;
  desc: string;
  request: RequestLike | null; // null: not expressible as inputs (see `reason`)
  reason?: string;
  /** The raw request of an `encoded_request` test (only a gateway can be sent it). */
  rawRequest?: Buffer;
  /** The HTTP version the test asks for ("HTTP/1.1" when it does not say). */
  version?: string;
}

// Tests with only `no_expect_ids` are benign only when described as false-positive checks.
const FP_DESC = /false.?positive|negative|\bfp\b|should (?:not|pass)|shouldn'?t|don'?t (?:match|detect|block)|not (?:be )?(?:match|detect|block)|no fp|legitimate|benign|valid usage|must not/i;

// "False negative" describes an attack a rule misses: never a benign input, whatever the ids say.
const FALSE_NEGATIVE = /false.?negative/i;

const KNOWN_FP = /known false.?positive|expected (?:\(rare\) )?false.?positive|\(expected failure\)/i;

interface Stage {
  input?: Record<string, any>;
  output?: Record<string, any>;
}

/**
 * A test's body as a client sends it. The YAML files write multipart bodies with LF line breaks, which
 * ModSecurity accepts; every real client sends CRLF, and the gateway refuses a multipart body with
 * LF-only delimiters (parsers split it differently: PHP and Go at LF, busboy only at CRLF). Sent with
 * CRLF, the test measures what it was written for: the content of its parts.
 */
function body(data: string, contentType: string | undefined): string {
  return contentType !== undefined && /^\s*multipart\//i.test(contentType) ? data.replace(/(?<!\r)\n/g, '\r\n') : data;
}

function toRequest(input: Record<string, any>): RequestLike | null {
  if (input.encoded_request !== undefined) return null;
  const uri = String(input.uri ?? '/');
  const q = uri.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k] = String(v);
  const ct = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return {
    method: String(input.method ?? 'GET'),
    path: q < 0 ? uri : uri.slice(0, q),
    rawQuery: q < 0 ? '' : uri.slice(q + 1),
    headers,
    ...(input.data !== undefined ? { body: body(String(input.data), ct) } : {}),
    ...(ct !== undefined ? { contentType: ct } : {}),
  };
}

export function loadCrs(root: string, families: readonly string[]): CrsCase[] {
  const out: CrsCase[] = [];
  for (const dir of readdirSync(root).sort()) {
    const fam = /^REQUEST-(\d{3})-/.exec(dir)?.[1];
    if (!fam || !families.includes(fam)) continue;
    for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.yaml')).sort()) {
      const doc = parse(readFileSync(join(root, dir, file), 'utf8'));
      for (const t of doc?.tests ?? []) {
        const stages: Stage[] = (t.stages ?? []).map((s: any) => (s.input ? s : s.stage));
        // The stage that carries the expectation is the one under test.
        const stage = stages.find((s) => s.output?.log?.expect_ids || s.output?.expect_ids) ?? stages[stages.length - 1];
        if (!stage?.input) continue;
        const o = stage.output ?? {};
        const expect: number[] = o.log?.expect_ids ?? o.expect_ids ?? [];
        const noExpect: number[] = o.log?.no_expect_ids ?? o.no_expect_ids ?? [];
        const desc = String(t.desc ?? '').trim();
        const famIds = expect.filter((id) => String(id).startsWith(fam));
        // A test its authors describe as a known false positive of the rule is a benign input the
        // rule matches anyway (`O'keefe's`): it counts as benign, not as an attack to block.
        const knownFp = KNOWN_FP.test(desc);
        const kind = famIds.length > 0 && !knownFp ? 'attack' : knownFp || (noExpect.length > 0 && FP_DESC.test(desc) && !FALSE_NEGATIVE.test(desc)) ? 'benign' : 'unlabelled';
        const request = toRequest(stage.input);
        out.push({
          id: `${doc.rule_id}-${t.test_id}`,
          family: fam,
          kind,
          paranoia: testParanoia(famIds, fam),
          desc,
          request,
          ...(request === null ? { reason: 'raw encoded_request (HTTP framing, not an input)', rawRequest: Buffer.from(String(stage.input.encoded_request), 'base64') } : {}),
          ...(typeof stage.input.version === 'string' ? { version: stage.input.version } : {}),
        });
      }
    }
  }
  return out;
}
