"""Frame codecs, chosen by websocket subprotocol: msgpack (default) and JSON (debugging)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack

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


def _json_decode(data: bytes | str) -> Any:
    if isinstance(data, bytes):
        raise errors.ProtocolError(errors.MALFORMED, "this subprotocol expects text frames")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.ProtocolError(errors.MALFORMED, "not valid JSON") from exc


MSGPACK = Codec(limits.SUBPROTOCOL_MSGPACK, True, msgpack.Packer(use_bin_type=True).pack, _msgpack_decode)
JSON = Codec(
    limits.SUBPROTOCOL_JSON,
    False,
    lambda obj: json.dumps(obj, ensure_ascii=False, separators=(",", ":")),
    _json_decode,
)
CODECS = {MSGPACK.subprotocol: MSGPACK, JSON.subprotocol: JSON}


def choose(offered: list[str]) -> Codec:
    """The first subprotocol the client offers that we speak; msgpack when it offers none."""
    for name in offered:
        if name in CODECS:
            return CODECS[name]
    return MSGPACK
