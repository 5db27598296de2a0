// Samples JSON bodies for the inventory's inferred schemas, off the request path: a finished request
// only hands over a body that is already in memory (read by a policy, or a streamed response copied
// at `streamedRate`), and only while its endpoint still wants samples; parsing and merging happen
// later (setImmediate), a few bodies at a time, from a bounded queue. Bodies are dropped once merged:
// the shapes keep structure and counts, never a value.
import type { RequestContext } from '../../core/context.ts';
import type { ResponseHead } from '../../core/policy.ts';
import { isJson, mediaType } from './media.ts';
import { merge, shapeOf } from './shape.ts';
import type { Usage } from './usage.ts';

export interface SamplerOptions {
  /** Bodies per endpoint and slot ("request", "2xx"...). */
  readonly samples: number;
  readonly maxBodyBytes: number;
  /** Share of streamed JSON responses to copy for sampling. */
  readonly streamedRate: number;
}

const MAX_QUEUED = 32;
const PER_TURN = 4;
/** Schemas inferred per process (endpoint × slot): bounds memory when clients make up endpoints. */
export const MAX_SHAPES = 500;

interface Pending {
  readonly usage: Usage;
  readonly slot: string;
  readonly body: Buffer;
}

export class BodySampler {
  readonly #o: SamplerOptions;
  #queue: Pending[] = [];
  #scheduled = false;
  /** Bodies waiting per usage record and slot, so an endpoint is not sampled past `samples`. */
  readonly #waiting = new Map<Usage, number>();
  #shapes = 0;
  dropped = 0;

  constructor(options: SamplerOptions) {
    this.#o = options;
  }

  /** For the proxy: how many bytes of this streamed response to copy (0: none). */
  readonly tapLimit = (_ctx: RequestContext, head: ResponseHead): number => {
    const o = this.#o;
    if (o.streamedRate <= 0 || Math.random() >= o.streamedRate) return 0;
    const encoding = head.headers['content-encoding'];
    if ((encoding !== undefined && encoding !== 'identity') || !isJson(mediaType(head.headers['content-type']))) return 0;
    const length = head.headers['content-length'];
    return length !== undefined && Number(length) > o.maxBodyBytes ? 0 : o.maxBodyBytes;
  };

  /** Offers a body already in memory; kept only when its endpoint still wants samples. */
  offer(usage: Usage, slot: string, media: string | undefined, body: Buffer | undefined): void {
    if (body === undefined) return;
    const shape = usage.bodies[slot];
    const sampled = shape?.n ?? 0;
    if (sampled >= this.#o.samples || body.length === 0 || body.length > this.#o.maxBodyBytes || !isJson(media)) return;
    if (shape === undefined && this.#shapes >= MAX_SHAPES) return;
    const waiting = this.#waiting.get(usage) ?? 0;
    if (sampled + waiting >= this.#o.samples) return;
    if (this.#queue.length >= MAX_QUEUED) {
      this.dropped++;
      return;
    }
    this.#waiting.set(usage, waiting + 1);
    this.#queue.push({ usage, slot, body });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain).unref();
    }
  }

  readonly #drain = (): void => {
    const batch = this.#queue.splice(0, PER_TURN);
    for (const p of batch) {
      const waiting = this.#waiting.get(p.usage) ?? 1;
      if (waiting <= 1) this.#waiting.delete(p.usage);
      else this.#waiting.set(p.usage, waiting - 1);
      let value: unknown;
      try {
        value = JSON.parse(p.body.toString('utf8'));
      } catch {
        continue; // not JSON after all: nothing to learn
      }
      const shape = shapeOf(value);
      const had = p.usage.bodies[p.slot];
      if (had === undefined && this.#shapes >= MAX_SHAPES) continue;
      if (had === undefined) this.#shapes++;
      p.usage.bodies[p.slot] = had ? merge(had, shape) : shape;
    }
    if (this.#queue.length) setImmediate(this.#drain).unref();
    else this.#scheduled = false;
  };

  /** Merges what is queued now (shutdown, tests). */
  flush(): void {
    while (this.#queue.length) this.#drain();
  }
}
