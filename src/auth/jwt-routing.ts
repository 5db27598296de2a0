// Which scheme judges a bearer token that a JWT and an introspection scheme of one plan both read.
// Without this rule the token passed when either accepted it: every JWT went to the introspection
// endpoint (third-party tokens leaked there, a slow endpoint delayed valid JWTs), and a JWT refused
// by the JWT scheme (wrong `aud`, too old for `maxAge`, alg not allowed) still got in when the
// authorization server said active. Now a compact JWS whose unverified `iss` is an issuer of a JWT
// scheme of the plan belongs to that scheme: its verdict is final and the endpoint is not asked.
// Other tokens (opaque ones, JWTs of other issuers) go to introspection as before, unless the
// introspection scheme says `introspectJwts: never`; `always` asks the endpoint too, and then both
// must accept (a revocation check on top of the signature).
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Authenticator } from './authenticate.ts';
import { AuthFailure } from './failure.ts';

export const INTROSPECT_JWTS = ['unknownIssuers', 'never', 'always'] as const;
export type IntrospectJwts = (typeof INTROSPECT_JWTS)[number];

/** Precomputed per plan; undefined when there is nothing to route (no cost for plans without introspection). */
export interface TokenRouting {
  /** Every issuer of the plan's JWT schemes. */
  readonly issuers: ReadonlySet<string>;
}

export function tokenRouting(schemes: readonly Authenticator[]): TokenRouting | undefined {
  if (!schemes.some((a) => a.kind === 'introspection')) return undefined;
  const issuers = new Set(schemes.flatMap((a) => [...(a.jwtIssuers ?? [])]));
  const anyNever = schemes.some((a) => a.kind === 'introspection' && a.introspectJwts === 'never');
  return issuers.size > 0 || anyNever ? { issuers } : undefined;
}

export interface Routed {
  /** The credentials still to verify, in plan order. */
  readonly present: [Authenticator, string][];
  /** Schemes that refuse their credential unasked (a JWT an introspection scheme must not take). */
  readonly refusals: Map<Authenticator, AuthFailure> | undefined;
  /** Schemes whose refusal refuses the request even when another scheme accepts the same token
   *  (`always`), and whose acceptance alone does not let that token in. */
  readonly gates: Set<Authenticator> | undefined;
}

/** Applies the rule above to the credentials of one request. */
export function routeTokens(present: [Authenticator, string][], routing: TokenRouting): Routed {
  let dropped: Set<Authenticator> | undefined;
  let refusals: Map<Authenticator, AuthFailure> | undefined;
  let gates: Set<Authenticator> | undefined;
  for (const [a, token] of present) {
    if (a.kind !== 'introspection') continue;
    const shape = jwsShape(token);
    if (shape === undefined) continue; // opaque: introspection's
    const iss = shape.iss !== undefined && routing.issuers.has(shape.iss) ? shape.iss : undefined;
    const mode = a.introspectJwts ?? 'unknownIssuers';
    if (iss === undefined && mode !== 'never') continue;
    // The JWT schemes that read this very token and know its issuer decide (the others would only
    // say unknown_issuer, hiding the real reason). Without one (a JWT scheme reading another header,
    // or `never` for a JWT of another issuer) this scheme refuses the token rather than ask.
    const judges = iss === undefined ? [] : present.filter(([b, t]) => t === token && b.jwtIssuers?.has(iss) === true);
    if (judges.length === 0) {
      (refusals ??= new Map()).set(a, new AuthFailure('unsupported', 'jwt'));
      continue;
    }
    dropped ??= new Set();
    for (const [b, t] of present) if (t === token && b.kind === 'jwt' && !b.jwtIssuers?.has(iss!)) dropped.add(b);
    if (mode === 'always') (gates ??= new Set()).add(a);
    else dropped.add(a);
  }
  return { present: dropped === undefined ? present : present.filter(([a]) => !dropped.has(a)), refusals, gates };
}

/**
 * A compact JWS: three dot-separated parts, the first a base64url JSON object (the protected header).
 * `iss` is the payload's, when the payload is a JSON object with a string `iss`. Undefined otherwise.
 * jose decodes it, as the JWT scheme does, so both read the same `iss`.
 */
export function jwsShape(token: string): { iss: string | undefined } | undefined {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined; // the cheap test first: opaque tokens rarely have two dots
  try {
    decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
  try {
    const iss = decodeJwt(token).iss;
    return { iss: typeof iss === 'string' ? iss : undefined };
  } catch {
    return { iss: undefined };
  }
}
