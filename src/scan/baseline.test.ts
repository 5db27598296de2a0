import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHECK_INFOS } from './checks/index.ts';
import { applyScanBaseline, readScanBaseline, writeScanBaseline } from './baseline.ts';
import { renderJson } from './report/json.ts';
import { renderJunit } from './report/junit.ts';
import { renderSarif } from './report/sarif.ts';
import { atOrAbove, summaryLine } from './report/summary.ts';
import { renderText } from './report/text.ts';
import type { Finding, ScanResult } from './types.ts';

const finding = (check: string, operation: string, severity: Finding['severity']): Finding => ({
  check, title: check, category: 'API1:2023', severity, confidence: 'confirmed', cwe: 639, operation, message: `${check} on ${operation}`, evidence: [], curl: '',
});
const bola = finding('bola-read', 'GET /api/v2/orders/{orderId}', 'high');
const exposure = finding('excessive-data-exposure', 'GET /api/v2/me', 'medium');
const result: ScanResult = {
  target: 'http://127.0.0.1:3000/', spec: 'openapi.yaml', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000, requests: 10, budget: 100, identities: [],
  findings: [bola, exposure],
  checks: [{ check: 'bola-read', status: 'ran', tested: ['GET /api/v2/orders/{orderId}'] }, { check: 'excessive-data-exposure', status: 'ran', tested: ['GET /api/v2/me'] }],
  infos: CHECK_INFOS,
  errors: [],
};

test('a written baseline accepts every finding of that scan; a new finding still fails', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-baseline-'));
  try {
    const file = join(dir, 'baseline.json');
    writeScanBaseline(file, [exposure, exposure]);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(doc.findings.length, 1, 'one entry per check and operation');
    const entries = readScanBaseline(file);
    assert.deepEqual(entries, [{ check: 'excessive-data-exposure', operation: 'GET /api/v2/me' }]);

    const applied = applyScanBaseline(result, [...entries, { check: 'bfla', operation: 'GET /api/v2/admin/users' }]);
    assert.deepEqual(applied.findings, [bola]);
    assert.deepEqual(applied.baseline!.suppressed, [exposure]);
    assert.deepEqual(applied.baseline!.gone, [{ check: 'bfla', operation: 'GET /api/v2/admin/users' }]);
    assert.equal(atOrAbove(applied.findings, 'medium').length, 1, 'only the new finding counts for --fail-on');
    assert.match(summaryLine(applied), /^1 finding \(1 high\); 1 accepted by the baseline;/);

    const text = renderText(applied);
    assert.match(text, /Accepted by the baseline \(1\):\n {2}medium excessive-data-exposure: GET \/api\/v2\/me/);
    assert.match(text, /In the baseline but not found by this scan .*\(1\):\n {2}bfla: GET \/api\/v2\/admin\/users/);
    const json = JSON.parse(renderJson(applied, '1.0.0'));
    assert.equal(json.findings.length, 1);
    assert.equal(json.baseline.suppressed[0].check, 'excessive-data-exposure');
    const sarif = JSON.parse(renderSarif(applied, '1.0.0')).runs[0].results;
    assert.deepEqual(sarif.map((r: { ruleId: string; baselineState: string; suppressions?: unknown[] }) => [r.ruleId, r.baselineState, r.suppressions?.length ?? 0]), [['bola-read', 'new', 0], ['excessive-data-exposure', 'unchanged', 1]]);
    const junit = renderJunit(applied);
    assert.match(junit, /<skipped message="accepted by the baseline: excessive-data-exposure on GET \/api\/v2\/me"\/>/);
    assert.match(junit, /failures="1"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a broken baseline is a usage error that names the file and what is wrong', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-baseline-'));
  try {
    const file = join(dir, 'b.json');
    await writeFile(file, '{"findings":');
    assert.throws(() => readScanBaseline(file), /--baseline .*b\.json: the file is not valid JSON/);
    await writeFile(file, '{"findings":[{"check":"bola-read"}]}');
    assert.throws(() => readScanBaseline(file), /findings\[0\] needs a "check" and an "operation" string/);
    await writeFile(file, '[]');
    assert.throws(() => readScanBaseline(file), /an object with a "findings" array/);
    assert.throws(() => readScanBaseline(join(dir, 'missing.json')), /cannot be read \(ENOENT\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
