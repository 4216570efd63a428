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

from .servers import running_server, running_servers
from .session import NAMES, Session, open_session, run_full_session, settle, ws_url
from .walk import records_about, strings


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
            # and nobody comes in by the circle's code and a name
            with pytest.raises(CommandError) as by_code:
                await KringClient(url, reconnect=False).join(circles[0]["code"], "Vreemde")
            assert (by_code.value.code, by_code.value.frame["detail"]) == (
                "unknown_room",
                "a circle is entered from its room",
            )
            # a circle is a room of its own: a lock there is in its log alone
            await lead.command("lock", locked=True)
            await settle([lead, *inside[circles[0]["code"]]])
            assert all(c.state["locked"] for c in inside[circles[0]["code"]])
            assert not any(c.state["locked"] for c in [*inside[circles[1]["code"]], fac, *people])
            assert inside[circles[1]["code"]][0].mirror.seq < lead.mirror.seq
            # a facilitator of the room since the split is one of every circle's too
            co = next(p for p in people if p.me["id"] not in circles[0]["members"])  # (one of another circle)
            await fac.command("add_facilitator", participant=co.me["id"])
            await co.wait_until(lambda c: c.connected.is_set() and c.me["role"] == "facilitator")
            visiting = await KringClient(url).enter_circle(co.token or "", circles[0]["code"])
            opened.append(visiting)
            assert visiting.me["role"] == "facilitator"
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


async def test_circles_on_two_processes_and_one_killed_mid_circle_lose_nothing(redis_server):
    """Nine people over two processes on one Redis enter their circles (each through either
    process, the other as fail-over), each changing their place ten times; one process is
    killed (kill -9) halfway. Every acknowledged command is in its circle, once: everyone
    in a circle sees each member's last place."""
    with running_servers(2, {"KRING_REDIS_URL": redis_server.url}) as (a, b):
        s = await open_session(a.base, n=9, others=[b.base])
        entered: list[KringClient] = []
        try:
            await s.facilitator.command("split", size=3)
            await s.settle()
            circles = s.facilitator.state["circles"]
            for i, m in enumerate(s.members):
                code = next(c["code"] for c in circles if m.me["id"] in c["members"])
                urls = [a.ws, b.ws][i % 2 :] + [a.ws, b.ws][: i % 2]
                entered.append(await KringClient(urls).enter_circle(m.token or "", code))
            assert {c.url for c in entered} == {a.ws, b.ws}
            last: dict[str, str] = {}
            halfway = asyncio.Event()

            async def toggle(c: KringClient) -> None:
                for k in range(10):
                    place = "online" if k % 2 else "room"
                    await c.command("set_place", place=place)
                    last[c.me["id"]] = place
                    if k == 4:
                        halfway.set()

            moving = asyncio.gather(*(toggle(c) for c in entered))
            await asyncio.wait_for(halfway.wait(), 30)
            b.kill()
            await asyncio.wait_for(moving, 60)
            assert all(c.url == a.ws for c in entered)
            for circle in circles:
                inside = [c for c in entered if c.me["id"] in circle["members"]]
                await settle(inside)
                for c in inside:
                    seen = {p["id"]: p["place"] for p in c.state["participants"] if p["id"] in circle["members"]}
                    assert seen == {pid: last[pid] for pid in circle["members"]}
        finally:
            await asyncio.gather(*(c.close() for c in entered))
            await s.close()


@pytest.mark.parametrize("backend", ["memory"], indirect=True)  # on Redis, the test above kills a process
async def test_three_circles_run_drie_rondes_in_parallel_each_anonymous_and_each_summary_comes_home(server):
    """Twelve people in three circles of four (an inbrenger and a group of three, so the
    questions are anonymous) each run drie-rondes from the lobby to the closing at once. In
    every frame anyone in a circle received, nothing ties an anonymous question to its
    author, and no token travels. Back in the room, each circle's inbrenger, and nobody
    else, has their circle's summary."""
    created = await create_room(server)
    url = ws_url(server)
    fac = await KringClient(url).resume(created["facilitator_token"])
    people = [await KringClient(url).join(created["code"].lower(), f"{NAMES[i % len(NAMES)]} {i}") for i in range(12)]
    opened: list[KringClient] = []
    try:
        await fac.command("advance")  # the room's agreement first
        await asyncio.gather(*(p.command("confirm") for p in people))
        await fac.wait_until(lambda c: c.state["confirmed_count"] == len(people))
        await settle([fac, *people], reconnected=True)
        await fac.command("split", size=4)
        await settle([fac, *people])
        by_pid = {p.me["id"]: p for p in people}
        sessions = []
        for circle in fac.state["circles"]:
            lead = await KringClient(url).enter_circle(fac.token or "", circle["code"])
            members = [
                await KringClient(url).enter_circle(by_pid[pid].token or "", circle["code"])
                for pid in circle["members"]
            ]
            opened += [lead, *members]
            sessions.append(Session(server, circle["code"], lead, members))
        await asyncio.gather(*(run_full_session(s) for s in sessions))
        for s in sessions:
            await s.settle()
            assert s.facilitator.state["phase"]["id"] == "afsluiting"
            assert s.question_authors and all(q["author"] is None for q in s.facilitator.state["questions"])
            tokens = [(c.token or "-").encode() for c in [fac, *people]]
            for qid, author in s.question_authors.items():
                secrets = [author.me["id"], author.me["name"]]
                for c in s.everyone:
                    for raw, frame in zip(c.raw, c.frames, strict=True):
                        data = raw if isinstance(raw, bytes) else raw.encode()
                        assert not any(token in data for token in tokens)
                        for record in records_about(frame, qid):
                            assert not set(strings(record)) & set(secrets), (qid, record)
        # back together: each inbrenger finds their own circle's summary, and only they
        await fac.command("rejoin")
        await settle([fac, *people])
        inbrengers = {s.inbrenger.me["id"] for s in sessions if s.inbrenger}
        assert len(inbrengers) == 3
        for p in people:
            mine = p.me["id"] in inbrengers
            assert p.state["has_summary"] == mine
            if mine:
                kept = (await p.command("summary"))["earlier"]
                assert [k["title"] for k in kept] == ["Lastige collega"]
    finally:
        await asyncio.gather(*(c.close() for c in [fac, *people, *opened]))
