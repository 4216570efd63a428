-- Commit a room's new events in one atomic step (see redis.py).
--
-- KEYS[1] room hash (fields: seq, epoch, state, snap)   KEYS[2] room log (stream)
-- KEYS[3] remembered command results (list, newest last)
-- ARGV[1] expected seq (the version the events were decided on)
-- ARGV[2] the room's state after these events (msgpack, without the command results) when
--         this commit writes a snapshot; '' when it does not (the stream holds the events)
-- ARGV[3] room TTL in seconds   ARGV[4] stream cap (MAXLEN ~, applied with each snapshot)
-- ARGV[5] the room's pub/sub channel
-- ARGV[6] the msgpack array header of the payload to publish: the events follow it, so the
--         payload is made here of the same bytes instead of crossing the network twice
-- ARGV[7] command results to keep
-- ARGV[8] n, the number of new command results, in ARGV[9 .. 8+n]
-- ARGV[9+n ..] one encoded event per new seq, in order
--
-- The stored state is a snapshot as of `snap`; the room is that state with the stream's
-- events after `snap` folded in. A room stored before snapshots has no `snap`: its state
-- is as of `seq`.
--
-- The hash also counts `tail`, the bytes of the events since the snapshot, and keeps `size`,
-- the snapshot's: the caller writes a new snapshot once the tail is a multiple of the
-- snapshot (redis.py SNAPSHOT_TAIL), so snapshots cost a command a fraction of what its
-- events cost.
--
-- Returns {1, epoch, snap, tail, size} on success, {0} when another process committed
-- first, {-1} when the room does not exist (expired or erased), and {2} when the log was
-- lost with events after the snapshot and no state came along: only a caller that holds
-- the whole room can go on, by committing again with its state.

local room, log, applied = KEYS[1], KEYS[2], KEYS[3]
local current = redis.call('HGET', room, 'seq')
if not current then
  return {-1}
end
if current ~= ARGV[1] then
  return {0}
end

local snap = redis.call('HGET', room, 'snap') or current
local epoch = redis.call('HGET', room, 'epoch')
if tonumber(current) > 0 and redis.call('EXISTS', log) == 0 then
  if ARGV[2] == '' and snap ~= current then
    return {2}
  end
  -- The log was lost while the room lived on: start a new epoch, so that no client
  -- mistakes the new log for the old one (they get a fresh snapshot instead).
  local now = redis.call('TIME')
  epoch = 'r' .. now[1] .. now[2]
  redis.call('HSET', room, 'epoch', epoch)
end

local results = tonumber(ARGV[8])
local seq = tonumber(current)
local bytes = 0
for i = 9 + results, #ARGV do
  seq = seq + 1
  bytes = bytes + #ARGV[i]
  redis.call('XADD', log, seq .. '-0', 'e', ARGV[i])
end
local tail, size
if ARGV[2] ~= '' then
  snap, tail, size = tostring(seq), 0, #ARGV[2]
  redis.call('HSET', room, 'seq', seq, 'state', ARGV[2], 'snap', seq, 'tail', 0, 'size', size)
  -- The log is capped here, with the snapshot, rather than by every XADD (where the cap
  -- would be written to the append-only file each time): snapshots come at least every
  -- cap/2 events, so the log holds between cap and 1.5 × cap events.
  redis.call('XTRIM', log, 'MAXLEN', '~', ARGV[4])
else
  -- one HSET, not an HSET and an HINCRBY: each write is a command in the append-only file
  local h = redis.call('HMGET', room, 'tail', 'size')
  tail, size = tonumber(h[1] or 0) + bytes, tonumber(h[2] or 0)
  redis.call('HSET', room, 'seq', seq, 'tail', tail)
end
if results > 0 then
  local n = redis.call('RPUSH', applied, unpack(ARGV, 9, 8 + results))
  -- trimmed back to what is kept only once a quarter more has piled up (load.lua reads the
  -- newest ones): an LTRIM on every commit would be written to the append-only file each time
  local keep = tonumber(ARGV[7])
  if n > keep + math.floor(keep / 4) then
    redis.call('LTRIM', applied, -keep, -1)
  end
end
redis.call('PUBLISH', ARGV[5], ARGV[6] .. table.concat(ARGV, '', 9 + results, #ARGV))
-- Renew the TTL only once it has run down by a tenth (at most a minute): an EXPIRE per key
-- on every commit would be most of what a small event writes to the append-only file. A
-- key without a TTL (the log and the results list when they are new) gets it at once.
local ttl = tonumber(ARGV[3])
local slack = math.min(60, math.floor(ttl / 10))
for _, key in ipairs({room, log, applied}) do
  if redis.call('TTL', key) < ttl - slack then
    redis.call('EXPIRE', key, ttl)
  end
end
return {1, epoch, snap, tail, size}
