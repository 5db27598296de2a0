// Running an authentication plan on a request: OpenAPI security semantics (a list of alternatives,
// OR; each alternative a set of schemes, AND; an empty one lets anonymous calls through). Every
// credential present is verified (one bad credential refuses the request); the first alternative
// whose schemes all verified gives the identity. Synchronous when every answer was cached. A bearer
// token read by a JWT and an introspection scheme goes to the one jwt-routing.ts says.
import type { Logger } from 'pino';
import type { Identity, RequestContext } from '../core/context.ts';
import { GatewayError } from '../core/errors.ts';
import { AuthFailure, AuthUnavailable } from './failure.ts';
import { credentialFingerprint } from './fingerprint.ts';
import { applyIdentity, mergeIdentities, type IdentityHeaderNames } from './identity.ts';
import { routeTokens, tokenRouting, type IntrospectJwts, type TokenRouting } from './jwt-routing.ts';
import type { FailureLimiter } from './limiter.ts';
import { clientKey } from '../observe/anomaly/subnet.ts';

export interface Authenticator {
  /** Scheme name (the OpenAPI securitySchemes key, or the policy's). */
  readonly name: string;
  readonly kind: 'jwt' | 'apiKey' | 'introspection' | 'mtls' | 'signature';
  /** The credential of this scheme in the request; undefined when there is none. */
  extract(ctx: RequestContext): string | undefined;
  /** Throws AuthFailure (refused) or AuthUnavailable (cannot tell now). `ctx` for bindings (client certificate, body). */
  verify(credential: string, ctx: RequestContext): Identity | Promise<Identity>;
  /** A WWW-Authenticate challenge; `invalid` when a credential of this scheme was refused. */
  challenge(realm: string, invalid: boolean): string;
  /** The credential's public id (API key id, signature keyid) for per-credential lockout; none for whole secrets. */
  credentialId?(credential: string): string | undefined;
  /** Removes this scheme's credential from the request forwarded upstream (hideCredentials). */
  hide?(ctx: RequestContext): void;
  /** Request header names (lower case) its credential is read from: never forwarded spelled with "_". */
  readonly headers?: readonly string[];
  /** Lets go of shared resources (a replay store connection) when the policy is replaced. */
  close?(): Promise<void>;
  /** JWT schemes: the `iss` values they verify (a JWS of one of them is theirs alone to judge). */
  readonly jwtIssuers?: ReadonlySet<string>;
  /** Introspection schemes: which JWS-shaped tokens go to the endpoint (jwt-routing.ts). */
  readonly introspectJwts?: IntrospectJwts;
}

export interface Plan {
  readonly alternatives: readonly (readonly Authenticator[])[];
  /** An empty requirement is among the alternatives: no credentials is fine. */
  readonly anonymous: boolean;
  /** Every scheme of the alternatives, once, in order. */
  readonly schemes: readonly Authenticator[];
  /** The schemes are named after the document's securitySchemes (auth-schemes), not after the policy. */
  readonly specNames: boolean;
  /** Set when an introspection scheme may see JWTs another scheme of the plan owns; else no routing cost. */
  readonly routing: TokenRouting | undefined;
}

export interface RunOptions {
  readonly policy: string;
  readonly realm: string;
  readonly headers: IdentityHeaderNames;
  readonly limiter: FailureLimiter | undefined;
  /** Failures per credential id (from any address). */
  readonly credentialLimiter: FailureLimiter | undefined;
  readonly hideCredentials: boolean;
  readonly logger: Logger;
}

export function makePlan(alternatives: readonly (readonly Authenticator[])[], specNames = false): Plan {
  const nonEmpty = alternatives.filter((a) => a.length > 0);
  const schemes = [...new Set(nonEmpty.flat())];
  return { alternatives: nonEmpty, anonymous: nonEmpty.length < alternatives.length, schemes, specNames, routing: tokenRouting(schemes) };
}

const DETAIL = 'Send valid credentials for this operation (see WWW-Authenticate).';

export function runPlan(ctx: RequestContext, plan: Plan, o: RunOptions): void | Promise<void> {
  if (plan.schemes.length === 0) return;
  let present: [Authenticator, string][] | undefined;
  for (const a of plan.schemes) {
    const credential = a.extract(ctx);
    if (credential !== undefined) (present ??= []).push([a, credential]);
  }
  if (present === undefined) {
    if (plan.anonymous) return;
    throw unauthenticated(plan, o, undefined);
  }
  if (o.limiter) {
    // Counted per client: an IPv6 client by its /64, so rotating addresses within it does not reset the count.
    const wait = o.limiter.lockedFor(clientKey(ctx.clientIp));
    if (wait > 0) {
      (ctx.state ??= {})[o.policy] = { reason: 'locked_out' };
      throw new GatewayError('PCL_ERR_TOO_MANY_AUTH_FAILURES', 'Too many failed authentication attempts from this address.', {
        headers: { 'retry-after': String(Math.ceil(wait / 1000)) },
      });
    }
  }
  if (o.credentialLimiter?.mayBeLocked()) checkCredentialLocks(ctx, present, o, o.credentialLimiter);
  const routed = plan.routing === undefined ? undefined : routeTokens(present, plan.routing);
  if (routed) present = routed.present;
  const gates = routed?.gates;
  const verified = new Map<Authenticator, Identity>();
  // One credential read by several schemes (an opaque token offered to a JWT and an introspection
  // scheme): it passes when any of them verifies it, so their failures wait for the others' answers.
  // A gate (introspection of a JWT with `introspectJwts: always`) must accept it too.
  const shared = sharedCredentials(present);
  let failures: [Authenticator, string, unknown][] | undefined;
  let pending: Promise<void>[] | undefined;
  for (const [a, credential] of present) {
    let result: Identity | Promise<Identity>;
    try {
      const refusal = routed?.refusals?.get(a);
      if (refusal) throw refusal;
      result = a.verify(credential, ctx);
    } catch (error) {
      if (shared?.has(credential) && !gates?.has(a)) {
        (failures ??= []).push([a, credential, error]);
        continue;
      }
      if (pending) void Promise.allSettled(pending); // already refused: their outcome no longer matters
      throw refused(ctx, plan, o, a, credential, error);
    }
    if (result instanceof Promise) {
      (pending ??= []).push(
        result.then(
          (identity) => void verified.set(a, identity),
          (error: unknown) => {
            if (shared?.has(credential) && !gates?.has(a)) (failures ??= []).push([a, credential, error]);
            else throw refused(ctx, plan, o, a, credential, error);
          },
        ),
      );
    } else verified.set(a, result);
  }
  const settle = () => {
    if (failures !== undefined) {
      // In plan order, whichever answer came first: the refusal given never depends on timing.
      failures.sort((x, y) => present!.findIndex(([b]) => b === x[0]) - present!.findIndex(([b]) => b === y[0]));
      // A shared credential no scheme verified (a gate's acceptance alone does not count), or a failure
      // that leaves every alternative unmet (an AND requirement, or an anonymous one the caller must not
      // fall back to), is refused once.
      const unverified = failures.filter(([, credential]) => !present!.some(([b, c]) => c === credential && verified.has(b) && !gates?.has(b)));
      const unmet = !plan.alternatives.some((alternative) => alternative.every((a) => verified.has(a)));
      if (unverified.length > 0 || unmet) refuseShared(ctx, plan, o, unverified.length > 0 ? unverified : failures);
    }
    finish(ctx, plan, o, verified);
  };
  if (pending === undefined) return settle();
  return Promise.all(pending).then(settle);
}

/**
 * Refuses for failures of a credential several schemes read. Every definite failure is counted (the
 * client once, each credential the scheme identifies by its id), whatever answer the client gets:
 * guesses at an API key sharing the bearer header with a JWT scheme are counted against that key,
 * also while another scheme cannot answer. The answer is the refusal of a scheme that identifies its
 * credentials (the key's own 401), else a 503 when a scheme could not answer, else the first refusal.
 */
function refuseShared(ctx: RequestContext, plan: Plan, o: RunOptions, failures: readonly [Authenticator, string, unknown][]): never {
  const definite = failures.filter(([, , e]) => e instanceof AuthFailure);
  const chosen = definite.find(([a]) => a.credentialId !== undefined) ?? failures.find(([, , e]) => !(e instanceof AuthFailure)) ?? failures[0]!;
  // refused() counts the chosen failure (the client included) when it is a definite one; the rest here.
  if (!(chosen[2] instanceof AuthFailure) && definite.length > 0) countClient(ctx, o);
  for (const f of definite) if (f !== chosen) countCredential(ctx, o, f[0], f[1]);
  throw refused(ctx, plan, o, chosen[0], chosen[1], chosen[2]);
}

/** Credentials presented to more than one scheme (the same header read by each); undefined when none is. */
function sharedCredentials(present: readonly [Authenticator, string][]): Set<string> | undefined {
  if (present.length < 2) return undefined;
  let shared: Set<string> | undefined;
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) if (present[i]![1] === present[j]![1]) (shared ??= new Set()).add(present[i]![1]);
  }
  return shared;
}

/** A credential locked out (too many failures with it, from anywhere) is refused, a valid one too. */
function checkCredentialLocks(ctx: RequestContext, present: [Authenticator, string][], o: RunOptions, limiter: FailureLimiter): void {
  for (const [a, credential] of present) {
    const id = a.credentialId?.(credential);
    const wait = id === undefined ? 0 : limiter.lockedFor(`${a.kind}:${id}`);
    if (wait <= 0) continue;
    (ctx.state ??= {})[o.policy] = { reason: 'credential_locked_out', scheme: a.name };
    throw new GatewayError('PCL_ERR_TOO_MANY_AUTH_FAILURES', 'Too many failed authentication attempts with this credential.', {
      headers: { 'retry-after': String(Math.ceil(wait / 1000)) },
    });
  }
}

function finish(ctx: RequestContext, plan: Plan, o: RunOptions, verified: Map<Authenticator, Identity>): void {
  for (const alternative of plan.alternatives) {
    if (!alternative.every((a) => verified.has(a))) continue;
    let identity = verified.get(alternative[0]!)!;
    for (let i = 1; i < alternative.length; i++) identity = mergeIdentities(identity, verified.get(alternative[i]!)!);
    applyIdentity(ctx, identity, o.headers);
    // Which schemes authenticated the caller, each with its own identity: the authorize policy checks
    // the scopes of a security requirement only against the schemes that requirement names.
    // In plan order, not in the order the answers arrived.
    const authenticated = (ctx.authenticated ??= []);
    for (const a of plan.schemes) {
      const verifiedIdentity = verified.get(a);
      if (verifiedIdentity) authenticated.push({ name: a.name, kind: a.kind, specName: plan.specNames, identity: verifiedIdentity });
    }
    if (o.hideCredentials) for (const a of verified.keys()) a.hide?.(ctx);
    return;
  }
  if (plan.anonymous) return;
  // Valid credentials, but not all the schemes one alternative needs (an AND requirement).
  record(ctx, o, undefined, new AuthFailure('incomplete'));
  throw unauthenticated(plan, o, undefined);
}

function refused(ctx: RequestContext, plan: Plan, o: RunOptions, a: Authenticator, credential: string, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error; // e.g. a body a signature covers is too large (413)
  if (error instanceof AuthUnavailable) {
    (ctx.state ??= {})[o.policy] = { reason: 'unavailable', scheme: a.name };
    o.logger.error({ reqId: ctx.id, scheme: a.name, err: (error.cause as Error | undefined)?.message ?? error.message }, 'authentication unavailable');
    return new GatewayError('PCL_ERR_AUTH_UNAVAILABLE');
  }
  const failure = error instanceof AuthFailure ? error : new AuthFailure('malformed', undefined, { cause: error });
  if (!(error instanceof AuthFailure)) o.logger.error({ reqId: ctx.id, scheme: a.name, err: error }, 'unexpected error while verifying a credential');
  record(ctx, o, a, failure);
  ctx.failedCredential = credentialFingerprint(a.name, credential);
  countClient(ctx, o);
  countCredential(ctx, o, a, credential);
  return unauthenticated(plan, o, a);
}

/** One failed authentication against the client address (its /64 for IPv6). */
function countClient(ctx: RequestContext, o: RunOptions): void {
  if (!o.limiter) return;
  const client = clientKey(ctx.clientIp);
  const outcome = o.limiter.fail(client);
  if (outcome === 'locked') o.logger.warn({ reqId: ctx.id, ip: ctx.clientIp, client }, 'too many failed authentications: client address locked out');
  else if (outcome === 'full' && fullWarningDue('client')) o.logger.warn({ reqId: ctx.id, ip: ctx.clientIp, client }, 'too many failed authentications, but every lockout slot is taken (bruteForce.maxClients): client address not locked out (said at most once a minute)');
}

/** One failed authentication against the credential, for the schemes that identify theirs (API key id, signature keyid). */
function countCredential(ctx: RequestContext, o: RunOptions, a: Authenticator, credential: string): void {
  const id = o.credentialLimiter === undefined ? undefined : a.credentialId?.(credential);
  const outcome = id === undefined ? undefined : o.credentialLimiter!.fail(`${a.kind}:${id}`);
  if (outcome === 'locked') o.logger.warn({ reqId: ctx.id, scheme: a.name, credential: id }, 'too many failed authentications: credential locked out');
  else if (outcome === 'full' && fullWarningDue('credential')) o.logger.warn({ reqId: ctx.id, scheme: a.name, credential: id }, 'too many failed authentications, but every lockout slot is taken (bruteForce.perCredential.maxCredentials): credential not locked out (said at most once a minute)');
}

/** A full lockout table is said once a minute: whoever fills it must not also flood the log. */
const lastFullWarning = { client: 0, credential: 0 };
function fullWarningDue(table: 'client' | 'credential'): boolean {
  const now = Date.now();
  if (now - lastFullWarning[table] < 60_000) return false;
  lastFullWarning[table] = now;
  return true;
}

function record(ctx: RequestContext, o: RunOptions, a: Authenticator | undefined, failure: AuthFailure): void {
  (ctx.state ??= {})[o.policy] = { reason: failure.reason, ...(failure.about ? { claim: failure.about } : {}), ...(a ? { scheme: a.name } : {}) };
  o.logger.info({ reqId: ctx.id, ip: ctx.clientIp, scheme: a?.name, reason: failure.reason, claim: failure.about }, 'authentication failed');
}

function unauthenticated(plan: Plan, o: RunOptions, failed: Authenticator | undefined): GatewayError {
  const challenges = [...new Set(plan.schemes.map((a) => a.challenge(o.realm, failed !== undefined && family(a) === family(failed))))];
  return new GatewayError('PCL_ERR_UNAUTHENTICATED', DETAIL, { headers: { 'www-authenticate': challenges.join(', ') } });
}

/** JWT and introspection schemes both answer with a Bearer challenge: a refused token marks both. */
function family(a: Authenticator): string {
  return a.kind === 'introspection' ? 'jwt' : a.kind;
}

/** The header names the credentials of these schemes are read from (PolicyInstance.credentialHeaders). */
export function credentialHeadersOf(authenticators: Iterable<Authenticator>): string[] {
  return [...new Set([...authenticators].flatMap((a) => a.headers ?? []))];
}
