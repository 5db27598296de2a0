// Waits for a condition in tests that watch something happen in the background.
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `check` holds; throws after `ms`. Checked every `everyMs`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, everyMs = 10): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await sleep(everyMs);
  }
}
