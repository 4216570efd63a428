"""A whole session in real Chromium: a facilitator, four participants and a projector
screen, each in its own browser context, click through every round. At each phase every
view is checked, photographed (test-artifacts/browser), run through axe-core and rendered
in Dutch and English without a missing string."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .browser import ROOT, Person, clean_artifacts, launch, open_person, write_report
from .servers import running_server

CATALOG = Path(__file__).resolve().parent.parent / "client" / "web" / "static" / "i18n"
NL = json.loads((CATALOG / "nl.json").read_text(encoding="utf-8"))
XSS = "<img src=x onerror=alert(1)>"


def T(key: str, **values: object) -> str:
    """A Dutch UI string from the catalog, as the page shows it."""
    node: object = NL
    for part in key.split("."):
        node = node[part]  # type: ignore[index]
    text = str(node)
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", str(value))
    return text


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    clean_artifacts()
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


class Session:
    """The people of one session and the checks run on all their views at each step."""

    def __init__(self, browser: Browser, base: str):
        self.browser = browser
        self.base = base
        self.people: list[Person] = []
        self.axe: dict[str, list[str]] = {}
        self.shots: list[str] = []

    def add(self, label: str, url: str) -> Person:
        person = open_person(self.browser, label, self.base + url)
        self.people.append(person)
        return person

    def check(self, step: str) -> None:
        """Screenshot, axe and both languages for every view, as it is now."""
        for person in self.people:
            expect(person.page.locator("#connection")).to_have_attribute("data-state", "online")
            self.shots.append(person.shot(f"{step}-nl").name)
            violations = person.axe()
            if violations:
                self.axe[f"{step}/{person.label}"] = violations
            person.language("en")
            self.shots.append(person.shot(f"{step}-en").name)
            person.language("nl")
            assert person.missing_strings() == [], f"{person.label} at {step}: missing strings"

    def close(self) -> None:
        for person in self.people:
            person.context.close()


def click(page: Page, name: str, within: str = "#view") -> None:
    page.locator(within).get_by_role("button", name=name, exact=True).first.click()


def join(session: Session, name: str, code: str) -> Person:
    person = session.add(name if name != XSS else "xss", "/")
    page = person.page
    page.fill("#code", f"{code[:3].lower()}-{code[3:].lower()}")  # lower case and a dash are fine
    page.fill("#name", name)
    page.locator("#join-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/room/{code}$"))
    expect(page.locator("#phase-name")).to_have_text("Binnenkomst")
    return person


def test_a_whole_session_in_the_browser(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    try:
        _run(s)
    finally:
        write_report("axe.json", s.axe)
        write_report("screenshots.json", s.shots)
        problems = {p.label: p.problems for p in s.people if p.problems}
        s.close()
    assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
    assert problems == {}, problems


def _run(s: Session) -> None:
    fac = s.add("facilitator", "/")
    page = fac.page
    page.fill("#facilitator", "Femke")
    page.locator("#create-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
    code = page.url.rsplit("/", 1)[1]
    expect(page.locator("#phase-name")).to_have_text("Binnenkomst")
    screen = s.add("screen", f"/room/{code}/screen")
    anna, bram, chris, dewi = (join(s, name, code) for name in ("Anna", "Bram", "Chris", "Dewi"))
    group = [bram, chris, dewi]
    everyone = [anna, *group]

    # lobby: presence on the facilitator's view, the code and QR code on the screen
    for person in everyone:
        expect(page.locator(f".person:has-text('{person.label}')")).to_have_class(re.compile("online"))
    expect(screen.page.locator(".join-code")).to_have_text(f"{code[:3]}-{code[3:]}")
    expect(screen.page.locator("img.qr")).to_have_js_property("complete", True)
    assert screen.page.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    expect(screen.page.locator(".name-cloud")).to_contain_text("Dewi")
    s.check("1-lobby")

    # opening: everyone confirms confidentiality; the facilitator sees who has not yet
    click(page, T("fac.next", name="Opening"))
    for person in everyone:
        expect(person.page.locator("#phase-name")).to_have_text("Opening")
        expect(person.page.locator("#announce")).to_have_text(T("announce.phase", name="Opening"))
    expect(page.locator(".confirmations")).to_contain_text("Anna")
    for person in everyone:
        click(person.page, T("confirm.button"))
        expect(person.page.locator(".confirm .done")).to_be_visible()
    expect(page.locator(".confirmations")).to_contain_text(T("fac.all_confirmed"))
    s.check("2-opening")

    # case choice: two cases, a vote, the facilitator chooses Anna's; Anna shares it
    click(page, T("fac.next", name="Casus kiezen"))
    propose(anna, "Collega haakt af", "Hoe blijf ik in gesprek met een collega die afhaakt?")
    propose(bram, "Nieuwe rol", "Hoe pak ik mijn rol als teamleider?")
    for person in everyone:
        item = person.page.locator(".case-item", has_text="Collega haakt af")
        item.get_by_role("button", name=T("cases.vote")).click()
        expect(item.get_by_role("button", name=T("cases.voted"))).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cases")).to_contain_text(T("cases.cast_other", count=4))
    click(page, T("fac.close_vote"))
    chosen = page.locator(".case-item", has_text="Collega haakt af")
    expect(chosen).to_contain_text(T("cases.votes_other", count=4))
    chosen.get_by_role("button", name=T("fac.choose")).click()
    expect(anna.page.locator(".badge")).to_have_text(T("role.you_are_inbrenger"))
    anna.page.fill("#share-text", "Mijn collega zegt steeds minder in het overleg.")
    anna.page.fill("#share-people", "de collega\nmijn teamleider")
    anna.page.locator("#share-form button[type=submit]").click()
    for person in [fac, *group]:
        expect(person.page.locator(".case-text")).to_have_text("Mijn collega zegt steeds minder in het overleg.")
    s.check("3-casuskeuze")

    # questions round: anonymous questions, own ones marked, upvotes, the inbrenger rates
    click(page, T("fac.next", name="Vragenronde"))
    click(page, T("timer.start"), within=".controls")
    for person in [*everyone, screen]:
        expect(person.page.locator(".timer")).to_have_class(re.compile("running"))
    ask(bram, "Wat zegt je collega zelf over het overleg?")
    ask_by_keyboard(chris, "Hoe merk je dat hij afhaakt?")
    ask(dewi, "Sinds wanneer speelt dit?")
    # advice in disguise: Dewi gets a prompt first and sends it anyway
    dewi.page.fill("#ask-text", "Zou je niet gewoon met hem gaan lunchen?")
    dewi.page.locator("#ask-form button[type=submit]").click()
    expect(dewi.page.locator("#ask-nudge")).to_have_attribute("data-kind", "advice")
    click(dewi.page, T("nudge.send_anyway"))
    expect(dewi.page.locator(".question.own", has_text="lunchen")).to_be_visible()
    withdraw = dewi.page.locator(".question.own", has_text="lunchen")
    withdraw.get_by_role("button", name=T("questions.withdraw")).click()
    for person in [fac, anna, *group, screen]:
        expect(person.page.locator(".question")).to_have_count(3)
    for person in [fac, anna, screen, chris, dewi]:
        expect(person.page.locator(".question.own", has_text="Wat zegt je collega")).to_have_count(0)
        expect(person.page.locator(".question", has_text="Wat zegt je collega")).not_to_contain_text("Bram")
    expect(bram.page.locator(".question.own")).to_have_text(re.compile("Wat zegt je collega"))
    chris.page.locator(".question", has_text="Sinds wanneer").get_by_role("button", name=T("questions.upvote")).click()
    q = anna.page.locator(".question", has_text="Sinds wanneer")
    expect(q).to_contain_text(T("questions.upvotes_one", count=1))
    q.get_by_role("button", name=T("questions.rate_warm")).click()
    q.get_by_role("button", name=T("questions.mark_answered")).click()
    expect(bram.page.locator(".question", has_text="Sinds wanneer")).to_contain_text("warm")
    anna.page.fill("#essence-text", "Ik wil weten wat hij nodig heeft.")
    anna.page.locator("#essence-form button[type=submit]").click()
    expect(chris.page.locator(".essence")).to_contain_text("Ik wil weten wat hij nodig heeft.")
    click(page, T("timer.pause"), within=".controls")
    click(page, T("timer.plus_minute"), within=".controls")
    expect(screen.page.locator(".timer")).not_to_have_class(re.compile("running"))
    s.check("4-vragenronde")

    # association round: private role cards, written perspectives, one reveal
    click(page, T("fac.next", name="Associatieronde"))
    click(page, T("fac.deal"))
    cards = {}
    for person in group:
        card = person.page.locator(".card-role")
        expect(card).to_have_text(re.compile(r"\S"))
        cards[person.label] = card.inner_text()
    for role in cards.values():
        for other in [anna, screen]:
            expect(other.page.locator(".card-role")).to_have_count(0)
        assert role in ("de collega", "mijn teamleider", "De inbrenger zelf")
    for person in group:
        person.page.fill("#feel", f"Ik voel onrust ({person.label})")
        person.page.fill("#think", f"Ik denk: ze ziet me niet ({person.label})")
        person.page.locator("#perspective-form button[type=submit]").click()
        expect(person.page.locator(".cards .done")).to_be_visible()
    expect(page.locator(".cards")).to_contain_text(T("cards.progress", written=3, dealt=3))
    for other in [fac, anna, screen, chris]:
        expect(other.page.locator("body")).not_to_contain_text("Ik voel onrust (Bram)")
    s.check("5a-associatieronde-geschreven")
    click(page, T("fac.reveal"))
    for person in [fac, *everyone, screen]:
        expect(person.page.locator(".perspective")).to_have_count(3)
    s.check("5b-associatieronde-onthuld")

    # advice round: in turn; the inbrenger listens, then responds
    click(page, T("fac.next", name="Adviesronde"))
    expect(anna.page.locator(".listen")).to_be_visible()
    order = [li.split(" — ")[0] for li in page.locator(".turn-list li").all_inner_texts()]
    assert sorted(order) == ["Bram", "Chris", "Dewi"]
    speakers = {p.label: p for p in group}
    for i, name in enumerate(order):
        speaker = speakers[name]
        expect(speaker.page.locator("#advice-form")).to_be_visible()
        for other in group:
            if other is not speaker:
                expect(other.page.locator("#advice-form")).to_have_count(0)
        speaker.page.fill("#advice-text", f"Vraag hem wat hij nodig heeft ({name}).")
        speaker.page.locator("#advice-form button[type=submit]").click()
        expect(anna.page.locator(".advice-list li")).to_have_count(i + 1)
        if i == 0:
            s.check("6a-adviesronde")
        click(speaker.page, T("turns.pass"))
    expect(anna.page.locator(".listen")).to_have_count(0)
    anna.page.fill("#response-text", "Ik ga hem om een kop koffie vragen.")
    anna.page.locator("#response-form button[type=submit]").click()
    expect(bram.page.locator(".text-block")).to_contain_text("kop koffie")
    s.check("6b-adviesronde-reactie")

    # closing: take-away, evaluations, the inbrenger's summary
    click(page, T("fac.next", name="Afsluiting"))
    anna.page.fill("#takeaway-text", "Vragen stellen in plaats van invullen.")
    anna.page.locator("#takeaway-form button[type=submit]").click()
    for n, person in enumerate(everyone):
        person.page.locator(f"label.scale-item:has(#score-{4 + n % 2})").click()
        person.page.locator("#evaluation-form button[type=submit]").click()
        expect(person.page.locator(".evaluation .done")).to_be_visible()
    expect(page.locator(".evaluations")).to_contain_text("Dewi: 5/5")
    s.check("7-afsluiting")
    click(anna.page, T("summary.open"))
    summary = anna.page.locator("#summary")
    expect(summary).to_contain_text("Collega haakt af")
    expect(summary).to_contain_text("Vraag hem wat hij nodig heeft (Chris).")
    expect(summary).to_contain_text("Ik voel onrust (Dewi)")
    expect(summary).to_contain_text("Vragen stellen in plaats van invullen.")
    s.shots.append(anna.shot("8-samenvatting-nl").name)
    with anna.page.expect_download() as download:
        click(anna.page, T("summary.download"))
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Vragen stellen in plaats van invullen." in saved and "<script" not in saved
    click(anna.page, T("common.close"))
    for person in group:
        expect(person.page.locator("#summary")).to_have_count(0)

    # the facilitator hands the role to Bram: both views change with the role
    page.locator(".person", has_text="Bram").get_by_role("button", name=T("fac.hand_over")).click()
    expect(bram.page.locator(".script")).to_be_visible()
    expect(bram.page.locator(".evaluations")).to_contain_text("Dewi: 5/5")
    expect(page.locator(".script")).to_have_count(0)
    expect(page.locator("#evaluation-form")).to_be_visible()
    expect(page.locator("#me")).to_contain_text(T("people.role_participant"))

    # proof of participation: only who asked to be named, nothing of the case
    click(chris.page, T("proof.list"))
    expect(chris.page.locator(".proof-block button[aria-pressed=true]")).to_have_text(T("proof.unlist"))
    click(dewi.page, T("proof.open"))
    proof = dewi.page.locator("#proof")
    expect(proof).to_contain_text("Chris")
    expect(proof).not_to_contain_text("Dewi")
    expect(proof).not_to_contain_text("Collega haakt af")
    s.shots.append(dewi.shot("8b-bewijs-van-deelname-nl").name)
    click(dewi.page, T("common.close"), within="#view")

    # the next case: back to the case choice; Anna keeps her own summary
    click(bram.page, T("fac.next_case"))
    click(bram.page, T("fac.next_case_confirm"))
    for person in [page, *[p.page for p in everyone]]:
        expect(person.locator("#phase-name")).to_have_text("Casus kiezen")
        expect(person.locator(".case-text")).to_have_count(0)
    click(anna.page, T("summary.open"))
    expect(anna.page.locator("#summary")).to_contain_text("Collega haakt af")
    expect(chris.page.get_by_role("button", name=T("summary.open"))).to_have_count(0)

    # end and erase: everyone is told, nothing of the room stays in the browsers
    click(bram.page, T("fac.end"))
    click(bram.page, T("fac.end_confirm"))
    for person in [fac, *everyone, screen]:
        expect(person.page.locator(".closed")).to_contain_text(T("closed.ended"))
        left = person.page.evaluate(f"Object.keys(localStorage).filter(k => k.startsWith('kring:{code}'))")
        assert left == [], (person.label, left)
    s.shots.append(bram.shot("9-afgesloten-nl").name)


def propose(person: Person, title: str, question: str) -> None:
    page = person.page
    page.fill("#case-title", title)
    page.fill("#case-question", question)
    page.locator("#propose-form button[type=submit]").click()
    expect(page.locator(".case-item", has_text=title)).to_be_visible()


def ask_by_keyboard(person: Person, text: str) -> None:
    """Tab to the question field, type, tab to the button and press Enter: no mouse."""
    page = person.page
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


def ask(person: Person, text: str) -> None:
    page = person.page
    page.fill("#ask-text", text)
    page.locator("#ask-form button[type=submit]").click()
    expect(page.locator(".question.own", has_text=text)).to_be_visible()


def to_questions_round(s: Session, names: list[str], case_title: str = "Een casus") -> tuple[Person, list[Person]]:
    """A facilitator and `names` through opening and case choice (the first one's case)
    by clicking, as a group would; returns the facilitator and the participants."""
    fac = s.add("facilitator", "/")
    fac.page.locator("#create-form button[type=submit]").click()
    expect(fac.page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
    code = fac.page.url.rsplit("/", 1)[1]
    people = [join(s, name, code) for name in names]
    click(fac.page, T("fac.next", name="Opening"))
    for person in people:
        click(person.page, T("confirm.button"))
    expect(fac.page.locator(".confirmations")).to_contain_text(T("fac.all_confirmed"))
    click(fac.page, T("fac.next", name="Casus kiezen"))
    propose(people[0], case_title, case_title)
    fac.page.locator(".case-item", has_text=case_title).get_by_role("button", name=T("fac.choose")).click()
    people[0].page.fill("#share-text", case_title)
    people[0].page.fill("#share-people", case_title)
    people[0].page.locator("#share-form button[type=submit]").click()
    expect(fac.page.locator(".case-text")).to_have_text(case_title)
    click(fac.page, T("fac.next", name="Vragenronde"))
    for person in people:
        expect(person.page.locator("#phase-name")).to_have_text("Vragenronde")
    return fac, people


def test_user_text_is_shown_as_text(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    try:
        fac, (xss, bram, chris, dewi) = to_questions_round(s, [XSS, "Bram", "Chris", "Dewi"], case_title=XSS)
        ask(bram, XSS)
        for person in s.people:
            page = person.page
            expect(page.locator(".case-text")).to_have_text(XSS)
            expect(page.locator(".question-text").first).to_have_text(XSS)
            expect(page.locator(".people-list")).to_contain_text(XSS)
            assert page.locator("img[src=x]").count() == 0
            assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}  # no alert dialog, no script error
    finally:
        s.close()


def test_offline_and_back_loses_nothing_and_sends_once(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    try:
        fac, (anna, bram, chris, dewi) = to_questions_round(s, ["Anna", "Bram", "Chris", "Dewi"])
        page = bram.page
        ask(bram, "Wat heb je al geprobeerd?")
        bram.context.set_offline(True)
        expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
        # sent while offline: kept and shown as waiting; typed but not sent: kept in the field
        page.fill("#ask-text", "Wie weet hier nog meer van?")
        page.locator("#ask-form button[type=submit]").click()
        expect(page.locator("#connection")).to_contain_text(T("connection.queued_one", count=1))
        page.fill("#ask-text", "Wat zou je collega")
        ask(chris, "Hoe reageert je teamleider?")  # Bram misses this while he is away
        expect(page.locator(".question", has_text="Hoe reageert")).to_have_count(0)
        bram.context.set_offline(False)
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        expect(page.locator("#connection")).not_to_contain_text(T("connection.queued_one", count=1))
        for person in [fac, anna, bram, chris, dewi]:
            expect(person.page.locator(".question")).to_have_count(3)
            expect(person.page.locator(".question", has_text="Wie weet hier nog meer van?")).to_have_count(1)
        expect(page.locator(".question.own")).to_have_count(2)
        expect(page.locator("#ask-text")).to_have_value("Wat zou je collega")
        assert page.evaluate("window.kring.conn.welcomes.at(-1)") == "events"  # resumed, no fresh snapshot
        # a reload (the laptop's browser restarted) resumes too, and keeps the draft
        page.reload()
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        expect(page.locator(".question")).to_have_count(3)
        expect(page.locator("#ask-text")).to_have_value("Wat zou je collega")
        expect(fac.page.locator(".person", has_text="Bram")).to_have_class(re.compile("online"))
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_the_timer_counts_to_the_server_deadline_and_shows_overrun(browser: Browser, base: str) -> None:
    """The countdown arithmetic in the page: the server's deadline, this laptop's clock
    corrected by the measured offset, and an overrun shown as +m:ss."""
    s = Session(browser, base)
    try:
        person = s.add("timer", "/")
        shown = person.page.evaluate(
            """async () => {
              const { clock, secondsLeft } = await import('/static/js/timer.js');
              const server = 1_800_000_000_000;  // the server's clock, in ms
              const running = { running: true, deadline: server / 1000 + 90, remaining: 600 };
              const paused = { running: false, deadline: null, remaining: -75 };
              return [
                clock(secondsLeft(running, server)),           // 1:30 left
                clock(secondsLeft(running, server + 90_000)),  // just at the deadline
                clock(secondsLeft(running, server + 150_500)), // a minute over
                clock(secondsLeft(paused, server)),            // paused after an overrun
                clock(secondsLeft(null, server)),
              ];
            }"""
        )
        assert shown == ["1:30", "0:00", "+1:00", "+1:15", "–:––"]
    finally:
        s.close()


def test_the_roddelmethode_turns_the_inbrenger_away(browser: Browser, base: str, tmp_path: Path) -> None:
    """Chosen in the lobby's method picker; in the gossip round the inbrenger's screen is
    in listen mode, with nothing to send, while the group writes along."""
    s = Session(browser, base)
    try:
        fac = s.add("facilitator", "/")
        fac.page.locator("#create-form button[type=submit]").click()
        expect(fac.page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = fac.page.url.rsplit("/", 1)[1]
        # an own method file with a mistake: the facilitator hears which line and field
        broken = tmp_path / "kapot.toml"
        text = (ROOT / "server" / "rooms" / "methods" / "roddelmethode.toml").read_text(encoding="utf-8")
        broken.write_text(text.replace('inbrenger = "listens"', 'inbrenger = "luistert"'), encoding="utf-8")
        fac.page.locator("#method-upload").set_input_files(str(broken))
        expect(fac.page.locator("#notice")).to_contain_text(re.compile(r"line \d+, phases\[4\]\.inbrenger"))
        fac.page.select_option("#method-choice", "roddelmethode")
        fac.page.locator("#method-form button[type=submit]").click()
        expect(fac.page.locator("#method-title")).to_contain_text("Roddelmethode")
        expect(fac.page.locator(".method-picker")).to_contain_text(NL["start"]["familiarity"])
        people = [join(s, name, code) for name in ("Anna", "Bram", "Chris", "Dewi")]
        anna, group = people[0], people[1:]
        expect(anna.page.locator(".phase-step")).to_contain_text("Roddelmethode")
        click(fac.page, T("fac.next", name="Opening"))
        for person in people:
            click(person.page, T("confirm.button"))
        click(fac.page, T("fac.next", name="Casus en vraag"))
        propose(anna, "Mijn team", "Hoe krijg ik mijn team mee?")
        fac.page.locator(".case-item", has_text="Mijn team").get_by_role("button", name=T("fac.choose")).click()
        anna.page.fill("#share-text", "Mijn team gaat niet mee in de nieuwe werkwijze.")
        anna.page.locator("#share-form button[type=submit]").click()
        expect(fac.page.locator(".case-text")).to_be_visible()
        click(fac.page, T("fac.next", name="Vragenronde"))
        ask(group[0], "Wat heb je al geprobeerd?")
        click(fac.page, T("fac.next", name="Roddelronde"))
        for person in people:
            expect(person.page.locator("#phase-name")).to_have_text("Roddelronde")
        listen = anna.page.locator(".listen")
        expect(listen).to_contain_text(NL["listen"]["title"])
        expect(anna.page.locator("#view form")).to_have_count(0)  # nothing to send
        expect(anna.page.locator("#view textarea")).to_have_count(0)
        group[1].page.fill("#advice-text", "Ze zou het team zelf kunnen laten kiezen.")
        group[1].page.locator("#advice-form button[type=submit]").click()
        for person in [anna, fac, group[0]]:  # the inbrenger reads along, without answering
            expect(person.page.locator(".advice-list")).to_contain_text("laten kiezen")
        s.shots.append(anna.shot("roddelronde-nl").name)
        s.shots.append(group[0].shot("roddelronde-nl").name)
        for person in [fac, anna]:
            assert person.axe() == []
        assert [p.missing_strings() for p in s.people] == [[]] * len(s.people)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_written_notes_stay_hidden_until_the_reveal(browser: Browser, base: str) -> None:
    """Balint's first associations: each sees only their own until the facilitator
    reveals them all at once; the inbrenger listens."""
    s = Session(browser, base)
    try:
        fac = s.add("facilitator", "/")
        fac.page.select_option("#method", "balintmethode")
        fac.page.locator("#create-form button[type=submit]").click()
        expect(fac.page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = fac.page.url.rsplit("/", 1)[1]
        people = [join(s, name, code) for name in ("Anna", "Bram", "Chris", "Dewi", "Eva")]
        anna, group = people[0], people[1:]

        def next_phase(name: str) -> None:
            click(fac.page, T("fac.next", name=name))
            for person in people:
                expect(person.page.locator("#phase-name")).to_have_text(name)

        next_phase("Opening")
        for person in people:
            click(person.page, T("confirm.button"))
        next_phase("Casussen verzamelen en kiezen")
        propose(anna, "Een patiënt", "Hoe ga ik om met zijn boosheid?")
        fac.page.locator(".case-item", has_text="Een patiënt").get_by_role("button", name=T("fac.choose")).click()
        anna.page.fill("#share-text", "Een patiënt wordt steeds bozer.")
        anna.page.locator("#share-form button[type=submit]").click()
        expect(fac.page.locator(".case-text")).to_be_visible()
        next_phase("Eerste associaties")
        expect(anna.page.locator(".listen")).to_be_visible()
        expect(anna.page.locator("#note-form")).to_have_count(0)
        for person in group:
            person.page.fill("#note-text", f"Ik merk dat ik onrustig word ({person.label})")
            person.page.locator("#note-form button[type=submit]").click()
            expect(person.page.locator(".note.own")).to_contain_text(person.label)
        expect(fac.page.locator(".notes")).to_contain_text(T("notes.hidden_count_other", count=4))
        for person in [fac, anna, group[1]]:
            expect(person.page.locator(".notes")).not_to_contain_text("(Bram)")
        s.shots.append(group[0].shot("balint-associaties-nl").name)
        click(fac.page, T("fac.reveal"))
        for person in people:
            expect(person.page.locator(".note")).to_have_count(4)
        assert [p.missing_strings() for p in s.people] == [[]] * len(s.people)
        assert fac.axe() == [] and group[0].axe() == []
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()
