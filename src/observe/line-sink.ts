// A buffered, non-blocking writer of whole JSON lines to a file descriptor, shared by the gateway log
// and the access log so their lines never interleave. Lines are joined and written by one fs.write at
// a time (at most `flushBytes` of latency, or 100 ms); if the destination cannot keep up, lines beyond
// `maxBuffered` are dropped and counted rather than growing memory or blocking requests.
import { write, writeSync } from 'node:fs';

export class BufferedLineSink {
  readonly #fd: number;
  readonly #flushBytes: number;
  readonly #maxBuffered: number;
  #lines: string[] = [];
  #size = 0;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  dropped = 0;

  constructor(fd: number, options: { flushBytes?: number; maxBuffered?: number } = {}) {
    this.#fd = fd;
    this.#flushBytes = options.flushBytes ?? 16 * 1024;
    this.#maxBuffered = options.maxBuffered ?? 8 * 1024 * 1024;
  }

  write(line: string): boolean {
    if (this.#size > this.#maxBuffered) {
      this.dropped++;
      return false;
    }
    this.#lines.push(line);
    this.#size += line.length;
    if (this.#size >= this.#flushBytes) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), 100).unref();
    return true;
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing || this.#size === 0) return;
    const data = this.#take();
    this.#writing = true;
    write(this.#fd, data, (error) => {
      this.#writing = false;
      if (error) this.dropped++;
      if (this.#size >= this.#flushBytes) this.flush();
      else if (this.#size > 0) this.#timer ??= setTimeout(() => this.flush(), 100).unref();
    });
  }

  /** On exit: whatever is buffered, written now. */
  flushSync(): void {
    if (this.#size === 0) return;
    try {
      writeSync(this.#fd, this.#take());
    } catch {
      // nothing more can be done with a closed descriptor
    }
  }

  #take(): string {
    const data = this.#lines.join('');
    this.#lines = [];
    this.#size = 0;
    return data;
  }
}
