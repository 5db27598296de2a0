// HTTP message signatures (RFC 9421) as an authentication method. A request carries Signature-Input
// (covered components and parameters) and Signature; the `keyid` names one consumer's key
// (hmac-sha256 or ed25519). Refused: missing required components (`@method`, `@target-uri` or
// `@authority`+`@path`, and `content-digest` whenever there is a body), a `created` older than maxAge
// or in the future, a past `expires`, a bad signature, a Content-Digest that does not match the body
// (RFC 9530), and a replay: a nonce or signature seen before within maxAge. Nonces are remembered in
// a bounded store per policy in the process (seenStore: a reload keeps it), and across workers or
// gateways in the replay store when one is configured.
import { createHash, createHmac, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import { parseDictionary, type Dictionary, type InnerList } from 'structured-headers';
import { bounded } from '../core/bounded.ts';
import { readBody } from '../core/body.ts';
import type { Identity, RequestContext } from '../core/context.ts';
import { contentDigestMatches } from './content-digest.ts';
import type { Counters } from '../store/counters/types.ts';
import { AuthFailure, AuthUnavailable } from './failure.ts';
import { ExpiringLru } from './lru.ts';
import { signatureBase } from './signature-base.ts';
import { hasBody } from '../core/body.ts';

export interface SigningKey {
  readonly keyid: string;
  readonly alg: 'hmac-sha256' | 'ed25519';
  /** HMAC secret, or the Ed25519 public key. */
  readonly material: Buffer | KeyObject;
  readonly identity: Identity;
}

export interface SignatureOptions {
  readonly keys: ReadonlyMap<string, SigningKey>;
  readonly components: readonly string[];
  readonly label: string | undefined;
  readonly maxAgeMs: number;
  readonly skewMs: number;
  readonly nonceRequired: boolean;
  readonly replayEntries: number;
  /** Counters shared across workers or gateways that remember nonces; undefined: this process only. */
  readonly replayStore?: Counters | undefined;
  /** Where the policy sits in the config: its in-process store of seen signatures outlives reloads. */
  readonly replayScope?: string;
}

const seenStores = new Map<string, ExpiringLru<true>>();

/**
 * Seen signatures and nonces, one store per policy (its place in the config) and size, kept for the
 * process's life: the verifier a reload builds keeps what the old one saw, so a captured request does
 * not become acceptable again with each reload, while another API's consumers can neither fill this
 * store nor collide with its keyids.
 */
function seenStore(scope: string, entries: number): ExpiringLru<true> {
  const key = `${entries} ${scope}`;
  let store = seenStores.get(key);
  if (store === undefined) seenStores.set(key, (store = new ExpiringLru(entries)));
  return store;
}

export class SignatureVerifier {
  readonly #o: SignatureOptions;
  readonly #seen: ExpiringLru<true>;
  /** The shared counters' table of this policy: another policy's flood of nonces cannot fill it. */
  readonly #replayRule: string;

  constructor(options: SignatureOptions) {
    this.#o = options;
    this.#seen = seenStore(options.replayScope ?? '', options.replayEntries);
    this.#replayRule = `signature-replay ${options.replayScope ?? ''}`;
  }

  verify(ctx: RequestContext): Identity | Promise<Identity> {
    const headers = ctx.req.headers;
    const input = parse(headers['signature-input']);
    const signatures = parse(headers.signature);
    const label = this.#label(input);
    const member = label === undefined ? undefined : input.get(label);
    const signature = label === undefined ? undefined : signatures.get(label)?.[0];
    if (member === undefined || !Array.isArray(member[0]) || !(signature instanceof ArrayBuffer)) throw new AuthFailure('malformed');
    const params = member as InnerList;
    const keyid = params[1].get('keyid');
    const key = typeof keyid === 'string' ? this.#o.keys.get(keyid) : undefined;
    if (key === undefined) throw new AuthFailure(typeof keyid === 'string' ? 'unknown_key' : 'malformed', 'keyid');
    const alg = params[1].get('alg');
    if (alg !== undefined && alg !== key.alg) throw new AuthFailure('alg_not_allowed');
    const covered = new Set<string>();
    for (const [component] of params[0]) {
      if (typeof component !== 'string' || covered.has(component)) throw new AuthFailure('malformed', 'components');
      covered.add(component);
    }
    const missing = this.#missing(covered, ctx.query !== '', hasBody(headers));
    if (missing !== undefined) throw new AuthFailure('claim_invalid', missing);
    const now = Date.now();
    const created = params[1].get('created');
    if (typeof created !== 'number' || !Number.isInteger(created)) throw new AuthFailure('claim_invalid', 'created');
    if (now - created * 1000 > this.#o.maxAgeMs) throw new AuthFailure('expired', 'created');
    if (created * 1000 > now + this.#o.skewMs) throw new AuthFailure('not_yet_valid', 'created');
    const expires = params[1].get('expires');
    if (expires !== undefined && (typeof expires !== 'number' || expires * 1000 <= now - this.#o.skewMs)) throw new AuthFailure('expired', 'expires');
    const nonce = params[1].get('nonce');
    if (nonce !== undefined && typeof nonce !== 'string') throw new AuthFailure('claim_invalid', 'nonce');
    if (nonce === undefined && this.#o.nonceRequired) throw new AuthFailure('claim_invalid', 'nonce');
    const base = signatureBase(ctx, params);
    if (base === undefined) throw new AuthFailure('malformed', 'components');
    if (!checkSignature(key, base, Buffer.from(signature))) throw new AuthFailure('bad_signature');
    // Reserved now, synchronously, so two copies of one request in flight cannot both pass.
    const replayKeys = [`s:${createHash('sha256').update(Buffer.from(signature)).digest('base64')}`, ...(nonce === undefined ? [] : [`n:${key.keyid}:${nonce}`])];
    for (const k of replayKeys) if (this.#seen.get(k, now) !== undefined) throw new AuthFailure('replayed');
    const until = created * 1000 + this.#o.maxAgeMs + this.#o.skewMs;
    // Never by evicting a live one: flooding the store with one's own signed requests must not make a
    // captured request acceptable again. Full of live entries: 503 until some expire.
    for (const k of replayKeys) {
      if (this.#seen.setIfRoom(k, true, until, now)) continue;
      for (const done of replayKeys) this.#seen.delete(done);
      throw new AuthUnavailable('the replay store is full (signatures.replayEntries): retry later');
    }
    const shared = this.#o.replayStore === undefined ? undefined : this.#sharedCheck(replayKeys, until - now);
    if (!covered.has('content-digest')) return shared === undefined ? key.identity : shared.then(() => key.identity);
    return Promise.all([readBody(ctx), shared]).then(([body]) => {
      if (contentDigestMatches(headers['content-digest'] as string, body)) return key.identity;
      for (const k of replayKeys) this.#seen.delete(k);
      throw new AuthFailure('digest_mismatch');
    });
  }

  /**
   * The keyid of the signature verify() checks, read from the same member by the same parser, for the
   * per-credential lockout: it counts the very key the verifier uses (a repeated `keyid` parameter is
   * its last value, as RFC 8941 parses it). Bounded (core/bounded.ts); undefined when unparsable.
   */
  keyidOf(signatureInput: string): string | undefined {
    let input: Dictionary;
    try {
      input = parseDictionary(signatureInput);
    } catch {
      return undefined;
    }
    const label = this.#label(input);
    const member = label === undefined ? undefined : input.get(label);
    const keyid = member === undefined || !Array.isArray(member[0]) ? undefined : member[1].get('keyid');
    return typeof keyid === 'string' ? bounded(keyid) : undefined;
  }

  /** The signature checked: the configured label, else the first member of Signature-Input. */
  #label(input: Dictionary): string | undefined {
    return this.#o.label ?? input.keys().next().value;
  }

  /**
   * The nonces and signatures also go to the counters shared by every worker (the cluster primary) or
   * every gateway (Redis): each may be used once within its lifetime (a one-unit bucket refilled after
   * it), so a copy sent to another process is refused too. A store that cannot answer: 503, never a pass.
   */
  async #sharedCheck(replayKeys: readonly string[], lifetimeMs: number): Promise<void> {
    const rule = { id: this.#replayRule, algorithm: 'gcra' as const, limit: 1, periodMs: Math.max(1000, lifetimeMs) };
    let decision;
    try {
      decision = await this.#o.replayStore!.consume(replayKeys.map((key) => ({ rule, key, cost: 1 })));
    } catch (error) {
      for (const k of replayKeys) this.#seen.delete(k); // the client may send it again
      throw new AuthUnavailable('the replay store cannot be reached', { cause: error });
    }
    if (!decision.allowed) throw new AuthFailure('replayed');
  }

  /** The first required component the signature does not cover, if any. */
  #missing(covered: ReadonlySet<string>, hasQuery: boolean, hasBody: boolean): string | undefined {
    for (const c of this.#o.components) {
      if (covered.has(c)) continue;
      if (c === '@target-uri' && covered.has('@authority') && covered.has('@path') && (!hasQuery || covered.has('@query'))) continue;
      return c;
    }
    if (hasBody && !covered.has('content-digest')) return 'content-digest';
    return undefined;
  }
}

function parse(value: string | string[] | undefined): Dictionary {
  if (typeof value !== 'string') throw new AuthFailure('malformed');
  try {
    return parseDictionary(value);
  } catch {
    throw new AuthFailure('malformed');
  }
}

function checkSignature(key: SigningKey, base: string, signature: Buffer): boolean {
  if (key.alg === 'hmac-sha256') {
    const expected = createHmac('sha256', key.material as Buffer).update(base).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
  try {
    return verifySignature(null, Buffer.from(base), key.material as KeyObject, signature);
  } catch {
    return false;
  }
}
