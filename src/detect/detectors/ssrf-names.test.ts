// Host names of one label reach the internal network through the upstream's resolver (/etc/hosts,
// search domains): no public host has one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileDetector } from '../index.ts';

const d = compileDetector();
const classes = (value: string) => d.inspect([{ location: 'body', name: '$.url', value }]).matches.map((m) => `${m.class}/${m.rule}`);

test('URLs naming a host of one label are refused; public names and other values pass', () => {
  for (const url of ['https://vm:9443/a', 'https://RUNSC/', 'http://intranet/admin', 'http://jenkins:8080/script', 'gopher://redis/_', 'https://my-host./x']) {
    assert.deepEqual(classes(url), ['ssrf/ssrf-internal-name'], url);
  }
  for (const value of ['https://example.com/a', 'https://api.stripe.com/v1/charges', 'mailto:bob@example.com', 'see the docs/intro', 'note: http is old', 'urn:isbn:0451450523']) {
    assert.deepEqual(classes(value), [], value);
  }
});
