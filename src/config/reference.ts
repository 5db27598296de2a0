// Renders the configuration reference (docs/configuration.md) from the schema, so the docs cannot
// drift from what the loader accepts. `npm run docs` writes it; a test fails when it is stale.
import type { PolicyFactory } from '../core/policy.ts';

type Schema = Record<string, any>;

export function renderReference(schema: Schema, policies: readonly PolicyFactory[]): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from the schema by `npm run docs`. Do not edit by hand. -->',
    '',
    'Portcullis reads one YAML (or JSON) file. Any string may use `${NAME}`, `${NAME:-default}` (environment',
    'variables) and `${file:PATH}` (the trimmed content of a file, relative to the config file: use it for',
    'secrets). A value that is only `${NAME}` and holds a whole number becomes a number. Unknown keys are',
    'errors. `portcullis schema` prints the JSON Schema for editors; `portcullis check -c FILE` validates.',
    '',
    'Durations are milliseconds or strings like `250ms`, `5s`, `2m`, `1h`, `1d`; sizes are bytes or strings',
    'like `512b`, `16kb`, `1mb`.',
    '',
    '## Top level',
    '',
  ];
  table(schema, '', lines);
  lines.push('## Policies', '', 'Policies can be set globally (`policies`), per API (`apis[].policies`) and per operation', '(`apis[].operations.<operationId>.policies` or `apis[].routes[].policies`). An inner level replaces', 'an outer one policy by policy; `false` turns an inherited policy off. Every policy takes', '`mode: enforce | report` (report decides and logs but lets the request through). The lifecycle phase', 'fixes the order in which they run.', '');
  for (const p of policies) {
    lines.push(`### \`${p.name}\` (phase: ${p.phase}${p.defaultOn ? ', on by default' : ''})`, '', p.description, '');
    table({ properties: { mode: { type: 'string', enum: ['enforce', 'report'], default: 'enforce', description: 'report: decide and log, but let the request through.' }, ...(p.schema.properties as Record<string, unknown>) } }, '', lines, false);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function table(schema: Schema, prefix: string, lines: string[], recurse = true): void {
  const rows: Schema[] = [];
  lines.push('| key | type | default | description |', '|---|---|---|---|');
  for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const path = `${prefix}${key}`;
    lines.push(`| \`${path}\` | ${typeOf(sub)} | ${sub.default === undefined ? '' : `\`${JSON.stringify(sub.default)}\``} | ${escapeCell(sub.description ?? '')}${sub.enum ? ` One of: ${sub.enum.map((e: unknown) => `\`${e}\``).join(', ')}.` : ''} |`);
    if (!recurse || key === 'policies') continue;
    const nested = sub.type === 'array' ? sub.items : typeof sub.additionalProperties === 'object' ? sub.additionalProperties : sub;
    const nestedPath = sub.type === 'array' ? `${path}[]` : typeof sub.additionalProperties === 'object' ? `${path}.<name>` : path;
    if (nested?.properties) rows.push({ ...nested, __path: nestedPath });
  }
  lines.push('');
  for (const row of rows) {
    lines.push(`### \`${row.__path}\``, '', escapeCell(row.description ?? ''), '');
    table(row, `${row.__path}.`, lines);
  }
}

function typeOf(s: Schema): string {
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  return s.type === 'array' ? `array of ${s.items?.type ?? 'object'}` : t;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
