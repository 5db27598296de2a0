// Prints an RS256 token that examples/bench-jwt.yaml accepts (default lifetime 24 h):
//   node bench/make-jwt.ts [--ttl 3600] [--sub bench-user]
// The signing key, examples/keys/bench-jwt-private.pem, is public on purpose: BENCHMARK ONLY.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

export const BENCH_ISSUER = 'https://bench.portcullis.invalid';
export const BENCH_AUDIENCE = 'portcullis-bench';

/** A token for examples/bench-jwt.yaml, valid for `ttlSeconds`. */
export function makeBenchJwt(ttlSeconds = 86_400, subject = 'bench-user'): Promise<string> {
  const key = createPrivateKey(readFileSync(new URL('../examples/keys/bench-jwt-private.pem', import.meta.url), 'utf8'));
  return new SignJWT({ scope: 'bench:read bench:write' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(BENCH_ISSUER)
    .setAudience(BENCH_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { ttl: { type: 'string', default: '86400' }, sub: { type: 'string', default: 'bench-user' } } });
  process.stdout.write(`${await makeBenchJwt(Number(values.ttl), values.sub)}\n`);
}
