# The part of msgpack that Kring uses, typed. msgpack ships no type hints and typeshed has
# no stubs for it; without these its every call would be Any and the checks around the
# codecs and the Redis store would see nothing. Add a name here when Kring starts using it.

from collections.abc import Callable
from typing import Any

class Packer:
    def __init__(
        self,
        *,
        default: Callable[[Any], Any] | None = None,
        use_single_float: bool = False,
        autoreset: bool = True,
        use_bin_type: bool = True,
        strict_types: bool = False,
        datetime: bool = False,
        unicode_errors: str | None = None,
    ) -> None: ...
    def pack(self, obj: Any) -> bytes: ...
    def pack_array_header(self, n: int) -> bytes: ...
    def pack_map_header(self, n: int) -> bytes: ...

def packb(
    o: Any, *, default: Callable[[Any], Any] | None = None, use_bin_type: bool = True, **kwargs: Any
) -> bytes: ...
def unpackb(packed: bytes, *, raw: bool = False, strict_map_key: bool = True, **kwargs: Any) -> Any: ...
