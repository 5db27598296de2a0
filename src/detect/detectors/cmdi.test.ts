// Command injection: the shell's own ways of hiding a command, and text that merely looks like one
// (paranoia 2).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, type Input } from '../index.ts';

const d = compileDetector();
const q = (value: string, name = 'x'): Input => ({ location: 'query', name, value });

const ATTACKS: Input[] = [
  q("'w'ho'am'i"), // quotes inside the command name
  q('cu$@rl evil.example'), // empty special parameter
  q('pi``ng 127.0.0.1'), // empty substitution
  q('pi$()ng 127.0.0.1'),
  q('c{a,oun}t /etc/hostname'), // brace expansion
  q('{,ifconfig}'),
  q('a=/etc&&b=/passwd&&c=cat&&$c $a$b'), // variables assigned in the value
  q('echo | ${x.y}gcc7.4 -o x x.c'),
  q('time sh -c id'), // wrappers
  q('nohup ifconfig'),
  q('python3.10 -c "print(1)"'), // versioned name
  q('ansible-vault decrypt secret'), // a program's hyphenated tool
  q('f(){ f|f& };f'), // fork bomb
  q('~+'),
  q('for /f "tokens=*" %G in (\'dir /b\') do echo %G'),
  q('IF /I NOT 1==2 CMD'),
  q('if not (2 equ 2) echo hey'),
  q('/usr/[a-z]in/bash'),
  q('cat /etc/pas[s]wd'),
  q('www.example.com;c$@at /et$@c/pas$@swd'),
  q('time; chef-client -t 1.1.1.1'),
  q('0.1`echo${IFS}a``echo${IFS}b`'),
  q('cd /tmp;cd x;head secrets'), // three programs chained
  q('chef-run all cookbook.rb'), // a program and a script for it
  q("kill '-'9 1"),
  q('x;. rm -rf ~'), // sourced
  q('"cscli" decisions list'),
  q('1;.shell id'), // SQLite dot command
  { location: 'multipart', name: 'file.filename', value: '.htaccess' },
  { location: 'header', name: 'x-filename', value: 'wp-config. php' },
];

const BENIGN: Input[] = [
  q("O'Keefe's"),
  q('Pa$$w0rd!', 'password'),
  q('{id,name}', 'fields'),
  q('*.{js,ts}', 'glob'),
  q('${total}', 'template'),
  q('Axel Smith', 'name'),
  q('passwd reset help'),
  q('| column | type |\n|---|---|\n| id | integer |'),
  q('```python'),
  q('if (a == b) { return x; }'),
  q('for each item in the cart'),
  q('time travel'),
  q('/catalog/items[0]/name', 'pointer'),
  q('follow-up -- see notes'),
  q('cats; dogs; birds'),
  q('more; less; same'),
  q('python'),
  q('ansible'),
  q('run report.py tomorrow'),
  { location: 'form', name: 'v', value: 'Notes:\nAuth flow changed last week' },
  { location: 'multipart', name: 'file.filename', value: 'holiday.jpg' },
  { location: 'header', name: 'x-filename', value: 'report-settings.pdf' },
];

test('obfuscated and indirect commands are blocked', () => {
  for (const input of ATTACKS) {
    const v = d.inspect([input]);
    assert.ok(v.matches.some((m) => m.class === 'cmdi') && v.blocked, `not blocked: ${input.value}`);
  }
});

test('shell look-alikes pass', () => {
  for (const input of BENIGN) {
    const v = d.inspect([input]);
    assert.equal(v.blocked, false, `${input.value}: ${v.matches.map((m) => `${m.rule} «${m.evidence}»`).join(', ')}`);
  }
});

test('mail protocol commands opening a value are blocked, however long the value', () => {
  for (const value of ['\r\nA1 APPEND inbox (\\Seen) {42}\r\n' + 'x'.repeat(300), '\r\nAUTH xoauth2 dXNlcj1hQGIuYw==']) {
    const v = d.inspect([{ location: 'form', name: 'v', value }]);
    assert.ok(v.blocked && v.matches.some((m) => m.class === 'crlf'), `not blocked: ${JSON.stringify(value.slice(0, 40))}`);
  }
});
