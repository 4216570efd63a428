"""The attendance ledger through the real server, on SQLite and PostgreSQL: three held
meetings with their roles and durations, the facilitator's confirmation (refused for an
ordinary member, one of two at once), each member's proof for the year (JSON and CSV),
the begeleider's list, a removed member, the retention sweep, and "delete the group".

Where a test needs a meeting held on a given day (last year, five years ago), it sets the
times in the database directly and lets the ledger make its entry from them, as it does
for a meeting held before the ledger existed: no sleeping, no clocks."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.groups import retention
from server.groups.db import create_engine, database_url
from server.groups.store import CONFIRMED_STAYS, HELD_FIXED
from server.groups.tables import attendance, ledger, meetings, prepared_cases, revoked_links

from .conftest import Database
from .group_client import Member, create_group
from .test_groups_meetings import SERIES, hold, meeting_ids, view

#: Names no other test uses, so a grep of the (shared) database finds only this test's people.
NAMES = ("Anouk", "Bram", "Carlijn", "Daan", "Esther")


@contextlib.asynccontextmanager
async def opened(database: Database) -> AsyncIterator[AsyncEngine]:
    """The test's own connection to the server's database."""
    url = database.env.get("KRING_DATABASE_URL")
    engine = create_engine(database_url(url, database.path or "data"))
    try:
        yield engine
    finally:
        await engine.dispose()


def raw(member: Member, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET as the browser's fetch does it (the token in the header), the body as bytes."""
    req = urllib.request.Request(
        member.base + "/api/groups/mine" + path, headers={"Authorization": f"Bearer {member.link.token}"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel wants to read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def table(rows: list[list[str]], first: str) -> list[dict[str, str]]:
    """The rows under the header row that starts with `first`, as dicts."""
    at = next(i for i, r in enumerate(rows) if r[:1] == [first])
    return [dict(zip(rows[at], r, strict=True)) for r in rows[at + 1 :]]


def group(base: str, name: str, lead: str = "Bea", names: tuple[str, ...] = NAMES) -> tuple[Member, list[Member]]:
    bea = create_group(base, name, lead)
    people = [bea.add(n) for n in names]
    assert bea.call("POST", "/series", SERIES).status == 201
    return bea, people


def utc(day: date, hh: int, mm: int) -> datetime:
    """A local (Amsterdam) time on `day`, in UTC."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=retention.ZONE).astimezone(UTC)


async def held_at(engine: AsyncEngine, meeting: int, day: date, start: tuple[int, int], end: tuple[int, int]) -> None:
    """The meeting was held on `day` from `start` to `end`: its ledger entry is made again
    from these times on the next read."""
    async with engine.begin() as conn:
        await conn.execute(
            update(meetings)
            .where(meetings.c.id == meeting)
            .values(started_at=utc(day, *start), ended_at=utc(day, *end))
        )
        await conn.execute(delete(ledger).where(ledger.c.meeting_id == meeting))


def roles(entry: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["role"] for p in entry["present"]}


async def test_three_meetings_in_the_ledger_confirmed_and_proved(group_server: str, database: Database):
    bea, (anouk, bram, carlijn, daan, esther) = group(group_server, "Ledger Noord")
    first, second, third = meeting_ids(bea)
    # before it is held, a meeting has no entry
    early = anouk.call("GET", f"/ledger/{first}")
    assert (
        early.status == 409
        and early.error == "conflict"
        and early.body["detail"] == "this meeting has not been held yet"
    )

    plan = {m: {r["role"]: r["name"] for r in view(bea, m)["roles"]} for m in (first, second, third)}
    inbrenger = next(p for p in (anouk, bram, carlijn, daan, esther) if p.name == plan[first]["inbrenger"])
    assert inbrenger.call("POST", f"/meetings/{first}/cases", {"title": "T", "question": "V?"}).status == 201
    await hold(bea, first, [anouk, bram, carlijn, daan], inbrenger=inbrenger)
    await hold(bea, second, [anouk, bram, esther], inbrenger=None)
    await hold(bea, third, [bram, carlijn, daan, esther], inbrenger=None)

    # the entry is made when the meeting is held: its times, minutes, werkvorm, the number present
    entry = anouk.call("GET", f"/ledger/{first}").body["entry"]
    meeting = view(anouk, first)["meeting"]
    started, ended = (datetime.fromisoformat(meeting[k]) for k in ("started", "ended"))
    assert entry["minutes"] == round((ended - started).total_seconds() / 60)
    assert entry["date"] == started.astimezone(retention.ZONE).date().isoformat()
    assert entry["start"] == started.astimezone(retention.ZONE).strftime("%H:%M")
    assert entry["method"] == SERIES.get("method", "drie-rondes") and entry["method_name"]["nl"] == "Drie rondes"
    assert entry["group_size"] == 5 and entry["confirmed"] is None and entry["former"] == 0
    assert roles(entry) == {
        "Bea": "facilitator",
        plan[first]["inbrenger"]: "inbrenger",
        plan[first]["timekeeper"]: "timekeeper",
        plan[first]["notes"]: "notes",
        **{n: "participant" for n in ("Anouk", "Bram", "Carlijn", "Daan") if n not in plan[first].values()},
    }

    # the three were held last year, at these times (Amsterdam time; summer time in May)
    year = retention.today().year - 1
    days = {first: date(year, 3, 3), second: date(year, 4, 14), third: date(year, 5, 26)}
    times = {first: ((16, 0), (18, 0)), second: ((16, 5), (17, 20)), third: ((19, 30), (21, 15))}
    async with opened(database) as engine:
        for m in (first, second, third):
            await held_at(engine, m, days[m], *times[m])
        # a member-led meeting: in the third, Daan facilitated
        async with engine.begin() as conn:
            await conn.execute(update(attendance).where(attendance.c.meeting_id == third).values(role="participant"))
            await conn.execute(
                update(attendance)
                .where(attendance.c.meeting_id == third, attendance.c.member_id == daan.id)
                .values(role="facilitator")
            )

    listed = bea.call("GET", f"/ledger?year={year}")
    assert listed.status == 200, listed
    got = {e["meeting"]: e for e in listed.body["meetings"]}
    assert [e["meeting"] for e in listed.body["meetings"]] == [first, second, third]
    assert {m: (e["date"], e["start"], e["end"], e["minutes"]) for m, e in got.items()} == {
        first: (days[first].isoformat(), "16:00", "18:00", 120),
        second: (days[second].isoformat(), "16:05", "17:20", 75),
        third: (days[third].isoformat(), "19:30", "21:15", 105),
    }
    assert {m: e["group_size"] for m, e in got.items()} == {first: 5, second: 4, third: 5}
    assert set(roles(got[second])) == {"Bea", "Anouk", "Bram", "Esther"}

    # who may confirm what: the begeleider all three, Daan (who facilitated the third) that one
    assert [e["meeting"] for e in bea.call("GET", "/confirmations").body["entries"]] == [first, second, third]
    assert [e["meeting"] for e in daan.call("GET", "/confirmations").body["entries"]] == [third]
    assert anouk.call("GET", "/confirmations").body["entries"] == []

    # an ordinary member may not confirm, nor read the group's list
    refused = anouk.call("POST", f"/ledger/{first}/confirm", {"version": got[first]["version"]})
    assert refused.status == 403 and refused.error == "not_allowed"
    assert anouk.call("GET", f"/ledger?year={year}").status == 403
    assert raw(anouk, f"/ledger.csv?year={year}")[0] == 403

    # the begeleider confirms the first, correcting it: Esther joined with the code, as a guest
    corrected = [{"member": p["member"], "role": p["role"]} for p in got[first]["present"]]
    corrected.append({"member": esther.id, "role": "participant"})
    ok = bea.call("POST", f"/ledger/{first}/confirm", {"version": got[first]["version"], "present": corrected})
    assert ok.status == 200, ok
    assert ok.body["entry"]["confirmed"]["by"] == "Bea" and ok.body["entry"]["group_size"] == 6
    assert roles(ok.body["entry"])["Esther"] == "participant"
    # confirmed is final
    again = bea.call("POST", f"/ledger/{first}/confirm", {"version": ok.body["entry"]["version"]})
    assert again.status == 409 and again.body["entry"]["confirmed"]["by"] == "Bea"
    # and a held meeting stays as it happened: not edited, and once confirmed not deleted
    held_now = next(m for m in bea.group()["meetings"] if m["id"] == first)
    edit = bea.call("PATCH", f"/meetings/{first}", {"version": held_now["version"], "theme": "Achteraf anders"})
    assert (edit.status, edit.body["detail"]) == (409, HELD_FIXED) and edit.body["meeting"]["theme"] == held_now[
        "theme"
    ]
    gone = bea.call("DELETE", f"/meetings/{first}")
    assert (gone.status, gone.body["detail"]) == (409, CONFIRMED_STAYS)
    assert anouk.call("GET", f"/ledger/{first}").status == 200

    # two confirmations of the second at once: one wins, the other sees it confirmed
    co = bea.add("Coby", role="begeleider")
    body = {"version": got[second]["version"]}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda m: m.call("POST", f"/ledger/{second}/confirm", body), [bea, co]))
    assert sorted(a.status for a in answers) == [200, 409], answers
    lost = next(a for a in answers if a.status == 409)
    assert lost.error == "conflict" and lost.body["entry"]["meeting"] == second

    # the third's facilitator (a member) confirms it
    assert bram.call("POST", f"/ledger/{third}/confirm", {"version": got[third]["version"]}).status == 403
    by_daan = daan.call("POST", f"/ledger/{third}/confirm", {"version": got[third]["version"]})
    assert by_daan.status == 200 and by_daan.body["entry"]["confirmed"]["by"] == "Daan"

    assert bea.call("GET", "/confirmations").body["entries"] == []

    # each member's proof for the year totals their hours: JSON and CSV
    minutes = {first: 120, second: 75, third: 105}
    present = {m: set(roles(e)) for m, e in got.items()} | {first: set(roles(ok.body["entry"]))}
    for who in (bea, anouk, bram, carlijn, daan, esther):
        mine = [m for m in (first, second, third) if who.name in present[m]]
        proof = who.call("GET", f"/proof?year={year}")
        assert proof.status == 200, proof
        assert proof.body["me"]["name"] == who.name and proof.body["group"] == "Ledger Noord"
        assert [r["meeting"] for r in proof.body["meetings"]] == mine
        assert proof.body["total"]["minutes"] == sum(minutes[m] for m in mine)
        assert proof.body["total"]["hours"] == round(sum(minutes[m] for m in mine) / 60, 2)
        assert proof.body["unconfirmed"] == {"minutes": 0, "hours": 0, "meetings": 0}
        status, headers, body = raw(who, f"/proof.csv?year={year}")
        assert status == 200 and headers["content-type"].startswith("text/csv")
        assert "attachment" in headers["content-disposition"]
        rows = read_csv(body)
        assert rows[0] == ["Bewijs van deelname aan intervisie"]
        assert ["Deelnemer", who.name] in rows and ["Groep", "Ledger Noord"] in rows
        total = next(r for r in rows if r[:1] == ["Totaal bevestigde uren"])[1]
        assert float(total.replace(",", ".")) == round(sum(minutes[m] for m in mine) / 60, 2)
        lines = table(rows, "Datum")
        assert [int(r["Minuten"]) for r in lines] == [minutes[m] for m in mine]
        assert sum(int(r["Minuten"]) for r in lines) == proof.body["total"]["minutes"]
        assert all(r["Werkvorm"] == "Drie rondes" and r["Bevestigd door"] in ("Bea", "Coby", "Daan") for r in lines)
        assert {r["Groepsgrootte"] for r in lines} <= {"4", "5", "6"}
    # in English, with a decimal point
    rows = read_csv(raw(daan, f"/proof.csv?year={year}&lang=en")[2])
    assert next(r for r in rows if r[:1] == ["Total confirmed hours"])[1] == f"{(120 + 105) / 60:.2f}"
    # five years, or from and to, hold the same meetings; this year none of them
    assert daan.call("GET", f"/proof?year={year + 1}&years=5").body["total"]["minutes"] == 225
    window = daan.call("GET", f"/proof?from={year}-05-01&to={year}-05-31").body
    assert [r["meeting"] for r in window["meetings"]] == [third] and window["total"]["minutes"] == 105
    assert daan.call("GET", "/proof").body["meetings"] == []

    # the begeleider's list as CSV: one row per person per meeting
    status, _, body = raw(bea, f"/ledger.csv?year={year}")
    assert status == 200
    lines = table(read_csv(body), "Datum")
    assert len(lines) == 6 + 4 + 5
    assert {(r["Aanwezig"], r["Rol"]) for r in lines if r["Datum"] == days[third].isoformat()} >= {
        ("Daan", "procesbegeleider")
    }

    # Carlijn is removed: her name is in no list made after, and nobody else's proof changes
    before = {who.name: who.call("GET", f"/proof?year={year}").body["total"] for who in (anouk, bram, daan)}
    assert bea.call("DELETE", f"/members/{carlijn.id}").status == 204
    after = bea.call("GET", f"/ledger?year={year}").body
    assert "Carlijn" not in json.dumps(after)
    assert "Carlijn" not in raw(bea, f"/ledger.csv?year={year}")[2].decode("utf-8-sig")
    assert {e["meeting"]: (e["group_size"], e["former"]) for e in after["meetings"]} == {
        first: (6, 1),
        second: (4, 0),
        third: (5, 1),
    }
    assert {who.name: who.call("GET", f"/proof?year={year}").body["total"] for who in (anouk, bram, daan)} == before
    assert b"Carlijn" not in database.dump()

    # Daan confirmed the third; removed, the confirmation stays, the name goes
    assert bea.call("DELETE", f"/members/{daan.id}").status == 204
    third_now = next(e for e in bea.call("GET", f"/ledger?year={year}").body["meetings"] if e["meeting"] == third)
    assert third_now["confirmed"]["by"] is None and third_now["confirmed"]["at"]
    lines = table(read_csv(raw(bea, f"/ledger.csv?year={year}")[2]), "Datum")
    assert {r["Bevestigd door"] for r in lines if r["Datum"] == days[third].isoformat()} == {"oud-lid"}
    assert b"Daan" not in database.dump()

    # "delete the group": the database holds nothing of it
    group_id = bea.group()["group"]["id"]
    assert group_id.encode() in database.dump()
    assert bea.call("DELETE", "").status == 204
    dump = database.dump()
    for name in (group_id, "Ledger Noord", "Anouk", "Bram", "Esther", "Coby"):
        assert name.encode() not in dump, name
    async with opened(database) as engine, engine.connect() as conn:
        for m in (first, second, third):
            for tbl in (ledger, attendance, meetings):
                key = tbl.c.meeting_id if tbl is not meetings else tbl.c.id
                assert (await conn.execute(select(func.count()).select_from(tbl).where(key == m))).scalar_one() == 0


async def test_the_retention_sweep_erases_a_ledger_older_than_five_years(group_server: str, database: Database):
    bea, (anouk, bram, *_) = group(group_server, "Ledger Oud", names=("Fleur", "Gijs"))
    first, second, third = meeting_ids(bea)
    await hold(bea, first, [anouk, bram], inbrenger=None)
    await hold(bea, second, [anouk], inbrenger=None)
    today = retention.today()
    oldest_kept = retention.years_before(today, 5)
    async with opened(database) as engine:
        await held_at(engine, first, oldest_kept - timedelta(days=1), (16, 0), (18, 0))  # five years and a day
        await held_at(engine, second, oldest_kept, (16, 0), (17, 0))  # five years to the day: kept
    # reading the ledger sweeps the group first
    listed = bea.call("GET", f"/ledger?from={oldest_kept - timedelta(days=1)}&to={oldest_kept}")
    assert listed.status == 200, listed
    assert [e["meeting"] for e in listed.body["meetings"]] == [second]
    assert bea.call("GET", f"/meetings/{first}").status == 404  # the meeting and all of it
    async with opened(database) as engine:
        async with engine.connect() as conn:
            for tbl in (ledger, attendance):
                left = (await conn.execute(select(tbl.c.meeting_id).where(tbl.c.meeting_id == first))).all()
                assert left == []
        # the daily sweep, everywhere: the kept one goes a day later
        async with engine.begin() as conn:
            await conn.execute(
                update(ledger).where(ledger.c.meeting_id == second).values(held_on=oldest_kept - timedelta(days=1))
            )
            # a case for a meeting that was never held, eight days after its date; a link revoked a year ago
            await conn.execute(update(meetings).where(meetings.c.id == third).values(date=today - timedelta(days=8)))
            await conn.execute(
                insert(prepared_cases).values(
                    meeting_id=third, member_id=anouk.id, title="Oud", question="Nog?", created_at=utc(today, 9, 0)
                )
            )
            group_id = (await conn.execute(select(meetings.c.group_id).where(meetings.c.id == third))).scalar_one()
            await conn.execute(
                insert(revoked_links).values(
                    token_hash="x" * 43,
                    group_id=group_id,
                    reason="removed",
                    revoked_at=utc(today, 9, 0) - timedelta(days=366),
                )
            )
        swept = await retention.sweep_all(engine)
        assert swept.meetings >= 1 and swept.cases >= 1 and swept.links >= 1
        async with engine.connect() as conn:
            assert (await conn.execute(select(meetings.c.id).where(meetings.c.id == second))).first() is None
            assert (await conn.execute(select(meetings.c.id).where(meetings.c.id == third))).first() is not None
            assert (
                await conn.execute(select(prepared_cases.c.id).where(prepared_cases.c.meeting_id == third))
            ).first() is None
            assert (
                await conn.execute(text("SELECT count(*) FROM revoked_links WHERE token_hash = :h"), {"h": "x" * 43})
            ).scalar_one() == 0


def test_bad_input_to_the_ledger_gets_clear_answers(group_server: str):
    bea, (anouk, *_) = group(group_server, "Ledger Fout", names=("Kees",))
    first = meeting_ids(bea)[0]
    for query, detail in (
        ("?year=abc", "'year' must be a year from 2000 to 2100"),
        ("?year=1999", "'year' must be a year from 2000 to 2100"),
        ("?year=2026&years=6", "'years' must be a whole number from 1 to 5"),
        ("?from=2026-01-01", "'from' and 'to' go together"),
        ("?from=2026-02-01&to=2026-01-01", "'to' is before 'from'"),
        ("?from=2020-01-01&to=2026-01-01", "a period is at most five years"),
        ("?from=2026-1-1&to=2026-02-01", "'from' must be a date as YYYY-MM-DD"),
        ("?year=2026&from=2026-01-01&to=2026-02-01", "give either 'year' (and 'years') or 'from' and 'to', not both"),
        ("?jaar=2026", "unexpected query parameter 'jaar'"),
    ):
        answer = anouk.call("GET", f"/proof{query}")
        assert answer.status == 400 and answer.error == "invalid_field" and answer.body["detail"] == detail, query
    assert raw(anouk, "/proof.csv?lang=fr")[0] == 400
    assert anouk.call("GET", "/ledger/999999").status == 404
    assert anouk.call("GET", "/ledger/abc").status == 400
    not_held = bea.call("POST", f"/ledger/{first}/confirm", {"version": 1})
    assert not_held.status == 409 and not_held.error == "conflict"
    for body, detail in (
        ({}, "'version' is missing"),
        ({"version": 1, "present": []}, "'present' must be a list of 1 to 30 people"),
        ({"version": 1, "present": [{"member": 1}]}, "each of 'present' must be an object with 'member' and 'role'"),
        ({"version": 1, "present": [{"member": 1, "role": "chef"}]}, None),
        ({"version": 1, "present": [{"member": 1, "role": "participant"}] * 2}, "'present' names a member twice"),
        ({"version": 1, "extra": 1}, "unexpected field 'extra'"),
    ):
        answer = bea.call("POST", f"/ledger/{first}/confirm", body)
        assert answer.status == 400 and answer.error == "invalid_field", body
        assert detail is None or answer.body["detail"] == detail
    stranger = Member(bea.base, "X", anouk.link.__class__.new())
    wrong = stranger.call("GET", "/proof")
    assert wrong.status == 401 and wrong.error == "bad_link"
