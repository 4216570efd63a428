"""Sessions over real websockets, driven through the client library: a room with its
people, brought to any phase in one call (`session_at`), a whole three-round session,
waiting until everyone has seen the same events, and what the server itself holds."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from client import KringClient, create_room
from server.rooms.method import METHODS_DIR, TERUGBLIK, Method, load, with_terugblik

from .route import CASE, EVERYONE, FACILITATOR, Case, Step, follow_async, route

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
        await settle(self.everyone)

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.everyone))


async def settle(clients: Sequence[KringClient], timeout: float = 10, *, reconnected: bool = False) -> None:
    """Wait until every client has seen the same last seq (the furthest one's); with
    `reconnected`, also until each is connected again (after a role change, say)."""
    target = max(c.mirror.seq for c in clients)

    def caught_up(c: KringClient) -> bool:
        return (c.connected.is_set() or not reconnected) and c.mirror.seq >= target

    await asyncio.gather(*(c.wait_until(caught_up, timeout) for c in clients))


async def server_snapshot(base: str, client: KringClient) -> tuple[int, dict]:
    """What the server itself holds for this client's audience: a fresh connection's welcome."""
    probe = await KringClient(ws_url(base), reconnect=False).resume(client.token or "")
    try:
        return probe.mirror.seq, probe.state
    finally:
        await probe.close()


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


async def bring(
    facilitator: KringClient,
    inbrenger: KringClient,
    phase: str,
    case: Case | None = CASE,
    *,
    start: str | None = None,
    method: Method | None = None,
    group: Sequence[KringClient] = (),
) -> None:
    """Bring the facilitator's room from phase `start` to `phase` (tests/route.py), with
    `inbrenger` bringing in `case` on the way. Without `start`, from the phase the
    facilitator's mirror shows: give `start` unless that mirror has surely folded every
    phase change so far (an ack may come before its event, PROTOCOL.md §2.2). `method`:
    the room's own method file, where it runs no shipped one. The inbrenger and `group`
    confirm the agreement on the way (each then resumes with a fresh snapshot, 4011):
    give every participant of the room, or the facilitator may not move on."""
    state = facilitator.state
    if method is None:
        method = load(state["method"]["id"])
        if any(p["id"] == TERUGBLIK for p in state["method"]["phases"]):  # a group's later meeting
            method = with_terugblik(method)
    here = state["phase"]["index"] if start is None else [p.id for p in method.phases].index(start)

    async def send(step: Step) -> dict:
        if step.by == EVERYONE:
            confirmers = [inbrenger, *(c for c in group if c is not inbrenger)]
            await asyncio.gather(*(c.command(step.t, **step.args) for c in confirmers))
            return {}
        return await (facilitator if step.by == FACILITATOR else inbrenger).command(step.t, **step.args)

    await follow_async(route(method, here, phase, case), send)


async def session_at(base: str, phase: str, n: int = 5, *, case: Case | None = CASE, **room: object) -> Session:
    """A room with a facilitator and `n` members (the first one the inbrenger), in `phase`
    (of the room's shipped method), every client caught up: any phase in one call."""
    s = await open_session(base, n, **room)
    await bring(s.facilitator, s.members[0], phase, case, group=s.members)
    if case is not None:
        s.inbrenger = s.members[0]
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
