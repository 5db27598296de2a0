// A buffered upstream response body, shared by the body policies of one response: decoded and parsed
// as JSON at most once, serialized again at most once, whatever the number of policies that read or
// rewrite it. Policies never mutate what json() returns: they return a replacement (see
// PolicyInstance.onResponseBody), which the chain applies in enforce mode only.
import type { ResponseHead } from './policy.ts';
import { mayHoldInexactNumbers, parseExactNumbers } from './exact-numbers.ts';
import { bareMediaType, isJsonMediaType } from './media-type.ts';

/** What json() returns for a body that is not valid JSON. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

/**
 * A policy's rewrite of the body: new bytes, or a new JSON value (serialized once, at the end), with
 * its serialization when the policy has it exact (numbers JSON.parse changes, by their digits: exactReplacement).
 */
export type BodyReplacement = Buffer | { readonly json: unknown; readonly text?: string };

const UNREAD: unique symbol = Symbol('unread');

export class ResponseBody {
  readonly #head: ResponseHead;
  #bytes: Buffer | undefined;
  #text: string | undefined;
  #value: unknown = UNREAD;
  /** mayHoldInexactNumbers of the current text (each rewriting policy asks). */
  #inexactNumbers: boolean | undefined = undefined;

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
    if (this.#bytes === undefined) return (this.#text = JSON.stringify(this.#value));
    // A UTF-8 byte-order mark is dropped, as clients' JSON parsers drop it (fetch's json(), Jackson):
    // every reading of the text (JSON.parse, the exact and the repeated-key parses) sees the same text.
    const text = this.#bytes.toString('utf8');
    return (this.#text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  }

  /** The body parsed as JSON (whatever the declared type), or NOT_JSON. Read only: never mutate it. */
  json(): unknown {
    if (this.#value !== UNREAD) return this.#value;
    try {
      this.#value = JSON.parse(this.text());
    } catch {
      this.#value = NOT_JSON;
    }
    return this.#value;
  }

  /**
   * Whether the body may hold a number json() gives changed (an integer beyond 2^53: 9007199254740993
   * reads ...992; 16 significant digits or more; 1e400): a policy that rewrites such a body rewrites
   * exactJson() instead, or it would send rounded digits (possibly another object's id, another amount).
   */
  get mayHoldInexactNumbers(): boolean {
    return (this.#inexactNumbers ??= mayHoldInexactNumbers(this.text()));
  }

  /** The body parsed with the numbers JSON.parse would change as their exact text (JSON.rawJSON): see exact-numbers.ts. */
  exactJson(): unknown {
    return parseExactNumbers(this.text());
  }

  apply(replacement: BodyReplacement): void {
    if (Buffer.isBuffer(replacement)) {
      this.#bytes = replacement;
      this.#text = undefined;
      this.#value = UNREAD;
    } else {
      this.#value = replacement.json;
      this.#bytes = undefined;
      this.#text = replacement.text;
    }
    this.#inexactNumbers = undefined;
  }
}

/**
 * A rewrite made on exactJson(): sent with the exact digits, handed to the next policies as the plain
 * values they expect (JSON.parse's).
 */
export function exactReplacement(value: unknown): BodyReplacement {
  const text = JSON.stringify(value);
  return { json: JSON.parse(text), text };
}
