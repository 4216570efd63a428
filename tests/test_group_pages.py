"""The group pages in real Chromium (issue 14): the begeleider creates a group from a
series template on /groep/nieuw and shares a member's link (copy and QR code); the member
opens it in a browser context of their own and sees "Mijn groepen" and the schedule; the
begeleider re-issues that link (the page says what that means) and the old link gets the
clear page; an edit that crosses another gets the current meeting shown and is applied
again. Throughout, no request the pages send holds a link's secret or token in its URL or
body, and neither does the server's log; axe finds nothing serious on any group page, at
1280x800 and 390x844. Screenshots (full pages) go to test-artifacts/groups/."""

from __future__ import annotations

import base64
import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from .browser import (  # noqa: F401 (the fixture `browser`)
    ROOT,
    Person,
    T,
    browser_fixture,
    open_person,
)
from .group_client import Member, create_group
from .grouplink import Link
from .logged_server import logged_server
from .postgres import running_postgres
from .servers import running_server
from .test_groups_privacy import traces

SHOTS = ROOT / "test-artifacts" / "groups"
#: the refusals the story provokes on purpose (a name taken, an edit that crossed another, an
#: old link), which Chromium reports on the console as failed loads
EXPECTED = re.compile(r"Failed to load resource: the server responded with a status of (401|409) ")
SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module", autouse=True)
def _clean_shots() -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)


class Watched:
    """What the pages sent: every request's URL and body, per person."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes]] = []

    def watch(self, person: Person) -> None:
        def seen(req: Request) -> None:
            self.sent.append((person.label, req.url, req.post_data_buffer or b""))

        person.page.on("request", seen)


class Checks:
    """At each step: both sizes, axe, no sideways scrolling, and screenshots."""

    def __init__(self) -> None:
        self.axe: dict[str, list[str]] = {}
        self.layout: dict[str, str] = {}
        self.shots: list[str] = []

    def look(self, person: Person, step: str) -> None:
        page = person.page
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            violations = person.axe()
            if violations:
                self.axe[f"{step}/{person.label}/{size}"] = violations
            if not page.evaluate("document.documentElement.scrollWidth <= innerWidth"):
                self.layout[f"{step}/{person.label}/{size}"] = "scrolls sideways"
            path = SHOTS / f"{step}--{person.label}-{size}.png"
            page.screenshot(path=str(path), full_page=True)
            self.shots.append(path.name)
        page.set_viewport_size(SIZES["laptop"])
        assert person.missing_strings() == [], (person.label, step)


def secret_of(link: str) -> str:
    assert re.match(r"^http://127\.0\.0\.1:\d+/groep#[A-Za-z0-9_-]{43}$", link), link
    return link.split("#", 1)[1]


def link_of(secret: str) -> Link:
    return Link(base64.urlsafe_b64decode(secret + "="))


def kept_links(page: Page) -> list[dict]:
    return json.loads(page.evaluate("localStorage.getItem('kring:groups') || '[]'"))


def member_row(page: Page, name: str):
    return page.locator(".members li.person").filter(has=page.locator(".person-name", has_text=re.compile(f"^{name}$")))


def test_a_group_from_a_template_its_links_and_a_reissued_link(browser: Browser, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    watched = Watched()
    checks = Checks()
    people: list[Person] = []
    links: list[str] = []
    try:
        with logged_server(log, {"KRING_DATA_DIR": str(tmp_path / "data")}) as server:
            _story(browser, server.base, watched, checks, people, links)
    finally:
        problems = {p.label: [x for x in p.problems if not EXPECTED.search(x)] for p in people}
        problems = {k: v for k, v in problems.items() if v}
        report = {"axe": checks.axe, "layout": checks.layout, "shots": checks.shots}
        (SHOTS / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        for person in people:
            person.context.close()
    assert checks.axe == {}, json.dumps(checks.axe, indent=2, ensure_ascii=False)
    assert checks.layout == {}, checks.layout
    assert problems == {}, problems
    # no secret and no token in any request the pages sent (URL or body), nor in the log
    assert len(links) >= 3
    secrets = [secret_of(link) for link in links]
    tokens = [link_of(s).token for s in secrets]
    for label, url, body in watched.sent:
        for value in [*secrets, *tokens]:
            assert value not in url and value.encode() not in body, (label, url)
    logged = log.read_bytes()
    assert b"/api/groups/mine" in logged  # the access log was on
    for secret in secrets:
        for trace in traces(link_of(secret)):
            assert trace not in logged


def _story(browser: Browser, base: str, watched: Watched, checks: Checks, people: list[Person], links: list[str]):
    # -- the begeleider creates a group from the start page ---------------------------------
    bea = open_person(browser, "begeleider", base + "/")
    people.append(bea)
    watched.watch(bea)
    page = bea.page
    page.get_by_role("link", name=T("start.group_new")).click()
    expect(page).to_have_url(re.compile(r"/groep/nieuw$"))
    expect(page.locator("h1")).to_have_text(T("group.create.title"))
    checks.look(bea, "01-create")

    # every error next to its field: nothing filled in, and a count out of range
    page.fill("#series-count", "0")
    page.get_by_role("button", name=T("group.create.submit")).click()
    expect(page.locator("#group-name-error")).to_have_text(T("group.check.required"))
    expect(page.locator("#lead-name-error")).to_have_text(T("group.check.required"))
    expect(page.locator("#series-count-error")).to_contain_text("1")
    expect(page.locator("#group-name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#group-name")).to_be_focused()
    checks.look(bea, "02-create-errors")

    first = date.today() + timedelta(days=1)
    page.fill("#group-name", "Intervisie Zuid")
    page.fill("#lead-name", "Bea")
    page.fill("#series-from", first.isoformat())
    page.select_option("#series-weekday", "thursday")
    page.fill("#series-time", "16:30")
    page.fill("#series-every", "6")
    page.fill("#series-count", "4")
    page.fill("#series-minutes", "150")
    page.select_option("#series-method", "incidentmethode")
    page.get_by_role("button", name=T("group.create.submit")).click()
    expect(page).to_have_url(re.compile(r"/groep#[A-Za-z0-9_-]{43}$"))
    links.append(page.url)
    expect(page.locator("#group-name")).to_have_text("Intervisie Zuid")
    expect(page.locator(".meeting-list > li.meeting")).to_have_count(4)
    expect(page.locator(".next-meeting")).to_contain_text("16:30–19:00 (150 min)")
    expect(page.locator(".next-meeting [data-meeting]")).to_be_visible()
    # the begeleider's own link is kept on this device, and "Mijn groepen" lists the group
    kept = kept_links(page)
    mine = [(g["name"], g["role"], g["secret"]) for g in kept]
    assert mine == [("Intervisie Zuid", "begeleider", secret_of(links[0]))]
    expect(page.locator(".my-groups")).to_contain_text("Intervisie Zuid")

    # the draagvlakmodel cycle as a second series, a year on
    page.get_by_text(T("group.series.add"), exact=True).click()
    page.locator("#add-series-kind-cycle").check()
    expect(page.locator(".cycle-preview li")).to_have_count(5)
    page.fill("#add-series-from", (first + timedelta(days=400)).isoformat())
    page.get_by_role("button", name=T("group.series.add_submit")).click()
    expect(page.locator(".notice")).to_have_text(T("group.series.added_other", count=5))
    expect(page.locator(".meeting-list > li.meeting")).to_have_count(9)
    checks.look(bea, "03-group-begeleider")

    # -- a member is added; their link is shown once, with a QR code ------------------------
    page.fill("#member-name", "Ali")
    page.get_by_role("button", name=T("group.members.add_submit")).click()
    expect(page.locator("#share-title")).to_have_text(T("group.share.title", name="Ali"))
    expect(page.locator("#share-title")).to_be_focused()
    ali_link = page.locator("#share-link").input_value()
    links.append(ali_link)
    secret_of(ali_link)
    expect(page.locator("svg.link-qr path")).to_have_attribute("d", re.compile(r"^M\d"))
    page.get_by_role("button", name=T("group.share.copy")).click()
    expect(page.locator(".share-link [role=status]")).not_to_be_empty()
    checks.look(bea, "04-share-link")
    page.get_by_role("button", name=T("group.share.done")).click()
    expect(page.locator("#share-link")).to_have_count(0)
    expect(member_row(page, "Ali")).to_be_visible()
    # a name already in the group: said next to the field
    page.fill("#member-name", "ali")
    page.get_by_role("button", name=T("group.members.add_submit")).click()
    expect(page.locator("#member-name-error")).to_have_text(T("group.errors.name_taken"))

    # -- the member opens their link on a device of their own -------------------------------
    ali = open_person(browser, "lid", base + "/")
    people.append(ali)
    watched.watch(ali)
    mp = ali.page
    mp.goto(ali_link)
    expect(mp.locator("#group-name")).to_have_text("Intervisie Zuid")
    expect(mp.locator(".group-head .lead")).to_have_text(T("group.you_member", name="Ali"))
    expect(mp.locator(".my-groups")).to_contain_text(T("group.mine.title"))
    expect(mp.locator(".my-groups a", has_text="Intervisie Zuid")).to_have_attribute("aria-current", "page")
    expect(mp.locator(".meeting-list > li.meeting")).to_have_count(9)
    expect(mp.locator(".next-meeting")).to_contain_text("16:30–19:00")
    expect(mp.locator(".keeps")).to_contain_text(T("retention.never.2"))
    # a member reads; only a begeleider changes anything
    expect(mp.get_by_role("button", name=T("group.meeting.edit"))).to_have_count(0)
    expect(mp.locator("#add-member")).to_have_count(0)
    checks.look(ali, "05-group-member")
    # the start page lists the group too
    mp.goto(base + "/")
    expect(mp.locator("#start-group-list a", has_text="Intervisie Zuid")).to_be_visible()
    mp.goto(ali_link)
    expect(mp.locator("#group-name")).to_have_text("Intervisie Zuid")

    # -- an edit that crosses another: the current meeting shown, the change applied again --
    bea_api = Member(base, "Bea", link_of(secret_of(links[0])))
    target = page.locator(".meeting-list > li.meeting").first
    meeting_id = target.get_attribute("data-meeting")
    target.get_by_role("button", name=T("group.meeting.edit")).click()
    page.fill(f"#edit-{meeting_id}-theme", "Grenzen stellen")
    current = bea_api.group()["meetings"]
    version = next(m["version"] for m in current if str(m["id"]) == meeting_id)
    other = bea_api.call("PATCH", f"/meetings/{meeting_id}", {"version": version, "start": "17:00"})
    assert other.status == 200, other
    page.get_by_role("button", name=T("group.meeting.save")).click()
    row = f"li.meeting[data-meeting='{meeting_id}']"
    conflict = page.locator(f"{row} .conflict")
    expect(conflict).to_contain_text(T("group.conflict.title"))
    expect(conflict).to_contain_text("17:00")  # the meeting as it is now
    checks.look(bea, "06-conflict")
    conflict.get_by_role("button", name=T("group.conflict.apply")).click()
    expect(page.locator(".notice")).to_contain_text(T("group.meeting.saved", date="").split(" ")[0])
    expect(page.locator(f"{row} .meeting-theme")).to_have_text("Grenzen stellen")
    expect(page.locator(f"{row} .meeting-time")).to_contain_text("17:00")
    expect(page.locator(f"{row} .conflict")).to_have_count(0)

    # -- the begeleider re-issues the member's link -----------------------------------------
    member_row(page, "Ali").get_by_role("button", name=T("group.members.reissue_label", name="Ali")).click()
    warning = member_row(page, "Ali").locator(".confirm")
    expect(warning).to_contain_text(T("group.members.reissue_warning", name="Ali"))
    expect(warning).to_contain_text(T("group.members.reissue_actions", name="Ali"))
    checks.look(bea, "07-reissue-warning")
    warning.get_by_role("button", name=T("group.members.reissue_yes")).click()
    expect(page.locator("#share-title")).to_have_text(T("group.share.title", name="Ali"))
    new_link = page.locator("#share-link").input_value()
    assert new_link != ali_link
    links.append(new_link)
    page.get_by_role("button", name=T("group.share.done")).click()

    # the old link gets the clear page
    mp.reload()
    expect(mp.locator("h1")).to_have_text(T("group.broken.title"))
    clear = "Deze link werkt niet meer. Vraag je begeleider om een nieuwe."
    expect(mp.locator(".link-broken .lead")).to_have_text(clear)
    expect(mp.locator(".link-broken")).to_contain_text(T("group.broken.link_reissued"))
    expect(mp.locator(".my-groups li.broken")).to_contain_text(T("group.mine.broken"))
    checks.look(ali, "08-old-link")
    # the new link works, and takes the old one's place in "Mijn groepen"
    mp.goto(new_link)
    expect(mp.locator("#group-name")).to_have_text("Intervisie Zuid")
    expect(mp.locator(".my-groups li")).to_have_count(1)
    assert [g["secret"] for g in kept_links(mp)] == [secret_of(new_link)]

    # -- a member removed: their link gets the clear page; they take it off their list -----
    page.fill("#member-name", "Cor")
    page.get_by_role("button", name=T("group.members.add_submit")).click()
    cor_link = page.locator("#share-link").input_value()
    links.append(cor_link)
    page.get_by_role("button", name=T("group.share.done")).click()
    cor = open_person(browser, "cor", base + "/")
    people.append(cor)
    watched.watch(cor)
    cor.page.goto(cor_link)
    expect(cor.page.locator("#group-name")).to_have_text("Intervisie Zuid")
    member_row(page, "Cor").get_by_role("button", name=T("group.members.remove_label", name="Cor")).click()
    removal = member_row(page, "Cor").locator(".confirm")
    expect(removal).to_contain_text(T("group.members.remove_warning", name="Cor"))
    removal.get_by_role("button", name=T("group.members.remove_yes")).click()
    expect(page.locator(".notice")).to_have_text(T("group.members.removed", name="Cor"))
    expect(member_row(page, "Cor")).to_have_count(0)
    cor.page.reload()
    expect(cor.page.locator(".link-broken")).to_contain_text(T("group.broken.member_removed"))
    cor.page.get_by_role("button", name=T("group.mine.forget_label", name="Intervisie Zuid")).click()
    expect(cor.page.locator(".my-groups")).to_contain_text(T("group.mine.none"))
    assert kept_links(cor.page) == []

    # -- a meeting deleted -------------------------------------------------------------------
    last = page.locator(".meeting-list > li.meeting").last
    last.get_by_role("button", name=T("group.meeting.delete")).click()
    last.get_by_role("button", name=T("group.meeting.delete_yes")).click()
    expect(page.locator(".meeting-list > li.meeting")).to_have_count(8)

    # -- one meeting added by hand, in the past: it goes under the earlier meetings --------
    page.get_by_text(T("group.meeting.add"), exact=True).click()
    earlier = (date.today() - timedelta(days=30)).isoformat()
    for attempt in range(2):
        page.fill("#new-meeting-date", earlier)
        page.fill("#new-meeting-start", "10:00")
        page.fill("#new-meeting-theme", "Terugblik")
        page.get_by_role("button", name=T("group.meeting.add_submit")).click()
        if attempt == 0:
            expect(page.locator("details.past summary")).to_have_text(T("group.schedule.past", n=1))
            page.get_by_text(T("group.meeting.add"), exact=True).click()
    # the same date and time again: refused, said next to the date
    expect(page.locator("#new-meeting-date-error")).to_be_visible()
    expect(page.locator("#new-meeting-date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("details.past li.meeting")).to_have_count(1)
    expect(page.locator(".next-meeting")).not_to_contain_text("Terugblik")

    # a link that was never issued gets the same clear page
    mp.goto(base + "/groep#" + Link.new().fragment)
    expect(mp.locator("h1")).to_have_text(T("group.broken.title"))
    expect(mp.locator(".link-broken")).to_contain_text(T("group.broken.bad_link"))

    # the pages in English too
    page.locator("#language button[data-lang='en']").click()
    expect(page.locator("#schedule-title")).to_have_text("Schedule")
    checks.look(bea, "09-group-begeleider-en")
    page.locator("#language button[data-lang='nl']").click()
    expect(page.locator("#schedule-title")).to_have_text(T("group.schedule.title"))


def test_the_database_gone_gets_a_clear_message_and_loses_nothing(browser: Browser, tmp_path: Path) -> None:
    checks = Checks()
    with running_postgres() as pg, running_server({"KRING_DATABASE_URL": pg.create_database()}) as base:
        bea_api = create_group(base, "Intervisie Oost", "Bea")
        bea = open_person(browser, "begeleider-db", f"{base}/groep#{bea_api.link.fragment}")
        try:
            page = bea.page
            expect(page.locator("#group-name")).to_have_text("Intervisie Oost")
            pg.stop()
            # a change while it is gone: said under the form, and the name stays typed in
            page.fill("#member-name", "Dirk")
            page.get_by_role("button", name=T("group.members.add_submit")).click()
            expect(page.locator("#add-member-error")).to_have_text(T("group.errors.unavailable"))
            expect(page.locator("#member-name")).to_have_value("Dirk")
            expect(page.locator("#share-link")).to_have_count(0)
            # opening the group while it is gone: the page says so, and offers to try again
            page.reload()
            expect(page.locator("h1")).to_have_text(T("group.down.title"))
            expect(page.locator(".group-down")).to_contain_text(T("group.errors.unavailable"))
            checks.look(bea, "10-database-gone")
            pg.start()
            page.get_by_role("button", name=T("group.down.retry")).click()
            expect(page.locator("#group-name")).to_have_text("Intervisie Oost")
            expect(page.locator(".members li.person")).to_have_count(1)  # nothing half-written
            problems = [x for x in bea.problems if not re.search(r"status of 503 ", x)]
        finally:
            bea.context.close()
    assert checks.axe == {}, checks.axe
    assert checks.layout == {}, checks.layout
    assert problems == []
