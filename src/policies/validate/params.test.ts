// Reading parameters by style: every copy of a value the schema does not make an array is refused,
// never read as its first or last copy (parsers disagree on which one they keep).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cookieValue, headerValue, membersOf, NO_MEMBERS, ownsQueryKey, parseCookies, parseQuery, pathValue, queryValue, Unreadable, type ParamShape } from './params.ts';

const members = membersOf(
  { type: 'object', properties: { role: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, R: {}, G: {} }, additionalProperties: false },
  (n) => n,
);
const shape = (over: Partial<ParamShape>): ParamShape => ({ name: 'p', in: 'query', style: 'form', explode: true, array: false, object: false, members: NO_MEMBERS, ...over });
const repeated = (v: unknown, member?: string) => {
  assert.ok(v instanceof Unreadable, `expected a refusal, got ${JSON.stringify(v)}`);
  assert.equal(v.reason, 'repeated');
  assert.equal(v.member, member);
};
const malformed = (v: unknown) => {
  assert.ok(v instanceof Unreadable, `expected a refusal, got ${JSON.stringify(v)}`);
  assert.equal(v.reason, 'malformed');
};
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
const none = new Set<string>();

describe('query parameters', () => {
  test('a scalar sent twice is refused, an exploded array is every copy', () => {
    repeated(queryValue(parseQuery('p=1&p=2'), shape({}), none));
    assert.equal(queryValue(parseQuery('p=1'), shape({}), none), '1');
    assert.deepEqual(queryValue(parseQuery('p=1&p=2'), shape({ array: true }), none), ['1', '2']);
  });

  test('a non-exploded list (form, spaceDelimited, pipeDelimited) is one value: sent twice, refused', () => {
    for (const [style, sep] of [['form', ','], ['spaceDelimited', ' '], ['pipeDelimited', '|']] as const) {
      const p = shape({ style, explode: false, array: true });
      assert.deepEqual(queryValue(parseQuery(`p=${encodeURIComponent(`a${sep}b`)}`), p, none), ['a', 'b'], style);
      repeated(queryValue(parseQuery(`p=a&p=${encodeURIComponent(`b${sep}c`)}`), p, none));
    }
    // Exploded, they are the same as form: every copy is an item.
    assert.deepEqual(queryValue(parseQuery('p=a&p=b'), shape({ style: 'pipeDelimited', explode: true, array: true }), none), ['a', 'b']);
  });

  test('deepObject: a member sent twice is refused unless its schema is an array', () => {
    const p = shape({ name: 'filter', style: 'deepObject', object: true, members });
    assert.deepEqual(plain(queryValue(parseQuery('filter[role]=user'), p, none)), { role: 'user' });
    repeated(queryValue(parseQuery('filter[role]=admin&filter[role]=user'), p, none), 'role');
    repeated(queryValue(parseQuery('filter%5Brole%5D=admin&filter[role]=user'), p, none), 'role');
    assert.deepEqual(plain(queryValue(parseQuery('filter[tags]=a&filter[tags]=b&filter[role]=user'), p, none)), { tags: ['a', 'b'], role: 'user' });
    assert.deepEqual(plain(queryValue(parseQuery('filter[tags]=a'), p, none)), { tags: ['a'] });
    assert.equal(queryValue(parseQuery('other=1'), p, none), undefined);
  });

  test('deepObject: nested or empty members and the bare name are not its style', () => {
    const p = shape({ name: 'filter', style: 'deepObject', object: true, members });
    for (const q of ['filter[role][]=admin', 'filter[]=admin', 'filter[role]x=admin', 'filter[role=admin', 'filter[role]=user&filter=admin']) {
      malformed(queryValue(parseQuery(q), p, none));
      assert.ok([...parseQuery(q).keys()].some((k) => ownsQueryKey(p, k, none)), q);
    }
  });

  test('form, exploded object: its members are top-level names, each sent once unless an array', () => {
    const p = shape({ name: 'color', object: true, members });
    const declared = new Set(['color', 'limit']);
    assert.deepEqual(plain(queryValue(parseQuery('R=100&G=200&limit=5'), p, declared)), { R: '100', G: '200' });
    repeated(queryValue(parseQuery('R=100&R=200'), p, declared), 'R');
    assert.deepEqual(plain(queryValue(parseQuery('tags=a&tags=b'), p, declared)), { tags: ['a', 'b'] });
    assert.equal(queryValue(parseQuery('limit=5'), p, declared), undefined);
    assert.ok(ownsQueryKey(p, 'R', declared));
    assert.ok(!ownsQueryKey(p, 'limit', declared) && !ownsQueryKey(p, 'color', declared) && !ownsQueryKey(p, 'B', declared));
    // additionalProperties said: any name no other parameter declares.
    const open = shape({ name: 'color', object: true, members: membersOf({ type: 'object', additionalProperties: { type: 'string' } }, (n) => n) });
    assert.ok(ownsQueryKey(open, 'B', declared) && !ownsQueryKey(open, 'limit', declared));
    repeated(queryValue(parseQuery('B=1&B=2'), open, declared), 'B');
  });

  test('form, non-exploded object: R,100,G,200 once; a member twice is refused', () => {
    const p = shape({ name: 'color', explode: false, object: true, members });
    assert.deepEqual(plain(queryValue(parseQuery('color=R,100,G,200'), p, none)), { R: '100', G: '200' });
    repeated(queryValue(parseQuery('color=R,100,R,200'), p, none), 'R');
    repeated(queryValue(parseQuery('color=R,100&color=G,200'), p, none));
    malformed(queryValue(parseQuery('color=R,100,G'), p, none));
  });
});

describe('path parameters', () => {
  const path = (over: Partial<ParamShape>) => shape({ in: 'path', style: 'simple', explode: false, ...over });

  test('matrix: a scalar named twice is refused; an exploded array repeats', () => {
    const p = path({ name: 'id', style: 'matrix' });
    assert.equal(pathValue(';id=5', p), '5');
    repeated(pathValue(';id=5;id=6', p));
    malformed(pathValue('5', p));
    malformed(pathValue(';other=5', p));
    assert.deepEqual(pathValue(';id=3;id=4', path({ name: 'id', style: 'matrix', explode: true, array: true })), ['3', '4']);
    assert.deepEqual(pathValue(';id=3,4', path({ name: 'id', style: 'matrix', array: true })), ['3', '4']);
    repeated(pathValue(';id=3,4;id=5', path({ name: 'id', style: 'matrix', array: true })));
  });

  test('matrix objects: exploded ;R=100;G=200, or ;color=R,100,G,200; a member twice is refused', () => {
    const exploded = path({ name: 'color', style: 'matrix', explode: true, object: true, members });
    assert.deepEqual(plain(pathValue(';R=100;G=200', exploded)), { R: '100', G: '200' });
    repeated(pathValue(';R=100;R=200', exploded), 'R');
    const flat = path({ name: 'color', style: 'matrix', object: true, members });
    assert.deepEqual(plain(pathValue(';color=R,100,G,200', flat)), { R: '100', G: '200' });
    repeated(pathValue(';color=R,100,R,200', flat), 'R');
  });

  test('label: .5, .3,4 or .3.4, objects; a member twice is refused', () => {
    assert.equal(pathValue('.5', path({ style: 'label' })), '5');
    malformed(pathValue('5', path({ style: 'label' })));
    assert.deepEqual(pathValue('.3,4', path({ style: 'label', array: true })), ['3', '4']);
    assert.deepEqual(pathValue('.3.4', path({ style: 'label', explode: true, array: true })), ['3', '4']);
    assert.deepEqual(plain(pathValue('.R=100.G=200', path({ style: 'label', explode: true, object: true, members }))), { R: '100', G: '200' });
    repeated(pathValue('.R=100.R=200', path({ style: 'label', explode: true, object: true, members })), 'R');
    repeated(pathValue('.R,100,R,200', path({ style: 'label', object: true, members })), 'R');
  });

  test('simple: lists and objects', () => {
    assert.equal(pathValue('5', path({})), '5');
    assert.deepEqual(pathValue('3,4', path({ array: true })), ['3', '4']);
    assert.deepEqual(plain(pathValue('R,100,G,200', path({ object: true, members }))), { R: '100', G: '200' });
    repeated(pathValue('R=1,R=2', path({ explode: true, object: true, members })), 'R');
    assert.deepEqual(plain(pathValue('tags=a,tags=b', path({ explode: true, object: true, members }))), { tags: ['a', 'b'] });
  });
});

describe('headers', () => {
  const header = (over: Partial<ParamShape>) => shape({ in: 'header', style: 'simple', explode: false, ...over });
  test('a scalar or object header sent on two lines is refused; a list joins its lines', () => {
    assert.equal(headerValue(['acme'], header({})), 'acme');
    assert.equal(headerValue(undefined, header({})), undefined);
    repeated(headerValue(['acme', 'evil'], header({})));
    repeated(headerValue(['R,1', 'G,2'], header({ object: true, members })));
    repeated(headerValue(['R,1,R,2'], header({ object: true, members })), 'R');
    assert.deepEqual(headerValue(['a,b', 'c'], header({ array: true })), ['a', 'b', 'c']);
  });
});

describe('cookies', () => {
  const cookie = (over: Partial<ParamShape>) => shape({ in: 'cookie', name: 'mode', ...over });
  test('a declared cookie sent twice, in one Cookie header or several, is refused', () => {
    assert.equal(cookieValue(parseCookies('mode=basic; other=1'), cookie({}), none), 'basic');
    repeated(cookieValue(parseCookies('mode=basic; mode=evil'), cookie({}), none));
    repeated(cookieValue(parseCookies(['mode=basic', 'a=1; mode=evil']), cookie({}), none));
    repeated(cookieValue(parseCookies('mode=basic;mode =evil'), cookie({}), none));
    // Even a list: frameworks keep the first or the last cookie of a name, never both.
    repeated(cookieValue(parseCookies('mode=a; mode=b'), cookie({ array: true }), none));
    assert.deepEqual(cookieValue(parseCookies('mode=a,b'), cookie({ array: true, explode: false }), none), ['a', 'b']);
    // Undeclared cookies may repeat: the document says nothing of them.
    assert.equal(cookieValue(parseCookies('x=1; x=2; mode=basic'), cookie({}), none), 'basic');
  });

  test('values are unquoted and percent-decoded', () => {
    assert.deepEqual([...parseCookies('a="q"; b=%41; c=%zz; =x; d')], [['a', ['q']], ['b', ['A']], ['c', ['%zz']]]);
  });
});
