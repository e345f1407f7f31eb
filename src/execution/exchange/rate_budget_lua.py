"""The server-side scripts of the shared rate budget and the nonce-slot leases.

Each runs atomically in Redis (no other command runs in between), so a token taken by one
process is seen by every other at once; windows are on the Redis server's clock (`TIME`),
one clock for every host. A count is a hash `{w: window number, u: used}` per budget and
interval; a ban or a pause is a key whose expiry is its end.
"""

from __future__ import annotations

ACQUIRE = """
-- KEYS: ban, pause (the IP's), order pause (the account's), IP members, account members,
--       then one count per budget (weights first)
-- ARGV: weight, is_order, member, member ttl ms (0: no refresh), number of weight budgets,
--       then per budget: interval ms, limit
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local weight, is_order = tonumber(ARGV[1]), ARGV[2] == '1'
local ttl, n_weight = tonumber(ARGV[4]), tonumber(ARGV[5])
if ttl > 0 then
  for i = 4, 5 do
    redis.call('ZADD', KEYS[i], now + ttl, ARGV[3])
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    redis.call('PEXPIRE', KEYS[i], ttl * 2)
  end
end
local members = {redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])}
local ban = redis.call('PTTL', KEYS[1])
if ban > 0 then return {1, ban, members[1], members[2]} end
local pause = redis.call('PTTL', KEYS[2])
if is_order then pause = math.max(pause, redis.call('PTTL', KEYS[3])) end
if pause > 0 then return {2, pause, members[1], members[2]} end
local wait, counts, amounts = 0, {}, {}
for i = 6, #KEYS do
  local j = 6 + (i - 6) * 2
  local interval, limit = tonumber(ARGV[j]), tonumber(ARGV[j + 1])
  local window = math.floor(now / interval)
  local state = redis.call('HMGET', KEYS[i], 'w', 'u')
  local used = 0
  if tonumber(state[1]) == window then used = tonumber(state[2]) or 0 end
  local amount = weight
  if i - 5 > n_weight then amount = is_order and 1 or 0 end
  if amount > 0 and used + amount > limit then
    wait = math.max(wait, (window + 1) * interval - now)
  end
  counts[#counts + 1] = window
  counts[#counts + 1] = used
  amounts[i] = amount
end
if wait > 0 then return {3, wait, members[1], members[2], unpack(counts)} end
for i = 6, #KEYS do
  local k = (i - 6) * 2 + 1
  if amounts[i] > 0 then
    counts[k + 1] = counts[k + 1] + amounts[i]
    redis.call('HSET', KEYS[i], 'w', counts[k], 'u', counts[k + 1])
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[6 + (i - 6) * 2]) * 2)
  end
end
return {0, 0, members[1], members[2], unpack(counts)}
"""

FOLD = """
-- Raise a count to what the exchange says it is (never lower it), in its window only.
-- KEYS: the count; ARGV: window, used (from a usage header), interval ms
local state = redis.call('HMGET', KEYS[1], 'w', 'u')
local window, seen = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if math.floor(now / tonumber(ARGV[3])) ~= window then return -1 end
local used = 0
if tonumber(state[1]) == window then used = tonumber(state[2]) or 0 end
if seen > used then
  redis.call('HSET', KEYS[1], 'w', window, 'u', seen)
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  return seen
end
return used
"""

EXTEND = """
-- A ban or pause: set it to last `ms` more, unless it already lasts longer.
-- KEYS: the key; ARGV: ms, value
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
  return tonumber(ARGV[1])
end
return left
"""

LEASE = """
-- Take or renew a nonce-slot lease. KEYS: the slot; ARGV: token, ttl ms.
-- Returns 'ok' when held by `token` now, else the holder's token.
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'ok'
end
return holder
"""

RELEASE = """
-- Give a lease back, only if it is still ours. KEYS: the slot; ARGV: token
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
