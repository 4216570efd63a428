"""Circles over real websockets (docs/CIRCLES.md): a room of nine splits into three circles;
each member enters their own circle with the token of the room, where it is a room of its
own (its own log and seq); what happens in one circle reaches that circle alone; nobody
enters a circle they are not in; a member who drops comes back into their circle; the
facilitator's line reaches every circle; at `rejoin` the circles close and each circle's
inbrenger finds their summary in the room, for them alone."""

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
            # the agreement on confidentiality first, in the room (each circle asks it again)
            await fac.command("advance")
            await asyncio.gather(*(p.command("confirm") for p in people))
            await fac.wait_until(lambda c: c.state["confirmed_count"] == len(people))
            await settle([fac, *people], reconnected=True)
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
            # the facilitator's line reaches every circle, and the room
            await fac.command("announce", text="Nog tien minuten, rond af.")
            everyone_inside = [c for members in inside.values() for c in members]
            await asyncio.gather(
                *(c.wait_until(lambda c: c.state["announcement"] is not None) for c in everyone_inside)
            )
            assert {c.state["announcement"] for c in [fac, *everyone_inside]} == {"Nog tien minuten, rond af."}
            # circle 1 chooses a case: its inbrenger's summary comes back to the room for them alone
            first = inside[circles[0]["code"]]
            await lead.command("advance")  # the opening
            await asyncio.gather(*(c.command("confirm") for c in first))
            await lead.wait_until(lambda c: c.state["confirmed_count"] == len(first))
            await lead.command("advance")  # the case choice
            # the room sees how far each circle is
            await fac.wait_until(
                lambda c: c.state["circles"][0].get("progress", {}).get("phase", {}).get("id") == "casuskeuze"
            )
            assert "progress" not in fac.state["circles"][1]  # nothing happened there yet
            teller = first[0]
            await teller.wait_until(lambda c: c.state["phase"]["id"] == "casuskeuze")
            case = (await teller.command("propose_case", title="Een lastig gesprek", question="Hoe begin ik?"))["case"]
            await lead.command("choose_case", case=case)
            await settle([lead, *first])
            assert lead.state["inbrenger"] == teller.me["id"]
            await fac.command("rejoin")
            await settle([fac, *people])
            assert fac.state["circles"] == []
            holder = by_pid[teller.me["id"]]
            assert holder.state["has_summary"] and not any(p.state["has_summary"] for p in people if p is not holder)
            kept = await holder.command("summary")
            assert [s["title"] for s in kept["earlier"]] == ["Een lastig gesprek"]
            with pytest.raises(CommandError):
                await people[1 if people[0] is holder else 0].command("summary")
            # the circles' rooms are gone, and nobody enters them again
            await asyncio.gather(*(c.wait_until(lambda c: c.close_code is not None) for c in first))
            with pytest.raises(CommandError) as gone:
                await KringClient(url, reconnect=False).enter_circle(holder.token or "", circles[0]["code"])
            assert gone.value.code == "unknown_room"
        finally:
            await asyncio.gather(*(c.close() for c in [fac, *people, *opened]))
