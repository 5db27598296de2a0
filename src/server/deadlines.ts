// The total timeouts of one upstream's exchanges. They all last the same time, so entries added in
// order are due in that order: an intrusive list (append, unlink in O(1)) and one timer armed for the
// first entry's deadline replace a timer object per request. A finished entry is only unlinked; the
// timer fires when it was due anyway and re-arms for whatever is first then.

export interface DeadlineEntry {
  /** performance.now() reading at which the entry expires. */
  dueAt: number;
  previousDue: DeadlineEntry | undefined;
  nextDue: DeadlineEntry | undefined;
  /** Whether it is in a list (an entry may be removed more than once, or after it expired). */
  listed: boolean;
  expire(): void;
}

export class Deadlines {
  readonly #ms: number;
  #first: DeadlineEntry | undefined = undefined;
  #last: DeadlineEntry | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  /** Set while due entries expire: an entry added meanwhile waits for the re-arming at the end. */
  #expiring = false;
  #size = 0;

  constructor(ms: number) {
    this.#ms = ms;
  }

  get size(): number {
    return this.#size;
  }

  /** `now`: the caller's performance.now() reading. */
  add(entry: DeadlineEntry, now: number): void {
    entry.dueAt = now + this.#ms;
    entry.nextDue = undefined;
    entry.previousDue = this.#last;
    entry.listed = true;
    if (this.#last === undefined) this.#first = entry;
    else this.#last.nextDue = entry;
    this.#last = entry;
    this.#size++;
    if (this.#timer === undefined && !this.#expiring) this.#arm(this.#ms);
  }

  remove(entry: DeadlineEntry): void {
    if (!entry.listed) return;
    entry.listed = false;
    const { previousDue, nextDue } = entry;
    if (previousDue === undefined) this.#first = nextDue;
    else previousDue.nextDue = nextDue;
    if (nextDue === undefined) this.#last = previousDue;
    else nextDue.previousDue = previousDue;
    entry.previousDue = entry.nextDue = undefined;
    this.#size--;
  }

  #arm(ms: number): void {
    // Unreferenced: pending deadlines alone do not keep the process alive (its server does). Node
    // fires a delay over 2^31-1 ms at once: a longer wait is made of shorter ones (expireDue re-arms).
    this.#timer = setTimeout(fire, Math.min(MAX_DELAY, Math.max(1, Math.ceil(ms))), this).unref();
  }

  /** Expires every entry that is due, then waits for the next one. */
  expireDue(): void {
    this.#timer = undefined;
    this.#expiring = true;
    const now = performance.now();
    try {
      // Within a millisecond of due counts as due: the timer's resolution is one millisecond.
      for (let entry = this.#first; entry !== undefined && entry.dueAt <= now + 1; entry = this.#first) {
        this.remove(entry);
        entry.expire();
      }
    } finally {
      this.#expiring = false;
      if (this.#first !== undefined) this.#arm(this.#first.dueAt - now);
    }
  }
}

const MAX_DELAY = 2 ** 31 - 1;

function fire(deadlines: Deadlines): void {
  deadlines.expireDue();
}
