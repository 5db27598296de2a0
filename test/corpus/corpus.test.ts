// Detection and false-positive targets at the default paranoia level (2), on the shared corpora
// (OWASP CRS regression tests, libinjection data) and our own benign API traffic. `npm run corpus`
// prints the full table; this test fails when a rate drops below its bound.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDetector } from '../../src/detect/index.ts';
import { BENIGN_DIR, CORPORA, evaluate, type Results, rate } from './evaluate.ts';

const available = existsSync(join(CORPORA, 'crs-regression')) && existsSync(join(CORPORA, 'libinjection'));
let results: Results | undefined;
const r = (): Results => (results ??= evaluate(compileDetector()));

const tpr = (group: string) => rate(r().byClass.get(group)!.blocked, r().byClass.get(group)!.attacks)!;
const tnr = (group: string) => rate(r().byClass.get(group)!.passed, r().byClass.get(group)!.benign)!;
// Only the CRS tests of rules that CRS itself runs at paranoia 1 or 2 (see crs-paranoia.ts).
const tprAtLevel = (group: string) => rate(r().byClassAtLevel.get(group)!.blocked, r().byClassAtLevel.get(group)!.attacks)!;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

// Families that meet the 95% target on all their tests: asserted at the target.
for (const group of ['crs-930 lfi/traversal', 'crs-934 generic/node/ssrf', 'crs-941 xss', 'crs-944 java']) {
  test(`${group}: at least 95% of attacks blocked`, { skip: !available && 'corpora not found' }, () => {
    assert.ok(tpr(group) >= 0.95, `${group}: ${pct(tpr(group))}`);
  });
}

// The families counted on the tests of rules CRS runs at levels 1 and 2, the default level
// being 2: the target is met there, and asserted.
for (const group of ['crs-932 rce', 'crs-941 xss', 'crs-942 sqli']) {
  test(`${group}: at least 95% of the tests of PL1/PL2 rules blocked`, { skip: !available && 'corpora not found' }, () => {
    assert.ok(tprAtLevel(group) >= 0.95, `${group}: ${pct(tprAtLevel(group))}`);
  });
}

// Counted on all their tests, PL3/PL4 rules included, 932 and 942 are short of the target: it is
// reported as a todo, and the level reached is asserted so that it cannot silently regress.
for (const [group, floor] of [['crs-932 rce', 0.919], ['crs-942 sqli', 0.916]] as const) {
  test(`${group}: at least 95% of attacks blocked`, { skip: !available && 'corpora not found', todo: 'below target counting PL3/PL4 rules, see the corpus table' }, () => {
    assert.ok(tpr(group) >= 0.95, `${group}: ${pct(tpr(group))}`);
  });
  test(`${group}: no regression below ${pct(floor)}`, { skip: !available && 'corpora not found' }, () => {
    assert.ok(tpr(group) >= floor, `${group}: ${pct(tpr(group))}`);
  });
}

// Families outside the targets (PHP, remote file inclusion): the level reached, kept.
for (const [group, floor] of [['crs-931 rfi', 0.3], ['crs-933 php', 0.745]] as const) {
  test(`${group}: no regression below ${pct(floor)}`, { skip: !available && 'corpora not found' }, () => {
    assert.ok(tpr(group) >= floor, `${group}: ${pct(tpr(group))}`);
  });
}

// The CRS tests that must pass (false-positive checks and known false positives of CRS rules):
// detection gains must not be paid for with blocked benign requests.
for (const [group, floor] of [
  ['crs-930 lfi/traversal', 1],
  ['crs-932 rce', 0.955],
  ['crs-933 php', 0.92],
  ['crs-934 generic/node/ssrf', 0.89],
  ['crs-941 xss', 0.94],
  ['crs-942 sqli', 0.89],
] as const) {
  test(`${group}: at least ${pct(floor)} of its benign tests passed`, { skip: !available && 'corpora not found' }, () => {
    assert.ok(tnr(group) >= floor, `${group}: ${pct(tnr(group))}`);
  });
}

test('libinjection: SQLi and XSS lines blocked as query values, at the levels reached (98.1%, 97.4%)', { skip: !available && 'corpora not found' }, () => {
  assert.ok(tpr('libinjection sqli') >= 0.98, `sqli ${pct(tpr('libinjection sqli'))}`);
  assert.ok(tpr('libinjection xss') >= 0.973, `xss ${pct(tpr('libinjection xss'))}`);
});

test('libinjection: at least 98% of false_positives.txt passed (99% reached, kept)', { skip: !available && 'corpora not found' }, () => {
  assert.ok(tnr('libinjection false_positives') >= 0.99, pct(tnr('libinjection false_positives')));
});

test('our benign API corpus: every request passes', { skip: !existsSync(BENIGN_DIR) && 'benign corpus not found' }, () => {
  const fps = r().misses.filter((m) => m.group === 'portcullis benign');
  assert.ok((r().byClass.get('portcullis benign')?.benign ?? 0) >= 300, 'benign corpus has fewer than 300 requests');
  assert.deepEqual(fps.map((m) => `${m.id}: ${m.detail}`), []);
});
