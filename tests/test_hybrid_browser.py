"""A hybrid meeting in real Chromium (issue 16): a facilitator, three people in the room
with the projector's screen on the wall, and three online, each in their own browser
context. Everyone says where they are when they join (or later, or the facilitator puts
it right); every list shows the group in two clusters, online first. In a round without a
fixed order hands go up in a known order and show in that order on every laptop and on
the wall (the speaker and the next three, large, never scrolling); "online eerst"
reorders; the facilitator gives the floor and the speaker is told "Jij hebt het woord"
with the turn signal; the call link the facilitator shares opens for the online people in
a new tab, and no request of Kring's own pages goes to the call's host. Every view passes
axe in both languages; screenshots go to test-artifacts/hybrid/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from .browser import (
    AXE,
    PHONE,
    ROOT,
    WALL,
    Person,
    Session,
    T,
    base_fixture,  # noqa: F401 (the fixture `base`)
    browser_fixture,  # noqa: F401 (the fixture `browser`)
    clean_artifacts,
    click,
    propose,
    where,
)
from .test_projector import MEASURE

SHOTS = ROOT / "test-artifacts" / "hybrid"
CALL_HOST = "meet.example.test"
CALL = f"https://{CALL_HOST}/kring-abc"
IN_ROOM = ["Anna", "Bram", "Chris"]
ONLINE = ["Dewi", "Eva", "Fleur"]


@pytest.fixture(scope="module", autouse=True)
def _clean_shots() -> None:
    clean_artifacts(SHOTS)


class Hybrid(Session):
    """The session's people, with every request each Kring page makes, and the checks
    (screenshot, axe, both languages, no string missing) written to test-artifacts/hybrid."""

    def __init__(self, browser: Browser, base: str):
        super().__init__(browser, base)
        self.requests: dict[str, list[str]] = {}

    def add(self, label: str, url: str, init_script: str | None = None) -> Person:
        person = super().add(label, url, init_script)
        seen = self.requests.setdefault(label, [])
        person.page.on("request", lambda req: seen.append(req.url))
        return person

    def shot(self, person: Person, step: str) -> None:
        path = SHOTS / f"{step}--{person.label}.png"
        person.page.screenshot(path=str(path), full_page=person.label != "screen")
        self.shots.append(path.name)

    def check(self, step: str, people: list[Person] | None = None, english: bool = False) -> None:
        """Every view photographed and run through axe; in English too where `english` (the
        last step: the suite's time is kept to what finds something)."""
        for person in self.people if people is None else people:
            expect(person.page.locator("#connection")).to_have_attribute("data-state", "online")
            self.shot(person, f"{step}-nl")
            self.axe_check(person, f"{step}-nl")
            assert person.missing_strings() == [], f"{person.label} at {step}: missing strings"
            if english:
                person.language("en")
                self.shot(person, f"{step}-en")
                self.axe_check(person, f"{step}-en")
                assert person.missing_strings() == [], f"{person.label} at {step} in English: missing strings"
                person.language("nl")


def join_as(s: Hybrid, name: str, code: str, place: str | None) -> Person:
    """Join from the start page with the code and name, saying where you are (or not)."""
    person = s.add(name, "/")
    page = person.page
    page.fill("#code", code)
    page.fill("#name", name)
    if place:
        page.get_by_role("radio", name=T(f"place.{place}"), exact=True).check()
    if not s.shots:  # the first to join: the start page with the choice, once
        s.axe_check(person, "0-meedoen")
        s.shot(person, "0-meedoen")
    page.locator("#join-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/room/{code}$"))
    expect(page.locator("#phase-name")).to_have_text("Binnenkomst")
    return person


def clusters(page: Page) -> list[list[Any]]:
    """The people list's clusters in order: (cluster, names)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.people [data-cluster]')].map((c) =>
             [c.dataset.cluster, [...c.querySelectorAll('.person-name')].map((n) => n.textContent)])"""
    )


def wall_clusters(page: Page) -> list[list[Any]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.here [data-cluster]')].map((c) =>
             [c.dataset.cluster, [...c.querySelectorAll('.name-cloud li')].map((n) => n.textContent)])"""
    )


def queue(page: Page) -> list[str]:
    """The names in the speaking queue, in the order shown."""
    return page.evaluate("[...document.querySelectorAll('.hand-list .hand .hand-name')].map((n) => n.textContent)")


def wall_queue(page: Page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('.wall-queue li')].map((n) => (n.querySelector('.hand-name') ?? n).textContent)"
    )


def expect_queue(people: list[Person], screen: Person, names: list[str]) -> None:
    """Every laptop shows the queue `names` in this order; the wall the first three (and how many more)."""
    for person in people:
        expect(person.page.locator(".hand-list .hand .hand-name")).to_have_text(names)
    more = len(names) - 3
    shown = names[:3] + ([T("hands.more_one" if more == 1 else "hands.more_other", count=more)] if more > 0 else [])
    expect(screen.page.locator(".wall-queue li")).to_have_count(len(shown))
    assert wall_queue(screen.page) == shown


def wall_fits(screen: Person, step: str) -> dict[str, Any]:
    """The projector's rules: no scrolling, nothing cut off, items large enough for the back row."""
    wall = screen.page.evaluate(MEASURE)
    assert wall["scrollHeight"] <= wall["innerHeight"], (step, wall)
    assert wall["scrollWidth"] <= wall["innerWidth"], (step, wall)
    assert wall["cut"] == [], (step, wall["cut"])
    assert wall["small"] == [], (step, wall["small"])
    assert wall["title"] >= 56, (step, wall["title"])
    return wall


def test_a_hybrid_meeting_in_the_browser(browser: Browser, base: str) -> None:
    s = Hybrid(browser, base)
    try:
        _run(s)
    finally:
        s.close()
    problems = {p.label: p.problems for p in s.people if p.problems}
    assert problems == {}, problems
    assert s.axe == {}, s.axe


def _run(s: Hybrid) -> None:
    fac = s.add("facilitator", "/")
    page = fac.page
    page.fill("#facilitator", "Femke")
    page.locator("#create-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
    code = page.url.rsplit("/", 1)[1]
    expect(page.locator("#phase-name")).to_have_text("Binnenkomst")
    screen = s.add("screen", f"/room/{code}/screen")
    screen.page.set_viewport_size(WALL)
    expect(screen.page.locator("#connection")).to_have_attribute("data-state", "online")

    # where each person is: said when joining; Chris clicked "online" by mistake, Fleur said nothing yet
    anna, bram = (join_as(s, name, code, "room") for name in IN_ROOM[:2])
    chris = join_as(s, "Chris", code, "online")
    dewi, eva = (join_as(s, name, code, "online") for name in ONLINE[:2])
    fleur = join_as(s, "Fleur", code, None)
    in_room, online = [anna, bram, chris], [dewi, eva, fleur]
    everyone = [*in_room, *online]
    laptops = [fac, *everyone]
    expect(page.locator(".people-list:not(.screens) .person")).to_have_count(7)
    first = [["online", ["Chris", "Dewi", "Eva"]], ["room", ["Anna", "Bram"]], ["unknown", ["Femke", "Fleur"]]]
    assert clusters(page) == first

    # Fleur says it herself; the facilitator puts Chris right and says where she is
    fleur.page.get_by_role("radio", name=T("place.online"), exact=True).check()
    row = page.locator(".person", has_text="Chris")
    row.locator(".person-menu summary").click()
    row.get_by_role("button", name=T("place.move_room")).click()
    page.locator(".place-mine").get_by_role("radio", name=T("place.room"), exact=True).check()
    expected = [["online", ["Dewi", "Eva", "Fleur"]], ["room", ["Femke", "Anna", "Bram", "Chris"]]]
    for person in laptops:
        expect(person.page.locator(".people-cluster").first).to_have_attribute("data-cluster", "online")
        expect(person.page.locator(".people-cluster.place-online .person")).to_have_count(3)
        expect(person.page.locator(".people-cluster.place-room .person")).to_have_count(4)
        assert sorted(clusters(person.page)[1][1]) == sorted(expected[1][1]), person.label
        assert clusters(person.page)[0] == expected[0], person.label
    expect(page.locator(".people-cluster.place-online h3")).to_have_text(T("place.cluster_online", count=3))
    expect(fleur.page.locator(".place-mine input[value=online]")).to_be_checked()
    # the wall in the lobby: who is here, online first
    expect(screen.page.locator(".here-cluster")).to_have_count(2)
    assert [c for c, _ in wall_clusters(screen.page)] == ["online", "room"]
    assert wall_clusters(screen.page)[0][1] == ["Dewi", "Eva", "Fleur"]
    wall_fits(screen, "lobby")
    s.check("1-binnenkomst", [fac, anna, dewi, screen])

    # the call link: the server refuses anything but https; then the facilitator shares the group's call
    page.fill("#call-link-url", f"http://{CALL_HOST}/kring-abc")
    page.locator("#call-link-form button[type=submit]").click()
    expect(page.locator("#call-link-form-error")).to_have_text(T("call.refused"))
    expect(page.locator("#call-link-url")).to_have_value(f"http://{CALL_HOST}/kring-abc")  # kept as typed
    page.fill("#call-link-url", CALL)
    page.locator("#call-link-form button[type=submit]").click()
    expect(page.locator("#call-link-form-error")).to_have_count(0)
    expect(page.locator(".call-shared")).to_have_text(T("call.shared", host=CALL_HOST))
    for person in online:
        link = person.page.get_by_role("link", name=T("call.open"))
        expect(link).to_have_attribute("href", CALL)
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(link).to_have_attribute("referrerpolicy", "no-referrer")
        expect(person.page.locator(".call-note")).to_have_text(T("call.note"))
    for person in in_room:
        expect(person.page.locator(".call")).to_have_count(0)  # in the room: no call to join
    expect(screen.page.locator(".call, a[href*='example.test']")).to_have_count(0)

    # one click opens the call in a new tab (a stub here: nothing leaves this machine), without a referrer
    opened: list[dict[str, Any]] = []

    def stub(route: Route, request: Request) -> None:
        opened.append({"url": request.url, "referer": request.headers.get("referer")})
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Call</title><p>the call</p>")

    dewi.context.route(f"https://{CALL_HOST}/**", stub)
    with dewi.context.expect_page() as new_tab:
        dewi.page.get_by_role("link", name=T("call.open")).click()
    tab = new_tab.value
    tab.wait_for_load_state()
    assert tab.url == CALL
    assert opened == [{"url": CALL, "referer": None}], opened
    assert tab.evaluate("window.opener") is None  # the call's tab has no hold on Kring's page
    tab.close()
    expect(dewi.page.locator("#connection")).to_have_attribute("data-state", "online")

    # through the opening and the case choice to the questions round: a round without a fixed order
    click(page, T("fac.next", name="Opening"))
    for person in everyone:
        click(person.page, T("confirm.button"))
    expect(page.locator(".confirmations")).to_contain_text(T("fac.all_confirmed"))
    click(page, T("fac.next", name="Casus kiezen"))
    propose(anna, "Collega haakt af", "Hoe blijf ik in gesprek met een collega die afhaakt?")
    page.locator(".case-item", has_text="Collega haakt af").get_by_role("button", name=T("fac.choose")).click()
    anna.page.fill("#share-text", "Mijn collega zegt steeds minder in het overleg.")
    anna.page.fill("#share-people", "de collega")
    anna.page.locator("#share-form button[type=submit]").click()
    expect(page.locator(".case-text")).to_be_visible()
    click(page, T("fac.next", name="Vragenronde"))
    for person in [*laptops, screen]:
        expect(person.page.locator("#phase-name")).to_have_text("Vragenronde")
        expect(person.page.locator(".hand-list")).to_have_count(0)
    for person in everyone:
        expect(person.page.locator(".hands-empty")).to_have_text(T("hands.empty"))

    # hands go up, one after the other: Eva (online), Bram, Dewi (online), Chris
    order = [eva, bram, dewi, chris]
    for n, person in enumerate(order, start=1):
        click(person.page, T("hands.raise"))
        expect(person.page.locator(".hands-at")).to_have_text(T("hands.mine_at", n=n))
        expect(person.page.get_by_role("button", name=T("hands.lower"), exact=True)).to_be_visible()
    names = [p.label for p in order]
    expect_queue([*laptops], screen, names)
    expect(screen.page.locator(".wall-hands .screen-speaker")).to_have_text(T("hands.nobody"))
    for person in [anna, fac]:
        expect(person.page.locator(".hand .spoken").first).to_contain_text("0×")
    expect(page.locator(".person", has_text="Eva").locator(".mark-hand")).to_have_count(1)
    wall_fits(screen, "queue")
    s.check("2-handen", [fac, anna, eva, screen])

    # "online eerst": the online people's hands go first, in the order they went up
    page.get_by_label(T("hands.online_first")).check()
    names = ["Eva", "Dewi", "Bram", "Chris"]
    expect_queue([fac, anna, bram, fleur], screen, names)
    expect(anna.page.locator(".hands-rule")).to_have_text(T("hands.rule_online"))

    # the facilitator gives Eva the floor: she is told, with the turn signal in her tab's title
    page.locator(".hand", has_text="Eva").get_by_role("button", name=T("hands.give")).click()
    expect(eva.page.locator("#floor-title")).to_have_text(T("hands.yours"))
    expect(eva.page.locator("#announce")).to_have_text(T("hands.yours"))
    expect(eva.page).to_have_title(T("signals.turn_title"))
    expect(eva.page.get_by_role("button", name=T("hands.raise"), exact=True)).to_have_count(0)
    # on her phone too, "Jij hebt het woord" is in view without scrolling
    eva.page.set_viewport_size(PHONE)
    assert where(eva.page, "#floor-title") == "in view"
    eva.page.screenshot(path=str(SHOTS / "3-het-woord-telefoon--Eva.png"))
    eva.page.set_viewport_size({"width": 1100, "height": 900})
    names = ["Dewi", "Bram", "Chris"]
    expect_queue([fac, anna, eva, dewi], screen, names)
    for person in [fac, anna, dewi, chris]:
        expect(person.page.locator(".hands-speaker")).to_contain_text(T("hands.speaking", name="Eva"))
        expect(person.page.locator("#floor-title")).to_have_count(0)
    expect(screen.page.locator(".wall-hands .screen-speaker")).to_contain_text(T("hands.speaking", name="Eva"))
    expect(screen.page.locator(".wall-hands .screen-speaker .spoken")).to_have_attribute("data-spoken", "1")
    wall_fits(screen, "floor")
    s.check("3-het-woord", [fac, eva, bram, screen], english=True)

    # the facilitator takes the floor back and lowers Chris's hand; Bram lowers his own
    click(page, T("hands.take"))
    page.locator(".hand", has_text="Chris").get_by_role("button", name=T("hands.lower_for")).click()
    click(bram.page, T("hands.lower"))
    for person in [fac, eva, chris, screen]:
        expect(person.page.locator("#floor-title")).to_have_count(0)
    expect_queue([fac, anna, chris, eva], screen, ["Dewi"])
    expect(screen.page.locator(".wall-hands .screen-speaker")).to_have_text(T("hands.nobody"))
    expect(eva.page.get_by_role("button", name=T("hands.raise"), exact=True)).to_be_visible()
    expect(chris.page.get_by_role("button", name=T("hands.raise"), exact=True)).to_be_visible()
    # Eva has spoken once: everyone sees it next to her name when she raises her hand again
    click(eva.page, T("hands.raise"))
    expect(anna.page.locator(".hand", has_text="Eva").locator(".spoken")).to_have_attribute("data-spoken", "1")

    # a new round clears the queue and the floor
    click(page, T("fac.next", name="Associatieronde"))
    for person in [fac, anna, eva, screen]:
        expect(person.page.locator("#phase-name")).to_have_text("Associatieronde")
        expect(person.page.locator(".hand-list, .wall-queue")).to_have_count(0)

    # nothing of Kring's own pages went to the call's host: no request, no prefetch, no icon
    to_host = {label: [u for u in urls if CALL_HOST in u] for label, urls in s.requests.items()}
    assert all(not urls for urls in to_host.values()), to_host
    for person in [*laptops, screen]:
        expect(person.page.locator(f"link[href*='{CALL_HOST}'], img[src*='{CALL_HOST}'], iframe")).to_have_count(0)
    assert AXE.exists()
