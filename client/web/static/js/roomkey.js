// The routing key on the websocket URL (`/ws?room=KEY`): a load balancer that hashes on it
// keeps a room's connections on one server process. Not a secret, ignored by the server;
// the same function as protocol/routing.py (tests/test_routing.py holds them together).

/** The room code as the server reads it: upper case, without spaces and dashes. */
function normalize(code) {
  return code.toUpperCase().replace(/[ -]/g, "");
}

/** FNV-1a (32 bit) of the normalized code's UTF-8, folded to 16 bits, as 4 hex digits. */
export function roomKey(code) {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(normalize(code))) {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  return ((h >>> 16) ^ (h & 0xffff)).toString(16).padStart(4, "0");
}
