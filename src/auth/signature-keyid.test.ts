// The keyid the per-credential lockout counts is the one the verifier uses: the same member of
// Signature-Input (the configured label's, else the first), the same parser (a repeated parameter is
// its last value), never a keyid found elsewhere in the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignatureVerifier } from './signature.ts';

const verifier = (label: string | undefined) =>
  new SignatureVerifier({ keys: new Map(), components: ['@method'], label, maxAgeMs: 300_000, skewMs: 30_000, nonceRequired: false, replayEntries: 100 });

test('keyidOf reads the keyid of the member the verifier checks', () => {
  const first = verifier(undefined);
  assert.equal(first.keyidOf('sig1=("@method");keyid="bank-1"'), 'bank-1');
  assert.equal(first.keyidOf('sig1=("@method");keyid="decoy";keyid="bank-1"'), 'bank-1', 'a repeated parameter: the last');
  assert.equal(first.keyidOf('sig0=("@method");alg="x", sig1=("@method");keyid="bank-1"'), undefined, 'not the keyid of another member');
  assert.equal(verifier('sig1').keyidOf('sig0=("@method");keyid="decoy", sig1=("@method");keyid="bank-1"'), 'bank-1');
  assert.equal(first.keyidOf('sig1=("@method");keyid=token'), undefined, 'a keyid that is no string');
  assert.equal(first.keyidOf('sig1=("@method";keyid="bank-1"'), undefined, 'unparsable');
  assert.match(first.keyidOf(`sig1=("@method");keyid="${'k'.repeat(300)}"`)!, /^#[A-Za-z0-9_-]{43}$/, 'long ids are hashed');
});
