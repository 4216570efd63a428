"""A group's meeting at the edges: the database away while a meeting runs and ends (the
group records it once it is back, nothing lost or doubled), two processes on one Redis
(the meeting is recorded once), and the rota's rules on their own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from client import KringClient
from server.groups import rota

from .group_client import Member, create_group
from .logged_server import logged_server
from .postgres import running_postgres
from .servers import running_servers
from .session import ws_url
from .test_groups_meetings import SERIES, enter, meeting_ids, view


async def test_the_database_away_while_a_meeting_runs_and_ends(tmp_path):
    log = tmp_path / "server.log"
    with running_postgres() as pg, logged_server(log, {"KRING_DATABASE_URL": (url := pg.create_database())}) as server:
        bea = create_group(server.base, "Groep", "Bea")
        ali, bo = bea.add("Ali"), bea.add("Bo")
        assert bea.call("POST", "/series", SERIES).status == 201
        first, second, _ = meeting_ids(bea)
        assert (
            ali.call("POST", f"/meetings/{first}/cases", {"title": "Mijn casus", "question": "Wat nu?"}).status == 201
        )
        assert bea.call("POST", f"/meetings/{first}/start", {}).status == 201
        fac_entry, ali_entry = enter(bea, first), enter(ali, first)
        version = view(bo, first)["meeting"]["version"]
        fac = await KringClient(ws_url(server.base)).resume(fac_entry["token"])
        try:
            assert {c["proposer"] for c in fac.state["cases"]} == {ali_entry["participant"]}
            pg.stop()
            for answer in (
                bo.call("GET", f"/meetings/{first}"),
                bo.call("POST", f"/meetings/{first}/enter"),
                bo.call("POST", f"/meetings/{first}/roles/skip", {"version": version, "role": "notes", "reason": "x"}),
                bea.call("POST", f"/meetings/{second}/start", {}),
                ali.call("POST", f"/meetings/{second}/cases", {"title": "T", "question": "Q"}),
            ):
                assert answer.status == 503 and answer.error == "unavailable", answer
            # the room goes on without the database, and ends
            await fac.command("advance")
            await fac.command("end")
        finally:
            await fac.close()
        pg.start()
        # the next look at the group finds the room gone and records the meeting, once
        with ThreadPoolExecutor(3) as pool:
            groups = list(pool.map(lambda m: m.group(), [bea, ali, bo]))
        assert all(g["meetings"][0]["ended"] for g in groups)
        held = view(bo, first)
        assert {(a["name"], a["role"]) for a in held["attendance"]} == {("Bea", "facilitator"), ("Ali", "inbrenger")}
        assert held["cases"] == [] and held["meeting"]["room"] is None
        dump = pg.dump(url.rsplit("/", 1)[1])
        assert "Mijn casus" not in dump and "Wat nu?" not in dump
        # nothing of the second meeting was started while the database was away
        assert view(bea, second)["meeting"]["room"] is None
        assert bea.call("POST", f"/meetings/{second}/start", {}).status == 201
    assert "the groups' database failed" in log.read_text()


async def test_two_processes_on_one_redis_record_a_meeting_once(redis_server, postgres):
    env = {"KRING_REDIS_URL": redis_server.url, "KRING_DATABASE_URL": postgres.create_database()}
    with running_servers(2, env) as (one, two):
        bea = create_group(one.base, "Groep", "Bea")
        ali = bea.add("Ali")
        ali_there = Member(two.base, "Ali", ali.link, ali.id)
        bea_there = Member(two.base, "Bea", bea.link, bea.id)
        assert bea.call("POST", "/series", SERIES).status == 201
        first = meeting_ids(bea)[0]
        assert ali.call("POST", f"/meetings/{first}/cases", {"title": "Casus", "question": "Vraag?"}).status == 201
        # two starts at once, one on each process: one room
        with ThreadPoolExecutor(2) as pool:
            started = list(pool.map(lambda m: m.call("POST", f"/meetings/{first}/start", {}), [bea, bea_there]))
        assert sorted(a.status for a in started) == [200, 201]
        assert len({a.body["meeting"]["room"] for a in started}) == 1
        entries = [enter(bea_there, first), enter(ali, first), enter(ali_there, first)]
        assert entries[1] == entries[2]  # through either process, the same participant
        fac = await KringClient(ws_url(two.base)).resume(entries[0]["token"])
        watcher = await KringClient(ws_url(one.base)).resume(entries[1]["token"])
        try:
            await fac.command("advance")
            await fac.command("advance", anyway=True)
            case = next(c for c in fac.state["cases"] if c["proposer"] == entries[1]["participant"])
            await fac.command("choose_case", case=case["id"])
            await fac.command("end")
        finally:
            await fac.close()
            await watcher.close()
        with ThreadPoolExecutor(2) as pool:
            views = list(pool.map(lambda m: view(m, first), [bea, ali_there]))
        for held in views:
            assert [(a["name"], a["role"]) for a in held["attendance"]] == [
                ("Bea", "facilitator"),
                ("Ali", "inbrenger"),
            ]
            assert held["meeting"]["ended"] and held["cases"] == []


def _people(n: int, begeleiders: int = 1, attended: set[int] = frozenset()) -> list[rota.Candidate]:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    return [
        rota.Candidate(i, "begeleider" if i <= begeleiders else "member", start + timedelta(days=i), i in attended)
        for i in range(1, n + 1)
    ]


def test_the_begeleider_leads_the_guided_meetings_then_members_who_attended_take_turns():
    people = _people(6, attended={3, 4})
    guided = rota.propose(3, 4, 120, people, {}, {}, {})
    assert guided[("facilitator", 1)] == 1
    after = rota.propose(4, 4, 120, people, {}, {}, {})
    assert after[("facilitator", 1)] == 3  # member 2 never attended: no newcomer leads first
    done = {(3, "facilitator"): date(2027, 2, 1)}
    assert rota.propose(5, 4, 120, people, done, {}, {})[("facilitator", 1)] == 4
    # nobody attended yet after the guided meetings: the begeleider still leads
    assert rota.propose(6, 4, 120, _people(6), {}, {}, {})[("facilitator", 1)] == 1


def test_each_role_goes_to_who_had_it_least_recently_one_role_each():
    people = _people(6)
    done = {(2, "inbrenger"): date(2027, 3, 1), (3, "inbrenger"): date(2027, 2, 1)}
    proposal = rota.propose(0, 6, 150, people, done, {}, {})  # 150 minutes: two inbrengers
    assert proposal[("inbrenger", 1)] == 4 and proposal[("inbrenger", 2)] == 5  # never before
    assert proposal[("timekeeper", 1)] == 2 and proposal[("notes", 1)] == 3
    assert len(set(proposal.values())) == len(proposal)
    # skipped members are not proposed again for that role; kept slots stay
    again = rota.propose(0, 6, 150, people, done, {("inbrenger", 1): 6}, {"timekeeper": {2}})
    assert again[("inbrenger", 1)] == 6 and again[("timekeeper", 1)] == 3
    # a small group: the optional notes role stays empty
    small = rota.propose(0, 6, 120, _people(3), {}, {}, {})
    assert ("notes", 1) not in small and len(small) == 3
