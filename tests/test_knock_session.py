"""A latecomer knocks at a locked room, over real websockets against the real server,
with each backend (memory, and Redis): the facilitator sees the knock and nobody else
does, a let-in knock's hello joins the still locked room once, a turned-away one gets
`not_let_in`."""

from __future__ import annotations

import json

import pytest

from client import CommandError, KringClient
from protocol import errors

from .session import open_session, ws_url


async def refused(server: str, code: str, name: str, knock: str | None = None) -> dict:
    """A latecomer's hello that must be refused; returns the error frame."""
    with pytest.raises(CommandError) as err:
        await KringClient(ws_url(server), reconnect=False).join(code, name, knock=knock)
    return err.value.frame


async def test_a_latecomer_knocks_is_let_in_and_joins_the_locked_room(server):
    s = await open_session(server, n=2)
    eva = None
    try:
        await s.facilitator.command("lock", locked=True)
        first = await refused(server, s.code, "Eva")
        assert first["code"] == errors.ROOM_LOCKED and len(first["knock"]) >= 40
        secret = first["knock"]
        await s.facilitator.wait_until(lambda c: bool(c.state["knocks"]))
        (knock,) = s.facilitator.state["knocks"]
        assert knock["name"] == "Eva"
        await s.settle()
        # asking again while it waits: refused again, no second knock, no event
        seq = s.facilitator.mirror.seq
        again = await refused(server, s.code, "Eva", knock=secret)
        assert again["code"] == errors.ROOM_LOCKED and "knock" not in again
        await s.facilitator.command("let_in", knock=knock["id"])
        await s.facilitator.wait_until(lambda c: c.state["knocks"] == [])
        assert s.facilitator.mirror.seq == seq + 1  # the let_in, and nothing for the second ask
        eva = await KringClient(ws_url(server)).join(s.code, "Eva", knock=secret)
        assert eva.me["name"] == "Eva" and eva.me["role"] == "participant"
        assert eva.state["locked"] is True and eva.state["knocks"] == []
        await s.facilitator.wait_until(lambda c: any(p["name"] == "Eva" for p in c.state["participants"]))
        await s.settle()
        # used up: the same secret knocks anew
        anew = await refused(server, s.code, "Eva", knock=secret)
        assert anew["code"] == errors.ROOM_LOCKED and anew["knock"] != secret
        await s.facilitator.wait_until(lambda c: len(c.state["knocks"]) == 1)
        await s.settle()
        # the others never learnt who knocked, nor the secret; the room never opened
        for c in s.members:
            assert c.state["knocks"] == []
            seen = json.dumps(c.frames)
            # the id as a JSON string: a short id like "k4" may well occur inside someone's token
            assert json.dumps(knock["id"]) not in seen and secret not in seen
            assert [f for f in c.frames if f.get("t") in ("knocked", "let_in")] == [
                {"t": f["t"], "seq": f["seq"]} for f in c.frames if f.get("t") in ("knocked", "let_in")
            ]
        for c in s.everyone:
            assert not any(f.get("t") == "locked" and f.get("locked") is False for f in c.frames)
            assert secret not in json.dumps(c.frames)
    finally:
        await s.close()
        if eva is not None:
            await eva.close()


async def test_a_turned_away_latecomer_gets_not_let_in(server):
    s = await open_session(server, n=1)
    try:
        await s.facilitator.command("lock", locked=True)
        secret = (await refused(server, s.code, "Fleur"))["knock"]
        await s.facilitator.wait_until(lambda c: bool(c.state["knocks"]))
        kid = s.facilitator.state["knocks"][0]["id"]
        await s.facilitator.command("turn_away", knock=kid)
        with pytest.raises(CommandError) as err:  # a participant cannot answer a knock
            await s.members[0].command("let_in", knock=kid)
        assert err.value.code == errors.NOT_ALLOWED
        answer = await refused(server, s.code, "Fleur", knock=secret)
        assert answer["code"] == errors.NOT_LET_IN
        assert answer["message_nl"] == "De procesbegeleider heeft je deze keer niet binnengelaten."
        with pytest.raises(CommandError) as err:
            await s.facilitator.command("let_in", knock=kid)
        assert err.value.code == errors.NOT_ALLOWED  # answered already
    finally:
        await s.close()
