"""The attendance ledger's pages in real Chromium: the begeleider confirms a held meeting on
the group page ("Aanwezigheid en bewijs", with "Wat we bewaren" under it); a member opens
their proof (/groep/bewijs#S), picks five years, sees the total of the confirmed hours and
the unconfirmed one apart, prints it (print media: no buttons, no page chrome) and
downloads the CSV (fetched with the token in a header, saved from a Blob); the member gets
a plain answer on the attendance list, the begeleider sees and prints it. axe finds
nothing serious or critical at 1280x800 and 390x844; no request holds the link's secret
or token in its URL. Screenshots go to test-artifacts/ledger/.

Two meetings are made "held" by writing their times and attendance in the SQLite file
directly (the websocket side of a meeting is tested in test_groups_meetings.py); the
ledger makes their entries from that on its next read."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, expect

from server.groups import ledger, retention

from .browser import (  # noqa: F401 (the fixture `browser`)
    LAPTOP,
    PHONE,
    ROOT,
    Person,
    T,
    browser_fixture,
    clean_artifacts,
    open_person,
)
from .group_client import Member, create_group
from .servers import running_server
from .test_groups_meetings import SERIES, meeting_ids

SHOTS = ROOT / "test-artifacts" / "ledger"
#: the member asking for the begeleider's list is refused on purpose (403)
EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of 403 ")


def _stamp(moment: datetime) -> str:
    """As SQLAlchemy writes a DateTime into SQLite: UTC, without a zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def held(db: Path, meeting: int, day_back: int, start: tuple[int, int], minutes: int, present: dict[int, str]) -> None:
    today = retention.today() - timedelta(days=day_back)
    started = datetime(today.year, today.month, today.day, *start, tzinfo=retention.ZONE)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE meetings SET started_at = ?, ended_at = ? WHERE id = ?",
            (_stamp(started), _stamp(started + timedelta(minutes=minutes)), meeting),
        )
        conn.executemany(
            "INSERT INTO attendance (meeting_id, member_id, role) VALUES (?, ?, ?)",
            [(meeting, who, role) for who, role in present.items()],
        )


class Look:
    def __init__(self) -> None:
        self.axe: dict[str, list[str]] = {}
        self.shots: list[str] = []

    def __call__(self, person: Person, step: str, sizes: tuple[str, ...] = ("laptop", "phone")) -> None:
        page = person.page
        for size in sizes:
            page.set_viewport_size(LAPTOP if size == "laptop" else PHONE)
            found = person.axe()
            if found:
                self.axe[f"{step}/{size}"] = found
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (step, size)
            path = SHOTS / f"{step}--{person.label}-{size}.png"
            page.screenshot(path=str(path), full_page=True)
            self.shots.append(path.name)
        page.set_viewport_size(LAPTOP)
        assert person.missing_strings() == [], step

    def printed(self, person: Person, step: str) -> None:
        page = person.page
        page.emulate_media(media="print")
        try:
            expect(page.locator(".ledger-actions")).to_be_hidden()
            expect(page.locator(".period-form")).to_be_hidden()
            expect(page.locator("header.topbar")).to_be_hidden()
            path = SHOTS / f"{step}--{person.label}-print.png"
            page.screenshot(path=str(path), full_page=True)
            self.shots.append(path.name)
        finally:
            page.emulate_media(media="screen")


def test_the_proof_and_the_attendance_list_in_the_browser(browser: Browser, tmp_path: Path) -> None:
    clean_artifacts(SHOTS)
    data = tmp_path / "data"
    look = Look()
    people: list[Person] = []
    urls: list[str] = []
    try:
        with running_server({"KRING_DATA_DIR": str(data)}) as base:
            _story(browser, base, data / "kring.sqlite3", look, people, urls)
    finally:
        (SHOTS / "report.json").write_text(json.dumps({"axe": look.axe, "shots": look.shots}, indent=2))
        problems = {p.label: [x for x in p.problems if not EXPECTED.search(x)] for p in people}
        for person in people:
            person.context.close()
    assert look.axe == {}, json.dumps(look.axe, indent=2, ensure_ascii=False)
    assert {k: v for k, v in problems.items() if v} == {}


def _story(browser: Browser, base: str, db: Path, look: Look, people: list[Person], urls: list[str]) -> None:
    bea = create_group(base, "Intervisie Zuid", "Bea")
    anouk, bram, carlijn = (bea.add(n) for n in ("Anouk", "Bram", "Carlijn"))
    assert bea.call("POST", "/series", SERIES).status == 201
    first, second, _ = meeting_ids(bea)
    held(db, first, 40, (16, 0), 120, {bea.id: "facilitator", anouk.id: "inbrenger", bram.id: "participant"})
    held(db, second, 12, (16, 15), 75, {bea.id: "facilitator", anouk.id: "participant", carlijn.id: "timekeeper"})

    def open_(label: str, member: Member, path: str) -> Person:
        person = open_person(browser, label, f"{base}{path}#{member.link.fragment}")
        person.page.on("request", lambda req: urls.append(req.url))
        people.append(person)
        return person

    # the begeleider confirms the first meeting on the group page
    lead = open_("bea", bea, "/groep")
    page = lead.page
    expect(page.locator("#ledger-title")).to_have_text(T("ledger.title"))
    expect(page.locator(".confirm-item")).to_have_count(2)
    expect(page.locator("#keeps-title")).to_have_text(T("retention.title"))
    expect(page.locator(".keeps")).to_contain_text("vijf jaar")
    look(lead, "1-group-page-to-confirm")
    page.locator(".confirm-item").first.get_by_role("button", name=re.compile("bevestigen")).click()
    expect(page.locator(".ledger .done")).to_contain_text("is bevestigd")
    expect(page.locator(".confirm-item")).to_have_count(1)
    look(lead, "2-group-page-confirmed", ("laptop",))
    # correcting the other first: a role for each member, any the ledger knows (not confirmed here)
    item = page.locator(".confirm-item").first
    item.get_by_text(T("ledger.correct"), exact=True).click()
    options = item.locator(".correct-row select").first.locator("option")
    expect(options).to_have_count(len(ledger.ROLES))
    expect(options.last).to_have_text(T(f"ledger.roles.{ledger.ROLES[-1]}"))

    # Anouk's proof: five years; one confirmed meeting counted, one listed apart
    member = open_("anouk", anouk, "/groep/bewijs")
    page = member.page
    expect(page.locator("h1")).to_have_text(T("ledger.page.proof_title"))
    page.locator("#period").select_option("five")
    page.get_by_role("button", name=T("ledger.page.show")).click()
    expect(page.locator(".ledger-table tbody tr")).to_have_count(2)
    expect(page.locator(".proof-facts")).to_contain_text("Anouk")
    expect(page.locator(".total")).to_contain_text("2,00 uur (120 minuten), in 1 bijeenkomst")
    expect(page.locator(".open")).to_contain_text("1,25 uur")
    expect(page.locator(".ledger-table")).to_contain_text(T("ledger.page.unconfirmed"))
    look(member, "3-proof")
    look.printed(member, "3-proof")

    with page.expect_download() as download:
        page.get_by_role("button", name=T("ledger.page.csv")).click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert ["Deelnemer", "Anouk"] in rows
    assert next(r for r in rows if r[:1] == ["Totaal bevestigde uren"])[1] == "2,00"

    # the attendance list: a plain answer for a member, the list for the begeleider
    member.page.goto(f"{base}/groep/presentielijst#{anouk.link.fragment}")
    expect(member.page.locator(".ledger-page")).to_contain_text(T("ledger.page.only_lead"))
    look(member, "4-list-refused", ("laptop",))
    page = lead.page
    page.goto(f"{base}/groep/presentielijst#{bea.link.fragment}")
    page.locator("#period").select_option("five")
    page.get_by_role("button", name=T("ledger.page.show")).click()
    expect(page.locator(".ledger-table tbody tr")).to_have_count(2)
    expect(page.locator(".ledger-table")).to_contain_text("Carlijn (tijdbewaker)")
    expect(page.locator(".signature")).to_be_visible()
    look(lead, "5-attendance-list")
    look.printed(lead, "5-attendance-list")

    # no URL any page asked for holds a secret or a token
    for who in (bea, anouk):
        for url in urls:
            path = url.split("#", 1)[0]
            assert who.link.token not in path and who.link.fragment not in path, url
