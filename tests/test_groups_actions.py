"""A member's actions through the real server, on SQLite and PostgreSQL: written (encrypted
as the browser does) at meeting 1, they come back to their owner only, in meeting 2's
terugblik, and nobody else can list or delete them; a re-issued link deletes them; and the
plaintext is nowhere the server could have it: not in the database, not in its debug log,
not in any frame a room sent."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import update

from client import KringClient
from server.groups.tables import meetings

from .conftest import Database, new_database
from .group_client import Member, create_group
from .grouplink import Link
from .logged_server import logged_server
from .session import ws_url
from .test_groups_ledger import opened

SERIES = {"from": "2027-03-02", "weekday": "tuesday", "time": "16:00", "every_weeks": 6, "count": 2, "minutes": 120}

ALI_PLANS = ["Ik plan een gesprek met mijn teamleider over de werkdruk.", "Eén middag per week zonder mail. ✓"]
BO_PLAN = "Ik vraag Sanne om feedback op mijn verslagen."
ALI_LOOKED_BACK = "Het gesprek is gevoerd, de middag zonder mail nog niet."


def aad(group: str, member: Member, meeting: int) -> str:
    return f"kring/action/v1|{group}|{member.id}|{meeting}"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path_factory) -> Database:
    return new_database(request.param, request, tmp_path_factory)


async def enter(member: Member, meeting: int) -> KringClient:
    entered = member.call("POST", f"/meetings/{meeting}/enter")
    assert entered.status == 200, entered
    return await KringClient(ws_url(member.base)).resume(entered.body["token"])


def phases(client: KringClient) -> list[str]:
    return [p["id"] for p in client.state["method"]["phases"]]


async def test_actions_come_back_to_their_owner_only_in_the_next_terugblik(fresh_database, tmp_path):
    log = tmp_path / "server.log"
    clients: list[KringClient] = []
    with logged_server(log, fresh_database.env) as server:
        bea = create_group(server.base, "Groep Acties", "Bea")
        ali, bo = bea.add("Ali"), bea.add("Bo")
        group = bea.group()["group"]["id"]
        assert bea.call("POST", "/series", SERIES).status == 201
        first, second = (m["id"] for m in bea.group()["meetings"])

        # not before the meeting: actions are written at it or after it
        early = ali.call("POST", f"/meetings/{first}/actions", ali.link.seal(ALI_PLANS[0], aad(group, ali, first)))
        assert (early.status, early.error) == (409, "conflict"), early

        # meeting 1: nothing to look back on yet
        assert bea.call("POST", f"/meetings/{first}/start", {}).status == 201
        fac, a, b = await enter(bea, first), await enter(ali, first), await enter(bo, first)
        clients += [fac, a, b]
        assert "terugblik" not in phases(fac)
        saved = []
        for text in [*ALI_PLANS, "een derde"]:
            answer = ali.call("POST", f"/meetings/{first}/actions", ali.link.seal(text, aad(group, ali, first)))
            assert answer.status == 201, answer
            saved.append(answer.body["action"])
        fourth = ali.call("POST", f"/meetings/{first}/actions", ali.link.seal("te veel", aad(group, ali, first)))
        assert (fourth.status, fourth.error) == (409, "too_large")
        assert ali.call("DELETE", f"/actions/{saved[2]['id']}").status == 204  # she changes her mind
        assert bo.call("POST", f"/meetings/{first}/actions", bo.link.seal(BO_PLAN, aad(group, bo, first))).status == 201

        # another member can neither list nor delete them
        assert [x["id"] for x in ali.call("GET", "/actions").body["actions"]] == [saved[0]["id"], saved[1]["id"]]
        assert len(bo.call("GET", "/actions").body["actions"]) == 1
        assert bea.call("GET", "/actions").body["actions"] == []
        taken = bo.call("DELETE", f"/actions/{saved[0]['id']}")
        assert (taken.status, taken.error) == (404, "not_found")
        await fac.command("end")

        # meeting 2 opens with the terugblik, right after the agreement on confidentiality
        assert bea.call("POST", f"/meetings/{second}/start", {}).status == 201
        fac, a, b = await enter(bea, second), await enter(ali, second), await enter(bo, second)
        clients += [fac, a, b]
        assert phases(fac)[:3] == ["lobby", "opening", "terugblik"]
        await fac.command("advance")
        await a.command("confirm")
        await b.command("confirm")
        await fac.command("advance")
        assert fac.state["phase"]["id"] == "terugblik"

        # each member fetches their own actions of meeting 1, and only their browser reads them
        mine = ali.call("GET", f"/meetings/{second}/terugblik").body
        assert mine["meeting"]["id"] == first
        assert [ali.link.open(x, aad(group, ali, first)) for x in mine["actions"]] == ALI_PLANS
        theirs = bo.call("GET", f"/meetings/{second}/terugblik").body
        assert [bo.link.open(x, aad(group, bo, first)) for x in theirs["actions"]] == [BO_PLAN]
        with pytest.raises(InvalidTag):  # bound to its place: moved to another meeting, it does not open
            ali.link.open(mine["actions"][0], aad(group, ali, second))
        with pytest.raises(InvalidTag):  # nor with another member's key
            bo.link.open(mine["actions"][0], aad(group, ali, first))
        assert bea.call("GET", f"/meetings/{second}/terugblik").body["actions"] == []

        # Ali shares a line about what came of it; Bo tells it aloud (ready): the room sees both
        await a.command("note", text=ALI_LOOKED_BACK)
        await b.command("ready", ready=True)
        await fac.wait_until(lambda c: any(n["text"] == ALI_LOOKED_BACK for n in c.state["notes"]))
        note = next(n for n in fac.state["notes"] if n["text"] == ALI_LOOKED_BACK)
        assert note["author"] == a.me["id"]
        await fac.wait_until(lambda c: c.state["ready_count"] == 1)
        await fac.command("end")

        # a re-issued link deletes what the old one encrypted
        renewed = Link.new()
        answer = bea.call("POST", f"/members/{bo.id}/link", {"token_hash": renewed.hash, "generation": 1})
        assert answer.status == 200, answer
        bo.link = renewed
        assert bo.call("GET", "/actions").body["actions"] == []
        # and a member deletes all theirs at once
        assert ali.call("DELETE", "/actions").body == {"deleted": 2}
        assert ali.call("GET", f"/meetings/{second}/terugblik").body["actions"] == []
        for c in clients:
            await c.close()

    held = fresh_database.dump()
    assert b"Groep Acties" in held  # the dump is of the right database
    logged = log.read_bytes()
    assert b"/api/groups/mine/meetings" in logged and b"/actions" in logged  # the access log was on
    frames = json.dumps([c.frames for c in clients], ensure_ascii=False).encode()
    assert ALI_LOOKED_BACK.encode() in frames  # the frames are there, and hold what was shared
    for text in [*ALI_PLANS, BO_PLAN]:
        for where, data in (("database", held), ("log", logged), ("frames", frames)):
            assert text.encode() not in data, (text, where)
            assert text.encode("unicode_escape") not in data, (text, where)


def ids(member: Member) -> list[int]:
    return [m["id"] for m in member.group()["meetings"]]


async def test_an_action_is_refused_clearly_when_it_is_not_one(group_server: str, database: Database):
    bea = create_group(group_server, "Groep Fout", "Bea")
    ali = bea.add("Ali")
    group = bea.group()["group"]["id"]
    assert bea.call("POST", "/series", SERIES).status == 201
    (first, _) = ids(bea)
    assert bea.call("POST", f"/meetings/{first}/start", {}).status == 201
    good = ali.link.seal("Iets doen", aad(group, ali, first))

    def refused(body: Any, path: str = f"/meetings/{first}/actions") -> tuple[int, str | None, str]:
        answer = ali.call("POST", path, body)
        return answer.status, answer.error, (answer.body or {}).get("detail", "")

    status, error, detail = refused({**good, "iv": "abc"})
    assert (status, error) == (400, "invalid_field") and "'iv'" in detail
    status, error, detail = refused({**good, "ciphertext": "A" * 2700})
    assert (status, error) == (400, "invalid_field") and "'ciphertext'" in detail
    status, error, detail = refused({**good, "ciphertext": "not base64!"})
    assert (status, error) == (400, "invalid_field") and "'ciphertext'" in detail
    status, error, detail = refused({"iv": good["iv"]})
    assert (status, error) == (400, "invalid_field") and "'ciphertext' is missing" in detail
    status, error, detail = refused({**good, "text": "de tekst zelf"})
    assert (status, error) == (400, "invalid_field") and "unexpected field 'text'" in detail
    assert refused(good, "/meetings/999999/actions")[:2] == (404, "not_found")
    # the longest an action can be is taken
    longest = ali.link.seal("x" * 2000, aad(group, ali, first))
    assert len(longest["ciphertext"]) == 2688
    assert refused(longest)[0] == 201
    assert ali.call("GET", "/actions?meeting=abc").error == "invalid_field"
    assert ali.call("GET", "/actions?who=1").error == "invalid_field"
    assert len(ali.call("GET", f"/actions?meeting={first}").body["actions"]) == 1
    assert ali.call("DELETE", "/actions/999999").status == 404
    assert Member(group_server, "?", Link.new()).call("GET", "/actions").error == "bad_link"


async def test_an_action_is_kept_for_a_year_after_its_meeting_and_then_deleted(group_server: str, database: Database):
    bea = create_group(group_server, "Groep Jaar", "Bea")
    ali = bea.add("Ali")
    group = bea.group()["group"]["id"]
    today = date.today()
    added = bea.call("POST", "/meetings", {"date": (today - timedelta(days=300)).isoformat(), "start": "10:00"})
    assert added.status == 201, added
    meeting = added.body["meeting"]["id"]
    assert bea.call("POST", f"/meetings/{meeting}/start", {}).status == 201
    sealed = ali.link.seal("Nog binnen het jaar", aad(group, ali, meeting))
    assert ali.call("POST", f"/meetings/{meeting}/actions", sealed).status == 201
    assert len(ali.call("GET", "/actions").body["actions"]) == 1

    # a year passes (the meeting's date moves back in the database: no clocks, no sleeping;
    # the API no longer moves a meeting under way): the next look at the actions deletes it
    async with opened(database) as engine, engine.begin() as conn:
        await conn.execute(update(meetings).where(meetings.c.id == meeting).values(date=today - timedelta(days=366)))
    assert ali.call("GET", "/actions").body["actions"] == []
    assert sealed["ciphertext"].encode() not in database.dump()
    late = ali.call("POST", f"/meetings/{meeting}/actions", ali.link.seal("Te laat", aad(group, ali, meeting)))
    assert (late.status, late.error) == (409, "conflict") and "more than a year ago" in late.body["detail"]
