// The Redis side of a decision: algorithms.ts in Lua, run atomically for every limit of a request.
// Redis's clock (TIME) is the one clock of every gateway sharing it, calendar windows included: the
// script works out the UTC day or month itself, so a gateway whose clock is off can neither shorten a
// quota's window nor move its start. Nothing is written unless every limit allows. Every key gets a
// TTL: a state is dropped once it is as good as fresh.
//
// A decision carries its deadline in Redis's time (redis-clock.ts): one that reaches Redis after the
// gateway has given up on it (a backlog run when a hung Redis resumes) decides nothing and writes
// nothing, so a request already answered is never charged later.
//
// KEYS[i]: the counter of take i. ARGV[1]: concurrency lease member. ARGV[2]: deadline (epoch ms by
// Redis's clock; 0 = none). Then 6 per take: algorithm (g, f, s, c), limit, periodMs, cost, calendar
// window (d = UTC day, m = UTC month, - = none), leaseMs.
// Returns { allowed, remaining_1, resetMs_1, retryAfterMs_1, remaining_2, ..., now } (integers), or
// { -1, now } past the deadline; `now` is Redis's clock, from which the gateway learns the offset.

/**
 * `calendar(kind, now)`: start and end (epoch ms) of the UTC day ('d') or month ('m') holding `now`,
 * as calendar.ts computes them. The date of a day number is Howard Hinnant's civil_from_days; Unix
 * time has no leap seconds, so every day is 86,400,000 ms.
 */
export const CALENDAR_LUA = `
local DAY = 86400000
local function calendar(kind, now)
  local days = math.floor(now / DAY)
  if kind == 'd' then return days * DAY, (days + 1) * DAY end
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp + 3
  if mp >= 10 then m = mp - 9 end
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  local len = 31
  if m == 4 or m == 6 or m == 9 or m == 11 then len = 30
  elseif m == 2 then
    len = 28
    if (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 then len = 29 end
  end
  local first = days - (d - 1)
  return first * DAY, (first + len) * DAY
end
`;

export const DECIDE_LUA = `${CALENDAR_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = ARGV[1]
local deadline = tonumber(ARGV[2])
if deadline > 0 and now > deadline then return {-1, now} end
local out = {1}
local writes = {}
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 6
  local alg = ARGV[b + 1]
  local limit = tonumber(ARGV[b + 2])
  local period = tonumber(ARGV[b + 3])
  local cost = tonumber(ARGV[b + 4])
  local cal = ARGV[b + 5]
  local lease = tonumber(ARGV[b + 6])
  local key = KEYS[i]
  local ok, remaining, reset, retry, w
  if alg == 'g' then
    -- TAT = c + b * period, never a running sum; b = 0: an older version's TAT in a (algorithms.ts).
    local v = redis.call('HMGET', key, 'a', 'b', 'c')
    local base, taken = now, 0
    local n = tonumber(v[2]) or 0
    local at = tonumber(v[1])
    if n > 0 then at = tonumber(v[3]) end
    if at and n * period - (now - at) > 0 then base = at; taken = n end
    local units = (now - base) * (1 + 2^-44) / period
    local after = taken + cost
    if after - limit > units then
      ok = false; remaining = limit - taken + math.floor(units); reset = taken * period - (now - base)
      retry = math.max(1, (after - limit) * period - (now - base))
    else
      ok = true; remaining = limit - after + math.floor(units); reset = after * period - (now - base); retry = 0
      w = {'h', key, base + after * period, after, base, reset}
    end
  elseif alg == 'f' then
    local start, stop
    if cal == 'd' or cal == 'm' then start, stop = calendar(cal, now)
    else start = now - (now % period); stop = start + period end
    local v = redis.call('HMGET', key, 'a', 'b')
    local used = 0
    if tonumber(v[1]) == start then used = tonumber(v[2]) end
    reset = stop - now
    if used + cost > limit then
      ok = false; remaining = limit - used; retry = stop - now
    else
      ok = true; remaining = limit - used - cost; retry = 0
      w = {'h', key, start, used + cost, 0, stop - now}
    end
  elseif alg == 's' then
    local start = now - (now % period)
    local v = redis.call('HMGET', key, 'a', 'b', 'c')
    local a = tonumber(v[1])
    local current, previous = 0, 0
    if a == start then current = tonumber(v[2]); previous = tonumber(v[3])
    elseif a == start - period then previous = tonumber(v[2]) end
    local elapsed = now - start
    local estimate = previous * (period - elapsed) / period + current
    reset = start + period - now
    if estimate + cost > limit then
      ok = false; remaining = math.floor(limit - estimate); retry = 0
      if current + cost <= limit and previous > 0 then
        local x = period * (1 - (limit - current - cost) / previous)
        if x <= period then retry = math.max(1, x - elapsed) end
      end
      if retry == 0 then
        local x = 0
        if current + cost > limit then x = period * (1 - (limit - cost) / math.max(current, 1)) end
        retry = math.max(1, period - elapsed + math.max(0, x))
      end
    else
      ok = true; remaining = math.floor(limit - estimate - cost); retry = 0
      w = {'h', key, start, current + cost, previous, start + 2 * period - now}
    end
  else
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    local inflight = redis.call('ZCARD', key)
    reset = 0
    if inflight + 1 > limit then
      ok = false; remaining = limit - inflight; retry = 1000
    else
      ok = true; remaining = limit - inflight - 1; retry = 0
      w = {'z', key, now + lease, lease}
    end
  end
  if not ok then out[1] = 0 end
  if remaining < 0 then remaining = 0 end
  out[#out + 1] = remaining
  out[#out + 1] = math.ceil(reset)
  out[#out + 1] = math.ceil(retry)
  writes[i] = w
end
if out[1] == 1 then
  for i = 1, #KEYS do
    local w = writes[i]
    if w[1] == 'h' then
      redis.call('HSET', w[2], 'a', string.format('%.17g', w[3]), 'b', w[4], 'c', w[5])
      redis.call('PEXPIRE', w[2], math.max(1, math.ceil(w[6])))
    else
      redis.call('ZADD', w[2], w[3], member)
      redis.call('PEXPIRE', w[2], w[4])
    end
  end
end
out[#out + 1] = now
return out
`;

/** Redis's clock (epoch ms), for the first offset before any decision. KEYS[1] routes it to the gateway's slot. */
export const CLOCK_LUA = `
local t = redis.call('TIME')
return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Renews concurrency leases still held: KEYS[i] gets member ARGV[2i-1] rescored to now + ARGV[2i] ms,
 * only if it is still there (XX: a lease that was released or ran out is not brought back).
 */
export const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local lease = tonumber(ARGV[2 * i])
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', now + lease, ARGV[2 * i - 1]) == 1 then
    redis.call('PEXPIRE', KEYS[i], lease)
  end
end
return 0
`;

/** Releases concurrency leases: member ARGV[i] from KEYS[i]. */
export const RELEASE_LUA = `
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[i]) end
return 0
`;
