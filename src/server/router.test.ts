import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteConflictError, Router } from './router.ts';

/** The captured parameters as a plain object (the router's have no prototype), or false. */
function paramsOf(r: ReturnType<Router<string>['lookup']>): Record<string, string> | false {
  return r.kind === 'match' && { ...r.match.params };
}

function router() {
  const r = new Router<string>();
  r.add('GET', '/users', 'listUsers');
  r.add('POST', '/users', 'createUser');
  r.add('GET', '/users/me', 'me');
  r.add('GET', '/users/{id}', 'getUser');
  r.add('DELETE', '/users/{userId}', 'deleteUser');
  r.add('GET', '/users/{id}/orders/{orderId}', 'getOrder');
  r.add('GET', '/files/{name}.{ext}', 'file');
  r.add('*', '/proxy/*', 'proxy');
  return r;
}

test('static segments win over parameters', () => {
  const r = router().lookup('GET', '/users/me');
  assert.equal(r.kind === 'match' && r.match.value, 'me');
});

test('parameters are captured with the names of their own template', () => {
  const r = router();
  const get = r.lookup('GET', '/users/42/orders/7');
  assert.deepEqual(paramsOf(get), { id: '42', orderId: '7' });
  const del = r.lookup('DELETE', '/users/42');
  assert.deepEqual(paramsOf(del), { userId: '42' });
});

test('parameters are own properties, whatever their names: none is inherited, __proto__ is one', () => {
  const r = new Router<string>();
  r.add('GET', '/a/{__proto__}', 'proto');
  r.add('GET', '/b/{id}', 'plain');
  const proto = r.lookup('GET', '/a/x');
  assert.ok(proto.kind === 'match');
  assert.equal(Object.getOwnPropertyDescriptor(proto.match.params, '__proto__')?.value, 'x');
  const plain = r.lookup('GET', '/b/1');
  assert.ok(plain.kind === 'match');
  for (const name of ['constructor', 'valueOf', 'toString', '__proto__']) assert.equal(plain.match.params[name], undefined, name);
});

test('mixed segments and catch-alls', () => {
  const r = router();
  const f = r.lookup('GET', '/files/report.pdf');
  assert.deepEqual(paramsOf(f), { name: 'report', ext: 'pdf' });
  const p = r.lookup('PATCH', '/proxy/a/b/c');
  assert.deepEqual(paramsOf(p), { '*': 'a/b/c' });
  for (const [path, rest] of [['/proxy', ''], ['/proxy/', ''], ['/proxy//x', '/x'], ['/proxy/a/', 'a/']]) {
    const m = r.lookup('GET', path!);
    assert.deepEqual(paramsOf(m), { '*': rest }, path);
  }
  const root = new Router<string>();
  root.add('*', '/*', 'all');
  for (const [path, rest] of [['/', ''], ['/small', 'small'], ['/a/b', 'a/b']]) {
    const m = root.lookup('GET', path!);
    assert.deepEqual(paramsOf(m), { '*': rest }, path);
  }
});

test('405 lists the allowed methods, HEAD follows GET', () => {
  const r = router();
  assert.deepEqual(r.lookup('PUT', '/users'), { kind: 'method-not-allowed', allow: 'GET, HEAD, POST' });
  const head = r.lookup('HEAD', '/users/9');
  assert.equal(head.kind === 'match' && head.match.value, 'getUser');
});

test('unknown paths, empty parameters and trailing slashes are not found (with path variants allowed for the latter)', () => {
  const r = router();
  for (const p of ['/nope', '/users/42/orders', '/users//orders/1', '/'])
    assert.equal(r.lookup('GET', p).kind, 'not-found', p);
  const lenient = new Router<string>({ pathVariants: true });
  lenient.add('GET', '/users/{id}', 'getUser');
  assert.equal(lenient.lookup('GET', '/users/42/').kind, 'not-found');
});

test('a route defined twice is a conflict', () => {
  const r = router();
  assert.throws(() => r.add('GET', '/users/{other}', 'x'), RouteConflictError);
});

test('a case variant of a static segment that would reach another route is told apart, unless case variants are allowed', () => {
  const r = router();
  r.add('GET', '/products/{id}', 'getProduct');
  r.add('GET', '/products/export', 'exportProducts');
  // A case-insensitive upstream would serve /users/me and /products/export for these.
  for (const p of ['/users/ME', '/users/Me', '/products/EXPORT', '/USERS/42', '/Users/me'])
    assert.deepEqual(r.lookup('GET', p).kind, 'variant', p);
  // Exact spellings, and variants whose case-folded path reaches nothing else, route as before.
  assert.equal((r.lookup('GET', '/users/me') as { match: { value: string } }).match.value, 'me');
  assert.equal((r.lookup('GET', '/users/Bob') as { match: { value: string } }).match.value, 'getUser');
  assert.equal((r.lookup('GET', '/products/Widget') as { match: { value: string } }).match.value, 'getProduct');
  assert.equal(r.lookup('GET', '/USERS/42/x').kind, 'not-found');
  // A trailing slash: a lenient upstream serves the path without it.
  for (const p of ['/users/me/', '/users/42/', '/users/ME/', '/products/export/']) assert.equal(r.lookup('GET', p).kind, 'variant', p);
  assert.equal((r.lookup('GET', '/proxy/a/') as { match: { value: string } }).match.value, 'proxy', 'the same route either way');
  // Literal text of a template segment in another case.
  r.add('GET', '/v1/report-{id}', 'report');
  r.add('GET', '/v1/{slug}', 'page');
  assert.equal(r.lookup('GET', '/v1/REPORT-5').kind, 'variant');
  assert.equal((r.lookup('GET', '/v1/report-5') as { match: { value: string } }).match.value, 'report');
  assert.equal((r.lookup('GET', '/v1/about') as { match: { value: string } }).match.value, 'page');
  const lenient = new Router<string>({ pathVariants: true });
  lenient.add('GET', '/users/me', 'me');
  lenient.add('GET', '/users/{id}', 'getUser');
  assert.equal((lenient.lookup('GET', '/users/ME') as { match: { value: string } }).match.value, 'getUser');
});

test('trailing dots and spaces, and a suffix where a catch-all would take it, are variants of a static segment', () => {
  const r = new Router<string>();
  r.add('POST', '/login', 'login');
  r.add('GET', '/users/me', 'me');
  r.add('GET', '/users/{id}', 'getUser');
  r.add('GET', '/files/report', 'report');
  r.add('GET', '/files/{name}', 'file');
  r.add('GET', '/openapi.json', 'spec');
  r.add('GET', '/api/v1/orders', 'orders');
  r.add('*', '/*', 'other');
  const value = (method: string, p: string) => {
    const found = r.lookup(method, p);
    return found.kind === 'match' ? found.match.value : found.kind;
  };
  // IIS and Windows trim trailing dots and spaces; .NET and Python trim every Unicode space.
  for (const p of ['/login.', '/login..', '/login%20', '/login.%20.', '/login%C2%A0', '/login%E2%80%89', '/login%E3%80%80', '/LOGIN.', '/login./', '/login%20/'])
    assert.equal(value('POST', p), 'variant', p);
  assert.equal(value('GET', '/api/v1./orders'), 'variant', 'any segment');
  assert.equal(value('GET', '/users/me.'), 'variant', 'also where a template would take it');
  // Spring's suffix pattern matching serves /login for /login.json; only a catch-all would take it here.
  for (const p of ['/login.json', '/login.json.', '/login.tar.gz', '/login.json/']) assert.equal(value('POST', p), 'variant', p);
  assert.equal(value('GET', '/api/v1/orders.xml'), 'variant');
  assert.equal(value('GET', '/openapi.yaml'), 'other', 'a documented segment with a dot of its own gets no suffix');
  // Routed as before: exact spellings, file names under a template, variants that reach no other route.
  assert.equal(value('POST', '/login'), 'login');
  assert.equal(value('GET', '/openapi.json'), 'spec');
  assert.equal(value('GET', '/files/report.pdf'), 'file');
  assert.equal(value('GET', '/users/me.json'), 'getUser');
  assert.equal(value('GET', '/users/42.'), 'getUser', 'the same route either way');
  for (const p of ['/about.html', '/...', '/login%2520', '/login%20x', '/x/login.']) assert.equal(value('GET', p), 'other', p);
  assert.equal(value('GET', '/files/report.'), 'variant', 'a trailing dot is never part of a name on Windows');
  // An upstream that routes strictly.
  const strict = new Router<string>({ pathVariants: true });
  strict.add('POST', '/login', 'login');
  strict.add('*', '/*', 'other');
  for (const p of ['/login.', '/login%20', '/login.json']) {
    const found = strict.lookup('POST', p);
    assert.equal(found.kind === 'match' && found.match.value, 'other', p);
  }
});
