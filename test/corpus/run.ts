// `npm run corpus`: detection and false-positive rates on the shared corpora and our benign corpus.
//   PORTCULLIS_CORPORA=/path/to/corpora  PARANOIA=1..4  MISSES=<group substring> to list misses.

import { compileDetector } from '../../src/detect/index.ts';
import { CORPORA, evaluate, formatTable } from './evaluate.ts';

const paranoia = Number(process.env.PARANOIA ?? 2) as 1 | 2 | 3 | 4;
const started = performance.now();
const r = evaluate(compileDetector({ paranoia }), undefined, undefined, paranoia);
const ms = performance.now() - started;

console.log(`corpora: ${CORPORA}  paranoia: ${paranoia}  (${ms.toFixed(0)} ms)\n`);
console.log(formatTable('per attack class', r.byClass));
console.log();
console.log(formatTable(`CRS tests of rules run at PL<=${paranoia}`, r.byClassAtLevel));
console.log();
console.log(formatTable('per placement (all corpora)', r.byPlacement));
console.log(`\nCRS tests with only no_expect_ids and no false-positive description (not counted): ${r.unlabelled}`);
console.log('n/a: tests sent as raw encoded HTTP (encoded_request), which a library of decoded inputs cannot see.');
const filter = process.env.MISSES;
if (filter !== undefined) {
  for (const m of r.misses) if (`${m.group} ${m.kind}`.includes(filter)) console.log(`${m.kind === 'attack' ? 'MISS' : 'FP  '} ${m.group} ${m.id} ${m.detail}`);
}
