// Window boundaries: fixed-length windows aligned to the epoch, or UTC calendar days and months.
// The calendar answer is cached while `now` stays inside it, so the hot path builds no Date. In-process
// counters (and the cluster primary's) use it with their own clock; Redis counters work out the same
// windows in their script from Redis's clock (redis-script.ts CALENDAR_LUA, tested against this).
import type { Calendar, Rule } from './types.ts';

export interface Window {
  start: number;
  end: number;
}

const cache: Record<Calendar, Window> = { day: { start: 0, end: 0 }, month: { start: 0, end: 0 } };

export function windowOf(rule: Rule, now: number): Window {
  if (rule.calendar !== undefined) return calendarWindow(rule.calendar, now);
  const start = Math.floor(now / rule.periodMs) * rule.periodMs;
  return { start, end: start + rule.periodMs };
}

export function calendarWindow(calendar: Calendar, now: number): Window {
  const cached = cache[calendar];
  if (now >= cached.start && now < cached.end) return cached;
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const next =
    calendar === 'day'
      ? { start: Date.UTC(y, m, d.getUTCDate()), end: Date.UTC(y, m, d.getUTCDate() + 1) }
      : { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  cache[calendar] = next;
  return next;
}
