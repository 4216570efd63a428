"""Circles in real Chromium (issue 16, docs/CIRCLES.md): a facilitator, nine participants
and a projector. The group confirms the agreement in the room, the facilitator splits it
into three circles of Troika consulting, every participant sees their circle and goes
in, the facilitator's line reaches every circle, the overview shows a circle moving on
(the facilitator visits it and advances it), and "Iedereen terug naar de groep" brings
everyone back to the room. Screenshots of the overview, of each circle and of the wall go
into test-artifacts/circles/; axe runs on the facilitator, one member and the wall."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import (
    AXE,
    ROOT,
    WALL,
    Person,
    Session,
    T,
    base_fixture,  # noqa: F401 (the fixture `base`)
    browser_fixture,  # noqa: F401 (the fixture `browser`)
    clean_artifacts,
    click,
    join,
    where,
)

ARTIFACTS = ROOT / "test-artifacts" / "circles"
NAMES = ["Anna", "Bram", "Chris", "Dewi", "Eva", "Fleur", "Gijs", "Hanna", "Ilse"]
LINE = "Nog vijf minuten, rond maar af."


@pytest.fixture(scope="module", autouse=True)
def _clean_artifacts() -> None:
    clean_artifacts(ARTIFACTS)


def shot(person: Person, step: str) -> None:
    person.page.screenshot(path=str(ARTIFACTS / f"{step}--{person.label}.png"), full_page=person.label != "screen")


def wall(browser: Browser, base: str, code: str) -> Person:
    """The projector at 1920×1080, as tests/test_projector.py opens it."""
    context = browser.new_context(viewport=WALL, locale="nl-NL")
    if AXE.exists():
        context.add_init_script(path=str(AXE))
    page = context.new_page()
    screen = Person("screen", context, page)
    page.on("console", lambda m: screen.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda err: screen.problems.append(f"page error: {err}"))
    page.goto(f"{base}/room/{code}/screen")
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return screen


def fits(page: Page) -> dict[str, int]:
    """The wall's own size and what it holds: it never scrolls."""
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollHeight, height: innerHeight,"
        " cut: [...document.querySelectorAll('.wall-circle')]"
        ".filter(el => el.scrollHeight > el.clientHeight + 1).length})"
    )


def test_nine_people_in_three_troika_circles(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    screen: Person | None = None
    axe: dict[str, list[str]] = {}
    try:
        screen = _run(s, browser, base, axe)
    finally:
        everyone = [*s.people, *([screen] if screen else [])]
        problems = {p.label: p.problems for p in everyone if p.problems}
        (ARTIFACTS / "axe.json").write_text(json.dumps(axe, indent=2, ensure_ascii=False))
        s.close()
        if screen:
            screen.context.close()
    assert axe == {}, json.dumps(axe, indent=2, ensure_ascii=False)
    assert problems == {}, problems


def _run(s: Session, browser: Browser, base: str, axe: dict[str, list[str]]) -> Person:
    fac = s.add("facilitator", "/")
    page = fac.page
    page.fill("#facilitator", "Femke")
    page.locator("#create-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
    code = page.url.rsplit("/", 1)[1]
    screen = wall(browser, base, code)
    people = [join(s, name, code) for name in NAMES]

    # the room's opening: each confirms the agreement (a confirm reconnects that page)
    click(page, T("fac.next", name="Opening"))
    for person in people:
        expect(person.page.locator("#phase-name")).to_have_text("Opening")
        click(person.page, T("confirm.button"))
        expect(person.page.locator(".confirm .done")).to_be_visible()
        expect(person.page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator(".confirmations")).to_contain_text(T("fac.all_confirmed"))

    # the split: Troika consulting sets the size to three
    panel = page.locator(".circles-split")
    expect(panel).to_be_visible()
    panel.locator("#split-method").select_option("troika")
    expect(panel.locator("#split-size")).to_be_disabled()
    expect(panel.locator("#split-preview")).to_have_text(T("circles.preview_even", people=9, count=3, n=3))
    # by hand (the room's order, three to a circle, to begin with): the first and the last swap
    panel.locator("#split-by-hand").check()
    chosen = panel.locator("[data-hand-person]")
    expect(chosen).to_have_count(9)
    chosen.first.select_option("2")
    chosen.last.select_option("0")
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / "0-split--facilitator.png"))
    panel.get_by_role("button", name=T("circles.split")).click()
    cards = page.locator(".circle-card")
    expect(cards).to_have_count(3)
    expect(page.locator(".circles-split")).to_have_count(0)
    for card in cards.all():
        expect(card.locator(".circle-round")).to_have_text(T("circles.not_started"))
    circles: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        mine = person.page.locator(".my-circle")
        expect(mine).to_be_visible()
        circles[mine.get_attribute("data-circle") or ""].append(person)
    assert sorted(len(members) for members in circles.values()) == [3, 3, 3]
    # the split is the facilitator's: the one moved to circle 1 sits with the second and third
    first_card = page.locator(".circle-card").first
    expect(first_card.locator(".circle-members")).to_contain_text(people[-1].label)
    expect(first_card.locator(".circle-members")).not_to_contain_text(people[0].label)
    for circle, members in circles.items():
        for person in members:
            heading = person.page.locator("#my-circle-title")
            expect(heading).to_contain_text(T("people.you"))
            for other in members:
                if other is not person:
                    expect(heading).to_contain_text(other.label)
        # the overview names the same members
        card = page.locator(f".circle-card[data-circle='{circle}']")
        for person in members:
            expect(card.locator(".circle-members")).to_contain_text(person.label)
    expect(screen.page.locator(".wall-circle")).to_have_count(3)
    shot(people[0], "0-your-circle")
    found = people[0].axe()  # the room's view with "Jouw kring"
    if found:
        axe[f"your-circle/{people[0].label}"] = found
    assert where(page, ".circle-cards") == "in view"  # the overview first, above the fold

    # everyone goes into their circle, with the room's token
    for circle, members in circles.items():
        for person in members:
            person.page.get_by_role("link", name=T("circles.go")).click()
            expect(person.page).to_have_url(re.compile(rf"/room/{circle}$"))
            expect(person.page.locator(".circle-banner")).to_contain_text(T("circles.in_circle"))
            expect(person.page.locator("#phase-name")).to_have_text("Binnenkomst")
            expect(person.page.locator("#connection")).to_have_attribute("data-state", "online")
        # the circle's room holds its three and the room's facilitator
        expect(members[0].page.locator(".people-list .person")).to_have_count(4)
        for person in members:
            expect(members[0].page.locator(".people-list")).to_contain_text(person.label)

    # in the room, who is in a circle shows as in it, not as gone
    people_here = page.locator(".people-list:not(.screens)")
    expect(people_here).to_contain_text(T("people.in_circle", n=1))
    expect(people_here).not_to_contain_text(T("people.offline"))

    # the facilitator's line, in every circle at once
    page.fill("#announce-text", LINE)
    page.locator("#announce-form button[type=submit]").click()
    for members in circles.values():
        for person in members:
            expect(person.page.locator("#circle-announcement")).to_contain_text(LINE)
            expect(person.page.locator("#circle-announcement")).to_have_attribute("aria-live", "polite")
    expect(screen.page.locator(".wall-announcement")).to_have_text(LINE)

    # a reload in a circle comes back into it as the same person (the room's token, hello circle)
    again = next(iter(circles.values()))[1]
    again.page.reload()
    expect(again.page.locator(".circle-banner")).to_be_visible()
    expect(again.page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(again.page.locator("#circle-announcement")).to_contain_text(LINE)
    expect(again.page.locator(".people-list .person")).to_have_count(4)

    # the facilitator visits the first circle (a tab of its own) and moves it on
    first = page.locator(".circle-card").first.get_attribute("data-circle") or ""
    members = circles[first]
    card = page.locator(f".circle-card[data-circle='{first}']")
    with fac.context.expect_page() as opened:
        card.get_by_role("link", name=T("circles.visit_label", name=T("circles.name", n=1))).click()
    visit = opened.value
    expect(visit).to_have_url(re.compile(rf"/room/{first}$"))
    expect(visit.locator(".circle-banner")).to_be_visible()
    expect(visit.locator("#phase-name")).to_have_text("Binnenkomst")
    visit.locator("#view [data-main-action]").click()
    expect(visit.locator("#phase-name")).to_have_text("Opening")
    for person in members:
        expect(person.page.locator("#phase-name")).to_have_text("Opening")
    expect(card.locator(".circle-round-name")).to_have_text(T("circles.round", n=2, total=7, name="Opening"))
    expect(screen.page.locator(f".wall-circle[data-circle='{first}'] .wall-circle-round")).to_have_text(
        T("circles.round", n=2, total=7, name="Opening")
    )
    visit.close()

    # the second circle leads itself while the facilitator is elsewhere: a member moves it on
    second = page.locator(".circle-card").nth(1).get_attribute("data-circle") or ""
    leader = circles[second][0]
    leader.page.get_by_role("button", name=T("circles.next", name="Opening")).click()
    for person in circles[second]:
        expect(person.page.locator("#phase-name")).to_have_text("Opening")
    expect(page.locator(f".circle-card[data-circle='{second}'] .circle-round-name")).to_have_text(
        T("circles.round", n=2, total=7, name="Opening")
    )

    # screenshots and axe: the overview, each circle (one member's view), the wall
    shot(fac, "1-overview")
    in_order = [card.get_attribute("data-circle") or "" for card in page.locator(".circle-card").all()]
    for i, circle in enumerate(in_order, start=1):
        shot(circles[circle][0], f"2-circle-{i}")
    shot(screen, "3-wall")
    size = fits(screen.page)
    assert size["scroll"] <= size["height"] and size["cut"] == 0, size
    member = next(iter(circles.values()))[0]
    for person in (fac, member, screen):
        found = person.axe()
        if found:
            axe[f"split/{person.label}"] = found
        person.language("en")
        found = person.axe()
        if found:
            axe[f"split-en/{person.label}"] = found
        person.page.screenshot(path=str(ARTIFACTS / f"4-en--{person.label}.png"), full_page=person.label != "screen")
        person.language("nl")
        assert person.missing_strings() == [], person.label

    # everyone back to the group: asked first, then every circle's page goes back to the room
    click(page, T("circles.rejoin"))
    click(page, T("circles.rejoin_confirm"))
    expect(page.locator(".circle-card")).to_have_count(0)
    for person in people:
        expect(person.page).to_have_url(re.compile(rf"/room/{code}$"))
        expect(person.page.locator("#phase-name")).to_have_text("Opening")
        expect(person.page.locator(".my-circle")).to_have_count(0)
        expect(person.page.locator(".circle-banner")).to_have_count(0)
        expect(person.page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(screen.page.locator(".wall-circle")).to_have_count(0)
    expect(page.locator(".circles-split")).to_be_visible()  # the room may split again
    shot(fac, "5-back")
    shot(people[0], "5-back")
    return screen
