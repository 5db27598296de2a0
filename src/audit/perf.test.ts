// A large synthetic document (1,200 operations, 800 schemas with nesting and cycles) is audited well
// under 10 s, the budget for GitHub's REST API description (about 1,000 operations).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSpec } from '../openapi/load.ts';
import { syntheticSpec } from '../../test/fixtures/audit/synthetic.ts';
import { auditSpec } from './index.ts';

test('1,200 operations and 800 schemas: loaded and audited in under 10 s', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pcl-audit-perf-'));
  const file = join(dir, 'big.json');
  writeFileSync(file, JSON.stringify(syntheticSpec(240, 800), null, 1));
  return (async () => {
    const started = performance.now();
    const spec = await loadSpec(file);
    const loaded = performance.now();
    const result = auditSpec(spec);
    const done = performance.now();
    t.diagnostic(`operations ${result.operations}, findings ${result.findings.length}, load ${Math.round(loaded - started)} ms, audit ${Math.round(done - loaded)} ms`);
    assert.equal(result.operations, 1201);
    assert.ok(result.findings.length > 1000);
    assert.ok(result.findings.some((f) => f.rule === 'pattern-redos'));
    assert.ok(done - started < 10_000, `took ${Math.round(done - started)} ms`);
  })();
});
