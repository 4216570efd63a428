-- Commit a room's new events in one atomic step (see redis.py).
--
-- KEYS[1] room hash (fields: seq, epoch, state, snap)   KEYS[2] room log (stream)
-- ARGV[1] expected seq (the version the events were decided on)
-- ARGV[2] the room's state after these events, with the command results it remembers
--         (msgpack), when the caller's view says a snapshot may be due; '' when not
-- ARGV[3] four numbers, space-separated (one argument: each argument costs every commit
--         its framing on the wire and in the append-only file): the room TTL in seconds;
--         renew the TTL once this many seconds of it have run down (redis.py renew_after);
--         the stream cap (MAXLEN ~, with each snapshot); a snapshot is due this many events
--         after the last one, 0 from a process that keeps no copy of the room (nobody
--         there listens): the room is written whole, as no copy would be there to write it
--         from should the log be lost
-- ARGV[4] the msgpack array header of the payload to publish: the events follow it, so the
--         payload is made here of the same bytes instead of crossing the network twice
-- ARGV[5 ..] one encoded event per new seq, in order
--
-- The payload goes to the room's channel, named as redis_keys.room names it: the room
-- hash's name with `events` for `room`.
--
-- The stream is the room: each entry holds one event (`e`; a command's first event carries
-- the command's result, so a re-sent command is known after a reload). The state in the
-- hash is a snapshot as of `snap`, with the results remembered then; the room is that state
-- with the stream's entries after `snap` folded in. A commit writes its events,
-- one HSET of `seq`, and the state only when a snapshot is due: at least `every` events
-- after the last one (the caller sends the state when its view of `snap` says so; that view
-- may be old, so the check is here). Each write is a command in the append-only file.
--
-- Returns {1, epoch, snap} on success, {0} when another process committed first, {-1} when
-- the room does not exist (expired or erased), and {2} when the log was lost with events
-- after the snapshot and no state came along: only a caller that holds the whole room can
-- go on, by committing again with its state.

local room, log = KEYS[1], KEYS[2]
local ttl, slack, cap, every = string.match(ARGV[3], '^(%d+) (%d+) (%d+) (%d+)$')
local current = redis.call('HGET', room, 'seq')
if not current then
  return {-1}
end
if current ~= ARGV[1] then
  return {0}
end

local snap = redis.call('HGET', room, 'snap') or current
local epoch = redis.call('HGET', room, 'epoch')
local due = false
if tonumber(current) > 0 and redis.call('EXISTS', log) == 0 then
  if ARGV[2] == '' and snap ~= current then
    return {2}
  end
  -- The log was lost while the room lived on: start a new epoch, so that no client
  -- mistakes the new log for the old one (they get a fresh snapshot instead), and write
  -- the room whole: the events before this commit are nowhere else.
  local now = redis.call('TIME')
  epoch = 'r' .. now[1] .. now[2]
  redis.call('HSET', room, 'epoch', epoch)
  due = true
end

local seq = tonumber(current)
for i = 5, #ARGV do
  seq = seq + 1
  redis.call('XADD', log, seq .. '-0', 'e', ARGV[i])
end
due = due or seq - tonumber(snap) >= tonumber(every)
if due and ARGV[2] ~= '' then
  snap = tostring(seq)
  redis.call('HSET', room, 'seq', seq, 'state', ARGV[2], 'snap', seq)
  -- The log is capped here, with the snapshot, rather than by every XADD (where the cap
  -- would be written to the append-only file each time): snapshots come at least every
  -- cap/2 events, so the log holds between cap and 1.5 × cap events.
  redis.call('XTRIM', log, 'MAXLEN', '~', cap)
else
  redis.call('HSET', room, 'seq', seq)
end
redis.call('PUBLISH', string.sub(room, 1, -5) .. 'events', ARGV[4] .. table.concat(ARGV, '', 5, #ARGV))
-- Renew the TTL only once it has run down by `slack` seconds; a key without a TTL (the log
-- when it is new) gets it at once.
ttl, slack = tonumber(ttl), tonumber(slack)
for _, key in ipairs({room, log}) do
  if redis.call('TTL', key) < ttl - slack then
    redis.call('EXPIRE', key, ttl)
  end
end
return {1, epoch, snap}
