// A buffered, non-blocking writer of whole JSON lines to a file descriptor, shared by the gateway log
// and the access log so their lines never interleave. Each line is encoded at once into a block of
// memory (no long strings to flatten later); full blocks are written by one fs.write at a time, the
// last one at most 100 ms after its first line. If the destination cannot keep up, lines beyond
// `maxBuffered` bytes are dropped and counted rather than growing memory or blocking requests.
import { write, writeSync } from 'node:fs';

// Large blocks: each fs.write is a round trip through libuv's thread pool (tens of µs of CPU on the
// gateway's core), so fewer, larger writes cost less per line (a block is written once half full:
// 128 KB, about 400 access-log lines, per write).
const BLOCK = 256 * 1024;

export class BufferedLineSink {
  readonly #fd: number;
  readonly #maxBuffered: number;
  #block = Buffer.allocUnsafe(BLOCK);
  #used = 0;
  /** Blocks waiting for their turn to be written. */
  #queue: Buffer[] = [];
  #queued = 0;
  /** The block the background write has (undefined when none is running). */
  #inFlight: Buffer | undefined = undefined;
  /** Waiting for settled(). */
  #onIdle: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  dropped = 0;

  constructor(fd: number, options: { maxBuffered?: number } = {}) {
    this.#fd = fd;
    this.#maxBuffered = options.maxBuffered ?? 8 * 1024 * 1024;
  }

  write(line: string): boolean {
    if (this.#queued > this.#maxBuffered) {
      this.dropped++;
      return false;
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const pos = this.claim(line.length * 3);
    if (pos === -1) {
      this.#seal();
      this.#enqueue(Buffer.from(line, 'utf8'));
      this.#pump();
      return true;
    }
    this.commit(pos + this.#block.write(line, pos, 'utf8'));
    return true;
  }

  /**
   * Room for one line of at most `bytes` bytes, written in place into `block` from the returned
   * position and then committed; -1 when the line must go through write() instead (too long, or the
   * destination is behind and write() will count it as dropped).
   */
  claim(bytes: number): number {
    if (this.#queued > this.#maxBuffered || bytes > BLOCK) return -1;
    if (this.#used + bytes > BLOCK) this.#seal();
    return this.#used;
  }

  /** The block a claimed line is written into (valid from claim() to commit()). */
  get block(): Buffer {
    return this.#block;
  }

  /** Ends the claimed line at `end` (the position after its last byte). */
  commit(end: number): void {
    this.#used = end;
    if (end >= BLOCK / 2) {
      this.#seal();
      this.#pump();
    } else this.#timer ??= setTimeout(() => this.flush(), 100).unref();
  }

  flush(): void {
    this.#seal();
    this.#pump();
  }

  /** Resolves once everything written so far has reached the descriptor (a graceful exit waits for it). */
  settled(): Promise<void> {
    this.flush();
    if (this.#inFlight === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#onIdle.push(resolve));
  }

  /**
   * On exit: whatever is buffered, written now, in order. A block still being written in the
   * background (an exit that did not wait for settled()) is written again first: that write may
   * never finish, and a line twice is better than a line lost or out of order.
   */
  flushSync(): void {
    this.#seal();
    try {
      if (this.#inFlight !== undefined) writeSync(this.#fd, this.#inFlight);
      for (const block of this.#queue) writeSync(this.#fd, block);
    } catch {
      // nothing more can be done with a closed descriptor
    }
    this.#queue = [];
    this.#queued = 0;
  }

  #seal(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const used = this.#used;
    if (used === 0) return;
    this.#used = 0;
    if (used < BLOCK / 2) {
      // A small tail (the 100 ms timer, a long line coming): copied out and the block kept, so the
      // memory queued stays what `maxBuffered` counts even while the destination is stalled.
      this.#enqueue(Buffer.from(this.#block.subarray(0, used)));
      return;
    }
    this.#enqueue(this.#block.subarray(0, used)); // at least half of the block it holds
    this.#block = Buffer.allocUnsafe(BLOCK);
  }

  #enqueue(block: Buffer): void {
    this.#queue.push(block);
    this.#queued += block.length;
  }

  #pump(): void {
    if (this.#inFlight !== undefined) return;
    if (this.#queue.length === 0) {
      for (const resolve of this.#onIdle.splice(0)) resolve();
      return;
    }
    const block = this.#queue.shift()!;
    this.#inFlight = block;
    write(this.#fd, block, (error, written) => {
      this.#inFlight = undefined;
      this.#queued -= block.length;
      if (error) this.dropped++;
      else if (written < block.length) this.#queue.unshift(block.subarray(written)), (this.#queued += block.length - written);
      this.#pump();
    });
  }
}
