/**
 * gcra.ts's gcraStep as one Lua script, so a check is a single atomic round
 * trip (EVALSHA via ioredis defineCommand) however many query processes share
 * the budget: read TAT, decide, write TAT with its expiry, in one step no
 * other client can interleave with. Keep the two in step: same operations,
 * same order (tests/unit/rate-limit-redis.test.ts replays one sequence on both).
 *
 * KEYS[1]  agent-ledger:rl:<class>:<credential>
 * ARGV[1]  interval (µs), ARGV[2] capacity (µs), ARGV[3] limit,
 * ARGV[4]  now (µs), or '' to use the Redis server's clock: processes on
 *          different hosts then share one time line, whatever their skew.
 * Returns  {allowed 0|1, remaining, resetSeconds, retryAfterSeconds}.
 *
 * The TAT is written with "%.0f": Lua 5.1's tostring keeps 14 significant
 * digits and a µs timestamp has 16. The key expires when the budget has fully
 * drained (TAT reached), when it would mean the same as no key at all.
 */
export const GCRA_LUA = `
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local now
if ARGV[4] == '' then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[4])
end
local stored = tonumber(redis.call('GET', KEYS[1]))
local tat = now
if stored ~= nil and stored >= now then tat = stored end
local new_tat = tat + interval
if new_tat - now > capacity then
  local retry = math.ceil((new_tat - capacity - now) / 1000000)
  if retry < 1 then retry = 1 end
  return {0, 0, math.ceil((tat - now) / 1000000), retry}
end
local ttl_ms = math.ceil((new_tat - now) / 1000)
if ttl_ms < 1 then ttl_ms = 1 end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl_ms)
return {1, math.floor((capacity - (new_tat - now)) / interval), math.ceil((new_tat - now) / 1000000), 0}
`;
