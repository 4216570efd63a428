"""A whole three-round session driven through the client library, reusable by tests."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from client import KringClient, create_room
from server.rooms.method import METHODS_DIR

NAMES = ["Anna", "Bram", "Chris", "Dewi", "Eva"]


@dataclass
class Session:
    base: str
    code: str
    facilitator: KringClient
    members: list[KringClient]
    inbrenger: KringClient | None = None
    question_authors: dict[str, KringClient] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)

    @property
    def everyone(self) -> list[KringClient]:
        return [self.facilitator, *self.members]

    async def settle(self) -> None:
        """Wait until every client has seen the same last seq."""
        target = max(c.mirror.seq for c in self.everyone)
        await asyncio.gather(*(c.wait_until(lambda c: c.mirror.seq >= target) for c in self.everyone))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.everyone))


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://") + "/ws"


async def open_session(base: str, n: int = 5, *, others: Sequence[str] = (), **room: object) -> Session:
    """A room with a facilitator and `n` members. With `others` (more processes of the same
    service), person i connects to process i mod k first and fails over to the rest."""
    created = await create_room(base, **room)
    ring = [ws_url(b) for b in (base, *others)]

    def urls(i: int) -> list[str]:
        k = i % len(ring)
        return ring[k:] + ring[:k]

    fac = await KringClient(urls(0)).resume(created["facilitator_token"])
    members = [await KringClient(urls(i + 1)).join(created["code"].lower(), NAMES[i % len(NAMES)]) for i in range(n)]
    s = Session(base, created["code"], fac, members)
    await s.settle()
    return s


async def run_full_session(s: Session) -> None:
    """Lobby to closing with every kind of input; leaves the room open at the end."""
    fac, members = s.facilitator, s.members
    await fac.command("lock", locked=True)
    await fac.command("advance")  # opening
    for m in members:
        await m.command("confirm")
    await fac.command("advance")  # case choice
    case_a = (await members[0].command("propose_case", title="Lastige collega", question="Hoe spreek ik hem aan?"))[
        "case"
    ]
    case_b = (await members[1].command("propose_case", title="Nieuwe rol", question="Hoe pak ik mijn plek?"))["case"]
    for i, m in enumerate(members):
        await m.command("vote", case=case_a if i % 2 == 0 else case_b)
    await fac.command("close_vote")
    await fac.command("choose_case", case=case_a)
    s.inbrenger = inb = members[0]
    group = members[1:]
    await inb.command(
        "share_case",
        text="Een collega onderbreekt me steeds in overleggen.",
        people=["de collega", "mijn leidinggevende"],
    )
    await fac.command("advance")  # questions round
    qids = []
    for i, m in enumerate(group):
        q = (await m.command("ask", text=f"Wat gebeurt er precies als hij je onderbreekt? ({i})"))["question"]
        s.question_authors[q] = m
        qids.append(q)
    await group[1].command("upvote", question=qids[0], on=True)
    await group[2].command("upvote", question=qids[0], on=True)
    await group[0].command("withdraw_question", question=qids[0])
    s.withdrawn.add(qids[0])
    await fac.command("hide_question", question=qids[1], hidden=True)
    await inb.command("mark_answered", question=qids[2], answered=True)
    await inb.command("rate_question", question=qids[2], rating="warm")
    await inb.command("essence", text="Ik zeg te weinig wat ik wil.")
    await fac.command("advance")  # association round
    await fac.command("deal_cards")
    await s.settle()
    for m in group:  # each takes their own private card (the ack tells which), then writes from it
        await m.command("draw_card")
        await m.command("perspective", texts=["Ik voel me niet gehoord.", "Ik denk dat het zo verder moet."])
    await fac.command("reveal")
    await fac.command("advance")  # advice round
    await s.settle()
    for _ in group:
        speaker_id = fac.state["turns"]["order"][fac.state["turns"]["current"]]
        speaker = next(m for m in group if m.me["id"] == speaker_id)
        await speaker.command("advice", text="Benoem het direct in het overleg.")
        await speaker.command("pass_turn")
        await s.settle()
    await inb.command("respond", text="Dat eerste advies spreekt me aan.")
    await fac.command("advance")  # closing
    await inb.command("takeaway", text="Ik ga het morgen bespreken.")
    for i, m in enumerate(members):
        await m.command("evaluate", score=4 + i % 2, line="Fijne sessie")
        await m.command("ready", ready=True)
    await s.settle()


def short_method() -> str:
    """The reference method with every phase at 0 minutes, so a test sets its timer with
    `timer extend` to a few seconds (a facilitator's own method file, as any could send)."""
    text = (METHODS_DIR / "drie-rondes.toml").read_text(encoding="utf-8")
    return re.sub(r"(?m)^minutes = \d+$", "minutes = 0", text).replace('id = "drie-rondes"', 'id = "kort"')


async def start_short_timer(fac: KringClient, seconds: int) -> float:
    """Run the current (0-minute) phase's timer for `seconds`; returns its deadline."""
    await fac.command("timer", action="extend", seconds=seconds)
    await fac.command("timer", action="start")
    return fac.state["timer"]["deadline"]


def advanced_by_timer(c: KringClient) -> list[dict]:
    return [f for f in c.frames if f.get("t") == "phase" and f.get("by") == "timer"]


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
    """Every text inside obj (bytes as hex)."""
    for x in nodes(obj):
        if isinstance(x, str):
            yield x
        elif isinstance(x, bytes):
            yield x.hex()


def records_about(obj: Any, qid: str) -> Iterator[dict]:
    """Every map inside obj that is about question `qid` (the question or an event on it)."""
    return (x for x in nodes(obj) if isinstance(x, dict) and (x.get("id") == qid or x.get("question") == qid))


def online(c: KringClient, pid: str) -> bool:
    """Whether `c` sees participant `pid` online."""
    return any(p["id"] == pid and p["online"] for p in c.state["participants"])


#: POST /api/rooms bodies that are refused, with the code and the detail PROTOCOL.md §1.1
#: lists for them ("…" stands for the part the body decides)
REFUSED_BODIES = [
    (b"not json", "malformed", "not valid JSON: …"),
    (b'{"facilitator_name": "F\\ud800"}', "malformed", "not valid JSON: …"),
    (b"[" * 20 + b"]" * 20, "malformed", "nested more than 16 levels deep"),
    (b"[1, 2]", "invalid_field", "the body must be a JSON object"),
    (json.dumps({"language": "de"}).encode(), "invalid_field", "'language' must be one of nl, en"),
    (json.dumps({"method": "onbekend"}).encode(), "invalid_field", "method must be one of …"),
    (
        json.dumps({"method": "troika", "method_toml": "x"}).encode(),
        "invalid_field",
        "give either 'method' or 'method_toml'",
    ),
    (json.dumps({"method_toml": "id = 1"}).encode(), "invalid_field", "method file: …"),
    (json.dumps({"anonymous_questions": "ja"}).encode(), "invalid_field", "'anonymous_questions' must be of type bool"),
    (json.dumps({"facilitator_name": 7}).encode(), "invalid_field", "'facilitator_name' must be of type str"),
    (json.dumps({"facilitator_name": "   "}).encode(), "invalid_field", "'facilitator_name' must not be empty"),
    (
        json.dumps({"facilitator_name": "x" * 41}).encode(),
        "too_large",
        "'facilitator_name' is longer than 40 characters",
    ),
    (
        json.dumps({"facilitator_name": "Anna\u0007"}).encode(),
        "invalid_field",
        "'facilitator_name' contains control characters",
    ),
    (json.dumps({"language": "nl", "colour": "blue"}).encode(), "invalid_field", "unexpected field 'colour'"),
]


def matches(detail: str, pattern: str) -> bool:
    """`detail` as `pattern` gives it, where "…" stands for any text."""
    head, _, tail = pattern.partition("…")
    return detail.startswith(head) and detail.endswith(tail) if "…" in pattern else detail == pattern
