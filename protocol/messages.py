"""Client-to-server messages: their fields, and validation of a decoded frame.

A schema is data (field name -> `Field`), so docs/PROTOCOL.md, the server and the client
library agree on one list of commands.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from . import errors, limits, values


@dataclass(frozen=True, slots=True)
class Field:
    kind: type | tuple[type, ...]  # str, int, bool, list (of str), or a tuple for "one of"
    required: bool = True
    min_len: int | None = None  # str: characters after trimming (a required str needs 1)
    max_len: int | None = None  # str: characters; list: items
    item_max: int | None = None  # list of str: characters per item
    min: int | None = None
    max: int | None = None
    choices: tuple[Any, ...] | None = None
    nullable: bool = False


def _text(max_len: int, required: bool = True) -> Field:
    return Field(str, required=required, max_len=max_len)


ITEM_ID = Field(str, max_len=16)
TIMER_ACTIONS = ("start", "pause", "extend")
TIMER_EXTEND_DEFAULT = 60  # seconds an "extend" adds when it names none

#: What a join may ask to be instead of a participant: a read-only projector screen.
JOIN_AS = ("screen",)

#: Every command a client may send after hello, and its fields besides `t` and `id`.
COMMANDS: dict[str, dict[str, Field]] = {
    # facilitator
    "lock": {"locked": Field(bool)},
    "remove": {"participant": ITEM_ID},
    "advance": {},
    "back": {},
    "close_vote": {},
    "choose_case": {"case": ITEM_ID},
    "hide_question": {"question": ITEM_ID, "hidden": Field(bool)},
    "deal_cards": {},
    "reveal": {},
    "set_method": {
        "method": Field(str, required=False, max_len=64),
        "method_toml": Field(str, required=False, max_len=limits.MAX_METHOD_FILE),
    },
    "next_case": {},
    "end": {},
    "timer": {
        "action": Field(str, choices=TIMER_ACTIONS),
        "seconds": Field(int, required=False, min=1, max=limits.MAX_TIMER_EXTEND),
    },
    "auto_advance": {"on": Field(bool)},
    "screen_ticket": {},
    "add_facilitator": {"participant": ITEM_ID},
    "hand_over": {"participant": ITEM_ID},
    # participants (the phase and role decide who may)
    "confirm": {},
    "propose_case": {"title": _text(limits.MAX_TITLE), "question": _text(limits.MAX_SHORT)},
    "withdraw_case": {"case": ITEM_ID},
    "vote": {"case": ITEM_ID},
    "share_case": {
        "text": _text(limits.MAX_LONG),
        "people": Field(list, max_len=limits.MAX_PEOPLE, item_max=limits.MAX_PERSON),
    },
    "ask": {"text": _text(limits.MAX_SHORT)},
    "withdraw_question": {"question": ITEM_ID},
    "upvote": {"question": ITEM_ID, "on": Field(bool)},
    "mark_answered": {"question": ITEM_ID, "answered": Field(bool)},
    "rate_question": {
        "question": ITEM_ID,
        "rating": Field(str, choices=("warm", "lauw", "koud"), nullable=True),
    },
    "essence": {"text": _text(limits.MAX_SHORT)},
    "draw_card": {},
    "perspective": {"texts": Field(list, max_len=limits.MAX_CARD_FIELDS, item_max=limits.MAX_SHORT)},
    "note": {"text": _text(limits.MAX_SHORT)},
    "withdraw_note": {"note": ITEM_ID},
    "rate_advice": {
        "advice": ITEM_ID,
        "rating": Field(str, choices=("warm", "lauw", "koud"), nullable=True),
    },
    "pass_turn": {},
    "advice": {"text": _text(limits.MAX_SHORT)},
    "respond": {"text": _text(limits.MAX_SHORT)},
    "takeaway": {"text": _text(limits.MAX_SHORT)},
    "evaluate": {"score": Field(int, min=1, max=5), "line": _text(limits.MAX_SHORT, required=False)},
    "ready": {"ready": Field(bool)},
    "claim_facilitator": {},
    "list_me": {"listed": Field(bool)},
    "proof": {},
    "summary": {},
}

HELLO_JOIN: dict[str, Field] = {
    "code": Field(str, max_len=12),
    "name": _text(limits.MAX_NAME),
    "as": Field(str, required=False, choices=JOIN_AS),
    "ticket": Field(str, required=False, max_len=64),  # from `screen_ticket`: into a locked room
}
HELLO_RESUME: dict[str, Field] = {
    "token": Field(str, max_len=128),
    "epoch": Field(str, required=False, max_len=64),
    "seq": Field(int, required=False, min=0),
}


#: The JSON body of POST /api/rooms; every field is optional.
CREATE_ROOM: dict[str, Field] = {
    "method": Field(str, required=False, max_len=64),
    "method_toml": Field(str, required=False, max_len=limits.MAX_METHOD_FILE),
    "language": Field(str, required=False, choices=("nl", "en")),
    "anonymous_questions": Field(bool, required=False),
    "facilitator_name": Field(str, required=False, min_len=1, max_len=limits.MAX_NAME),
}


@dataclass(frozen=True, slots=True)
class Command:
    t: str
    id: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Hello:
    code: str | None = None  # join by code ...
    name: str | None = None
    as_: str | None = None  # "screen": join as a read-only projector screen
    ticket: str | None = None  # a facilitator's one-time screen ticket (a screen into a locked room)
    token: str | None = None  # ... or resume with a token
    epoch: str | None = None
    seq: int | None = None


def _clean(text: str, multiline: bool) -> str:
    """A text as it is checked and stored: trimmed, and in the longer texts (which may hold
    lines) with Windows and old Mac line endings made plain newlines."""
    text = text.strip()
    return text.replace("\r\n", "\n").replace("\r", "\n") if multiline else text


def _has_control(text: str, multiline: bool) -> bool:
    allowed = "\n\t" if multiline else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _range(spec: Field) -> str:
    if spec.max is None:
        return f"at least {spec.min}"
    if spec.min is None:
        return f"at most {spec.max}"
    return f"between {spec.min} and {spec.max}"


def _check_fields(
    msg: dict, schema: dict[str, Field], command_id: str | None, envelope: tuple[str, ...] = ("t", "id")
) -> dict[str, Any]:
    def bad(code: str, detail: str) -> errors.ProtocolError:
        return errors.ProtocolError(code, detail, command_id)

    allowed = set(schema) | set(envelope)
    extra = [k for k in msg if k not in allowed]
    if extra:
        raise bad(errors.INVALID_FIELD, f"unexpected field {str(extra[0])[:40]!r}")
    out: dict[str, Any] = {}
    for name, spec in schema.items():
        if name not in msg:
            if spec.required:
                raise bad(errors.INVALID_FIELD, f"missing field {name!r}")
            continue
        value = msg[name]
        if value is None and spec.nullable:
            out[name] = None
            continue
        # bool is a subclass of int; never accept True for a number.
        if spec.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise bad(errors.INVALID_FIELD, f"{name!r} must be an integer")
        if not isinstance(value, spec.kind):
            raise bad(errors.INVALID_FIELD, f"{name!r} must be of type {spec.kind.__name__}")
        if isinstance(value, str):
            multiline = spec.max_len is not None and spec.max_len > limits.MAX_TITLE
            value = _clean(value, multiline)
            if not value and (spec.required or spec.min_len):
                raise bad(errors.INVALID_FIELD, f"{name!r} must not be empty")
            if spec.max_len is not None and len(value) > spec.max_len:
                raise bad(errors.TOO_LARGE, f"{name!r} is longer than {spec.max_len} characters")
            if _has_control(value, multiline):
                raise bad(errors.INVALID_FIELD, f"{name!r} contains control characters")
        if isinstance(value, list):
            if spec.max_len is not None and len(value) > spec.max_len:
                raise bad(errors.TOO_LARGE, f"{name!r} has more than {spec.max_len} items")
            items = []
            multiline = spec.item_max is not None and spec.item_max > limits.MAX_TITLE
            for item in value:
                item = _clean(item, multiline) if isinstance(item, str) else item
                if not isinstance(item, str) or not item:
                    raise bad(errors.INVALID_FIELD, f"{name!r} must hold non-empty strings")
                if spec.item_max is not None and len(item) > spec.item_max:
                    raise bad(errors.TOO_LARGE, f"an item of {name!r} is too long")
                if _has_control(item, multiline):
                    raise bad(errors.INVALID_FIELD, f"an item of {name!r} contains control characters")
                items.append(item)
            value = items
        if spec.min is not None and value < spec.min or spec.max is not None and value > spec.max:
            raise bad(errors.INVALID_FIELD, f"{name!r} must be {_range(spec)}")
        if spec.choices is not None and value not in spec.choices:
            raise bad(errors.INVALID_FIELD, f"{name!r} must be one of {', '.join(spec.choices)}")
        out[name] = value
    return out


def _check_value(msg: Any, command_id: str | None) -> None:
    """Every value that enters is plain data the store and both codecs carry (see
    protocol.values); checked before anything else looks inside it."""
    try:
        values.check(msg)
    except values.Uncarriable as exc:
        raise errors.ProtocolError(errors.MALFORMED, str(exc), command_id) from None


def parse_hello(msg: Any) -> Hello:
    """Validate the first frame of a connection."""
    _check_value(msg, None)
    if not isinstance(msg, dict):
        raise errors.ProtocolError(errors.MALFORMED, "a frame must be a map")
    if msg.get("t") != "hello":
        raise errors.ProtocolError(errors.HELLO_FIRST, None, _command_id(msg))
    # a hello is not a command: it has no id and gets no ack (PROTOCOL.md §4)
    if "token" in msg:
        args = _check_fields(msg, HELLO_RESUME, None, envelope=("t",))
        return Hello(token=args["token"], epoch=args.get("epoch"), seq=args.get("seq"))
    args = _check_fields(msg, HELLO_JOIN, None, envelope=("t",))
    return Hello(code=args["code"], name=args["name"], as_=args.get("as"), ticket=args.get("ticket"))


def parse_create_room(body: Any) -> dict[str, Any]:
    """Validate the body of POST /api/rooms (raises ProtocolError)."""
    _check_value(body, None)
    if not isinstance(body, dict):
        raise errors.ProtocolError(errors.INVALID_FIELD, "the body must be a JSON object")
    return _check_fields(body, CREATE_ROOM, None, envelope=())


def _command_id(msg: Any) -> str | None:
    """The command's id, if it can be read and echoed back (in an ack or an error)."""
    cid = msg.get("id") if isinstance(msg, dict) else None
    ok = isinstance(cid, str) and 0 < len(cid) <= limits.MAX_COMMAND_ID and values.carriable(cid)
    return cid if ok else None


def parse_command(msg: Any) -> Command:
    """Validate a command frame; raises ProtocolError carrying the command id when known."""
    cid = _command_id(msg)
    _check_value(msg, cid)
    if not isinstance(msg, dict):
        raise errors.ProtocolError(errors.MALFORMED, "a frame must be a map")
    t = msg.get("t")
    if not isinstance(t, str):
        raise errors.ProtocolError(errors.MALFORMED, "missing 't'", cid)
    if t == "hello":
        raise errors.ProtocolError(errors.NOT_ALLOWED, "already said hello", cid)
    schema = COMMANDS.get(t)
    if schema is None:
        raise errors.ProtocolError(errors.UNKNOWN_TYPE, f"unknown type {t[:40]!r}", cid)
    if cid is None:
        raise errors.ProtocolError(
            errors.INVALID_FIELD, f"'id' must be a string of 1-{limits.MAX_COMMAND_ID} characters"
        )
    return Command(t, cid, _check_fields(msg, schema, cid))


def normalize_code(code: str) -> str:
    """Room codes are typed case-insensitively, with or without a dash or spaces."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def is_room_code(code: str) -> bool:
    """Whether a normalised code can be a room's at all (anything else is no room)."""
    return len(code) == limits.ROOM_CODE_LENGTH and all(ch in limits.ROOM_CODE_ALPHABET for ch in code)
