"""Hostile frames for the wire fuzzer (tests/test_wire_fuzz.py), each refused by construction.

A frame is a value tree rendered for either codec by hand, so that it can hold what no
well-behaved encoder writes: lone UTF-16 surrogates (JSON: their `\\u` escape; msgpack: a
str whose bytes are not UTF-8), nesting a thousand levels deep, NaN and infinities,
integers beyond 64 bits, binary and extension types. Every generated frame carries what
the server must answer it with:

* `code`: the error for the one defect it has, once its `t` is a command and its `id` is
  readable (None for a well-formed command, which only a screen, or a participant
  sending a facilitator's command, may be sent: `not_allowed`);
* `hello_code`: the error when it is the first frame of a connection and its `t` is
  "hello";
* `close`: the transport's close code for a frame that gets no answer at all (over
  64 KiB: 1009; a text frame that is not UTF-8: 1007).

`expected` derives the answer for a sender from these and from PROTOCOL.md's order of
checks (§2.3, §4, §11.1): a frame that cannot be decoded or carried is `malformed`, a
non-map is `malformed`, and so on down to the defect. The same tables give the
deterministic sweep (`sweep_*`: every command, every field, every kind of defect, once)
and the Hypothesis strategies (the same defects with drawn values, mixed in batches).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgpack
import orjson
from hypothesis import strategies as st

from protocol import errors, limits, values
from protocol.messages import COMMANDS, CREATE_ROOM, HELLO_JOIN, HELLO_RESUME, Field, normalize_code
from server.rooms.method import METHODS_DIR, available

from .commands import FACILITATOR_COMMANDS, well_formed

MALFORMED, INVALID, TOO_LARGE = errors.MALFORMED, errors.INVALID_FIELD, errors.TOO_LARGE

#: PROTOCOL.md §6.1: anyone but a facilitator gets `not_allowed` for these (one list with the engine tests)
FACILITATOR_ONLY = FACILITATOR_COMMANDS
#: refused for a participant while a facilitator is online (§6.3), as in the fuzzed room
REFUSED_WHILE_FACILITATOR_ONLINE = ("claim_facilitator",)


# --------------------------------------------------------------------------- value trees


@dataclass(frozen=True)
class BadText:
    """A string no codec may carry. JSON sends the `\\u` escape of a lone surrogate (a
    text frame must be UTF-8, so invalid bytes would only test the transport); msgpack
    sends a str whose bytes are the CESU-8 form of a surrogate, or not UTF-8 at all."""

    before: str
    kind: str
    after: str = ""


BAD_TEXT: dict[str, tuple[str, bytes]] = {
    # kind: (JSON escape, msgpack bytes)
    "high surrogate": ("\\ud800", b"\xed\xa0\x80"),
    "low surrogate": ("\\udfff", b"\xed\xbf\xbf"),
    "reversed pair": ("\\udc00\\ud800", b"\xed\xb0\x80\xed\xa0\x80"),
    "high surrogate at the end": ("\\udbff", b"\xed\xaf\xbf"),
    "byte 0xff": ("\\ud800", b"\xff"),
    "cut sequence": ("\\ud83d", b"\xe2\x82"),
    "overlong": ("\\udc80", b"\xc0\xaf"),
    "lone continuation byte": ("\\ud800", b"\x80"),
}


@dataclass(frozen=True)
class Deep:
    """`n` nested lists (or maps) around a null; far beyond MAX_DEPTH by construction."""

    n: int
    maps: bool = False

    def __post_init__(self) -> None:
        assert self.n > limits.MAX_DEPTH, "only depth well past the limit is refused by construction"


@dataclass(frozen=True)
class NonFinite:
    which: str  # "NaN", "Infinity", "-Infinity", "1e400"


@dataclass(frozen=True)
class HugeInt:
    """An integer beyond 64 bits: JSON writes its digits (orjson reads them as a float),
    msgpack cannot hold it and sends the float. A number, never an integer, either way."""

    value: int


@dataclass(frozen=True)
class Raw:
    """A whole frame as it goes on the wire: bytes as a binary frame, str as a text frame,
    or bytes as a text frame (`text=True`, which need not be UTF-8)."""

    data: bytes | str
    text: bool = False


MISSING = object()  # a field left out


def _mp_str(data: bytes) -> bytes:
    n = len(data)
    if n < 32:
        return bytes([0xA0 | n]) + data
    if n < 256:
        return b"\xd9" + bytes([n]) + data
    if n < 65536:
        return b"\xda" + n.to_bytes(2, "big") + data
    return b"\xdb" + n.to_bytes(4, "big") + data


def _mp_header(n: int, fix: int, b16: bytes, b32: bytes) -> bytes:
    if n < 16:
        return bytes([fix | n])
    if n < 65536:
        return b16 + n.to_bytes(2, "big")
    return b32 + n.to_bytes(4, "big")


_PACK = msgpack.Packer(use_bin_type=True).pack
_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "1e400": math.inf}


def to_msgpack(v: Any) -> bytes:
    if isinstance(v, dict):
        return _mp_header(len(v), 0x80, b"\xde", b"\xdf") + b"".join(
            to_msgpack(k) + to_msgpack(x) for k, x in v.items()
        )
    if isinstance(v, list):
        return _mp_header(len(v), 0x90, b"\xdc", b"\xdd") + b"".join(to_msgpack(x) for x in v)
    if isinstance(v, BadText):
        return _mp_str(v.before.encode() + BAD_TEXT[v.kind][1] + v.after.encode())
    if isinstance(v, Deep):
        return (b"\x81\xa1k" if v.maps else b"\x91") * v.n + b"\xc0"
    if isinstance(v, NonFinite):
        return _PACK(_NONFINITE[v.which])
    if isinstance(v, HugeInt):
        return _PACK(float(v.value))
    return _PACK(v)


def _json_str(s: str) -> str:
    return orjson.dumps(s).decode()


def to_json(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ",".join(f"{_json_key(k)}:{to_json(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(to_json(x) for x in v) + "]"
    if isinstance(v, BadText):
        return '"' + _json_str(v.before)[1:-1] + BAD_TEXT[v.kind][0] + _json_str(v.after)[1:-1] + '"'
    if isinstance(v, Deep):
        return ('{"k":' if v.maps else "[") * v.n + "null" + ("}" if v.maps else "]") * v.n
    if isinstance(v, NonFinite):
        return v.which
    if isinstance(v, HugeInt):
        return str(v.value)
    if isinstance(v, bytes | msgpack.ExtType | msgpack.Timestamp):
        return '"\\ud800"'  # JSON has no binary: the nearest thing no JSON decoder may accept
    return orjson.dumps(v).decode()


def _json_key(k: Any) -> str:
    if isinstance(k, str):
        return _json_str(k)
    if isinstance(k, BadText):
        return to_json(k)
    if isinstance(k, int):
        return f'"{k}"'  # JSON keys are text: an int key becomes an (unknown) field name
    return '"\\ud800"'


def uncarriable(v: Any) -> bool:
    """Whether the tree holds something the server must refuse even once it is decoded."""
    if isinstance(v, dict):
        return any(uncarriable(k) or uncarriable(x) for k, x in v.items())
    if isinstance(v, list):
        return any(uncarriable(x) for x in v)
    return isinstance(v, Deep | NonFinite | BadText | bytes | msgpack.ExtType | msgpack.Timestamp)


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Frame:
    label: str
    payload: Any
    code: str | None = None
    hello_code: str | None = None
    close: int | None = None

    def wire(self, binary: bool) -> tuple[bytes | str, bool]:
        """(data, as a text frame) for a codec: binary (msgpack) or text (JSON)."""
        if isinstance(self.payload, Raw):
            return self.payload.data, isinstance(self.payload.data, str) or self.payload.text
        if binary:
            return to_msgpack(self.payload), False
        return to_json(self.payload), True

    def show(self, binary: bool) -> str:
        """The frame as it goes on the wire of a codec, for a report."""
        return f"<{self.label}: {shorten(self.wire(binary)[0])}>"

    def __repr__(self) -> str:
        return self.show(True)


def shorten(data: bytes | str, limit: int = 300) -> str:
    text = repr(data)
    return text if len(text) <= limit else f"{text[: limit // 2]} … {text[-limit // 4 :]} ({len(data)} long)"


def decode(data: bytes | str, text: bool, binary: bool) -> tuple[bool, Any]:
    """Decode as the documented codec would (§1.2: msgpack maps with string keys and str
    strings; strict UTF-8 JSON): (decoded, value)."""
    try:
        if binary:
            if text:
                return False, None
            return True, msgpack.unpackb(data, raw=False, strict_map_key=True)
        if not text:
            return False, None
        return True, orjson.loads(data)
    except Exception:
        return False, None


def readable_id(value: Any) -> str | None:
    """A command's id as §2.1 defines it: a string of 1-64 characters."""
    cid = value.get("id") if isinstance(value, dict) else None
    return cid if isinstance(cid, str) and 0 < len(cid) <= limits.MAX_COMMAND_ID else None


def _carriable(value: Any) -> bool:
    try:
        values.check(value)
    except values.Uncarriable:
        return False
    return True


def expected(frame: Frame, binary: bool, first: bool) -> tuple[str, str | None]:
    """The error code a frame must get and the id it must carry (None: no id), as a
    command on an open connection or as the first frame of a new one."""
    data, text = frame.wire(binary)
    ok, value = decode(data, text, binary)
    if not ok:
        return MALFORMED, None
    cid = readable_id(value)
    bad = not _carriable(value) if isinstance(frame.payload, Raw) else uncarriable(frame.payload)
    if first:  # the answer to a hello never carries an id, except hello_first's (§4.3)
        if bad or not isinstance(value, dict):
            return MALFORMED, None
        if value.get("t") != "hello":
            return errors.HELLO_FIRST, cid
        assert frame.hello_code is not None, frame
        return frame.hello_code, None
    if bad:
        return MALFORMED, cid
    if not isinstance(value, dict):
        return MALFORMED, None
    t = value.get("t")
    if not isinstance(t, str):
        return MALFORMED, cid
    if t == "hello":
        return errors.NOT_ALLOWED, cid  # already said hello
    if t not in COMMANDS:
        return errors.UNKNOWN_TYPE, cid
    if cid is None:
        return INVALID, None
    return frame.code or errors.NOT_ALLOWED, cid


def command_like(value: Any) -> bool:
    """A random value that could be taken for a command or a hello (left out)."""
    t = value.get("t") if isinstance(value, dict) else None
    return isinstance(t, str) and (t in COMMANDS or t == "hello")


# --------------------------------------------------------------------------- building blocks

#: what a text field may hold: no control characters (Cc) and no lone surrogates (Cs)
TEXT_CHARS = st.characters(exclude_categories=("Cc", "Cs"))
ANY_CHARS = st.characters(exclude_categories=("Cs",))
#: control characters refused in every text field (newline and tab pass in long texts)
CONTROL = [chr(c) for c in [*range(0, 32), 127, *range(128, 160)] if chr(c) not in "\n\t"]
FILLERS = ["x", "é", "€", "𝄞", "ab"]  # 1-4 bytes in UTF-8; never whitespace at the ends


def text(max_len: int, min_len: int = 1) -> st.SearchStrategy[str]:
    """A valid text: no control characters, 1..max_len characters after trimming."""
    return st.text(TEXT_CHARS, min_size=min_len, max_size=min(max_len, 24)).filter(
        lambda s: 0 < len(s.strip()) <= max_len
    )


def valid(spec: Field) -> st.SearchStrategy[Any]:
    if spec.choices is not None:
        s: st.SearchStrategy[Any] = st.sampled_from(spec.choices)
    elif spec.kind is bool:
        s = st.booleans()
    elif spec.kind is int:
        s = st.integers(spec.min if spec.min is not None else 0, spec.max if spec.max is not None else 2**31)
    elif spec.kind is list:
        s = st.lists(text(spec.item_max or limits.MAX_SHORT), max_size=min(spec.max_len or 4, 4))
    else:
        s = text(spec.max_len or limits.MAX_SHORT)
    return s | st.none() if spec.nullable else s


ids = st.text(ANY_CHARS, min_size=1, max_size=limits.MAX_COMMAND_ID)
int64 = st.integers(values.MIN_INT, values.MAX_INT)  # what both codecs carry
plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(values.MIN_INT, values.MAX_INT)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(ANY_CHARS, max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(ANY_CHARS, max_size=6), inner, max_size=3),
    max_leaves=6,
)

_WRONG: dict[Any, st.SearchStrategy[Any]] = {
    str: st.text(ANY_CHARS, max_size=8),
    int: st.integers(-(2**63), 2**63 - 1),
    bool: st.booleans(),
    float: st.floats(allow_nan=False, allow_infinity=False),
    list: st.lists(st.integers(0, 9), max_size=3),
    dict: st.dictionaries(st.text(ANY_CHARS, max_size=4), st.integers(0, 9), max_size=2),
    None: st.none(),
}
_WRONG_EXAMPLE = {str: "5", int: 5, bool: False, float: 2.5, list: [1], dict: {"a": 1}, None: None}


def wrong_type(spec: Field) -> tuple[st.SearchStrategy[Any], Any]:
    """Values of another type than the field's (bool is no int; None only where the
    field is not nullable), and an example of one."""
    kinds = [k for k in _WRONG if k is not spec.kind and not (k is None and spec.nullable)]
    strategies = [_WRONG[k] for k in kinds]
    if spec.kind is int:
        strategies.append(st.builds(HugeInt, st.integers(2**64, 2**80) | st.integers(-(2**80), -(2**63) - 1)))
    return st.one_of(strategies), _WRONG_EXAMPLE[kinds[0]]


@dataclass
class Defect:
    """One way to break one slot of a frame: its replacement values (MISSING to leave it
    out), what it must be answered with, and examples for the sweep."""

    label: str
    values: st.SearchStrategy[Any]
    code: str
    example: Any
    more: tuple[Any, ...] = ()

    @property
    def examples(self) -> tuple[Any, ...]:
        return (self.example, *self.more)


def _one(v: Any) -> st.SearchStrategy[Any]:
    return st.just(v)


def bad_texts(prefix: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[BadText]:
    around = prefix if prefix is not None else st.text(TEXT_CHARS, max_size=6)
    return st.builds(BadText, around, st.sampled_from(sorted(BAD_TEXT)), around)


deep = st.builds(Deep, st.integers(limits.MAX_DEPTH + 1, 2000), st.booleans())
nonfinite = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400"]).map(NonFinite)
binary = st.one_of(
    st.binary(max_size=8),
    st.builds(msgpack.ExtType, st.integers(0, 127), st.binary(max_size=4)),
    st.builds(msgpack.Timestamp, st.integers(0, 2**32 - 1)),
)


def too_long(n: int, fillers: Iterable[str] = FILLERS) -> st.SearchStrategy[str]:
    """Texts just over `n` characters (and over it by up to 200), still under 64 KiB."""
    fillers = [f for f in fillers if (n + 201) * len(f.encode()) < 60_000] or ["x"]
    return st.builds(lambda f, k: (f * (n + 1 + k))[: n + 1 + k], st.sampled_from(fillers), st.integers(0, 200))


def _control_text(max_len: int = 64, items: bool = False) -> st.SearchStrategy[Any]:
    """A text within `max_len` with a control character inside (trimming keeps it). A text
    long enough to hold lines takes a carriage return as a line ending, so not that."""
    k = min(8, (max_len - 1) // 2)
    controls = [c for c in CONTROL if c != "\r"] if max_len > limits.MAX_TITLE else CONTROL
    s = st.builds(lambda a, c, b: a + c + b, text(k), st.sampled_from(controls), text(k))
    return st.lists(s, min_size=1, max_size=1) if items else s


def uncarried_defects() -> list[Defect]:
    """What no field may hold: refused as `malformed` whatever the field."""
    return [
        Defect(
            "lone surrogate or invalid UTF-8",
            bad_texts(),
            MALFORMED,
            BadText("X", "high surrogate"),
            (BadText("X", "byte 0xff"),),
        ),
        Defect("deep nesting", deep, MALFORMED, Deep(1500), (Deep(limits.MAX_DEPTH + 1, maps=True),)),
        Defect("NaN or infinity", nonfinite, MALFORMED, NonFinite("NaN"), (NonFinite("1e400"),)),
        Defect("binary or extension type", binary, MALFORMED, b"\x00", (msgpack.ExtType(5, b"x"),)),
    ]


def field_defects(name: str, spec: Field) -> list[Defect]:
    """Every way to break field `name` of a schema (one at a time)."""
    out = uncarried_defects()
    wrong, wrong_example = wrong_type(spec)
    out.append(Defect("wrong type", wrong, INVALID, wrong_example))
    if spec.required:
        out.append(Defect("missing", _one(MISSING), INVALID, MISSING))
    if spec.kind is str:
        out.append(Defect("control character", _control_text(spec.max_len or 64), INVALID, "a\x07b"))
        if spec.required or spec.min_len:
            blanks = st.sampled_from(["", " ", "   ", "\u3000", " \n\t ", "\x1c\x1f"])
            out.append(Defect("empty", blanks, INVALID, "   "))
        if spec.max_len is not None:
            ascii_only = spec.max_len > limits.MAX_LONG
            strat = too_long(spec.max_len, ["x"] if ascii_only else FILLERS)
            out.append(Defect("over its limit", strat, TOO_LARGE, "x" * (spec.max_len + 1)))
        if spec.choices is not None:
            others = st.text(TEXT_CHARS, min_size=1, max_size=12).filter(lambda s: s.strip() not in spec.choices)
            near = st.sampled_from([c.upper() for c in spec.choices] + [c + "x" for c in spec.choices])
            out.append(Defect("not one of the choices", others | near, INVALID, spec.choices[0].upper()))
        out.append(
            Defect("lone surrogate in the middle", bad_texts(text(6)), MALFORMED, BadText("ab", "low surrogate"))
        )
    if spec.kind is list:
        item_max = spec.item_max or limits.MAX_SHORT
        n = min(spec.max_len or 4, 3)
        items = st.lists(text(item_max), max_size=n - 1)
        out += [
            Defect(
                "item not a string",
                st.lists(
                    int64 | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False),
                    min_size=1,
                    max_size=n,
                ),
                INVALID,
                [1],
            ),
            Defect("empty item", st.sampled_from([[""], ["  "], ["ok", " "]]), INVALID, [""]),
            Defect("control character in an item", _control_text(item_max, items=True), INVALID, ["a\x1bb"]),
            Defect(
                "surrogate in an item",
                st.builds(lambda xs, b: [*xs, b], items, bad_texts()),
                MALFORMED,
                ["ok", BadText("", "reversed pair")],
            ),
            Defect("item over its limit", too_long(item_max).map(lambda s: [s]), TOO_LARGE, ["x" * (item_max + 1)]),
        ]
        if spec.max_len is not None:
            many = st.integers(spec.max_len + 1, spec.max_len + 8).map(lambda k: ["x"] * k)
            out.append(Defect("too many items", many, TOO_LARGE, ["x"] * (spec.max_len + 1)))
    if spec.kind is int and (spec.min is not None or spec.max is not None):
        low = spec.min if spec.min is not None else values.MIN_INT
        high = spec.max if spec.max is not None else values.MAX_INT
        outside = []
        if low > values.MIN_INT:
            outside.append(st.integers(values.MIN_INT, low - 1))
        if high < values.MAX_INT:
            outside.append(st.integers(high + 1, values.MAX_INT))
        out.append(Defect("out of range", st.one_of(outside), INVALID, low - 1 if low > values.MIN_INT else high + 1))
        out.append(
            Defect("integer beyond 64 bits", st.builds(HugeInt, st.integers(2**64, 2**90)), INVALID, HugeInt(2**70))
        )
    return out


def extra_field_defects(allowed: set[str]) -> list[Defect]:
    names = st.text(ANY_CHARS, min_size=1, max_size=12).filter(lambda k: k not in allowed)
    near = st.sampled_from(sorted({n.upper() for n in allowed} | {n + " " for n in allowed}) or ["x"])
    return [
        Defect("extra field", st.tuples(names | near, plain), INVALID, ("colour", "blue")),
        Defect(
            "extra field named by a surrogate",
            st.tuples(bad_texts(), plain),
            MALFORMED,
            (BadText("", "high surrogate"), 1),
        ),
        # msgpack refuses a non-text key; JSON keys are text, so there it is an unknown field
        Defect("integer key", st.tuples(st.integers(0, 99), plain), INVALID, (7, "x")),
        Defect("binary key", st.tuples(st.binary(min_size=1, max_size=4), plain), MALFORMED, (b"k", 1)),
    ]


def _apply(msg: dict, slot: str, value: Any) -> dict:
    out = dict(msg)
    if value is MISSING:
        out.pop(slot, None)
    else:
        out[slot] = value
    return out


def _with_extra(msg: dict, kv: tuple[Any, Any]) -> dict:
    return {**msg, kv[0]: kv[1]}


# --------------------------------------------------------------------------- commands


def valid_command(t: str) -> st.SearchStrategy[dict]:
    schema = COMMANDS[t]
    required = {k: valid(f) for k, f in schema.items() if f.required}
    optional = {k: valid(f) for k, f in schema.items() if not f.required}
    if t == "set_method":  # exactly one of the two
        optional = {}
        required = {"method": st.sampled_from(available())}
    return st.fixed_dictionaries({"t": st.just(t), "id": ids, **required}, optional=optional)


def example_command(t: str) -> dict:
    """Command `t` well-formed (tests/commands.py), for a defect to be put into."""
    return {"t": t, "id": f"sweep-{t}", **well_formed(t)}


def id_defects() -> list[Defect]:
    wrong = (
        int64 | st.booleans() | st.none() | st.floats(allow_nan=False, allow_infinity=False) | st.lists(ids, max_size=2)
    )
    return [
        Defect("id missing", _one(MISSING), INVALID, MISSING),
        Defect("id not a string", wrong, INVALID, 17),
        Defect("id empty", _one(""), INVALID, ""),
        Defect("id too long", too_long(limits.MAX_COMMAND_ID), INVALID, "i" * (limits.MAX_COMMAND_ID + 1)),
        Defect("id with a lone surrogate", bad_texts(), MALFORMED, BadText("c-", "high surrogate")),
        Defect("id deeply nested", deep, MALFORMED, Deep(40)),
        Defect("id binary", binary, MALFORMED, b"c-1"),
    ]


def t_defects(t: str) -> list[Defect]:
    unknown = st.text(ANY_CHARS, max_size=16).filter(lambda s: s not in COMMANDS and s != "hello")
    near = st.sampled_from([t.upper(), t + " ", " " + t, t.replace("_", "-") + "!", t[:-1]])
    return [
        Defect("t missing", _one(MISSING), MALFORMED, MISSING),
        Defect("t not a string", int64 | st.booleans() | st.none() | st.lists(st.just(t), max_size=1), MALFORMED, 5),
        Defect("t unknown", unknown | near, errors.UNKNOWN_TYPE, t.upper()),
        Defect("t with a lone surrogate", bad_texts(st.just(t)), MALFORMED, BadText(t, "low surrogate")),
        Defect("t binary", _one(t.encode()), MALFORMED, t.encode()),
    ]


@functools.cache
def command_defects(t: str) -> list[tuple[str, Defect]]:
    """(slot, defect) for every way to break command `t`; the slot "+" adds a field."""
    schema = COMMANDS[t]
    out = [("id", d) for d in id_defects()] + [("t", d) for d in t_defects(t)]
    for name, spec in schema.items():
        out += [(name, d) for d in field_defects(name, spec)]
    out += [("+", d) for d in extra_field_defects(set(schema) | {"t", "id"})]
    return out


def _command_frame(t: str, msg: dict, slot: str, d: Defect, value: Any) -> Frame:
    broken = _with_extra(msg, value) if slot == "+" else _apply(msg, slot, value)
    if t == "set_method" and slot == "method_toml":
        broken.pop("method", None)  # the other one of the pair
    # as a first frame, t "hello" with a command's fields is a join without a code, or
    # with unexpected fields: invalid_field
    hello_code = INVALID if broken.get("t") == "hello" else None
    return Frame(f"{t}: {slot if slot != '+' else 'extra'} {d.label}", broken, d.code, hello_code)


@st.composite
def broken_command(draw: st.DrawFn, commands: tuple[str, ...] = tuple(sorted(COMMANDS))) -> Frame:
    """A command with one defect."""
    t = draw(st.sampled_from(commands))
    msg = draw(valid_command(t))
    slot, d = draw(st.sampled_from(command_defects(t)))
    return _command_frame(t, msg, slot, d, draw(d.values))


def wellformed(commands: Iterable[str]) -> st.SearchStrategy[Frame]:
    """Well-formed commands, sent only by someone who may not send them (`not_allowed`)."""
    return st.sampled_from(sorted(commands)).flatmap(valid_command).map(lambda m: Frame(f"{m['t']} (well-formed)", m))


def sweep_commands() -> list[Frame]:
    """Every command, every slot, every kind of defect, once."""
    frames = []
    for t in sorted(COMMANDS):
        for slot, d in command_defects(t):
            frames += [_command_frame(t, example_command(t), slot, d, x) for x in d.examples]
    return frames


# --------------------------------------------------------------------------- whole frames


def _raw_ok(r: Raw) -> bool:
    return not any(command_like(decode(r.data, isinstance(r.data, str), b)[1]) for b in (True, False))


def random_frames() -> st.SearchStrategy[Frame]:
    """Random bytes, random JSON text, random msgpack/JSON values that are no command."""
    msgpackish = st.builds(
        lambda h, b: h + b,
        st.sampled_from([b"\x81\xa1t", b"\x82\xa1t\xa3ask", b"\x83", b"\x91"]),
        st.binary(max_size=40),
    )
    jsonish = st.builds(
        lambda h, s: h + s,
        st.sampled_from(['{"t":', '{"t":"ask","id":', "[", '{"', "{"]),
        st.text(ANY_CHARS, max_size=40),
    )
    raw = st.one_of(
        st.binary(max_size=120).map(Raw),
        msgpackish.map(Raw),
        st.text(ANY_CHARS, max_size=120).map(Raw),
        jsonish.map(Raw),
    ).filter(_raw_ok)
    nomap = plain.filter(lambda v: not command_like(v))
    return st.one_of(
        raw.map(lambda r: Frame("random " + ("text" if isinstance(r.data, str) else "bytes"), r)),
        nomap.map(lambda v: Frame("random value", v)),
        deep.map(lambda d: Frame("deep frame", d)),
        st.builds(
            lambda t, d: Frame("deep inside an unknown t", {"t": t, "x": d}), st.sampled_from(["x", "hello!"]), deep
        ),
        nonfinite.map(lambda v: Frame("non-finite frame", v)),
        st.builds(lambda t, i: Frame("a command as a list", [t, i]), st.sampled_from(sorted(COMMANDS)), ids),
    )


def sweep_random() -> list[Frame]:
    return [
        Frame("deep list frame (issue 11)", Deep(990)),
        Frame("deep map frame", Deep(1200, maps=True)),
        Frame("deep frame just past the limit", Deep(limits.MAX_DEPTH + 2)),
        Frame("not msgpack", Raw(b"\xc1\xff not msgpack")),
        Frame("text, not JSON", Raw("a text frame")),
        Frame("JSON text, not a map", Raw('["not", "a", "map"]')),
        Frame("trailing data", Raw(b"\x80\xc0")),
        Frame("BOM before JSON", Raw('\ufeff{"t":"x"}')),
        Frame("a list", ["ask", "c-1"]),
        Frame("NaN", NonFinite("NaN")),
        Frame("empty map", {}),
        Frame("unknown t", {"t": "teleport", "id": "c-1"}),
    ]


# --------------------------------------------------------------------------- hellos


def _code_variants(code: str) -> st.SearchStrategy[str]:
    return st.sampled_from([code, code.lower(), f"{code[:3]}-{code[3:]}", f" {code[:3]} {code[3:]} ".lower()])


@functools.cache
def hello_defects(code: str, shape: str) -> list[tuple[str, Defect]]:
    """(slot, defect) for a join by `code` or a resume; each one refused."""
    schema = HELLO_JOIN if shape == "join" else HELLO_RESUME
    out: list[tuple[str, Defect]] = []
    for name, spec in schema.items():
        if name in ("as", "ticket"):
            continue  # below: each is refused only in some combinations
        out += [(name, d) for d in field_defects(name, spec)]
    out += [("+", d) for d in extra_field_defects(set(schema) | {"t", "id"})]
    unknown_t = st.sampled_from(["HELLO", "hello ", "Hello", "hallo", "welcome"])
    out += [
        ("t", Defect("t missing", _one(MISSING), errors.HELLO_FIRST, MISSING)),
        ("t", Defect("t not hello", unknown_t, errors.HELLO_FIRST, "HELLO")),
        (
            "t",
            Defect(
                "t with a lone surrogate", bad_texts(st.just("hello")), MALFORMED, BadText("hello", "high surrogate")
            ),
        ),
    ]
    if shape == "join":
        alphabet = limits.ROOM_CODE_ALPHABET
        other = st.text(st.sampled_from(alphabet), min_size=6, max_size=6).filter(lambda c: c != code)
        junk = st.text(TEXT_CHARS, min_size=1, max_size=12).filter(
            lambda c: c.strip() and normalize_code(c.strip()) != code and len(c.strip()) <= 12
        )
        wrong_as = st.text(TEXT_CHARS, max_size=10).filter(lambda s: s.strip() != "screen")
        tickets = text(limits.MAX_COMMAND_ID)
        out += [
            (
                "code",
                Defect("no such room", other | junk, errors.UNKNOWN_ROOM, "ZZZZZ2" if code != "ZZZZZ2" else "ZZZZZ3"),
            ),
            ("as", Defect("as not screen", wrong_as, INVALID, "projector")),
            ("as", Defect("as null", _one(None), INVALID, None)),
            (
                "as",
                Defect(
                    "as with a surrogate", bad_texts(st.just("screen")), MALFORMED, BadText("scr", "byte 0xff", "en")
                ),
            ),
            ("ticket", Defect("ticket without as screen", tickets, errors.NOT_ALLOWED, "3f1c0b9e5d7a4c2e")),
            ("ticket+screen", Defect("unknown screen ticket", tickets, errors.BAD_TICKET, "3f1c0b9e5d7a4c2e")),
            ("ticket+screen", Defect("ticket too long", too_long(64), TOO_LARGE, "t" * 65)),
            ("ticket+screen", Defect("ticket not a string", int64 | st.booleans(), INVALID, 5)),
            ("ticket+screen", Defect("ticket with a control character", _control_text(64), INVALID, "ab\x00c")),
            ("ticket+screen", Defect("ticket with a surrogate", bad_texts(), MALFORMED, BadText("t", "cut sequence"))),
        ]
    else:
        forged = st.text(st.sampled_from("ABCDEFGHabcdefgh0123456789-_"), min_size=32, max_size=32).map(
            lambda s: f"{code}.{s}"
        )
        junk = text(limits.MAX_COMMAND_ID)
        out.append(("token", Defect("forged token", forged | junk, errors.BAD_TOKEN, f"{code}.{'x' * 32}")))
    return out


def _hello_frame(shape: str, base: dict, slot: str, d: Defect, value: Any) -> Frame:
    if slot == "+":
        msg = _with_extra(base, value)
    elif slot == "ticket+screen":
        msg = {**base, "as": "screen", "ticket": value}
    else:
        msg = _apply(base, slot, value)
    if slot == "t" or msg.get("t") != "hello":
        return Frame(f"hello ({shape}): {d.label}", msg, hello_code=d.code if d.code != errors.HELLO_FIRST else None)
    return Frame(f"hello ({shape}): {slot.replace('+', ' ')} {d.label}", msg, hello_code=d.code)


@st.composite
def broken_hello(draw: st.DrawFn, code: str, token: str, epoch: str) -> Frame:
    """A join by code or a resume by token with one defect."""
    shape = draw(st.sampled_from(["join", "resume"]))
    if shape == "join":
        base = {"t": "hello", "code": draw(_code_variants(code)), "name": draw(text(limits.MAX_NAME))}
    else:
        base = {"t": "hello", "token": token}
        if draw(st.booleans()):
            base["epoch"] = draw(st.just(epoch) | text(64))
        if draw(st.booleans()):
            base["seq"] = draw(st.integers(0, 2**40))
    slot, d = draw(st.sampled_from(hello_defects(code, shape)))
    return _hello_frame(shape, base, slot, d, draw(d.values))


def second_hello(code: str, token: str) -> st.SearchStrategy[Frame]:
    """A well-formed hello on an open connection: `not_allowed`, never a first frame."""
    join = st.builds(lambda c, n: {"t": "hello", "code": c, "name": n}, _code_variants(code), text(limits.MAX_NAME))
    return (join | st.just({"t": "hello", "token": token})).map(lambda m: Frame("second hello", m))


def sweep_hellos(code: str, token: str, epoch: str) -> list[Frame]:
    out = []
    for shape, base in (
        ("join", {"t": "hello", "code": code, "name": "Fuzz"}),
        ("resume", {"t": "hello", "token": token, "epoch": epoch, "seq": 0}),
    ):
        for slot, d in hello_defects(code, shape):
            out += [_hello_frame(shape, base, slot, d, x) for x in d.examples]
    out.append(
        Frame(
            "hello (join): name with a surrogate (issue 11)",
            {"t": "hello", "code": code, "name": BadText("X", "high surrogate")},
            hello_code=MALFORMED,
        )
    )
    return out


# --------------------------------------------------------------------------- no answer at all


def terminal_frames() -> st.SearchStrategy[Frame]:
    """Frames the transport refuses before Kring sees them: no answer, only a close."""
    over = st.integers(limits.MAX_FRAME + 1, limits.MAX_FRAME + 5000)
    return st.one_of(
        over.map(lambda n: Frame("frame over 64 KiB", {"t": "ask", "id": "big", "text": "x" * n}, close=1009)),
        over.map(lambda n: Frame("random frame over 64 KiB", Raw(b"\x00" * n), close=1009)),
        st.builds(
            lambda a, b, c: Frame(
                "text frame that is not UTF-8", Raw(a.encode() + b + c.encode(), text=True), close=1007
            ),
            st.just('{"t":"ask","id":"u","text":"'),
            st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]),
            st.just('"}'),
        ),
    )


# --------------------------------------------------------------------------- POST /api/rooms


@dataclass(frozen=True)
class Body:
    label: str
    payload: Any  # a value tree (sent as JSON text) or Raw bytes
    code: str | None = None  # the defect's code once the body is a JSON object

    def data(self) -> bytes:
        if isinstance(self.payload, Raw):
            d = self.payload.data
            return d if isinstance(d, bytes) else d.encode()
        return to_json(self.payload).encode()

    def __repr__(self) -> str:
        return f"<{self.label}: {shorten(self.data())}>"


def expected_body(body: Body) -> tuple[int, str]:
    """(status, error code) for a refused body (§1.1)."""
    data = body.data()
    if len(data) > limits.MAX_BODY:
        return 413, TOO_LARGE
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return 400, MALFORMED
    bad = not _carriable(value) if isinstance(body.payload, Raw) else uncarriable(body.payload)
    if bad:
        return 400, MALFORMED
    if not isinstance(value, dict):
        return 400, INVALID
    assert body.code is not None, body
    return 400, body.code


def _refused_method_file(text_: str) -> bool:
    from server.rooms.method import MethodError, from_toml

    try:
        from_toml(text_)
    except MethodError:
        return True
    return False


def _sendable_refused(text_: str) -> bool:
    return values.carriable(text_) and _refused_method_file(text_)


@functools.cache
def body_defects() -> list[tuple[str, Defect]]:
    out: list[tuple[str, Defect]] = []
    for name, spec in CREATE_ROOM.items():
        spec = Field(spec.kind, required=True, min_len=spec.min_len, max_len=spec.max_len, choices=spec.choices)
        out += [(name, d) for d in field_defects(name, spec) if d.label != "missing"]
    out += [("+", d) for d in extra_field_defects(set(CREATE_ROOM))]
    methods = st.text(TEXT_CHARS, min_size=1, max_size=20).filter(lambda s: s.strip() not in available())
    out += [
        ("t", Defect("a command's t", st.sampled_from(["ask", "hello"]), INVALID, "hello")),
        ("id", Defect("a command's id", ids, INVALID, "c-1")),
        ("method", Defect("no such method", methods, INVALID, "onbekend")),
        ("method_toml", Defect("method file refused", method_texts().filter(_sendable_refused), INVALID, "id = 1")),
        ("method_toml+method", Defect("both method and method_toml", st.just("x"), INVALID, "x")),
    ]
    return out


def _body(base: dict, slot: str, d: Defect, value: Any) -> Body:
    if slot == "+":
        msg = _with_extra(base, value)
    elif slot == "method_toml+method":
        msg = {**base, "method": "troika", "method_toml": value}
    else:
        msg = _apply(base, slot, value)
        if slot == "method_toml":
            msg.pop("method", None)
    return Body(f"body: {slot.replace('+', ' ')} {d.label}", msg, d.code)


valid_body = st.fixed_dictionaries(
    {},
    optional={
        "method": st.sampled_from(available()),
        "language": st.sampled_from(["nl", "en"]),
        "anonymous_questions": st.booleans(),
        "facilitator_name": text(limits.MAX_NAME),
    },
)


@st.composite
def broken_body(draw: st.DrawFn) -> Body:
    base = draw(valid_body)
    slot, d = draw(st.sampled_from(body_defects()))
    return _body(base, slot, d, draw(d.values))


def random_bodies() -> st.SearchStrategy[Body]:
    def refused(data: bytes) -> bool:
        if not data.strip():
            return False  # an empty body uses every default: a room
        try:
            return not isinstance(orjson.loads(data), dict)
        except orjson.JSONDecodeError:
            return True

    raw = (st.binary(max_size=80) | st.text(ANY_CHARS, max_size=80).map(str.encode)).filter(refused)
    return st.one_of(
        raw.map(lambda b: Body("random body", Raw(b))),
        plain.filter(lambda v: not isinstance(v, dict)).map(lambda v: Body("JSON value, not an object", v)),
        deep.map(lambda v: Body("deep body", v)),
        st.integers(limits.MAX_BODY + 1, limits.MAX_BODY + 4000).map(
            lambda n: Body("body over 64 KiB", {"facilitator_name": "x" * n}, TOO_LARGE)
        ),
    )


def sweep_bodies() -> list[Body]:
    out = [_body({}, slot, d, x) for slot, d in body_defects() for x in d.examples]
    out += [
        Body("facilitator name with a surrogate (issue 11)", Raw(b'{"facilitator_name": "F\\ud800"}')),
        Body("facilitator name of spaces (issue 11)", {"facilitator_name": "   "}, INVALID),
        Body("deep body (issue 11)", Deep(990)),
        Body("not JSON", Raw(b"not json")),
        Body("a list", [1, 2]),
        Body("body over 64 KiB", {"facilitator_name": "x" * (limits.MAX_BODY + 1)}, TOO_LARGE),
    ]
    return out


# --------------------------------------------------------------------------- method files

SHIPPED = {p.stem: p.read_text(encoding="utf-8") for p in sorted(METHODS_DIR.glob("*.toml"))}
_KEY_LINE = re.compile(r"^(\s*[A-Za-z0-9_-]+\s*=\s*)(.+)$")

numbers = st.sampled_from(["0", "3", "12", "-1", "3.0", "12.0", "1e3", "0x10", "1_000", "+5", "1.5"])
toml_values = st.one_of(
    st.integers(limits.MAX_DEPTH - 2, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(limits.MAX_DEPTH - 2, 1500).map(lambda n: "{ a = " * n + "1" + " }" * n),
    st.integers(limits.MAX_DEPTH - 2, 600).map(lambda n: "[" * n + "{}" + "]" * n),
    st.sampled_from(['"x\\ud800"', '"\\udfff"', '"\\U0000d800"', '"a\\ud83d\\ude00b"', "'\\ud800'"]),
    st.integers(2**63 - 2, 2**70).map(str),
    st.integers(2**63, 2**70).map(lambda n: f"-{n}"),
    st.sampled_from(["0x" + "f" * 20, "0o7777777777777777777777777", "1_000_000_000_000_000_000_000"]),
    st.sampled_from(
        ["1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "1979-05-27 07:32:00.999", "1979-05-27T00:32:00-07:00"]
    ),
    st.sampled_from(["nan", "inf", "-inf", "+nan", "1e400", "-1e400", "10.0", "3.5", "0.0"]),
    st.sampled_from(["true", "false", '"text"', "''", "[]", "{}", "[1, 2]", '["a", 1]', "{ nl = 'a', en = 'b' }"]),
    st.builds(lambda a, b: f"[{a}, {b}]", numbers, numbers),
    st.builds(lambda n, q: q + "x" * n + q, st.integers(1990, 2100), st.sampled_from(['"', "'"])),
    st.builds(lambda c: f'"a\\u{ord(c):04x}b"', st.sampled_from(CONTROL)),
    st.text(TEXT_CHARS, max_size=20).map(_json_str),
)


@st.composite
def method_texts(draw: st.DrawFn) -> str:
    """TOML text: random, or a shipped method with one value replaced or one key added."""
    kind = draw(st.sampled_from(["random", "replace", "replace", "replace", "insert", "surrogate"]))
    if kind == "random":
        return draw(st.text(ANY_CHARS, max_size=200) | st.text(st.sampled_from('[]{}="\\ a=1\n.#'), max_size=200))
    base = SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))]
    lines = base.split("\n")
    if kind == "replace":
        keyed = [i for i, ln in enumerate(lines) if _KEY_LINE.match(ln)]
        i = draw(st.sampled_from(keyed))
        m = _KEY_LINE.match(lines[i])
        assert m is not None
        lines[i] = m.group(1) + draw(toml_values)
    elif kind == "insert":
        i = draw(st.integers(0, len(lines)))
        key = draw(st.sampled_from(["minutes", "extra", "anonymous", "deck", "rotate", "group_size", "x"]))
        lines.insert(i, f"{key} = {draw(toml_values)}")
    else:  # a lone surrogate in the text itself (a Python str can hold one)
        i = draw(st.integers(0, len(base)))
        return base[:i] + draw(st.sampled_from(["\ud800", "\udfff"])) + base[i:]
    return "\n".join(lines)


def method_edit(name: str, line_pattern: str, value: str) -> str:
    """A shipped method with the first line matching `line_pattern` given `value`."""
    lines = SHIPPED[name].split("\n")
    i = next(i for i, ln in enumerate(lines) if re.match(line_pattern, ln))
    m = _KEY_LINE.match(lines[i])
    assert m is not None
    lines[i] = m.group(1) + value
    return "\n".join(lines)


def sweep_methods() -> list[str]:
    out = [SHIPPED["troika"]]
    for value in [
        "[" * 20 + "]" * 20,
        "[" * 2000 + "]" * 2000,
        "{ a = " * 30 + "1" + " }" * 30,
        '"x\\ud800"',
        str(2**64),
        "1979-05-27",
        "nan",
        '"ten"',
        '"' + "x" * 2001 + '"',
        "10.0",
    ]:
        out.append(method_edit("drie-rondes", r"^minutes = ", value))
        out.append(method_edit("zes-denkhoeden", r"^group_size = ", value))
    out.append(method_edit("drie-rondes", r"^group_size = ", "[3.0, 12.0]"))
    out.append(SHIPPED["troika"].replace('nl = "', 'nl = "\ud800', 1))
    return out


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass
class Batch:
    """Frames for one round: from a participant, from a screen (both on connections of
    at most 35 frames), as first frames of strangers, and for the transport alone (each
    with whether it is a first frame)."""

    participant: list[Frame]
    screen: list[Frame]
    first: list[Frame]
    terminal: list[tuple[Frame, bool]]
