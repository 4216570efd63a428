"""A hybrid meeting over real websockets (docs/PROTOCOL.md §6.7): people say where they
are as they join, hands go up in a known order, every client (and a projector screen)
sees the same queue, also after a reconnect, and only the facilitator gives the floor."""

from __future__ import annotations

import asyncio

import pytest

from client import KringClient, create_room
from client.connection import CommandError

from .servers import running_server
from .session import bring, settle, ws_url


async def test_hands_in_the_order_they_went_up_on_every_view_and_after_a_reconnect(backend):
    with running_server(backend) as base:
        created = await create_room(base)
        url = ws_url(base)
        fac = await KringClient(url).resume(created["facilitator_token"])
        code = created["code"].lower()
        places = {"Anna": "room", "Bram": "online", "Chris": "room", "Dewi": "online", "Eva": "room", "Fenna": "online"}
        people = {name: await KringClient(url).join(code, name, place=place) for name, place in places.items()}
        screen = await KringClient(url).join(code, "Scherm", screen=True, place="room")
        everyone = [fac, *people.values(), screen]
        try:
            await settle(everyone)
            seen = {p["name"]: p["place"] for p in screen.state["participants"]}
            assert seen == {"Procesbegeleider": None, **places, "Scherm": None}
            anna, *group = people.values()
            await bring(fac, anna, "vragenronde", group=group)
            order = ["Dewi", "Anna", "Chris", "Bram"]
            for name in order:  # one at a time, more than the tie window apart would take too long:
                await people[name].command("raise_hand")  # within it, nobody has spoken yet, so time decides
            await settle(everyone)
            names = {p["id"]: p["name"] for p in fac.state["participants"]}

            def queue(c: KringClient) -> list[str]:
                return [names[h["participant"]] for h in c.state["hands"]["queue"]]

            assert all(queue(c) == order for c in everyone)
            with pytest.raises(CommandError) as refused:
                await people["Chris"].command("give_floor", participant=people["Chris"].me["id"])
            assert refused.value.code == "not_allowed"
            await fac.command("online_first", on=True)
            await fac.command("give_floor", participant=people["Bram"].me["id"])
            await settle(everyone)
            assert all(queue(c) == ["Dewi", "Anna", "Chris"] for c in everyone)
            assert all(c.state["hands"]["speaker"] == people["Bram"].me["id"] for c in everyone)
            # a reconnect: the missed events bring the same queue, and so does a snapshot
            eva = await KringClient(url, reconnect=False).resume(people["Eva"].token or "")
            await settle([fac, eva])
            await eva.drop()
            await eva.wait_until(lambda c: c.close_code is not None)
            await people["Dewi"].command("lower_hand")
            await eva.resume(eva.token or "", epoch=eva.epoch, seq=eva.mirror.seq)
            fresh = await KringClient(url).resume(eva.token or "")
            await settle([fac, eva, fresh])
            assert queue(eva) == queue(fresh) == queue(fac) == ["Anna", "Chris"]
            assert eva.state["hands"] == fresh.state["hands"] == fac.state["hands"]
            assert fresh.state["hands"]["spoken"] == {people["Bram"].me["id"]: 1}
            await asyncio.gather(eva.close(), fresh.close())
        finally:
            await asyncio.gather(*(c.close() for c in [fac, *people.values(), screen]))
