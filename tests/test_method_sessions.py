"""Every shipped method, run as a whole session over real websockets (both backends):
the phases come from the method file only, and where the method says the inbrenger
listens or leaves, the server refuses their input."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator

import pytest

from client import KringClient
from client.connection import CommandError
from server.rooms import method
from server.rooms.method import Method, Phase

from .commands import PHASE_INPUT, well_formed
from .redis_store import dump_room
from .session import Session, open_session, server_snapshot, ws_url
from .walk import nodes, strings


async def write_from_cards(s: Session, phase: Phase, group: list[KringClient]) -> None:
    """Deal the phase's cards; private ones each member takes, then everyone writes from
    their card (in turn, if the phase says so), the observer writes notes; reveal if hidden."""
    fac = s.facilitator
    await fac.command("deal_cards")
    await s.settle()
    deal = fac.state["deals"][phase.id]
    if not deal["public"]:
        for x in group:
            await x.command("draw_card")
        assert fac.state["deals"][phase.id]["mine"] is None  # nobody is told whose card is whose
    cards = {c["id"]: c for c in deal["cards"]}
    mine = {x.me["id"]: cards[x.state["deals"][phase.id]["mine"]] for x in group}
    writers = [x for x in group if not mine[x.me["id"]]["observer"]]
    for x in group:
        if mine[x.me["id"]]["observer"]:
            await x.command("note", text=f"Wat {x.me['name']} zag in {phase.id}.")
    if phase.in_turn:
        for _ in writers:
            await s.settle()
            turns = fac.state["turns"]
            speaker = next(x for x in writers if x.me["id"] == turns["order"][turns["current"]])
            fields = mine[speaker.me["id"]]["fields"]
            await speaker.command("perspective", texts=[f"{f['label']['nl']} ({n})" for n, f in enumerate(fields)])
            await speaker.command("pass_turn")
    else:
        for x in writers:
            fields = mine[x.me["id"]]["fields"]
            await x.command("perspective", texts=[f"{f['label']['nl']} ({n})" for n, f in enumerate(fields)])
    await s.settle()
    if deal["hidden"]:
        assert all(c.state["deals"][phase.id]["perspectives"] == [] for c in s.everyone)
        await fac.command("reveal")
        await s.settle()
    for c in s.everyone:
        assert len(c.state["deals"][phase.id]["perspectives"]) == len(writers)


#: a command for each input the inbrenger might try to give while listening (§5.2 rule 5)
TRIES = {
    PHASE_INPUT[t]: (t, well_formed(t))
    for t in ("ask", "note", "advice", "essence", "perspective", "evaluate", "confirm")
}


async def refused(client: KringClient, t: str, **args: object) -> None:
    with pytest.raises(CommandError) as err:
        await client.command(t, **args)
    assert err.value.code == "not_allowed", (t, err.value)


async def by_turns(s: Session, group: list[KringClient], act: Callable[[KringClient], Awaitable[object]]) -> None:
    """Each member of the group acts when it is their turn, then passes it on."""
    for _ in group:
        await s.settle()
        turns = s.facilitator.state["turns"]
        speaker = next(x for x in group if x.me["id"] == turns["order"][turns["current"]])
        for other in group:  # anyone else waits
            if other is not speaker:
                await refused(other, "pass_turn")
        await act(speaker)
        await speaker.command("pass_turn")
    await s.settle()


async def run_method(s: Session, m: Method, start: int = 0, proposer: int = 0, stop: int | None = None) -> None:
    """Drive the method from phase `start` to its end (or phase `stop`); `proposer`'s case is chosen."""
    fac, members = s.facilitator, s.members
    for index, phase in enumerate(m.phases):
        if index < start or (stop is not None and index > stop):
            continue
        if index > start:
            await fac.command("advance")
        await s.settle()
        assert all(c.state["phase"]["id"] == phase.id for c in s.everyone)
        accepts = phase.accepts
        if "confirm" in accepts:
            for x in members:
                await x.command("confirm")
        if "cases" in accepts:
            title = f"Casus {m.id}" + (f" {proposer}" if proposer else "")
            case = (await members[proposer].command("propose_case", title=title, question="Wat doe ik?"))["case"]
            await fac.command("choose_case", case=case)
            s.inbrenger = members[proposer]
        inb = s.inbrenger
        group = [x for x in members if x is not inb]
        if "case_text" in accepts:
            await inb.command("share_case", text="Wat er speelt.", people=["de collega"])
        silent = phase.inbrenger != "speaks" and inb is not None
        if silent:
            # the inbrenger listens (back turned) or has left: nothing they send gets through,
            # whatever the phase accepts, also from "everyone"
            for what in {"questions", "advice", *accepts} & set(TRIES):
                t, args = TRIES[what]
                await refused(inb, t, **args)
        if "questions" in accepts:
            if phase.in_turn:
                await by_turns(s, group, lambda x: x.command("ask", text=f"Wat gebeurde er precies? ({x.me['id']})"))
            else:
                for i, x in enumerate(group):
                    await x.command("ask", text=f"Hoe merk je dat? ({i})")
            if silent:  # nor do they mark or rate the questions meanwhile
                await s.settle()
                question = fac.state["questions"][0]["id"]
                await refused(inb, "mark_answered", question=question, answered=True)
                await refused(inb, "rate_question", question=question, rating="warm")
        if "essence" in accepts:
            writer = inb if accepts["essence"] == "inbrenger" else group[0]
            await writer.command("essence", text="De kern.")
        if "perspectives" in accepts:
            await write_from_cards(s, phase, group)
        if "notes" in accepts:
            writers = {"group": group, "inbrenger": [inb], "everyone": group if silent else members}[accepts["notes"]]
            for x in writers:
                await x.command("note", text=f"Notitie van {x.me['name']} in {phase.id}.")
            await s.settle()
            mine = f"Notitie van {writers[0].me['name']} in {phase.id}."
            seen = [c for c in s.everyone if any(n["text"] == mine for n in c.state["notes"])]
            if phase.hidden_until_reveal:  # before the reveal: only the writer has it, the rest a count
                assert seen == [writers[0]]
                assert all(c.state["notes_hidden"] == len(writers) for c in s.everyone)
                await fac.command("reveal")
                await s.settle()
            assert all(any(n["text"] == mine for n in c.state["notes"]) for c in s.everyone)
        if "advice" in accepts:
            if phase.in_turn:

                async def advise(x: KringClient, inb: KringClient | None = inb, silent: bool = silent) -> None:
                    aid = (await x.command("advice", text=f"Advies van {x.me['name']}."))["advice"]
                    if silent and inb is not None:  # listening until the last turn: no weighing in between
                        await refused(inb, "rate_advice", advice=aid, rating="koud")

                await by_turns(s, group, advise)
            else:
                for x in group:
                    await x.command("advice", text=f"Advies van {x.me['name']}.")
            if silent and "response" not in accepts:  # back turned: no weighing the advice either
                await s.settle()
                await refused(inb, "rate_advice", advice=fac.state["advice"][0]["id"], rating="warm")
            else:  # the inbrenger weighs the advice: koud / lauw / warm (after the last turn, if listening)
                await s.settle()
                first = fac.state["advice"][0]["id"]
                await inb.command("rate_advice", advice=first, rating="warm")
                await s.settle()
                # the rating is the inbrenger's (issue 13): everyone else, the facilitator too, sees none
                assert all(c.state["advice"][0]["rating"] == ("warm" if c is inb else None) for c in s.everyone)
        if "response" in accepts:
            await inb.command("respond", text="Dit raakte me.")
        if "takeaway" in accepts:
            await inb.command("takeaway", text="Dit neem ik mee.")
        if "evaluation" in accepts:
            for x in members:
                await x.command("evaluate", score=4)
    await s.settle()


@pytest.mark.parametrize("method_id", method.available())
async def test_a_whole_session_with_each_method(server, method_id):
    m = method.load(method_id)
    size = min(max(m.group_size[0], 4), m.group_size[1])  # the facilitator comes on top
    s = await open_session(server, n=size, method=method_id)
    try:
        await run_method(s, m)
        assert s.facilitator.state["method"]["id"] == method_id
        assert s.facilitator.state["phase"]["index"] == len(m.phases) - 1
        summary = (await s.inbrenger.command("summary"))["summary"]
        assert summary["title"] == f"Casus {method_id}"
        advised = sum("advice" in p.accepts for p in m.phases)
        assert len(summary["advice"]) == advised * (size - 1)
        for c in s.everyone:  # every mirror equals what the server holds for that person
            assert (c.mirror.seq, c.state) == await server_snapshot(server, c)
    finally:
        await s.close()


async def test_the_six_hats_move_on_each_round_and_the_seventh_observes(server):
    """Seven in the group: six hats and an observer. The hats are public and move on one
    place a round; the observer keeps watching, writes notes and never has a turn."""
    m = method.load("zes-denkhoeden")
    s = await open_session(server, n=8, method="zes-denkhoeden")
    try:
        await run_method(s, m)
        fac = s.facilitator
        rounds = [p.id for p in m.phases if p.deck]
        holders = [fac.state["deals"][r]["holders"] for r in rounds]
        observers = [{pid for pid, card in h.items() if card == "observator"} for h in holders]
        assert len(observers[0]) == 1 and observers[0] == observers[1] == observers[2]
        (observer,) = observers[0]
        hats = [c["id"] for c in fac.state["deals"][rounds[0]]["cards"] if not c["observer"]]
        for pid in holders[0]:
            if pid != observer:  # a different hat every round: one place further round the table
                worn = [hats.index(h[pid]) for h in holders]
                assert worn[1] == (worn[0] + 1) % 6 and worn[2] == (worn[0] + 2) % 6
        for c in s.everyone:  # everyone sees the observer's notes, with their name
            notes = [n for n in c.state["notes"] if n["author"] == observer]
            assert len(notes) == len(rounds)
        summary = (await s.inbrenger.command("summary"))["summary"]
        assert len(summary["perspectives"]) == 6 * len(rounds)
        assert {p["card"]["nl"] for p in summary["perspectives"]} == {
            "Witte hoed", "Rode hoed", "Zwarte hoed", "Gele hoed", "Groene hoed", "Blauwe hoed",
        }  # fmt: skip
        for c in s.everyone:
            assert (c.mirror.seq, c.state) == await server_snapshot(server, c)
    finally:
        await s.close()


async def test_where_everyone_writes_but_the_inbrenger_listens_the_inbrenger_cannot(server):
    """`accepts` says everyone, the phase says the inbrenger listens: the second wins. Only
    the phase rule keeps the inbrenger out here; "group" does not."""
    own = (method.METHODS_DIR / "kwaliteitenmethode.toml").read_text(encoding="utf-8")
    own = own.replace('id = "kwaliteitenmethode"', 'id = "samen-schrijven"', 1).replace(
        'id = "uitdaging"\nminutes = 10\naccepts = { notes = "group" }',
        'id = "uitdaging"\nminutes = 10\naccepts = { notes = "everyone" }\ninbrenger = "listens"',
        1,
    )
    m = method.from_toml(own)
    phase = next(p for p in m.phases if p.id == "uitdaging")
    assert phase.accepts["notes"] == "everyone" and phase.inbrenger == "listens"
    s = await open_session(server, n=4, method_toml=own)
    try:
        await run_method(s, m, stop=m.phases.index(phase))  # tries the inbrenger's note and expects a refusal
        inb = s.inbrenger
        assert inb is not None
        for c in s.everyone:  # the group's three notes, none of the inbrenger's
            notes = [n for n in c.state["notes"] if n["phase"] == "uitdaging"]
            assert len(notes) == 3 and inb.me["id"] not in {n["author"] for n in notes}
        await refused(inb, "note", text="Toch nog iets")
    finally:
        await s.close()


def _events_in(obj: object) -> Iterator[dict]:
    """Every stored event (a map with "t" and "seq") inside a value Redis holds."""
    return (x for x in nodes(obj) if isinstance(x, dict) and "t" in x and "seq" in x)


@pytest.mark.parametrize("backend", ["redis"], indirect=True)  # storage is inspected in Redis itself
async def test_redis_keeps_no_link_from_a_private_card_or_perspective_to_its_writer(server, backend, redis_server):
    """DESIGN §4 in storage: what Redis holds of private cards (the state's deals, the
    stored events about them) names nobody, and the texts sit only under holders' tags."""
    assert backend, "the Redis backend"
    m = method.load("drie-rondes")
    s = await open_session(server, n=5)
    try:
        assoc = next(i for i, p in enumerate(m.phases) if p.deck)
        await run_method(s, m, stop=assoc)
        for c in s.everyone:
            assert c.state["deals"]["associatieronde"]["revealed"]
        members = [c for c in s.members if c is not s.inbrenger]
        stored = [value for _, value in dump_room(redis_server.url, s.code)]
        states = [v for v in stored if isinstance(v, dict) and "deals" in v]
        assert states, "no room state in Redis"
        card_events = [
            ev for v in stored for ev in _events_in(v)
            if ev["t"] in ("cards_dealt", "card_drawn", "perspective_written", "perspectives_revealed")
        ]  # fmt: skip
        assert {ev["t"] for ev in card_events} == {
            "cards_dealt",
            "card_drawn",
            "perspective_written",
            "perspectives_revealed",
        }
        for writer in members:
            secrets = {writer.me["id"], writer.me["name"], writer.token or "-"}
            for ev in card_events:
                assert not secrets & set(strings(ev)), ev
            for state in states:
                assert not secrets & set(strings(state["deals"]))
    finally:
        await s.close()


async def test_the_facilitator_changes_the_method_in_the_lobby_only(server):
    s = await open_session(server, n=3)
    own = (method.METHODS_DIR / "vijfstappenmethode.toml").read_text(encoding="utf-8")
    own = own.replace('id = "vijfstappenmethode"', 'id = "ons-team"', 1).replace(
        'nl = "Vijfstappenmethode"', 'nl = "Onze vijf stappen"'
    )
    try:
        assert (await s.facilitator.command("set_method", method="roddelmethode"))["method"] == "roddelmethode"
        await s.settle()
        assert all(c.state["method"]["name"]["nl"] == "Roddelmethode" for c in s.everyone)
        assert s.facilitator.state["method"]["needs_familiarity"] is True
        with pytest.raises(CommandError) as bad:
            await s.facilitator.command(
                "set_method", method_toml=own.replace('questions = "group"', 'questions = "groep"')
            )
        assert bad.value.code == "invalid_field" and "phases[3].accepts.questions" in str(bad.value)
        assert "line " in str(bad.value)
        with pytest.raises(CommandError) as not_yours:
            await s.members[0].command("set_method", method="drie-rondes")
        assert not_yours.value.code == "not_allowed"
        assert (await s.facilitator.command("set_method", method_toml=own))["method"] == "ons-team"
        await s.settle()
        assert all(c.state["method"]["name"]["nl"] == "Onze vijf stappen" for c in s.everyone)
        await s.facilitator.command("advance")
        with pytest.raises(CommandError) as too_late:
            await s.facilitator.command("set_method", method="drie-rondes")
        assert too_late.value.code == "not_allowed"
        for c in s.everyone:
            assert (c.mirror.seq, c.state) == await server_snapshot(server, c)
    finally:
        await s.close()


async def test_a_room_opens_with_the_facilitators_own_method_file(server):
    import urllib.error

    from client import create_room

    own = (method.METHODS_DIR / "troika.toml").read_text(encoding="utf-8").replace('id = "troika"', 'id = "drietal"', 1)
    with pytest.raises(urllib.error.HTTPError) as refused:
        await create_room(server, method_toml=own.replace("minutes = 5", "minutes = -5"))
    body = refused.value.read().decode()
    assert refused.value.code == 400 and "invalid_field" in body and "phases[4].minutes" in body and "line " in body
    s = await open_session(server, n=3, method_toml=own)
    try:
        assert s.facilitator.state["method"]["id"] == "drietal"
        assert s.facilitator.state["method"]["group_size"] == [3, 3]
    finally:
        await s.close()


async def test_several_cases_in_one_meeting_and_a_proof_without_content(server):
    m = method.load("drie-rondes")
    s = await open_session(server, n=5)
    anna, bram, chris = s.members[:3]
    try:
        await run_method(s, m)
        await s.facilitator.command("next_case")
        await s.settle()
        choice = next(i for i, p in enumerate(m.phases) if "cases" in p.accepts)
        for c in s.everyone:  # nothing of the first case is left on anyone's screen
            assert c.state["phase"]["index"] == choice and c.state["inbrenger"] is None
            assert c.state["questions"] == [] and c.state["advice"] == [] and c.state["case_text"] is None
            assert c.state["cases_done"] == 1
        assert anna.state["has_summary"] and not bram.state["has_summary"]
        await run_method(s, m, start=choice, proposer=1)
        # each inbrenger gets only their own summary
        mine = await anna.command("summary")
        assert mine["summary"]["title"] == "Casus drie-rondes" and len(mine["earlier"]) == 1
        theirs = await bram.command("summary")
        assert theirs["summary"]["title"] == "Casus drie-rondes 1" and theirs["earlier"] == []
        with pytest.raises(CommandError) as refused:
            await chris.command("summary")
        assert refused.value.code == "not_allowed"
        # proof of participation: only who agreed to be listed, and no case content
        await anna.command("list_me", listed=True)
        await chris.command("list_me", listed=True)
        await s.settle()
        proof = (await bram.command("proof"))["proof"]
        assert proof["participants"] == ["Anna", "Chris"]
        assert proof["facilitators"] == []  # the facilitator has not agreed (yet)
        assert proof["cases"] == 2 and proof["minutes"] >= 1 and proof["started_at"] > 0
        assert proof["ended_at"] is None  # under way: its duration runs to the moment asked
        assert proof["method"]["nl"] == "Drie rondes"
        await s.facilitator.command("list_me", listed=True)
        for c in s.everyone:
            assert (c.mirror.seq, c.state) == await server_snapshot(server, c)
        # at the close everyone still connected gets the final proof: the room is erased next
        await s.facilitator.command("end")
        for c in s.everyone:
            await c.wait_until(lambda c: c.mirror.ended)
        final = s.facilitator.mirror.proof
        assert final is not None and all(c.mirror.proof == final for c in s.everyone)
        assert final["participants"] == ["Anna", "Chris"] and final["facilitators"] == [s.facilitator.me["name"]]
        assert final["ended_at"] >= final["started_at"] + 60 * (final["minutes"] - 1)
        for found in (proof, final):
            dumped = json.dumps(found)
            for secret in ("Casus", "Wat er speelt", "Advies", "Hoe merk je"):
                assert secret not in dumped
        with pytest.raises(CommandError) as gone:
            await KringClient(ws_url(server), reconnect=False).resume(bram.token or "")
        assert gone.value.code == "bad_token"
    finally:
        await s.close()
