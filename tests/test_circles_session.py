"""Circles over real websockets (docs/CIRCLES.md): a room of nine splits into three circles;
each member enters their own circle with the token of the room, where it is a room of its
own (its own log and seq); what is asked in one circle reaches that circle alone; nobody
enters a circle they are not in; a member who drops comes back into their circle."""

from __future__ import annotations

import asyncio

import pytest

from client import KringClient, create_room
from client.connection import CommandError

from .servers import running_server
from .session import NAMES, settle, ws_url


async def test_nine_split_into_three_circles_each_a_room_of_its_own(backend):
    with running_server(backend) as base:
        created = await create_room(base)
        url = ws_url(base)
        fac = await KringClient(url).resume(created["facilitator_token"])
        code = created["code"].lower()
        people = [await KringClient(url).join(code, NAMES[i % len(NAMES)] + str(i)) for i in range(9)]
        opened: list[KringClient] = []
        try:
            await settle([fac, *people])
            codes = (await fac.command("split", size=3))["circles"]
            await settle([fac, *people])
            circles = fac.state["circles"]
            assert [c["code"] for c in circles] == codes and [len(c["members"]) for c in circles] == [3, 3, 3]
            by_pid = {p.me["id"]: p for p in people}
            inside: dict[str, list[KringClient]] = {}
            for c in circles:
                for pid in c["members"]:
                    member = by_pid[pid]
                    entered = await KringClient(url).enter_circle(member.token or "", c["code"])
                    opened.append(entered)
                    assert entered.me["id"] == pid and entered.state["code"] == c["code"]
                    inside.setdefault(c["code"], []).append(entered)
            lead = await KringClient(url).enter_circle(fac.token or "", circles[0]["code"])  # the facilitator visits
            opened.append(lead)
            assert lead.me["role"] == "facilitator"
            # someone of circle 1 cannot enter circle 2
            stranger = by_pid[circles[0]["members"][0]]
            with pytest.raises(CommandError) as refused:
                await KringClient(url, reconnect=False).enter_circle(stranger.token or "", circles[1]["code"])
            assert refused.value.code == "unknown_room"
            # a circle is a room of its own: a lock there is in its log alone
            await lead.command("lock", locked=True)
            await settle([lead, *inside[circles[0]["code"]]])
            assert all(c.state["locked"] for c in inside[circles[0]["code"]])
            assert not any(c.state["locked"] for c in [*inside[circles[1]["code"]], fac, *people])
            assert inside[circles[1]["code"]][0].mirror.seq < lead.mirror.seq
            # a member who drops comes back into their circle
            back = inside[circles[2]["code"]][0]
            await back.drop()
            await back.wait_until(lambda c: c.connected.is_set() and c.state["code"] == circles[2]["code"])
        finally:
            await asyncio.gather(*(c.close() for c in [fac, *people, *opened]))
