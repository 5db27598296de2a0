// A buffered upstream response body, shared by the body policies of one response: decoded and parsed
// as JSON at most once, serialized again at most once, whatever the number of policies that read or
// rewrite it. Policies never mutate what json() returns: they return a replacement (see
// PolicyInstance.onResponseBody), which the chain applies in enforce mode only.
import type { ResponseHead } from './policy.ts';
import { GatewayError } from './errors.ts';
import { rawJson } from './exact-integers.ts';
import { bareMediaType, isJsonMediaType } from './media-type.ts';

/** What json() returns for a body that is not valid JSON. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

/** A policy's rewrite of the body: new bytes, or a new JSON value (serialized once, at the end). */
export type BodyReplacement = Buffer | { readonly json: unknown };

const UNREAD: unique symbol = Symbol('unread');
/** A run of 16 digits: the only way a JSON text can hold an integer beyond 2^53 (16 digits or more). */
const LONG_DIGITS = /\d{16}/;

export class ResponseBody {
  readonly #head: ResponseHead;
  #bytes: Buffer | undefined;
  #text: string | undefined;
  #value: unknown = UNREAD;
  /** The source text of the body's integers beyond 2^53, by their rounded value (null: two sources). */
  #exact: Map<number, string | null> | undefined = undefined;

  constructor(head: ResponseHead, bytes: Buffer) {
    this.#head = head;
    this.#bytes = bytes;
  }

  /** The media type of the head as it is now (a policy may have replaced the body and its type). */
  get mediaType(): string {
    return bareMediaType(this.#head.headers['content-type']);
  }

  get isJsonType(): boolean {
    return isJsonMediaType(this.mediaType);
  }

  bytes(): Buffer {
    return (this.#bytes ??= Buffer.from(this.text()));
  }

  get length(): number {
    return this.bytes().length;
  }

  text(): string {
    if (this.#text !== undefined) return this.#text;
    if (this.#bytes === undefined) return (this.#text = this.#serialize());
    return (this.#text = this.#bytes.toString('utf8'));
  }

  /** The body parsed as JSON (whatever the declared type), or NOT_JSON. Read only: never mutate it. */
  json(): unknown {
    if (this.#value !== UNREAD) return this.#value;
    const text = this.text();
    try {
      this.#value = LONG_DIGITS.test(text) ? this.#parseNotingBigIntegers(text) : JSON.parse(text);
    } catch {
      this.#value = NOT_JSON;
    }
    return this.#value;
  }

  /**
   * Integers beyond 2^53 read rounded (9007199254740993 as ...992): a rewritten body would send the
   * rounded digits, which may be another object's id. Their source text is kept, by rounded value, and
   * written back when the body is serialized again.
   */
  #parseNotingBigIntegers(text: string): unknown {
    const exact = new Map<number, string | null>();
    const value: unknown = JSON.parse(text, (_key, v: unknown, context?: { source?: string }) => {
      if (typeof v === 'number' && !Number.isSafeInteger(v) && context?.source !== undefined && /^-?\d+$/.test(context.source)) {
        const before = exact.get(v);
        // Two integers that round alike cannot be told apart once read: neither can be written back.
        exact.set(v, before === undefined || before === context.source ? context.source : null);
      }
      return v;
    });
    if (exact.size > 0) this.#exact = exact;
    return value;
  }

  #serialize(): string {
    const exact = this.#exact;
    if (exact === undefined) return JSON.stringify(this.#value);
    return JSON.stringify(this.#value, (_key, v: unknown) => {
      if (typeof v !== 'number' || Number.isSafeInteger(v) || !exact.has(v)) return v;
      const source = exact.get(v);
      if (source === null) throw new GatewayError('PCL_ERR_RESPONSE_UNINSPECTABLE', 'The upstream response holds two integers too large to tell apart once read, and it had to be rewritten.');
      return rawJson(source!);
    });
  }

  apply(replacement: BodyReplacement): void {
    if (Buffer.isBuffer(replacement)) {
      this.#bytes = replacement;
      this.#text = undefined;
      this.#value = UNREAD;
      this.#exact = undefined;
    } else {
      this.#value = replacement.json;
      this.#bytes = undefined;
      this.#text = undefined;
    }
  }
}
