"""What a value must be to enter Kring: something the store and both codecs can carry.

Every frame (msgpack or JSON), every HTTP body and every method file is checked here
once, right after decoding and before anything else reads it. A value that passes packs
with msgpack and encodes as JSON, so a command built from it can always be committed,
stored and sent to every audience; one that does not is refused at the door instead of
failing halfway through a commit.
"""

from __future__ import annotations

import math
from typing import Any

from . import limits

#: integers both codecs carry (msgpack: int64 .. uint64; orjson the same)
MIN_INT, MAX_INT = -(2**63), 2**64 - 1


class Uncarriable(ValueError):
    """The value holds something Kring cannot store or send; the message says what."""


def check(value: Any, max_depth: int = limits.MAX_DEPTH) -> None:
    """Raise Uncarriable unless `value` is plain data both codecs and the store carry.

    Plain data: maps with string keys, lists, strings of valid Unicode (no lone UTF-16
    surrogates, which neither UTF-8 nor msgpack can hold), integers within 64 bits,
    finite floats, booleans and null; nested at most `max_depth` maps and lists deep.
    Not binary data or msgpack extension types: JSON has no form for them. Iterative, so
    a deep value cannot exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        t = type(item)
        if t is str:
            _check_text(item)
        elif t is bool or item is None:
            continue
        elif t is int:
            if not MIN_INT <= item <= MAX_INT:
                raise Uncarriable("an integer is outside the 64-bit range")
        elif t is float:
            if not math.isfinite(item):
                raise Uncarriable("a number is not finite")
        elif t is dict or t is list:
            if depth >= max_depth:
                raise Uncarriable(f"nested more than {max_depth} levels deep")
            if t is dict:
                for key, v in item.items():
                    if type(key) is not str:
                        raise Uncarriable("a map key is not a string")
                    _check_text(key)
                    stack.append((v, depth + 1))
            else:
                stack.extend((v, depth + 1) for v in item)
        else:
            raise Uncarriable(f"{_kind(item)} is not allowed (only text, numbers, true/false, null, lists and maps)")


def carriable(text: str) -> bool:
    """Whether `text` is valid Unicode that UTF-8 (and so msgpack and JSON) can carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(text: str) -> None:
    if not text.isascii() and not carriable(text):
        raise Uncarriable("a text is not valid Unicode (it holds a lone surrogate)")


def _kind(item: Any) -> str:
    if isinstance(item, bytes | bytearray):
        return "binary data"
    if type(item).__module__.startswith("msgpack"):
        return "a msgpack extension type"
    return f"a {type(item).__name__}"
