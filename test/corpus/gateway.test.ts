// The corpora through a real gateway agree with the engine alone: what `npm run corpus` measures is
// what a deployment of examples/waf-only.yaml blocks, HTTP parsing, routing and extraction included.
// A sample of every corpus (every 10th case) keeps it short; `npm run corpus:gateway` sends them all.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDetector } from '../../src/detect/index.ts';
import { CORPORA } from './evaluate.ts';
import { loadCases, sendAll, startWafGateway } from './gateway.ts';

const available = existsSync(join(CORPORA, 'crs-regression')) && existsSync(join(CORPORA, 'libinjection'));

test('the gateway blocks what the engine blocks and passes what it passes', { skip: !available && 'corpora not found' }, async () => {
  const cases = loadCases().filter((c, i) => c.request !== undefined && i % 10 === 0);
  assert.ok(cases.length > 2000, `${cases.length} cases`);
  const gateway = await startWafGateway();
  let outcomes;
  try {
    outcomes = await sendAll(gateway.port, cases, 8);
  } finally {
    await gateway.close();
  }
  const engine = compileDetector();
  const disagreements: string[] = [];
  let refused = 0;
  cases.forEach((c, i) => {
    const outcome = outcomes[i]!;
    assert.notEqual(outcome, 'error', `${c.group} ${c.id}: no answer from the gateway`);
    if (outcome === 'refused') return void refused++;
    const blocked = engine.inspectRequest(c.request!).blocked;
    if ((outcome === 'blocked') !== blocked) disagreements.push(`${c.group} ${c.id}: gateway ${outcome}, engine ${blocked ? 'blocked' : 'passed'}`);
  });
  assert.deepEqual(disagreements, []);
  // Requests the gateway refuses as malformed HTTP never reach the engine: a handful of exotic ones.
  assert.ok(refused <= cases.length * 0.01, `${refused} refused`);
});
