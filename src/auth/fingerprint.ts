// A refused credential's fingerprint, for the credential-stuffing detector: an HMAC-SHA256 under a
// key drawn at start and never written anywhere, truncated. It tells distinct credentials apart
// within this process's lifetime, and cannot be reversed or checked against a guess from outside.
import { createHmac, randomBytes } from 'node:crypto';

const KEY = randomBytes(32);

export function credentialFingerprint(scheme: string, credential: string): string {
  return createHmac('sha256', KEY).update(scheme).update('\0').update(credential).digest('base64url').slice(0, 22);
}
