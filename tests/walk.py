"""Walking JSON-like values (events, frames, snapshots, what a backend stores): the one
walker every test that looks for something inside such a value uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def nodes(obj: Any) -> Iterator[Any]:
    """`obj` and everything inside it, depth first: a map's keys and values, a list's items."""
    yield obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from nodes(k)
            yield from nodes(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from nodes(v)


def strings(obj: Any) -> Iterator[str]:
    """Every text inside obj, keys and values (bytes as hex)."""
    for x in nodes(obj):
        if isinstance(x, str):
            yield x
        elif isinstance(x, bytes):
            yield x.hex()


def records_about(obj: Any, qid: str) -> Iterator[dict]:
    """Every map inside obj that is about question `qid` (the question or an event on it)."""
    return (x for x in nodes(obj) if isinstance(x, dict) and (x.get("id") == qid or x.get("question") == qid))
