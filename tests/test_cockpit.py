"""The meeting views as cockpits (issue 13): for the participant, the inbrenger and the
facilitator, what matters now (the round title, the current turn, your card, your form,
the facilitator's main action) is inside the viewport without scrolling, on a laptop
(1280x800), a phone (390x844) and the projector's 1920x1080, in every round of
drie-rondes, and so is the round on the projector's screen, at the same three sizes; the agenda marks the
current round; the tab title says when it is your turn; the facilitator sees per person
who has confirmed and who has spoken; keyboard-only still works; axe finds nothing serious.
Screenshots (of the viewport: what is seen without scrolling) go to test-artifacts/cockpit/."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from server.rooms import method

from .browser import (  # noqa: F401 (the fixtures `base` and `browser`)
    LAPTOP,
    PHONE,
    ROOT,
    WALL,
    Person,
    Session,
    T,
    base_fixture,
    browser_fixture,
    clean_artifacts,
    click,
    join,
    propose,
    wait_until,
    where,
)

SHOTS = ROOT / "test-artifacts" / "cockpit"
SIZES = {"laptop": LAPTOP, "phone": PHONE, "wall": WALL}
PHASES = [p.name["nl"] for p in method.load("drie-rondes").phases]


@pytest.fixture(scope="module", autouse=True)
def _clean_shots() -> None:
    clean_artifacts(SHOTS)


def agenda_overlaps(page: Page) -> list[str]:
    """The parts of the agenda strip that are shown and overlap one another."""
    return page.evaluate(
        """() => {
          const parts = [...document.querySelectorAll('.agenda-round, .agenda-list li, .agenda-used')]
            .map((el) => [el.textContent, el.getBoundingClientRect()])
            .filter(([, r]) => r.width > 0 && r.height > 0);
          const hit = (a, b) =>
            a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
          const out = [];
          parts.forEach(([ta, a], i) => parts.slice(i + 1).forEach(([tb, b]) => {
            if (hit(a, b)) out.push(`${ta} / ${tb}`);
          }));
          return out;
        }"""
    )


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


class Cockpit:
    """One drie-rondes session; at each step, every view at the three sizes, the
    projector's screen included."""

    def __init__(self, s: Session):
        self.s = s
        self.out: dict[str, str] = {}
        self.wall: Person | None = None  # the projector's screen, in every round once it is open

    def in_view(self, step: str, person: Person, selectors: list[str]) -> None:
        """At each size: each selector inside the viewport unscrolled; a screenshot of it."""
        page = person.page
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            for sel in selectors:
                expect(page.locator(sel).first).to_be_attached()
                found = where(page, sel)
                if found != "in view":
                    self.out[f"{step}/{person.label}/{size}/{sel}"] = found
            for overlap in agenda_overlaps(page):
                self.out[f"{step}/{person.label}/{size}/agenda"] = f"overlaps: {overlap}"
            if not no_sideways_scroll(page):
                self.out[f"{step}/{person.label}/{size}"] = "scrolls sideways"
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SHOTS / f"{step}--{person.label}-{size}.png"))
        page.set_viewport_size(WALL if person is self.wall else LAPTOP)

    def round(self, step: str, phase: str, views: list[tuple[Person, list[str]]]) -> None:
        """Every view: the round title, the agenda's current round, and what each must see now."""
        for person, now in [*views, *([(self.wall, [])] if self.wall else [])]:
            expect(person.page.locator("#phase-name")).to_have_text(phase)
            expect(person.page.locator(".agenda li[aria-current=step]")).to_contain_text(phase)
            expect(person.page.locator(".agenda li[aria-current]")).to_have_count(1)
            self.in_view(step, person, ["#phase-name", *now])
            self.s.axe_check(person, step)
            assert person.missing_strings() == [], (person.label, step)


def test_every_view_shows_what_matters_now(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    c = Cockpit(s)
    try:
        _session(s, c)
    finally:
        problems = {p.label: p.problems for p in s.people if p.problems}
        report = {"out_of_view": c.out, "axe": s.axe}
        (SHOTS / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        s.close()
    assert c.out == {}, json.dumps(c.out, indent=2)
    assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
    assert problems == {}, problems


def _session(s: Session, c: Cockpit) -> None:
    fac = s.add("begeleider", "/")
    page = fac.page
    page.set_viewport_size(LAPTOP)
    page.fill("#facilitator", "Femke")
    page.locator("#create-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
    code = page.url.rsplit("/", 1)[1]
    anna, bram, chris = (join(s, name, code) for name in ("Anna", "Bram", "Chris"))
    for person in (anna, bram, chris):
        person.page.set_viewport_size(LAPTOP)
    c.wall = s.add("scherm", f"/room/{code}/screen")
    c.wall.page.set_viewport_size(WALL)
    group = [bram, chris]
    everyone = [anna, *group]
    main = "[data-main-action]"

    # lobby: the agenda lists every round with its minutes, on one line on a laptop (the
    # full name of a round cut short is in its title); the main action moves on
    expect(page.locator(".agenda li")).to_have_count(len(PHASES))
    for person in (fac, anna):
        assert agenda_lines(person.page) == 1, person.label
        titles = person.page.locator(".agenda li").evaluate_all("(els) => els.map((el) => el.title)")
        assert [t.split(" · ")[0] for t in titles] == PHASES
    bram.page.set_viewport_size(PHONE)
    expect(bram.page.locator(".agenda-round")).to_have_text(T("agenda.round", n=1, total=len(PHASES)))
    bram.page.set_viewport_size(LAPTOP)
    expect(page.locator(main)).to_have_text(T("fac.next", name=PHASES[1]))
    c.round("1-binnenkomst", PHASES[0], [(fac, [main]), (anna, []), (bram, [])])

    # opening: the facilitator sees per person who has not confirmed yet, then who has
    click(page, T("fac.next", name=PHASES[1]))
    for person in everyone:
        expect(person.page.locator("#phase-name")).to_have_text(PHASES[1])
    bram_row = page.locator(".person", has_text="Bram")
    expect(bram_row.get_by_role("img", name=T("cockpit.not_confirmed"))).to_be_visible()
    c.round("2-opening", PHASES[1], [(fac, [main]), (anna, [".confirm"]), (bram, [".confirm"])])
    for person in everyone:
        click(person.page, T("confirm.button"))
        expect(person.page.locator(".confirm .done")).to_be_visible()
    for name in ("Anna", "Bram", "Chris"):
        row = page.locator(".person", has_text=name)
        expect(row.get_by_role("img", name=T("cockpit.confirmed"))).to_be_visible()
        expect(row.get_by_role("img", name=T("cockpit.not_confirmed"))).to_have_count(0)
    # ready: the group at a glance counts it, and Bram's row says it is he
    click(bram.page, T("ready.button"))
    expect(page.locator(".group-glance")).to_contain_text(T("cockpit.ready", ready=1, total=3))
    expect(bram_row.get_by_role("img", name=T("cockpit.is_ready"))).to_be_visible()
    expect(page.get_by_role("img", name=T("cockpit.is_ready"))).to_have_count(1)
    assert agenda_lines(page) == 1

    # case choice: the facilitator's main action closes the vote; once chosen, the
    # inbrenger's share form comes first and the instruction no longer asks for a vote
    click(page, T("fac.next", name=PHASES[2]))
    propose(anna, "Collega haakt af", "Hoe blijf ik in gesprek met een collega die afhaakt?")
    # who voted, per person (never for what): nobody yet, then Anna and Bram, then all
    expect(page.get_by_role("img", name=T("cockpit.not_voted"))).to_have_count(3)
    for n, person in enumerate(everyone, start=1):
        item = person.page.locator(".case-item", has_text="Collega haakt af")
        item.get_by_role("button", name=T("cases.vote")).click()
        expect(page.get_by_role("img", name=T("cockpit.voted"))).to_have_count(n)
        row = page.locator(".person", has_text=person.label)
        expect(row.get_by_role("img", name=T("cockpit.voted"))).to_be_visible()
    expect(page.locator(".group-glance")).to_contain_text(T("cockpit.votes", cast=3, total=3))
    expect(page.locator(main)).to_have_text(T("fac.close_vote"))
    expect(page.get_by_role("button", name=T("fac.close_vote"))).to_have_count(1)  # once, at the top
    c.round("3a-casuskeuze", PHASES[2], [(fac, [main]), (bram, [])])
    page.locator(main).click()
    page.locator(".case-item", has_text="Collega haakt af").get_by_role("button", name=T("fac.choose")).click()
    expect(anna.page.locator("#share-form")).to_be_visible()
    expect(anna.page.locator(".phase .instruction")).to_have_text(T("now.share_instruction"))
    c.round("3b-casus-delen", PHASES[2], [(anna, ["#share-text"]), (fac, [main])])
    anna.page.fill("#share-text", "Mijn collega zegt steeds minder in het overleg.")
    anna.page.fill("#share-people", "de collega\nmijn teamleider")
    anna.page.locator("#share-form button[type=submit]").click()
    expect(page.locator(".case-text")).to_be_visible()

    # questions round: Chris asks by keyboard only; the inbrenger's "answered" is a toggle
    # with one stable label
    click(page, T("fac.next", name=PHASES[3]))
    keyboard_ask(chris.page, "Hoe merk je dat hij afhaakt?")
    c.round("4-vragenronde", PHASES[3], [(fac, [main]), (anna, []), (chris, ["#ask-text"])])
    q = anna.page.locator(".question", has_text="Hoe merk je")
    # "deze beantwoord ik nu": highlighted in every list until it is marked answered
    now = q.get_by_role("button", name=T("questions.answer_now"))
    expect(now).to_have_attribute("aria-pressed", "false")
    now.click()
    expect(now).to_have_attribute("aria-pressed", "true")
    for person in (fac, anna, chris):
        answering = person.page.locator(".question.answering")
        expect(answering).to_have_count(1)
        expect(answering).to_contain_text("Hoe merk je")
        expect(answering.locator(".answering-label")).to_have_text(T("questions.answering_now"))
    fac_q = page.locator(".question", has_text="Hoe merk je")
    fac_now = fac_q.get_by_role("button", name=T("questions.answer_now_fac"))
    expect(fac_now).to_have_attribute("aria-pressed", "true")
    expect(chris.page.locator(".answering-now")).to_contain_text("Hoe merk je")
    c.in_view("4b-vragenronde-nu-aan-de-beurt", chris, [".answering-now"])
    toggle = q.get_by_role("button", name=T("questions.answered_toggle"), exact=True)
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text(T("questions.answered_toggle"))
    for person in (fac, anna, chris):
        expect(person.page.locator(".question.answering")).to_have_count(0)
    expect(chris.page.locator(".answering-now")).to_have_count(0)

    # association round: deal and reveal are the main action in turn; each card in view
    click(page, T("fac.next", name=PHASES[4]))
    expect(page.locator(main)).to_have_text(T("fac.deal"))
    page.locator(main).click()
    for person in group:
        expect(person.page.locator(".card-role")).to_have_text(re.compile(r"\S"))
    expect(page.locator(main)).to_have_text(T("fac.reveal"))
    cards = [(bram, [".card-role"]), (chris, [".card-role"])]
    c.round("5a-associatieronde", PHASES[4], [(fac, [main]), (anna, []), *cards])
    for person in group:
        for field in person.page.locator("#perspective-form textarea").all():
            field.fill(f"Iets van {person.label}")
        person.page.locator("#perspective-form button[type=submit]").click()
        expect(person.page.locator(".cards .done")).to_be_visible()
    page.locator(main).click()
    for person in everyone:
        expect(person.page.locator(".perspective")).to_have_count(2)

    # advice round, in turn: the tab title says whose turn it is, the speaker's form is in
    # view with the focus on its heading, typed by keyboard; the others see who speaks;
    # the facilitator sees per person who has spoken
    click(page, T("fac.next", name=PHASES[5]))
    expect(page.locator(".turn-list li")).to_have_count(len(group))  # (all_inner_texts does not wait)
    order = [li.split(" — ")[0] for li in page.locator(".turn-list li").all_inner_texts()]
    assert sorted(order) == sorted(speaker.label for speaker in group), order
    speakers = {p.label: p for p in group}
    for i, name in enumerate(order):
        speaker = speakers[name]
        other = next(p for p in group if p is not speaker)
        expect(speaker.page).to_have_title(T("signals.turn_title"))
        expect(other.page).to_have_title(f"{PHASES[5]} · Kring")
        expect(anna.page).to_have_title(f"{PHASES[5]} · Kring")
        expect(page.locator(main)).to_have_text(T("fac.pass", name=name))
        row = page.locator(".person", has_text=name)
        expect(row.get_by_role("img", name=T("cockpit.speaking"))).to_be_visible()
        if i:
            first = page.locator(".person", has_text=order[0])
            expect(first.get_by_role("img", name=T("cockpit.spoken"))).to_be_visible()
        expect(speaker.page.locator("#my-turn-title")).to_be_focused()
        c.round(
            f"6{'ab'[i]}-adviesronde-{name}",
            PHASES[5],
            [(fac, [main]), (anna, [".listen"]), (speaker, ["#my-turn-title"]), (other, [".speaker"])],
        )
        speaker.page.locator("#my-turn-title").focus()
        speaker.page.keyboard.press("Tab")
        assert speaker.page.evaluate("document.activeElement.id") == "advice-text"
        speaker.page.keyboard.type(f"Vraag hem wat hij nodig heeft ({name}).")
        speaker.page.keyboard.press("Tab")
        assert speaker.page.evaluate("document.activeElement.type") == "submit"
        speaker.page.keyboard.press("Enter")
        expect(anna.page.locator(".advice-list li")).to_have_count(i + 1)
        click(speaker.page, T("turns.pass"))
        expect(speaker.page).to_have_title(f"{PHASES[5]} · Kring")

    # a round change brings the new round into view with the focus on its title (Bram had
    # scrolled down on his phone); Chris has the tab in the background: his tab title says a
    # new round began until he looks
    bram.page.set_viewport_size(PHONE)
    bram.page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert bram.page.evaluate("window.scrollY") > 0
    chris.page.evaluate("Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'})")
    # closing: the last round's main action is to finish, which opens the end confirmation
    click(page, T("fac.next", name=PHASES[6]))
    # (his heading may still hold the focus from the last round: wait for the new round first)
    expect(bram.page.locator("#phase-name")).to_have_text(PHASES[6])
    expect(bram.page.locator("#phase-name")).to_be_focused()
    wait_until(bram.page, "window.scrollY === 0")
    bram.page.set_viewport_size(LAPTOP)
    expect(chris.page).to_have_title(T("signals.round_title"))
    expect(bram.page).to_have_title(f"{PHASES[6]} · Kring")  # he sees the page
    chris.page.evaluate("delete document.visibilityState; document.dispatchEvent(new Event('visibilitychange'))")
    expect(chris.page).to_have_title(f"{PHASES[6]} · Kring")
    expect(page.locator(main)).to_have_text(T("cockpit.finish"))
    c.round("7-afsluiting", PHASES[6], [(fac, [main]), (anna, []), (bram, [])])
    page.locator(main).click()
    expect(page.locator("[data-key=end]")).to_have_text(T("fac.end_confirm"))
    expect(page.locator("[data-key=end]")).to_be_focused()
    # it names whose summary is not yet saved: Anna's, until she downloads it
    unsaved = T("fac.end_unsaved_one", names="Anna")
    expect(page.locator("#end-warning")).to_contain_text(unsaved)
    page.locator("#end-warning").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "7b-afronden-samenvatting-niet-bewaard--begeleider-laptop.png"))
    s.axe_check(fac, "7b-end-unsaved")
    click(anna.page, T("summary.open"))
    expect(anna.page.locator("#summary")).to_be_visible()
    with anna.page.expect_download():
        click(anna.page, T("summary.download"))
    expect(page.locator("#end-warning")).not_to_contain_text(unsaved)
    expect(page.locator("#end-warning")).to_have_text(T("fac.end_warning"))
    click(anna.page, T("common.close"))
    click(page, T("common.cancel"))

    # the person menu: one per person, opened and used by keyboard
    row = page.locator(".person", has_text="Chris")
    expect(row.get_by_role("button", name=T("fac.co_facilitator"))).to_be_hidden()
    row.locator(".person-menu summary").focus()
    page.keyboard.press("Enter")
    expect(row.get_by_role("button", name=T("fac.co_facilitator"))).to_be_visible()
    s.axe_check(fac, "8-menu-open")

    # sound and vibration: off by default, a person's own choice, remembered in this browser
    bram.page.locator(".signals summary").click()
    signals = bram.page.get_by_label(T("signals.toggle"))
    expect(signals).not_to_be_checked()
    signals.check()
    bram.page.reload()
    expect(bram.page.locator("#phase-name")).to_have_text(PHASES[6])
    bram.page.locator(".signals summary").click()
    expect(bram.page.get_by_label(T("signals.toggle"))).to_be_checked()
    expect(anna.page.locator("#signals-on")).not_to_be_checked()


def agenda_lines(page: Page) -> int:
    """On how many lines the agenda's rounds stand (by the tops of its items)."""
    script = "(els) => els.map((el) => Math.round(el.getBoundingClientRect().top))"
    tops = page.locator(".agenda-list li").evaluate_all(script)
    return len(set(tops))


def keyboard_ask(page: Page, text: str) -> None:
    """Tab to the question field, type, tab to the button and press Enter: no mouse."""
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "ask-text":
            break
    else:
        raise AssertionError("the question field cannot be reached with the keyboard")
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    expect(page.locator(".question.own", has_text=text)).to_be_visible()


def test_the_method_picker_says_troika_is_for_three(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    try:
        start = s.add("start", "/")
        start.page.select_option("#method", "troika")
        three = T("start.method_meta_one", n=3, minutes=0).split(" · ")[0]  # "3 personen"
        expect(start.page.locator("#method-meta")).to_contain_text(three)
        expect(start.page.locator("#method-meta")).not_to_contain_text("3–3")
    finally:
        s.close()
