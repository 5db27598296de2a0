import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DOC_PATH, renderGenerated, updateDocument } from './docs.ts';
import { RULES } from './rules/index.ts';

test('docs/audit.md is up to date with the rule definitions (regenerate: node src/audit/docs.ts)', () => {
  const page = readFileSync(DOC_PATH, 'utf8');
  assert.equal(updateDocument(page), page, 'docs/audit.md is out of date: run `node src/audit/docs.ts`');
  for (const rule of RULES) assert.ok(page.includes(`\`${rule.id}\``), rule.id);
});

test('the generated part names every rule with its severity, category and CWE', () => {
  const generated = renderGenerated();
  for (const rule of RULES) {
    const row = generated.split('\n').find((line) => line.startsWith(`| \`${rule.id}\``));
    assert.ok(row, rule.id);
    assert.ok(row.includes(` ${rule.severity} `) && row.includes(rule.category) && row.includes(`CWE-${rule.cwe}`), rule.id);
  }
});
