"""Fold timelines from a real session: the real server over real websockets.

The engine walks (tests/fold_walk.py) hand each viewer the frames that `views.frame`
makes; here the frames, acks and their order are what real clients read off the wire,
through the codec, in the order they arrived. Two people are followed through
tests/session.py's whole session (with a projector screen in the room as well); each
timeline runs from the snapshot of a fresh connection to that of another (what
tests/test_session.py compares the mirrors with).
"""

from __future__ import annotations

import asyncio
from typing import Any

from client import KringClient, create_room

from .servers import running_server
from .session import NAMES, Session, run_full_session, server_snapshot, settle, ws_url


def followed(fac: KringClient, members: list[KringClient], screen: KringClient) -> list[KringClient]:
    """Whose timelines are kept, to keep the fixture small: the facilitator (who gets the
    private forms) and a member of the group (who asks, upvotes, draws, writes and gets
    the acks that say so); the walks have every kind of viewer."""
    return [fac, members[1]]


class RecordingClient(KringClient):
    """A client that remembers each command it sent by id, so that each ack it received
    can be written down with its command and arguments (what a mirror's on_ack gets)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.sent: dict[str, tuple[str, dict[str, Any]]] = {}

    async def _send(self, msg: dict[str, Any]) -> None:
        t, cid, args = msg["t"], msg["id"], {k: v for k, v in msg.items() if k not in ("t", "id")}
        self.sent[cid] = (t, args)
        await super()._send(msg)


async def _session(base: str) -> list[dict[str, Any]]:
    created = await create_room(base)
    url = ws_url(base)
    fac = await RecordingClient(url).resume(created["facilitator_token"])
    members = [await RecordingClient(url).join(created["code"], name) for name in NAMES[:4]]
    screen = await RecordingClient(url).join(created["code"], "Scherm", screen=True)
    everyone = [fac, *members, screen]
    try:
        await settle(everyone)
        starts = [(len(c.frames), *await server_snapshot(base, c)) for c in everyone]
        await run_full_session(Session(base, created["code"], fac, members))
        await settle(everyone)
        lines = []
        for c, (first, seq, snap) in zip(everyone, starts, strict=True):
            if c not in followed(fac, members, screen):
                continue
            end_seq, end_snap = await server_snapshot(base, c)
            frames = c.frames[first:]
            # one who confirms the agreement resumes for a fresh snapshot (4011): from there
            fresh = [i for i, f in enumerate(frames) if f["t"] == "welcome"]
            if fresh:
                welcome = frames[fresh[-1]]
                assert "snapshot" in welcome, "a client resumed with missed events: record again"
                seq, snap, frames = welcome["seq"], welcome["snapshot"], frames[fresh[-1] + 1 :]
            steps = [_step(c, f) for f in frames if f["t"] != "error"]
            steps.append({"check": {"seq": end_seq, "snapshot": end_snap}})
            name = f"real session: {c.me['id']} as {c.me['role']}"
            lines.append({"name": name, "me": c.me["id"], "seq": seq, "snapshot": snap, "steps": steps})
        return lines
    finally:
        await asyncio.gather(*(c.close() for c in everyone))


def _step(c: RecordingClient, f: dict[str, Any]) -> dict[str, Any]:
    if f["t"] != "ack":
        return {"event": f}
    t, args = c.sent[f["id"]]
    return {"ack": {"command": t, "args": args, "result": f.get("result", {})}}


def record() -> list[dict[str, Any]]:
    """One timeline per person in a real session (started here, on a server of its own)."""
    with running_server() as base:
        return asyncio.run(_session(base))
