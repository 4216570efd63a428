-- Read a room whole, in one atomic step (see redis.py): its snapshot and what came after.
--
-- KEYS[1] room hash (fields: seq, epoch, state, snap)   KEYS[2] room log (stream)
-- KEYS[3] command results as rooms stored them before they went into the log (a list;
--         read while such a room lives on)   ARGV[1] how many of those are kept (the newest)
--
-- Returns false when the room does not exist, else {seq, epoch, state, snap, legacy,
-- events}: `state` as of `snap` (a room stored before snapshots has none: as of `seq`),
-- `events` the packed events of the stream after `snap` up to `seq`, oldest first.

local room, log, applied = KEYS[1], KEYS[2], KEYS[3]
local h = redis.call('HMGET', room, 'seq', 'epoch', 'state', 'snap')
if not h[1] or not h[3] then
  return false
end
local snap = h[4] or h[1]
local events = {}
if tonumber(snap) < tonumber(h[1]) then
  for _, entry in ipairs(redis.call('XRANGE', log, (tonumber(snap) + 1) .. '-0', h[1] .. '-0')) do
    events[#events + 1] = entry[2][2]  -- the entry's one field, 'e'
  end
end
return {h[1], h[2], h[3], snap, redis.call('LRANGE', applied, -tonumber(ARGV[1]), -1), events}
