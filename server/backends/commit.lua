-- Commit a room's new events in one atomic step (see redis.py).
--
-- KEYS[1] room hash (fields: seq, epoch, state)   KEYS[2] room log (stream)
-- KEYS[3] remembered command results (list, newest last)
-- ARGV[1] expected seq (the version the events were decided on)
-- ARGV[2] new state (msgpack, without the command results)   ARGV[3] room TTL in seconds
-- ARGV[4] stream cap (MAXLEN ~)    ARGV[5] the room's pub/sub channel
-- ARGV[6] payload to publish       ARGV[7] command results to keep
-- ARGV[8] n, the number of new command results, in ARGV[9 .. 8+n]
-- ARGV[9+n ..] one encoded event per new seq, in order
--
-- Returns {1, epoch} on success, {0, ''} when another process committed first,
-- {-1, ''} when the room does not exist (expired or erased).

local room, log, applied = KEYS[1], KEYS[2], KEYS[3]
local current = redis.call('HGET', room, 'seq')
if not current then
  return {-1, ''}
end
if current ~= ARGV[1] then
  return {0, ''}
end

local epoch = redis.call('HGET', room, 'epoch')
if tonumber(current) > 0 and redis.call('EXISTS', log) == 0 then
  -- The log was lost while the room lived on: start a new epoch, so that no client
  -- mistakes the new log for the old one (they get a fresh snapshot instead).
  local now = redis.call('TIME')
  epoch = 'r' .. now[1] .. now[2]
  redis.call('HSET', room, 'epoch', epoch)
end

local results = tonumber(ARGV[8])
local seq = tonumber(current)
for i = 9 + results, #ARGV do
  seq = seq + 1
  redis.call('XADD', log, 'MAXLEN', '~', ARGV[4], seq .. '-0', 'e', ARGV[i])
end
redis.call('HSET', room, 'seq', seq, 'state', ARGV[2])
if results > 0 then
  for i = 9, 8 + results do
    redis.call('RPUSH', applied, ARGV[i])
  end
  redis.call('LTRIM', applied, -tonumber(ARGV[7]), -1)
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
redis.call('EXPIRE', room, ARGV[3])
redis.call('EXPIRE', log, ARGV[3])
redis.call('EXPIRE', applied, ARGV[3])
return {1, epoch}
