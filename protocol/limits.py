"""Explicit protocol limits, shared by server and client so both reject the same input."""

MAX_FRAME = 64 * 1024  # bytes; also the transport limit (uvicorn --ws-max-size)
MAX_BODY = 64 * 1024  # bytes of an HTTP request body (POST /api/rooms)
MAX_DEPTH = 16  # maps and lists nested in a frame, a body or a method file (a command needs 2)
MAX_COMMAND_ID = 64  # characters of a client-chosen command id
MAX_NAME = 40  # display name
MAX_TITLE = 120  # case title
MAX_SHORT = 600  # a question, a line of advice, "Ik voel …", an evaluation line
MAX_LONG = 8000  # the case text
MAX_CALL_LINK = 500  # the group's video call link (an https URL)
MAX_METHOD_FILE = 32 * 1024  # a facilitator's own method file (TOML), characters
MAX_PEOPLE = 12  # people involved in a case (each becomes a role card)
MAX_PERSON = 60  # one person's label, e.g. "mijn leidinggevende"
MAX_PARTICIPANTS = 30  # per room; groups are 4-12, this stops runaway joins
MAX_CASES = 20  # proposed cases per room
MAX_QUESTIONS = 300  # questions per room
MAX_ADVICE = 200  # written advice items per room
MAX_NOTES = 300  # written notes per room
MAX_CARD_FIELDS = 4  # texts written from one role card ("Ik voel …", "Ik denk …")
MAX_TIMER_EXTEND = 3600  # seconds one "extend" of the phase timer may add
SCREEN_TICKET_TTL = 5 * 60  # seconds a one-time screen ticket lets a projector into a locked room
MAX_SCREEN_TICKETS = 10  # unused screen tickets a room keeps; a new one pushes out the oldest
KNOCK_TTL = 15 * 60  # seconds a knock at a locked room stays open (and a let-in or turned-away answer waits)
MAX_KNOCKS = 10  # knocks a room keeps; a new one pushes out the oldest
MAX_KNOCK_SECRET = 64  # characters of `hello.knock`

RATE_PER_SECOND = 20.0  # sustained commands per connection
RATE_BURST = 40  # commands a connection may send at once
HELLO_TIMEOUT = 10.0  # seconds a new connection has to say hello
SEND_QUEUE = 512  # frames waiting for one connection before it counts as too slow
SEE_ANEW_GRACE = 15.0  # seconds one closed with 4011 still counts as online, until their client is back

SUBPROTOCOL_MSGPACK = "kring.v1.msgpack"
SUBPROTOCOL_JSON = "kring.v1.json"
SUBPROTOCOLS = (SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON)

ROOM_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
ROOM_CODE_LENGTH = 6
