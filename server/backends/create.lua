-- Create a room unless its code is taken (see redis.py).
-- KEYS[1] room hash   ARGV[1] epoch   ARGV[2] state (msgpack)   ARGV[3] TTL in seconds
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'seq', 0, 'epoch', ARGV[1], 'state', ARGV[2], 'snap', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
