"""Frame codecs, chosen by websocket subprotocol: msgpack (default) and JSON (debugging).

Both decoders are strict, and neither recurses in Python: msgpack refuses invalid UTF-8
and orjson refuses lone surrogates, NaN and infinities (the standard library's `json`
accepts all three, and recurses until a deeply nested frame raises RecursionError).
What a decoded value must further be is checked once, by `protocol.values`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack
import orjson

from . import errors, limits


@dataclass(frozen=True, slots=True)
class Codec:
    subprotocol: str
    binary: bool
    encode: Callable[[Any], bytes | str]
    decode: Callable[[bytes | str], Any]


def _msgpack_decode(data: bytes | str) -> Any:
    if isinstance(data, str):
        raise errors.ProtocolError(errors.MALFORMED, "this subprotocol expects binary frames")
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types
        raise errors.ProtocolError(errors.MALFORMED, "not valid msgpack") from exc


def loads_json(data: bytes | str) -> Any:
    """Decode JSON text (a frame or an HTTP body); `malformed` when it is not valid JSON."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise errors.ProtocolError(errors.MALFORMED, f"not valid JSON: {exc}") from exc


def _json_decode(data: bytes | str) -> Any:
    if isinstance(data, bytes):
        raise errors.ProtocolError(errors.MALFORMED, "this subprotocol expects text frames")
    return loads_json(data)


def _json_encode(obj: Any) -> str:
    # non-string keys become strings, as the standard library's json does
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()


MSGPACK = Codec(limits.SUBPROTOCOL_MSGPACK, True, msgpack.Packer(use_bin_type=True).pack, _msgpack_decode)
JSON = Codec(limits.SUBPROTOCOL_JSON, False, _json_encode, _json_decode)
CODECS = {MSGPACK.subprotocol: MSGPACK, JSON.subprotocol: JSON}


def choose(offered: list[str]) -> Codec:
    """The first subprotocol the client offers that we speak; msgpack when it offers none."""
    for name in offered:
        if name in CODECS:
            return CODECS[name]
    return MSGPACK
