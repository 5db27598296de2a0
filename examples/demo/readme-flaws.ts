// Renders the flaw list of README.md from flaws.json. `node examples/demo/readme-flaws.ts` rewrites the
// part between the markers; spec.test.ts fails when README.md and flaws.json drift apart.
import { readFileSync, writeFileSync } from 'node:fs';

export const START = '<!-- flaws:start (generated from flaws.json by readme-flaws.ts) -->';
export const END = '<!-- flaws:end -->';

/** The shape of flaws.json entries (shared with spec.test.ts). */
export interface Op {
  method: string;
  path: string;
}
export interface Flaw {
  id: string;
  category: string;
  severity: string;
  title: string;
  operation: Op;
  alsoAffects: Op[];
  documented: boolean;
  scope?: 'global';
  description: string;
  reproduce: string[];
  protection: { phase: string; policy: string; how: string }[];
}

export function renderFlaws(ground: { categories: Record<string, string>; flaws: Flaw[] }): string {
  const out: string[] = [START, ''];
  for (const f of ground.flaws) {
    const ops = [f.operation, ...f.alsoAffects].map((o) => `\`${o.method} ${o.path}\``).join(', ');
    out.push(`### \`${f.id}\`: ${f.title}`, '');
    out.push(`${f.category} ${ground.categories[f.category]} · ${f.severity} · ${ops}${f.documented ? '' : ' (undocumented)'}`, '');
    out.push(f.description, '');
    out.push('```sh', ...f.reproduce, '```', '');
    out.push(`Closed by the gateway: ${f.protection.map((p) => `**${p.phase}** (${p.policy}): ${p.how}`).join(' ')}`, '');
  }
  out.push(END);
  return out.join('\n');
}

export function readmeWithFlaws(readme: string, rendered: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md lacks the flaws markers.');
  return readme.slice(0, start) + rendered + readme.slice(end + END.length);
}

if (import.meta.main) {
  const readmeUrl = new URL('./README.md', import.meta.url);
  const ground = JSON.parse(readFileSync(new URL('./flaws.json', import.meta.url), 'utf8'));
  writeFileSync(readmeUrl, readmeWithFlaws(readFileSync(readmeUrl, 'utf8'), renderFlaws(ground)));
}
