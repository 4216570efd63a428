"""Client-to-server messages: their field tables, and validation of a decoded frame.

What each message carries is stated once, as types, in `protocol.args`; the field tables
here are derived from those types, so docs/PROTOCOL.md, the server and the client library
agree on one list of commands and their fields.
"""

from __future__ import annotations

import types
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, Required, Union, cast, get_args, get_origin, get_type_hints

from . import errors, limits, values
from .args import COMMAND_ARGS, Bounds, CreateRoomBody, HelloJoin, HelloResume, JoinAs, TimerAction


@dataclass(frozen=True, slots=True)
class Field:
    kind: type  # str, int, bool or list (of str)
    required: bool = True
    min_len: int | None = None  # str: characters after trimming (a required str needs 1)
    max_len: int | None = None  # str: characters; list: items
    item_max: int | None = None  # list of str: characters per item
    min: int | None = None
    max: int | None = None
    choices: tuple[Any, ...] | None = None
    nullable: bool = False


_KINDS = (str, int, bool, list)


def _field(hint: Any, required: bool) -> Field:
    """The Field a TypedDict member's type states (see protocol.args for how it reads)."""
    if get_origin(hint) in (Required, NotRequired):
        (hint,) = get_args(hint)
    bounds = Bounds()
    if get_origin(hint) is Annotated:
        hint, *extras = get_args(hint)
        bounds = next((e for e in extras if isinstance(e, Bounds)), bounds)
    nullable = False
    if get_origin(hint) in (Union, types.UnionType):
        members = [m for m in get_args(hint) if m is not type(None)]
        nullable = len(members) < len(get_args(hint))
        (hint,) = members  # one type besides None
    choices = None
    if get_origin(hint) is Literal:
        choices = get_args(hint)
        (hint,) = {type(c) for c in choices}  # choices of one type
    kind = get_origin(hint) or hint
    if kind not in _KINDS or (kind is list and get_args(hint) != (str,)):
        raise TypeError(f"a field of type {hint!r} has no wire form (only str, int, bool and list[str])")
    return Field(
        kind, required, bounds.min_len, bounds.max_len, bounds.item_max, bounds.min, bounds.max, choices, nullable
    )


def schema(shape: type) -> dict[str, Field]:
    """The field table of a TypedDict from protocol.args, in the order it names them."""
    required: frozenset[str] = vars(shape)["__required_keys__"]  # TypedDict sets it on every such class
    hints = get_type_hints(shape, include_extras=True)
    return {name: _field(hint, name in required) for name, hint in hints.items()}


TIMER_ACTIONS: tuple[str, ...] = get_args(TimerAction)
TIMER_EXTEND_DEFAULT = 60  # seconds an "extend" adds when it names none

#: What a join may ask to be instead of a participant: a read-only projector screen.
JOIN_AS: tuple[str, ...] = get_args(JoinAs)

#: Every command a client may send after hello, and its fields besides `t` and `id`.
COMMANDS: dict[str, dict[str, Field]] = {t: schema(shape) for t, shape in COMMAND_ARGS.items()}

HELLO_JOIN: dict[str, Field] = schema(HelloJoin)
HELLO_RESUME: dict[str, Field] = schema(HelloResume)

#: The JSON body of POST /api/rooms; every field is optional.
CREATE_ROOM: dict[str, Field] = schema(CreateRoomBody)


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
    knock: str | None = None  # the secret of a knock at a locked room (see rules.people.knock)
    place: str | None = None  # "room" or "online": where a participant takes part from
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
    msg: dict[str, Any], fields: dict[str, Field], command_id: str | None, envelope: tuple[str, ...] = ("t", "id")
) -> dict[str, Any]:
    def bad(code: str, detail: str) -> errors.ProtocolError:
        return errors.ProtocolError(code, detail, command_id)

    allowed = set(fields) | set(envelope)
    extra = [k for k in msg if k not in allowed]
    if extra:
        raise bad(errors.INVALID_FIELD, f"unexpected field {str(extra[0])[:40]!r}")
    out: dict[str, Any] = {}
    for name, spec in fields.items():
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
    return Hello(
        code=args["code"],
        name=args["name"],
        as_=args.get("as"),
        ticket=args.get("ticket"),
        knock=args.get("knock"),
        place=args.get("place"),
    )


def parse_create_room(body: Any) -> CreateRoomBody:
    """Validate the body of POST /api/rooms (raises ProtocolError)."""
    _check_value(body, None)
    if not isinstance(body, dict):
        raise errors.ProtocolError(errors.INVALID_FIELD, "the body must be a JSON object")
    return cast(CreateRoomBody, _check_fields(body, CREATE_ROOM, None, envelope=()))


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
    fields = COMMANDS.get(t)
    if fields is None:
        raise errors.ProtocolError(errors.UNKNOWN_TYPE, f"unknown type {t[:40]!r}", cid)
    if cid is None:
        raise errors.ProtocolError(
            errors.INVALID_FIELD, f"'id' must be a string of 1-{limits.MAX_COMMAND_ID} characters"
        )
    return Command(t, cid, _check_fields(msg, fields, cid))


def normalize_code(code: str) -> str:
    """Room codes are typed case-insensitively, with or without a dash or spaces."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def is_room_code(code: str) -> bool:
    """Whether a normalised code can be a room's at all (anything else is no room)."""
    return len(code) == limits.ROOM_CODE_LENGTH and all(ch in limits.ROOM_CODE_ALPHABET for ch in code)
