// Ed25519 keys for the checkpoints: `portcullis audit-log keygen` writes a PEM pair; the gateway
// signs with the private key (audit.signingKey), `audit-log verify` checks with either. The signed
// text names the chain, position and hash, so a signature cannot be moved to another checkpoint.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuditCheckpoint } from '../../store/audit.ts';

export interface CheckpointSigner {
  readonly keyId: string;
  sign(chain: string, seq: number, hash: string, time: number): string;
}

export function signedText(chain: string, seq: number, hash: string, time: number): Buffer {
  return Buffer.from(`portcullis-audit-checkpoint/1\n${chain}\n${seq}\n${hash}\n${time}`);
}

/** Short fingerprint of a public key: the first 16 hex characters of the SHA-256 of its DER. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function loadSigner(path: string): CheckpointSigner {
  const privateKey = createPrivateKey(readFileSync(path));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  const id = keyId(createPublicKey(privateKey));
  return {
    keyId: id,
    sign: (chain, seq, hash, time) => sign(null, signedText(chain, seq, hash, time), privateKey).toString('base64'),
  };
}

/** A public key from a PEM file holding either half of the pair. */
export function loadPublicKey(path: string): KeyObject {
  const pem = readFileSync(path);
  const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 key`);
  return key;
}

export function checkSignature(c: AuditCheckpoint, publicKey: KeyObject): boolean {
  if (c.signature === null) return false;
  try {
    return verify(null, signedText(c.chain, c.seq, c.hash, c.time), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

export function generateKeyPair(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyId(publicKey),
  };
}
