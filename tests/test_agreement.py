"""The agreement before the case, on the real server over real websockets: a participant
who has not confirmed confidentiality receives nothing of the case, in any frame or
snapshot, until they confirm; then their connection resumes (4011) with the whole case,
without the others seeing them blink offline.
And the facilitator cannot move on out of the opening past them without saying so."""

from __future__ import annotations

import json

import pytest

from client import CommandError, KringClient
from protocol import errors
from server.rooms import method

from .session import online, open_session, server_snapshot, settle, ws_url

SECRETS = ("<titel-a>", "<vraag-a>", "<casustekst>", "<de collega>", "<vraag-van-bram>", "<kern-van-anna>")


async def test_an_unconfirmed_participant_receives_no_case_until_they_confirm(server):
    s = await open_session(server, n=4)
    fac, (anna, bram, chris, dewi) = s.facilitator, s.members
    try:
        await fac.command("lock", locked=True)
        await fac.command("advance")  # opening
        for m in (anna, bram, chris):
            await m.command("confirm")
        await settle(s.everyone, reconnected=True)
        with pytest.raises(CommandError) as err:
            await fac.command("advance")
        assert err.value.code == errors.NOT_ALLOWED
        assert err.value.frame["detail"] == "not everyone has confirmed the agreement: Dewi"
        await fac.command("advance", anyway=True)  # case choice, without Dewi
        case = (await anna.command("propose_case", title="<titel-a>", question="<vraag-a>"))["case"]
        await bram.command("vote", case=case)
        await fac.command("close_vote")
        await fac.command("choose_case", case=case)
        await anna.command("share_case", text="<casustekst>", people=["<de collega>"])
        await fac.command("advance")  # questions round
        await bram.command("ask", text="<vraag-van-bram>")
        await anna.command("essence", text="<kern-van-anna>")
        with pytest.raises(CommandError) as err:  # nor does she give anything about it
            await dewi.command("ask", text="Mag ik ook?")
        assert err.value.frame["detail"] == "confirm the agreement on confidentiality first"
        await settle(s.everyone, reconnected=True)

        # Dewi: every frame she received, and what the server holds for her, without the case
        received = json.dumps(dewi.frames, ensure_ascii=False)
        _, snap = await server_snapshot(server, dewi)
        for secret in SECRETS:
            assert secret not in received, secret
            assert secret not in json.dumps(snap, ensure_ascii=False), secret
        assert any(f.get("t") == "withheld" for f in dewi.frames)
        assert dewi.state == snap and dewi.state["case_text"] is None and dewi.state["phase"]["id"] == "vragenronde"
        assert chris.state["case_text"] == "<casustekst>"  # who confirmed has it all

        # she confirms in the questions round: her connection sees the room anew, case and all
        before, seen = len(dewi.frames), len(fac.frames)
        await dewi.command("confirm")
        await dewi.wait_until(lambda c: c.role_changes == 1 and c.connected.is_set() and c.state["case_text"])
        welcome = [f for f in dewi.frames[before:] if f.get("t") == "welcome"][-1]
        assert "snapshot" in welcome and "events" not in welcome
        assert dewi.state["case_text"] == "<casustekst>" and dewi.state["people"] == ["<de collega>"]
        assert [q["text"] for q in dewi.state["questions"]] == ["<vraag-van-bram>"]
        assert dewi.state["essence"] == "<kern-van-anna>"
        await dewi.command("ask", text="Wat maakt het lastig?")
        await settle(s.everyone, reconnected=True)
        # her client came straight back: the others never saw her go offline
        blinks = [f for f in fac.frames[seen:] if f.get("t") == "presence" and f["participant"] == dewi.me["id"]]
        assert blinks == [] and online(fac, dewi.me["id"])
        for c in s.everyone:
            seq, snap = await server_snapshot(server, c)
            assert (c.mirror.seq, c.state) == (seq, snap), c.me["name"]
    finally:
        await s.close()


async def test_a_late_joiner_after_the_opening_confirms_and_then_sees_the_case(server):
    s = await open_session(server, n=3)
    fac, (anna, bram, _) = s.facilitator, s.members
    late = None
    try:
        await fac.command("advance")
        for m in s.members:
            await m.command("confirm")
        await settle(s.everyone, reconnected=True)
        await fac.command("advance")  # everyone confirmed: no refusal
        case = (await anna.command("propose_case", title="<titel-a>", question="<vraag-a>"))["case"]
        await fac.command("choose_case", case=case)
        await anna.command("share_case", text="<casustekst>", people=["<de collega>"])
        late = await KringClient(ws_url(server)).join(s.code, "Eva")
        await fac.command("advance")
        await bram.command("ask", text="<vraag-van-bram>")
        await settle([*s.everyone, late])
        received = json.dumps(late.frames, ensure_ascii=False)
        for secret in SECRETS[:5]:
            assert secret not in received, secret
        await late.command("confirm")
        await late.wait_until(lambda c: c.role_changes == 1 and c.connected.is_set() and c.state["case_text"])
        assert late.state["case_text"] == "<casustekst>"
        assert [q["text"] for q in late.state["questions"]] == ["<vraag-van-bram>"]
    finally:
        if late is not None:
            await late.close()
        await s.close()


async def test_a_method_change_in_the_lobby_frees_or_holds_the_participants_anew(server):
    """The facilitator switches, in the lobby, to an own method file without an agreement:
    every participant's connection sees the room anew (4011) and is no longer kept from the
    case; back to one with an agreement, they are kept from it again until they confirm."""
    own = (method.METHODS_DIR / "drie-rondes.toml").read_text(encoding="utf-8")
    own = own.replace('id = "drie-rondes"', 'id = "zonder-afspraak"', 1)
    own = own.replace('accepts = { confirm = "everyone" }\n', "", 1)
    assert "accepts = { confirm" not in own
    s = await open_session(server, n=3)
    fac, (anna, bram, _) = s.facilitator, s.members
    try:
        await fac.command("set_method", method_toml=own)
        for m in s.members:
            await m.wait_until(lambda c: c.role_changes == 1 and c.connected.is_set())
        await settle(s.everyone, reconnected=True)
        await fac.command("advance")  # the opening, with nothing to confirm
        await fac.command("advance")  # the case choice
        await anna.command("propose_case", title="<titel-a>", question="<vraag-a>")
        await settle(s.everyone, reconnected=True)
        assert [c["title"] for c in bram.state["cases"]] == ["<titel-a>"]  # nobody held back
        assert not any(f.get("t") == "withheld" for f in bram.frames)
        for c in s.everyone:
            assert (c.mirror.seq, c.state) == await server_snapshot(server, c), c.me["name"]
    finally:
        await s.close()

    s = await open_session(server, n=2, method_toml=own)
    fac, (anna, bram) = s.facilitator, s.members
    try:
        await fac.command("set_method", method="drie-rondes")  # back to an agreement: held again
        for m in s.members:
            await m.wait_until(lambda c: c.role_changes == 1 and c.connected.is_set())
        await fac.command("advance")  # the opening
        await anna.command("confirm")
        await anna.wait_until(lambda c: c.role_changes == 2 and c.connected.is_set())
        await fac.command("advance", anyway=True)  # the case choice, without Bram
        await anna.command("propose_case", title="<titel-b>", question="<vraag-b>")
        await settle(s.everyone, reconnected=True)
        assert "<titel-b>" not in json.dumps(bram.frames, ensure_ascii=False)
        assert any(f.get("t") == "withheld" for f in bram.frames)
        for c in s.everyone:
            assert (c.mirror.seq, c.state) == await server_snapshot(server, c), c.me["name"]
    finally:
        await s.close()
