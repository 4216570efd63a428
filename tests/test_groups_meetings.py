"""A group's meetings through the real server, on SQLite and PostgreSQL: the rota proposes,
members swap and skip, cases prepared before a meeting come into its case choice (over the
websocket) and are gone once it is held, members enter without a code, and the held
meetings record who was present in which role. The story of six people and three meetings
goes on to the end: an action written at meeting 1 comes back to its owner in meeting 2's
terugblik, the ledger holds the three meetings, each member's proof for the year totals
their hours, and once the group is deleted the database holds nothing of it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from client import KringClient
from server.groups.store import UNDER_WAY

from .conftest import Database
from .group_client import Member, create_group
from .session import ws_url

SERIES = {"from": "2027-01-04", "weekday": "tuesday", "time": "16:00", "every_weeks": 6, "count": 3, "minutes": 120}


def six(base: str, name: str = "Intervisie Zes") -> tuple[Member, list[Member]]:
    """Bea (begeleider) and five members, joined in this order; three meetings planned."""
    bea = create_group(base, name, "Bea")
    members = [bea.add(name) for name in ("Ali", "Bo", "Cas", "Dee", "Eli")]
    assert bea.call("POST", "/series", SERIES).status == 201
    return bea, members


def meeting_ids(member: Member) -> list[int]:
    return [m["id"] for m in member.group()["meetings"]]


def view(member: Member, meeting: int) -> dict[str, Any]:
    answer = member.call("GET", f"/meetings/{meeting}")
    assert answer.status == 200, answer
    return answer.body


def rota(body: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(r["role"], r["slot"]): r["name"] for r in body["roles"]}


def enter(member: Member, meeting: int) -> dict[str, Any]:
    answer = member.call("POST", f"/meetings/{meeting}/enter")
    assert answer.status == 200, answer
    return answer.body


async def hold(bea: Member, meeting: int, present: list[Member], inbrenger: Member | None) -> None:
    """Start the meeting, let `present` enter with their links, choose `inbrenger`'s
    prepared case (if any) in the case choice, and end the meeting."""
    started = bea.call("POST", f"/meetings/{meeting}/start", {})
    assert started.status == 201, started
    code = started.body["meeting"]["room"]
    entries = {m.name: enter(m, meeting) for m in [bea, *present]}
    assert entries["Bea"]["role"] == "facilitator" and entries["Bea"]["code"] == code
    fac = await KringClient(ws_url(bea.base)).resume(entries["Bea"]["token"])
    try:
        await fac.command("advance")  # opening
        while "cases" not in fac.state["phase"]["accepts"]:  # case choice (after a terugblik from meeting 2 on)
            await fac.command("advance", anyway=True)
        if inbrenger is not None:
            pid = entries[inbrenger.name]["participant"]
            case = next(c for c in fac.state["cases"] if c["proposer"] == pid)
            await fac.command("choose_case", case=case["id"])
        await fac.command("end")
    finally:
        await fac.close()


async def test_a_group_of_six_runs_three_meetings_from_its_schedule(group_server: str, database: Database):
    bea, (ali, bo, cas, dee, eli) = six(group_server, "Intervisie Zes aan de Linge")  # a name only this test uses
    first, second, third = meeting_ids(bea)
    assert bea.group()["group"]["guided_meetings"] == 6

    # the rota proposes: the begeleider leads a new group; each role to who had it least recently
    one = view(ali, first)
    assert rota(one) == {
        ("facilitator", 1): "Bea",
        ("inbrenger", 1): "Ali",
        ("timekeeper", 1): "Bo",
        ("notes", 1): "Cas",
    }
    assert rota(view(bo, second)) == {
        ("facilitator", 1): "Bea",
        ("inbrenger", 1): "Bo",
        ("timekeeper", 1): "Ali",
        ("notes", 1): "Dee",
    }
    assert rota(view(cas, first)) == rota(one)  # reading it again proposes nothing new

    # Ali swaps the inbrenger's role with Dee; Bo hands back keeping time, and the next fills it
    version = one["meeting"]["version"]
    swapped = ali.call(
        "POST",
        f"/meetings/{first}/roles/swap",
        {"version": version, "role": "inbrenger", "with": dee.id, "reason": "Dee heeft een urgente casus"},
    )
    assert swapped.status == 200, swapped
    assert rota(swapped.body)[("inbrenger", 1)] == "Dee"
    skipped = bo.call(
        "POST",
        f"/meetings/{first}/roles/skip",
        {"version": swapped.body["meeting"]["version"], "role": "timekeeper", "reason": "ik kom later"},
    )
    assert skipped.status == 200, skipped
    assert rota(skipped.body) == {
        ("facilitator", 1): "Bea",
        ("inbrenger", 1): "Dee",
        ("timekeeper", 1): "Ali",
        ("notes", 1): "Cas",
    }
    notes = view(eli, first)["notes"]  # the whole group sees what changed and why
    assert [(n["kind"], n["role"], n["name"], n["with_name"], n["reason"]) for n in notes] == [
        ("swap", "inbrenger", "Ali", "Dee", "Dee heeft een urgente casus"),
        ("skip", "timekeeper", "Bo", None, "ik kom later"),
    ]

    # cases prepared before the meeting: the group sees the titles and who, the question is the owner's
    dee_case = {"title": "Een lastige overdracht", "question": "Hoe zeg ik nee tegen mijn teamleider?"}
    eli_case = {"title": "Werkdruk in mijn team", "question": "Waar begin ik?"}
    assert dee.call("POST", f"/meetings/{first}/cases", dee_case).status == 201
    assert eli.call("POST", f"/meetings/{first}/cases", eli_case).status == 201
    dropped = eli.call("POST", f"/meetings/{first}/cases", {"title": "Toch niet", "question": "Weg ermee?"})
    assert dropped.status == 201
    assert eli.call("DELETE", f"/meetings/{first}/cases/{dropped.body['case']['id']}").status == 204
    seen = view(bo, first)["cases"]
    assert [(c["title"], c["name"]) for c in seen] == [(dee_case["title"], "Dee"), (eli_case["title"], "Eli")]
    assert all("question" not in c for c in seen)
    assert [c.get("question") for c in view(dee, first)["cases"]] == [dee_case["question"], None]

    # only the rota's facilitator or a begeleider starts; starting twice is the same room
    refused = ali.call("POST", f"/meetings/{first}/start", {})
    assert refused.status == 403 and refused.error == "not_allowed"
    started = bea.call("POST", f"/meetings/{first}/start", {})
    assert started.status == 201, started
    code = started.body["meeting"]["room"]
    again = bea.call("POST", f"/meetings/{first}/start", {})
    assert again.status == 200 and again.body["meeting"]["room"] == code
    late = bo.call("POST", f"/meetings/{first}/cases", {"title": "Te laat", "question": "Nu nog?"})
    assert late.status == 409 and late.error == "conflict"
    running = view(bea, first)["meeting"]
    for changed in (
        bea.call("PATCH", f"/meetings/{first}", {"version": running["version"], "minutes": 90}),
        bea.call("DELETE", f"/meetings/{first}"),
    ):
        assert (changed.status, changed.body["detail"]) == (409, UNDER_WAY), changed

    # members enter with their link, no code; entering twice is the same participant
    entries = {m.name: enter(m, first) for m in (bea, ali, bo, cas, dee)}
    assert enter(dee, first) == entries["Dee"]
    assert {e["code"] for e in entries.values()} == {code}
    assert entries["Bea"]["role"] == "facilitator" and entries["Dee"]["role"] == "participant"
    fac = await KringClient(ws_url(group_server)).resume(entries["Bea"]["token"])
    dee_ws = await KringClient(ws_url(group_server)).resume(entries["Dee"]["token"])
    guest = await KringClient(ws_url(group_server)).join(code.lower(), "Gast")  # the code still works
    try:
        # the prepared cases are in the case choice, proposed by their members; Eli is not here
        cases = {c["title"]: c for c in fac.state["cases"]}
        assert set(cases) == {dee_case["title"]}
        assert cases[dee_case["title"]]["proposer"] == entries["Dee"]["participant"]
        assert cases[dee_case["title"]]["question"] == dee_case["question"]
        names = sorted(p["name"] for p in fac.state["participants"])
        assert names == ["Ali", "Bea", "Bo", "Cas", "Dee", "Gast"]  # nobody twice
        await fac.command("advance")
        await fac.command("advance", anyway=True)
        await fac.command("choose_case", case=cases[dee_case["title"]]["id"])
        await fac.command("end")
    finally:
        for client in (fac, dee_ws, guest):
            await client.close()

    held = view(ali, first)
    assert held["meeting"]["ended"] and held["meeting"]["started"] and held["meeting"]["room"] is None
    assert held["cases"] == []
    assert {(a["name"], a["role"]) for a in held["attendance"]} == {
        ("Bea", "facilitator"),
        ("Dee", "inbrenger"),
        ("Ali", "timekeeper"),
        ("Cas", "notes"),
        ("Bo", "participant"),
    }
    assert ali.call("POST", f"/meetings/{first}/enter").error == "conflict"  # held: no room any more
    dump = database.dump()
    for text in (*dee_case.values(), *eli_case.values(), "Weg ermee?"):
        assert text.encode() not in dump, text

    # after meeting 1 Dee writes what she will do, encrypted as her browser does it
    group_id = bea.group()["group"]["id"]
    plan = "Ik bespreek de overdracht met mijn teamleider, vóór de zomer."
    place = f"kring/action/v1|{group_id}|{dee.id}|{first}"
    assert dee.call("POST", f"/meetings/{first}/actions", dee.link.seal(plan, place)).status == 201

    # meetings two and three; meeting 2 opens with the terugblik, where only Dee gets her action
    bo_case = {"title": "Mijn eerste casus", "question": "Hoe bewaak ik mijn grens?"}
    assert bo.call("POST", f"/meetings/{second}/cases", bo_case).status == 201
    looked_back = dee.call("GET", f"/meetings/{second}/terugblik").body
    assert looked_back["meeting"]["id"] == first
    assert [dee.link.open(x, place) for x in looked_back["actions"]] == [plan]
    assert all(m.call("GET", f"/meetings/{second}/terugblik").body["actions"] == [] for m in (bea, ali, bo))
    await hold(bea, second, [ali, bo, cas, dee, eli], inbrenger=bo)
    three = view(cas, third)
    assert rota(three)[("facilitator", 1)] == "Bea"
    cas_case = {"title": "Een conflict", "question": "Wat is mijn aandeel?"}
    assert cas.call("POST", f"/meetings/{third}/cases", cas_case).status == 201
    await hold(bea, third, [bo, cas, eli], inbrenger=cas)

    ledger = {m: {(a["name"], a["role"]) for a in view(bea, m)["attendance"]} for m in (first, second, third)}
    assert ledger[second] == {
        ("Bea", "facilitator"),
        ("Bo", "inbrenger"),
        ("Ali", "timekeeper"),
        ("Dee", "notes"),
        ("Cas", "participant"),
        ("Eli", "participant"),
    }
    planned = {name: role for (role, _), name in rota(three).items() if role in ("timekeeper", "notes")}
    assert ledger[third] == {
        ("Bea", "facilitator"),
        ("Cas", "inbrenger"),  # the room says who brought the case
        *((name, planned.get(name, "participant")) for name in ("Bo", "Eli")),
    }
    assert all(view(bea, m)["meeting"]["ended"] for m in (first, second, third))
    dump = database.dump()
    for text in (*bo_case.values(), *cas_case.values(), plan):
        assert text.encode() not in dump, text

    # the ledger: three meetings, confirmed by the begeleider; each member's proof for the
    # year totals the minutes of the meetings they were at, in the role they had
    entries = [bea.call("GET", f"/ledger/{m}").body["entry"] for m in (first, second, third)]
    for entry in entries:
        confirmed = bea.call("POST", f"/ledger/{entry['meeting']}/confirm", {"version": entry["version"]})
        assert confirmed.status == 200, confirmed
    assert [e["group_size"] for e in entries] == [len(ledger[m]) for m in (first, second, third)]
    year = entries[0]["date"][:4]
    for who in (bea, ali, bo, cas, dee, eli):
        proof = who.call("GET", f"/proof?year={year}").body
        mine = {m: role for m in (first, second, third) for name, role in ledger[m] if name == who.name}
        assert {r["meeting"]: r["role"] for r in proof["meetings"]} == mine, who.name
        minutes = sum(e["minutes"] for e in entries if e["meeting"] in mine)
        assert proof["total"]["minutes"] == minutes and proof["total"]["hours"] == round(minutes / 60, 2)

    # "delete this group": nothing of it is left in the database
    hashes = [m.link.hash for m in (bea, ali, bo, cas, dee, eli)]
    assert bea.call("DELETE", "").status == 204
    assert ali.call("GET", "").error == "bad_link"
    dump = database.dump()
    for left in (group_id, "Intervisie Zes aan de Linge", *hashes):
        assert left.encode() not in dump, left


def test_two_people_editing_the_rota_at_once_one_wins_the_other_sees_it(group_server: str):
    bea, (ali, bo, cas, dee, eli) = six(group_server)
    first = meeting_ids(bea)[0]
    version = view(ali, first)["meeting"]["version"]
    bodies = [
        (ali, "swap", {"version": version, "role": "inbrenger", "with": eli.id, "reason": "Eli wil graag"}),
        (bo, "skip", {"version": version, "role": "timekeeper", "reason": "ziek"}),
    ]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda b: b[0].call("POST", f"/meetings/{first}/roles/{b[1]}", b[2]), bodies))
    assert sorted(a.status for a in answers) == [200, 409]
    lost = next(a for a in answers if a.status == 409)
    assert lost.error == "conflict" and lost.body["rota"]["meeting"]["version"] == version + 1
    after = view(cas, first)
    assert len(after["notes"]) == 1 and after["meeting"]["version"] == version + 1
    # the one who lost sends again on the new version
    kind, body = next((b[1], b[2]) for b, a in zip(bodies, answers, strict=True) if a.status == 409)
    who = ali if kind == "swap" else bo
    again = who.call("POST", f"/meetings/{first}/roles/{kind}", {**body, "version": version + 1})
    assert again.status == 200 and len(again.body["notes"]) == 2


def test_a_meeting_started_twice_at_once_has_one_room(group_server: str):
    bea, members = six(group_server)
    first = meeting_ids(bea)[0]
    co = bea.add("Cor", role="begeleider")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda m: m.call("POST", f"/meetings/{first}/start", {}), [bea, co, bea, co]))
    assert sorted(a.status for a in answers) == [200, 200, 200, 201], answers
    assert len({a.body["meeting"]["room"] for a in answers}) == 1
    # entering at once is one participant each
    with ThreadPoolExecutor(4) as pool:
        entered = list(pool.map(lambda m: enter(m, first), [members[0]] * 4))
    assert len({e["participant"] for e in entered}) == 1 and len({e["token"] for e in entered}) == 1


async def test_wrong_revoked_and_removed_links_cannot_enter(group_server: str):
    bea, (ali, bo, cas, dee, eli) = six(group_server)
    first = meeting_ids(bea)[0]
    early = ali.call("POST", f"/meetings/{first}/enter")
    assert early.status == 409 and early.error == "conflict"
    assert bea.call("POST", f"/meetings/{first}/start", {}).status == 201
    ali_entry = enter(ali, first)
    assert bea.call("DELETE", f"/members/{bo.id}").status == 204
    gone = bo.call("POST", f"/meetings/{first}/enter")
    assert gone.status == 401 and gone.error == "member_removed"
    group = bea.group()
    generation = next(m["generation"] for m in group["members"] if m["id"] == cas.id)
    from .grouplink import Link

    new = Link.new()
    assert bea.call("POST", f"/members/{cas.id}/link", {"token_hash": new.hash, "generation": generation}).status == 200
    old = cas.call("POST", f"/meetings/{first}/enter")
    assert old.status == 401 and old.error == "link_reissued"
    stranger = Member(group_server, "X", Link.new()).call("POST", f"/meetings/{first}/enter")
    assert stranger.status == 401 and stranger.error == "bad_link"
    other_group = create_group(group_server, "Andere groep", "Zoë")
    assert other_group.call("POST", f"/meetings/{first}/enter").error == "not_found"
    # removed from the room by its facilitator: told so, not let in again
    fac = await KringClient(ws_url(group_server)).resume(enter(bea, first)["token"])
    try:
        await fac.command("remove", participant=ali_entry["participant"])
    finally:
        await fac.close()
    removed = ali.call("POST", f"/meetings/{first}/enter")
    assert removed.status == 403 and removed.error == "not_allowed"
    # prepared cases: one's own only
    case = dee.call("POST", f"/meetings/{meeting_ids(bea)[1]}/cases", {"title": "T", "question": "Q?"})
    assert case.status == 201
    theirs = eli.call("DELETE", f"/meetings/{meeting_ids(bea)[1]}/cases/{case.body['case']['id']}")
    assert theirs.status == 403 and theirs.error == "not_allowed"


async def test_the_groups_call_link_opens_every_meeting_room_with_it(group_server: str):
    """Any member sets the link of the group's video call (an https address); a meeting's
    room opens with it, for the people online (docs/PROTOCOL.md §6.7)."""
    bea, (ali, *_) = six(group_server)
    url = "https://meet.jit.si/intervisie-zes"
    for bad, detail in [
        ("http://meet.jit.si/x", "the call link must start with https://"),
        ("https://ik:geheim@meet.jit.si/x", "the call link may not hold a user name or password"),
    ]:
        refused = ali.call("PATCH", "", {"call_link": bad})
        assert (refused.status, refused.body["detail"]) == (400, detail), refused
    assert ali.call("PATCH", "", {}).status == 400
    assert ali.call("PATCH", "", {"guided_meetings": 4}).status == 403  # the begeleider's alone
    assert ali.call("PATCH", "", {"call_link": url}).body["group"]["call_link"] == url
    assert bea.group()["group"] == {**bea.group()["group"], "call_link": url, "guided_meetings": 6}
    first = meeting_ids(bea)[0]
    started = bea.call("POST", f"/meetings/{first}/start", {})
    assert started.status == 201, started
    fac = await KringClient(ws_url(group_server)).resume(enter(bea, first)["token"])
    try:
        assert fac.state["call_link"] == url
    finally:
        await fac.close()
    assert bea.call("PATCH", "", {"call_link": None}).body["group"]["call_link"] is None
