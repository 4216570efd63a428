"""A whole session in real Chromium: a facilitator, four participants and a projector
screen, each in its own browser context, click through every round. At each phase every
view is checked, photographed (test-artifacts/browser), run through axe-core and rendered
in Dutch and English without a missing string."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect

from protocol.routing import room_key
from server.rooms import method

from .browser import (
    EN,
    NL,
    ROOT,
    SKEWED_CLOCK,
    XSS,
    Person,
    Session,
    T,
    base_fixture,  # noqa: F401 (the fixture `base`)
    browser_fixture,  # noqa: F401 (the fixture `browser`)
    clean_artifacts,
    click,
    count_mutations,
    focused,
    join,
    mutations,
    propose,
    wait_until,
    write_report,
)
from .servers import ServerProcess, running_redis
from .session import short_method


@pytest.fixture(scope="module", autouse=True)
def _clean_artifacts() -> None:
    """This module's screenshots and reports start from an empty test-artifacts/browser."""
    clean_artifacts()


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
    # the people counted are the people listed; the projector is listed apart
    expect(page.locator(".people h2")).to_have_text(T("people.title_other", count=5))
    expect(page.locator(".people-list:not(.screens) .person")).to_have_count(5)
    expect(page.locator(".people-list.screens .person")).to_have_count(1)
    expect(screen.page.locator("#me")).to_have_text(T("screen.name"))
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
    q.get_by_role("button", name=T("questions.answered_toggle")).click()
    # the rating is Anna's (issue 13): the others see that it was answered, never how
    expect(q).to_contain_text(T("questions.rating_warm"))
    for person in [fac, bram, screen]:
        theirs = person.page.locator(".question", has_text="Sinds wanneer")
        expect(theirs).to_contain_text(T("questions.answered"))
        expect(theirs).not_to_contain_text(T("questions.rating_warm"))
    anna.page.fill("#essence-text", "Ik wil weten wat hij nodig heeft.")
    anna.page.locator("#essence-form button[type=submit]").click()
    expect(chris.page.locator(".essence")).to_contain_text("Ik wil weten wat hij nodig heeft.")
    click(page, T("timer.pause"), within=".controls")
    expect(screen.page.locator(".timer")).not_to_have_class(re.compile("running"))
    expect(screen.page.locator(".timer-label")).to_have_text(T("timer.paused"))
    before = seconds(screen.page.locator("[data-timer]").inner_text())
    click(page, T("timer.plus_minute"), within=".controls")
    for person in [screen, fac, chris]:  # a paused timer shows exactly one minute more
        expect(person.page.locator("[data-timer]")).to_have_text(clock(before + 60))
    # after the opening the code stays on the wall, small, for latecomers
    expect(screen.page.locator(".join-line")).to_contain_text(f"{code[:3]}-{code[3:]}")
    s.check("4-vragenronde")

    # association round: the cards go on the table, each member of the group takes one that
    # only they see and writes per field of it; the facilitator sees counts, then reveals
    click(page, T("fac.next", name="Associatieronde"))
    expect(page.locator(".cards")).to_contain_text(T("fac.deal_hint"))
    click(page, T("fac.deal"))
    cards = {}
    for person in group:
        card = person.page.locator(".card-role")
        expect(card).to_have_text(re.compile(r"\S"))
        cards[person.label] = card.inner_text()
        expect(person.page.locator(".role-card")).to_contain_text(T("cards.private"))
    expect(page.locator(".cards")).to_contain_text(T("cards.taken", taken=3, group=3))
    for other in [fac, anna, screen]:
        expect(other.page.locator(".card-role")).to_have_count(0)
    assert set(cards.values()) <= {"de collega", "mijn teamleider", "De inbrenger zelf"}, cards
    assert len(set(cards.values())) == 3  # every card taken once before any twice
    for person in group:
        person.page.get_by_label("Ik voel …").fill(f"Ik voel onrust ({person.label})")
        person.page.get_by_label("Ik denk …").fill(f"Ik denk: ze ziet me niet ({person.label})")
        person.page.locator("#perspective-form button[type=submit]").click()
        expect(person.page.locator(".cards .done")).to_have_text(T("cards.saved"))
    expect(page.locator(".cards")).to_contain_text(T("cards.written", written=3, of=3))
    for other in [fac, anna, screen, chris]:
        expect(other.page.locator("body")).not_to_contain_text("Ik voel onrust (Bram)")
    s.check("5a-associatieronde-geschreven")
    click(page, T("fac.reveal"))
    for person in [fac, *everyone, screen]:
        expect(person.page.locator(".perspective")).to_have_count(3)
    # each entry under its card's name, each text under its field's label, no names
    entry = bram.page.locator(".perspective", has_text="Ik voel onrust (Chris)")
    expect(entry.locator(".perspective-role")).to_have_text(cards["Chris"])
    # a text that finishes its field's prompt is not shown after the prompt again ("Ik denk … Ik denk: …")
    expect(entry).to_contain_text("Ik denk: ze ziet me niet (Chris)")
    expect(entry).not_to_contain_text("Ik denk … Ik denk")
    for person in [fac, bram, screen]:  # private cards: whose entry is whose stays unknown
        expect(person.page.locator(".perspective-holder")).to_have_count(0)
        assert_fold_matches_snapshot(person)
    s.check("5b-associatieronde-onthuld")

    # advice round: in turn; the inbrenger listens, then responds
    click(page, T("fac.next", name="Adviesronde"))
    expect(anna.page.locator(".listen")).to_be_visible()
    expect(page.locator(".turn-list li")).to_have_count(3)  # (all_inner_texts does not wait)
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
    s.check("8-samenvatting", [anna])
    with anna.page.expect_download() as download:
        click(anna.page, T("summary.download"))
    assert download.value.suggested_filename == f"kring-samenvatting-{code}.html"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Vragen stellen in plaats van invullen." in saved and "<script" not in saved
    anna.language("en")
    with anna.page.expect_download() as download:
        click(anna.page, EN["summary"]["download"])
    assert download.value.suggested_filename == f"kring-summary-{code}.html"
    anna.language("nl")
    click(anna.page, T("common.close"))
    for person in group:
        expect(person.page.locator("#summary")).to_have_count(0)

    # the facilitator hands the role to Bram: both views change with the role
    page.locator(".person", has_text="Bram").locator(".person-menu summary").click()  # one menu per person
    page.locator(".person", has_text="Bram").get_by_role("button", name=T("fac.hand_over")).click()
    expect(bram.page.locator(".script")).to_be_visible()
    expect(bram.page.locator(".evaluations")).to_contain_text("Dewi: 5/5")
    expect(page.locator(".script")).to_have_count(0)
    expect(page.locator("#evaluation-form")).to_be_visible()
    expect(page.locator("#me")).to_contain_text(T("people.role_participant"))

    # proof of participation: only who asked to be named, nothing of the case; asked during
    # the meeting it says it is provisional
    click(chris.page, T("proof.list"))
    expect(chris.page.locator(".proof-block button[aria-pressed=true]")).to_have_text(T("proof.unlist"))
    click(dewi.page, T("proof.open"))
    proof = dewi.page.locator("#proof")
    expect(proof).to_contain_text("Chris")
    expect(proof).not_to_contain_text("Dewi")
    expect(proof).not_to_contain_text("Collega haakt af")
    expect(proof.locator(".provisional-note")).to_have_text(T("proof.provisional"))
    expect(proof).to_contain_text(T("proof.no_facilitator"))
    s.check("8b-bewijs-van-deelname", [dewi])
    with dewi.page.expect_download() as download:
        click(dewi.page, T("summary.download"))
    assert download.value.suggested_filename == f"kring-bewijs-van-deelname-{code}.html"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Chris" in saved and "Collega haakt af" not in saved and "<script" not in saved
    click(dewi.page, T("common.close"), within="#view")
    # a facilitator is named only once they opt in too
    click(bram.page, T("proof.open"))
    expect(bram.page.locator("#proof")).to_contain_text(T("proof.no_facilitator"))
    expect(bram.page.locator("#proof")).not_to_contain_text("Bram")
    click(bram.page, T("common.close"), within="#view")
    click(bram.page, T("proof.list"))
    expect(bram.page.locator(".proof-block button[aria-pressed=true]")).to_have_text(T("proof.unlist"))
    click(bram.page, T("proof.open"))
    expect(bram.page.locator("#proof dd", has_text="Bram")).to_have_count(1)
    click(bram.page, T("common.close"), within="#view")

    # the next case: back to the case choice; Anna keeps her own summary
    click(bram.page, T("fac.next_case"))
    click(bram.page, T("fac.next_case_confirm"))
    for person in [page, *[p.page for p in everyone]]:
        expect(person.locator("#phase-name")).to_have_text("Casus kiezen")
        expect(person.locator(".case-text")).to_have_count(0)
    click(anna.page, T("summary.open"))
    expect(anna.page.locator("#summary")).to_contain_text("Collega haakt af")
    expect(chris.page.get_by_role("button", name=T("summary.open"))).to_have_count(0)

    # end and erase: everyone is told, nothing of the room stays in the browsers; the people
    # (not the projector) get the final proof with the close, to print or download
    click(bram.page, T("fac.end"))
    click(bram.page, T("fac.end_confirm"))
    for person in [fac, *everyone, screen]:
        expect(person.page.locator(".closed")).to_contain_text(T("closed.ended"))
        left = person.page.evaluate(f"Object.keys(localStorage).filter(k => k.startsWith('kring:{code}'))")
        assert left == [], (person.label, left)
    for person in [fac, *everyone]:
        final = person.page.locator("#proof")
        expect(final).to_contain_text("Chris")
        expect(final.locator("dd", has_text="Bram")).to_have_count(1)  # the facilitator who opted in
        expect(final.locator(".provisional-note")).to_have_count(0)
        expect(final).to_contain_text(T("proof.cases"))
        expect(final).not_to_contain_text("Collega haakt af")
    expect(dewi.page.locator("#proof")).to_contain_text(re.compile(r"\d+ minu(ut|ten)"))
    expect(screen.page.locator("#proof")).to_have_count(0)
    with dewi.page.expect_download() as download:
        click(dewi.page, T("summary.download"))
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Chris" in saved and "Bram" in saved and T("proof.provisional") not in saved
    s.check("9-afgesloten", [bram, dewi, screen], online=False)


def seconds(shown: str) -> int:
    """'12:05' -> 725 (a paused timer shows whole seconds)."""
    m, sec = shown.lstrip("+").split(":")
    return (int(m) * 60 + int(sec)) * (-1 if shown.startswith("+") else 1)


def clock(value: int) -> str:
    return f"{'+' if value < 0 else ''}{abs(value) // 60}:{abs(value) % 60:02d}"


def assert_fold_matches_snapshot(person: Person) -> None:
    """The page's mirror, folded event by event, equals the snapshot the server sends a
    fresh page of the same person (a reload asks for the whole room)."""
    page = person.page
    folded = page.evaluate("window.kring.mirror.state")
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    wait_until(page, "window.kring && window.kring.mirror.state !== null")
    assert page.evaluate("window.kring.conn.welcomes.at(-1)") == "snapshot"
    fresh = page.evaluate("window.kring.mirror.state")
    assert folded == fresh, (
        person.label,
        {k: (folded.get(k), fresh.get(k)) for k in fresh if folded.get(k) != fresh[k]},
    )


def bring_in(fac: Page, inbrenger: Person, title: str, question: str, text: str) -> None:
    """`inbrenger` proposes a case, the facilitator chooses it, and they share its text."""
    propose(inbrenger, title, question)
    fac.locator(".case-item", has_text=title).get_by_role("button", name=T("fac.choose")).click()
    inbrenger.page.fill("#share-text", text)
    inbrenger.page.locator("#share-form button[type=submit]").click()
    expect(fac.locator(".case-text")).to_be_visible()


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
        bring_in(
            fac.page,
            anna,
            "Mijn team",
            "Hoe krijg ik mijn team mee?",
            "Mijn team gaat niet mee in de nieuwe werkwijze.",
        )
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
        expect(anna.page.locator(".advice-list button")).to_have_count(0)  # listening: no weighing yet
        s.shots.append(anna.shot("roddelronde-nl").name)
        s.shots.append(group[0].shot("roddelronde-nl").name)
        # the feedback round: now the inbrenger speaks, and weighs the advice
        click(fac.page, T("fac.next", name="Terugkoppeling"))
        advice = anna.page.locator(".advice-list li", has_text="laten kiezen")
        advice.get_by_role("button", name=T("questions.rate_warm")).click()
        warm = f"({T('questions.rating_warm')})"
        expect(advice.get_by_role("button", name=T("questions.rate_warm"))).to_have_attribute("aria-pressed", "true")
        for person in [group[0], fac]:  # the rating is the inbrenger's (issue 13)
            expect(person.page.locator(".advice-list li", has_text="laten kiezen")).not_to_contain_text(warm)
        click(fac.page, T("fac.next", name="Afsluiting"))
        click(anna.page, T("summary.open"))
        expect(anna.page.locator("#summary")).to_contain_text(f"Ze zou het team zelf kunnen laten kiezen. {warm}")
        assert anna.axe() == []
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
        bring_in(fac.page, anna, "Een patiënt", "Hoe ga ik om met zijn boosheid?", "Een patiënt wordt steeds bozer.")
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
        # the notes go home with the inbrenger, under the phase they were written in
        for name in ("Verhelderende vragen", "Adviesronde", "Evaluatie"):
            next_phase(name)
        click(anna.page, T("summary.open"))
        notes = anna.page.locator("#summary .note-phase")
        expect(notes.locator("h3")).to_have_text("Eerste associaties")
        expect(notes.locator("li")).to_have_count(4)
        expect(notes).to_contain_text("Ik merk dat ik onrustig word (Eva)")
        assert anna.axe() == []
        assert [p.missing_strings() for p in s.people] == [[]] * len(s.people)
        assert fac.axe() == [] and group[0].axe() == []
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_redraws_keep_what_people_chose_typed_and_focused(browser: Browser, base: str) -> None:
    """Every room event redraws the view: an unsent choice, an open disclosure, typed text
    and keyboard focus survive it; a refused command leaves its text in the field; the
    connection line is not touched while nothing about the connection changes."""
    s = Session(browser, base)
    try:
        fac = s.add("facilitator", "/")
        page = fac.page
        page.locator("#create-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = page.url.rsplit("/", 1)[1]
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        count_mutations(page, "#connection")

        # the method dropdown keeps its unsent choice and the lock button its focus while people come in
        page.select_option("#method-choice", "balintmethode")
        lock = page.locator("#view [data-key=lock]")
        lock.focus()
        anna, bram, chris = (join(s, name, code) for name in ("Anna", "Bram", "Chris"))
        expect(page.locator(".people-list .person")).to_have_count(4)
        expect(page.locator("#method-choice")).to_have_value("balintmethode")
        assert focused(page)["key"] == "lock"
        page.keyboard.press("Enter")  # locks, by keyboard: the relabelled button keeps focus
        expect(lock).to_have_attribute("aria-pressed", "true")
        assert focused(page)["key"] == "lock"
        page.keyboard.press("Enter")
        expect(lock).to_have_attribute("aria-pressed", "false")
        page.locator("#method-form button[type=submit]").click()
        expect(page.locator("#method-title")).to_contain_text("Balintmethode")  # the one chosen, not the first
        page.select_option("#method-choice", "drie-rondes")
        page.locator("#method-form button[type=submit]").click()
        expect(page.locator("#method-title")).to_contain_text("Drie rondes")

        # "next" by keyboard: focus stays on it into the next phase
        page.locator("#view [data-key=next]").focus()
        page.keyboard.press("Enter")
        for person in (anna, bram, chris):
            expect(person.page.locator("#phase-name")).to_have_text("Opening")
            click(person.page, T("confirm.button"))
        assert focused(page)["key"] == "next"

        # the propose box stays open while Anna types a second case and Bram proposes his
        click(page, T("fac.next", name="Casus kiezen"))
        propose(anna, "Eerste casus", "Hoe begin ik?")
        details = anna.page.locator("details.propose")
        expect(details).to_have_js_property("open", False)  # closed once she has a case in
        anna.page.locator("details.propose summary").click()
        anna.page.fill("#case-title", "Tweede casus")
        propose(bram, "Casus van Bram", "Hoe ga ik verder?")
        expect(anna.page.locator(".case-item", has_text="Casus van Bram")).to_be_visible()
        expect(details).to_have_js_property("open", True)
        expect(anna.page.locator("#case-title")).to_have_value("Tweede casus")
        # a vote by keyboard: focus stays on that case's button, through others' votes too
        first = chris.page.locator(".case-item", has_text="Eerste casus")
        case_id = first.get_attribute("data-case")
        first.locator("[data-key=vote]").focus()
        chris.page.keyboard.press("Enter")
        expect(first.locator("[data-key=vote]")).to_have_attribute("aria-pressed", "true")
        bram.page.locator(".case-item", has_text="Eerste casus").locator("[data-key=vote]").click()
        expect(chris.page.locator(".cases")).to_contain_text(T("cases.cast_other", count=2))
        assert focused(chris.page) == {"tag": "button", "key": "vote", "id": None, "record": case_id}

        page.locator(".case-item", has_text="Eerste casus").get_by_role("button", name=T("fac.choose")).click()
        anna.page.fill("#share-text", "Ik begin in een nieuw team.")
        anna.page.locator("#share-form button[type=submit]").click()
        expect(page.locator(".case-text")).to_be_visible()
        click(page, T("fac.next", name="Vragenronde"))

        # an upvote by keyboard keeps focus, also when someone else asks meanwhile
        ask(chris, "Wat maakt het begin zo lastig?")
        question = bram.page.locator(".question", has_text="begin zo lastig")
        question.locator("[data-key=upvote]").focus()
        bram.page.keyboard.press("Enter")
        expect(question.locator("[data-key=upvote]")).to_have_attribute("aria-pressed", "true")
        ask(chris, "Wie heeft je gevraagd?")
        expect(bram.page.locator(".question")).to_have_count(2)
        assert focused(bram.page)["key"] == "upvote"
        assert focused(bram.page)["record"] == question.get_attribute("data-question")

        # too long for a question: the text stays, the reason stands next to it (since issue 13 the
        # page says so itself, with the count, before sending; the server would refuse it too)
        long = "Wat " + "heel " * 150 + "lastig?"
        bram.page.locator("#ask-text").evaluate(
            "(el, text) => { el.value = text; el.dispatchEvent(new Event('input', {bubbles: true})); }", long
        )
        bram.page.locator("#ask-form button[type=submit]").click()
        expect(bram.page.locator("#ask-form-error")).to_have_text(T("forms.too_long", count=len(long), max=600))
        expect(bram.page.locator("#ask-text")).to_have_value(long)
        expect(bram.page.locator("#ask-text")).to_have_attribute("aria-invalid", "true")
        expect(bram.page.locator("#ask-text")).to_have_attribute("aria-describedby", re.compile("ask-form-error"))
        expect(page.locator(".question", has_text="heel heel")).to_have_count(0)
        typed = "Wat heb je zelf al geprobeerd?"
        bram.page.fill("#ask-text", typed)

        # refused because the round moved on while Bram was offline: kept, and back with "back"
        bram.context.set_offline(True)
        expect(bram.page.locator("#connection")).to_have_attribute("data-state", "offline")
        bram.page.locator("#ask-form button[type=submit]").click()
        expect(bram.page.locator("#ask-form .form-waiting")).to_have_text(T("forms.waiting"))
        click(page, T("fac.next", name="Associatieronde"))
        expect(chris.page.locator("#phase-name")).to_have_text("Associatieronde")
        bram.context.set_offline(False)
        expect(bram.page.locator("#notice")).to_have_text(T("errors.not_allowed"))
        click(page, T("fac.back"))
        expect(bram.page.locator("#phase-name")).to_have_text("Vragenronde")
        expect(bram.page.locator("#ask-text")).to_have_value(typed)
        expect(page.locator(".question", has_text=typed)).to_have_count(0)

        # listening in the advice round: the inbrenger sees the advice without Warm/Lauw/Koud
        click(page, T("fac.next", name="Associatieronde"))
        click(page, T("fac.next", name="Adviesronde"))
        first_speaker = page.locator(".turn-list li.current").inner_text().split(" — ")[0]
        speaker = {"Bram": bram, "Chris": chris}[first_speaker]
        speaker.page.fill("#advice-text", "Vraag je team wat zij van je verwachten.")
        speaker.page.locator("#advice-form button[type=submit]").click()
        expect(anna.page.locator(".advice-list li")).to_have_count(1)
        expect(anna.page.locator(".listen")).to_be_visible()
        expect(anna.page.locator(".advice-list button")).to_have_count(0)

        # an unsent evaluation score survives someone else's evaluation
        click(page, T("fac.next", name="Afsluiting"))
        bram.page.locator("label.scale-item:has(#score-4)").click()
        bram.page.fill("#evaluation-line", "Fijn")
        chris.page.locator("label.scale-item:has(#score-5)").click()
        chris.page.locator("#evaluation-form button[type=submit]").click()
        expect(bram.page.locator(".evaluation .done")).to_have_count(0)
        expect(page.locator(".evaluations")).to_contain_text("Chris: 5/5")
        expect(bram.page.locator("#score-4")).to_be_checked()
        expect(bram.page.locator("#evaluation-line")).to_have_value("Fijn")
        bram.page.locator("#evaluation-form button[type=submit]").click()
        expect(page.locator(".evaluations")).to_contain_text("Bram: 4/5 — Fijn")
        expect(bram.page.locator("#evaluation-line")).to_have_value("")  # taken: the draft goes

        assert mutations(page) == 0  # "Verbonden" was never rewritten, so never re-announced
        s.shots.append(bram.shot("redraw-evaluatie-nl").name)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def turn_away(page: Page, late: Person, name: str) -> None:
    """The facilitator (`page`) answers `name`'s knock with "Niet binnenlaten"; the
    latecomer's page says so, and the request is gone."""
    knock = page.locator("#knocks .knock", has_text=T("knock.request", name=name))
    knock.get_by_role("button", name=T("knock.turn_away"), exact=True).click()
    expect(late.page.locator(".closed")).to_contain_text(T("closed.not_let_in"))
    expect(page.locator("#knocks")).to_have_count(0)


def test_lock_screen_remove_and_co_facilitator(browser: Browser, base: str) -> None:
    """The facilitator's room controls, in the browser: lock (and still open the projector
    screen), remove someone, add a co-facilitator, go back a round."""
    s = Session(browser, base)
    try:
        fac = s.add("facilitator", "/")
        page = fac.page
        page.locator("#create-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = page.url.rsplit("/", 1)[1]
        anna, bram, chris = (join(s, name, code) for name in ("Anna", "Bram", "Chris"))

        # locked: a latecomer is told so
        click(page, T("fac.lock"))
        lock = page.locator("#view [data-key=lock]")
        expect(lock).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".room-controls")).to_contain_text(T("fac.locked_hint"))
        late = s.add("laat", "/")
        late.page.fill("#code", code)
        late.page.fill("#name", "Laat")
        late.page.locator("#join-form button[type=submit]").click()
        expect(late.page.locator("#knock-waiting")).to_contain_text(T("knock.waiting_text"))
        s.axe_check(late, "slot-laatkomer")
        turn_away(page, late, "Laat")  # tests/test_knock.py lets one in

        # the projector opens all the same, with a one-time ticket: the room stays locked
        page.evaluate(
            """() => { const c = window.kring.conn, onEvent = c.onEvent, onAck = c.onAck;
                 window.seen = []; window.tickets = [];
                 c.onEvent = (ev) => { window.seen.push(ev); onEvent(ev); };
                 c.onAck = (id, t, args, result, item) => {
                   if (t === 'screen_ticket') window.tickets.push(result.ticket);
                   onAck(id, t, args, result, item); }; }"""
        )
        requested: list[str] = []
        fac.context.on("request", lambda req: requested.append(req.url))
        with fac.context.expect_page() as opened:
            page.locator(".room-controls [data-key=open-screen]").click()
        screen = opened.value
        expect(screen.locator("#phase-name")).to_have_text("Binnenkomst")  # in the room
        expect(screen.locator(".join-code")).to_have_count(0)  # locked: nobody can join, so no code on the wall
        expect(screen).to_have_url(f"{base}/room/{code}/screen")  # the ticket left the address bar
        expect(page.locator(".people-list.screens .person")).to_have_count(1)
        expect(lock).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".room-controls")).to_contain_text(T("fac.locked_hint"))
        (ticket,) = page.evaluate("window.tickets")
        seen = page.evaluate("window.seen.map(ev => [ev.t, ev.participant && ev.participant.role])")
        assert ["screen_ticket", None] in seen and ["joined", "screen"] in seen
        assert not any(t == "locked" for t, _ in seen), seen  # never unlocked, not for a moment
        assert page.evaluate("window.kring.mirror.state.locked") is True
        assert requested and not [url for url in requested if ticket in url]  # never sent in a URL
        assert screen.evaluate(f"localStorage.getItem('kring:{code}:screen')")  # back with its token after a reload
        # the same ticket a second time: used up, said so on the screen
        used = s.add("beamer-2", f"/room/{code}/screen#ticket={ticket}")
        expect(used.page.locator(".closed")).to_contain_text(T("closed.bad_ticket"))
        expect(used.page.locator(".closed h1")).to_have_text(T("closed.title_not_in"))  # it never was in
        expect(used.page).to_have_url(f"{base}/room/{code}/screen")
        expect(page.locator(".people-list.screens .person")).to_have_count(1)
        s.check("slot-scherm-verlopen", [used], online=False)
        late.page.goto(base + "/")
        late.page.fill("#code", code)
        late.page.fill("#name", "Laat")
        late.page.locator("#join-form button[type=submit]").click()
        expect(late.page.locator("#knock-waiting")).to_contain_text(T("knock.waiting_title", name="Laat"))
        turn_away(page, late, "Laat")
        expect(page.locator(".people-list .person", has_text="Laat")).to_have_count(0)

        # remove Chris, by keyboard: the confirm button takes the focus, then focus stays in his row's place
        row = page.locator(".person", has_text="Chris")
        row.locator(".person-menu summary").focus()  # the person's menu opens from the keyboard
        page.keyboard.press("Enter")
        row.locator("[data-key=remove]").focus()
        page.keyboard.press("Enter")
        expect(row.locator("[data-key=remove]")).to_have_text(T("fac.remove_confirm", name="Chris"))
        assert focused(page)["key"] == "remove"
        page.keyboard.press("Enter")
        expect(chris.page.locator(".closed")).to_contain_text(T("closed.removed"))
        expect(page.locator(".person", has_text="Chris")).to_have_count(0)
        expect(anna.page.locator(".person", has_text="Chris")).to_have_count(0)
        assert focused(page)["tag"] != "body"
        s.check("kamer-verwijderd", [chris], online=False)

        # Bram becomes co-facilitator: his view turns into the facilitator's and he can lead
        page.locator(".person", has_text="Bram").locator(".person-menu summary").click()
        page.locator(".person", has_text="Bram").get_by_role("button", name=T("fac.co_facilitator")).click()
        expect(bram.page.locator(".script")).to_be_visible()
        expect(bram.page.locator("#me")).to_contain_text(T("people.role_facilitator"))
        click(bram.page, T("fac.next", name="Opening"))
        for person in (fac, anna, bram):
            expect(person.page.locator("#phase-name")).to_have_text("Opening")
        expect(screen.locator("#phase-name")).to_have_text("Opening")
        expect(page.locator(".script")).to_be_visible()  # still a facilitator too
        expect(page.locator(".confirmations")).to_contain_text("Anna")
        expect(page.locator(".confirmations")).not_to_contain_text("Bram")  # not a participant any more

        # back a round: everyone is in the lobby again
        click(page, T("fac.back"))
        for person in (fac, anna, bram):
            expect(person.page.locator("#phase-name")).to_have_text("Binnenkomst")
        expect(screen.locator("#phase-name")).to_have_text("Binnenkomst")
        s.check("kamer-medebegeleider", [fac, bram])
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_auto_advance_moves_every_view_on_when_the_time_is_up(browser: Browser, base: str, tmp_path: Path) -> None:
    """The facilitator turns auto-advance on in the timer controls: a running timer that
    runs out moves everyone to the next round, and the participants hear that the time was
    up. Turned off, a timer runs over and nothing moves."""
    s = Session(browser, base)
    try:
        fac = s.add("facilitator", "/")
        page = fac.page
        page.locator("#create-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = page.url.rsplit("/", 1)[1]
        # the reference method with every phase at 0 minutes, as a facilitator's own file
        short = tmp_path / "kort.toml"
        short.write_text(short_method(), encoding="utf-8")
        page.locator("#method-upload").set_input_files(str(short))
        expect(page.locator("#method-title")).to_contain_text(method.load("drie-rondes").name["nl"])
        opening, choice = (p.name["nl"] for p in method.load("drie-rondes").phases[1:3])
        anna, bram = (join(s, name, code) for name in ("Anna", "Bram"))
        screen = s.add("scherm", f"/room/{code}/screen")
        everyone = [fac, anna, bram, screen]
        click(page, T("fac.next", name=opening))
        for person in everyone:
            expect(person.page.locator("#phase-name")).to_have_text(opening)
        for person in (anna, bram):  # (the timer does not move on past someone who has not confirmed)
            click(person.page, T("confirm.button"))
        expect(page.locator("#agreement-warning")).to_have_count(0)

        def run_timer(seconds: int) -> None:
            """A few seconds on the clock (the buttons add a whole minute), then start it."""
            page.evaluate(f"window.kring.conn.command('timer', {{action: 'extend', seconds: {seconds}}})")
            expect(page.locator("[data-timer]")).to_have_text(f"0:0{seconds}")
            click(page, T("timer.start"))

        # on: the timer runs out and every view moves on by itself
        toggle = page.get_by_label(T("timer.auto_advance"))
        expect(toggle).not_to_be_checked()
        toggle.check()
        wait_until(page, "window.kring.mirror.state.auto_advance === true")
        for person in (anna, bram, screen):  # only the facilitator sees the setting
            expect(person.page.locator("#auto-advance")).to_have_count(0)
        s.check("auto-door-aan", [fac])
        run_timer(2)
        for person in everyone:
            expect(person.page.locator("#phase-name")).to_have_text(choice, timeout=60_000)
        for person in (anna, bram):
            expect(person.page.locator("#announce")).to_have_text(T("announce.phase_timer", name=choice))
        expect(toggle).to_be_checked()  # it stays on from round to round
        s.check("auto-door-verder", everyone)

        # off: the next timer runs over, and everyone stays where they are
        toggle.uncheck()
        wait_until(page, "window.kring.mirror.state.auto_advance === false")
        run_timer(1)
        for person in everyone:
            expect(person.page.locator(".timer")).to_have_class(re.compile("overrun"))
        click(page, T("fac.lock"))  # one round trip after the deadline: anything the timer did came before
        for person in (anna, bram):
            wait_until(person.page, "window.kring.mirror.state.locked === true")
        for person in everyone:
            expect(person.page.locator("#phase-name")).to_have_text(choice)
        assert all(p.page.evaluate("window.kring.mirror.state.phase.index") == 2 for p in everyone)
        s.check("auto-door-uit", everyone)
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_reconnects_with_backoff_when_the_server_restarts(browser: Browser, tmp_path: Path) -> None:
    """The server goes down (it closes every socket) and comes back on the same port, on
    the same Redis: the pages knock again with growing pauses, resume where they were,
    send what waited once, and keep what was typed."""
    with running_redis(tmp_path) as redis_server:
        env = {"KRING_REDIS_URL": redis_server.url}
        server = ServerProcess(env)
        s = Session(browser, server.base)
        try:
            fac, (anna, bram, chris) = to_questions_round(s, ["Anna", "Bram", "Chris"])
            ask(chris, "Wat is er gebeurd?")
            page = bram.page
            server.stop()
            for person in (fac, bram):
                expect(person.page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
            wait_until(page, "window.kring.conn.attempt >= 3")  # knocked again and again, waiting longer
            page.fill("#ask-text", "Wie merkt het nog meer?")
            page.locator("#ask-form button[type=submit]").click()
            expect(page.locator("#connection")).to_contain_text(T("connection.queued_one", count=1))
            expect(page.locator("#ask-form .form-waiting")).to_have_text(T("forms.waiting"))
            server.start(env)
            page.fill("#ask-text", "Wat zou je")  # typed while coming back
            for person in (fac, anna, bram, chris):
                expect(person.page.locator("#connection")).to_have_attribute("data-state", "online")
                expect(person.page.locator(".question")).to_have_count(2)
                expect(person.page.locator(".question", has_text="Wie merkt het nog meer?")).to_have_count(1)
            assert page.evaluate("window.kring.conn.welcomes.at(-1)") == "events"  # resumed, no fresh snapshot
            expect(page.locator("#ask-text")).to_have_value("Wat zou je")
            expect(page.locator(".question.own")).to_have_text(re.compile("Wie merkt"))
            problems = {p.label: [x for x in p.problems if "WebSocket" not in x] for p in s.people}
            assert {k: v for k, v in problems.items() if v} == {}
        finally:
            s.close()
            server.stop()


def test_a_room_lost_with_the_server_is_said_so_and_not_knocked_on(browser: Browser) -> None:
    """The memory backend forgets rooms when the server restarts: the page says so and stops."""
    server = ServerProcess()
    s = Session(browser, server.base)
    try:
        fac = s.add("facilitator", "/")
        fac.page.locator("#create-form button[type=submit]").click()
        expect(fac.page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = fac.page.url.rsplit("/", 1)[1]
        expect(fac.page.locator("#connection")).to_have_attribute("data-state", "online")
        server.stop()
        expect(fac.page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
        server.start()
        expect(fac.page.locator(".closed")).to_contain_text(T("closed.bad_token"))
        expect(fac.page.locator("#connection")).to_have_attribute("data-state", "closed")
        attempts = fac.page.evaluate("window.kring.conn.attempt")
        fac.page.evaluate("window.dispatchEvent(new Event('online'))")  # nothing brings it back
        expect(fac.page.locator("#connection")).to_have_attribute("data-state", "closed")
        assert fac.page.evaluate("window.kring.conn.attempt") == attempts
        assert fac.page.evaluate(f"Object.keys(localStorage).filter(k => k.startsWith('kring:{code}'))") == []
    finally:
        s.close()
        server.stop()


def test_the_countdown_follows_the_server_clock_and_shows_overrun(browser: Browser, base: str) -> None:
    """A laptop whose clock runs two minutes ahead shows the same countdown as one that is
    right; when its clock jumps on (as after a sleep) past the deadline, the overrun shows."""
    s = Session(browser, base)
    try:
        fac, (anna, bram, chris) = to_questions_round(s, ["Anna", "Bram", "Chris"])
        code = fac.page.url.rsplit("/", 1)[1]
        skewed = s.add("scheef", f"/room/{code}/screen", init_script=SKEWED_CLOCK)
        expect(skewed.page.locator("#phase-name")).to_have_text("Vragenronde")
        assert skewed.page.evaluate("Date.now() - performance.timeOrigin - performance.now()") > 100_000
        click(fac.page, T("timer.start"), within=".controls")
        for person in (skewed, bram):
            expect(person.page.locator(".timer")).to_have_class(re.compile("running"))
        right = seconds(bram.page.locator("[data-timer]").inner_text())
        ahead = seconds(skewed.page.locator("[data-timer]").inner_text())
        assert right > 60 and abs(right - ahead) <= 5, (right, ahead)  # not two minutes apart

        # the laptop's clock jumps half an hour on: the phase is over its time
        skewed.page.evaluate("window.kringSkew += 30 * 60 * 1000")
        timer = skewed.page.locator(".timer")
        expect(timer).to_have_class(re.compile("overrun"))
        expect(timer.locator(".timer-label")).to_have_text(T("timer.overrun"))
        expect(timer.locator("[data-timer]")).to_have_text(re.compile(r"^\+\d+:\d\d$"))
        over = -seconds(timer.locator("[data-timer]").inner_text())
        now_right = seconds(bram.page.locator("[data-timer]").inner_text())
        assert abs(over + now_right - 30 * 60) <= 5, (over, now_right)  # half an hour on, no more
        s.shots.append(skewed.shot("timer-overrun-nl").name)
        assert skewed.axe() == []
        expect(bram.page.locator(".timer")).not_to_have_class(re.compile("overrun"))
    finally:
        s.close()


def test_the_start_page_helps_choose_a_method(browser: Browser, base: str) -> None:
    """The method picker: purpose, total time, group size and whether the group must know
    each other, in Dutch and English; the start page has no missing string and no serious
    accessibility problem in either language."""
    s = Session(browser, base)
    try:
        person = s.add("start", "/")
        page = person.page
        methods = {m: method.load(m).about() for m in ("drie-rondes", "roddelmethode")}
        for method_id in ("drie-rondes", "roddelmethode"):
            m = methods[method_id]
            page.select_option("#method", method_id)
            expect(page.locator("#method-purpose")).to_have_text(m["purpose"]["nl"])
            meta = T("start.method_meta", low=m["group_size"][0], high=m["group_size"][1], minutes=m["minutes"])
            expect(page.locator("#method-meta")).to_have_text(
                f"{meta}. {NL['start']['familiarity']}" if m["needs_familiarity"] else meta
            )
            expect(page.locator("#method option:checked")).to_have_text(f"{m['name']['nl']} ({m['minutes']} min)")
        assert methods["roddelmethode"]["needs_familiarity"]  # so the line above was checked once
        s.check("start", online=False)
        person.language("en")
        m = methods["roddelmethode"]
        expect(page.locator("#method-purpose")).to_have_text(m["purpose"]["en"])
        expect(page.locator("#method-meta")).to_contain_text(EN["start"]["familiarity"])
        expect(page.locator("#method option:checked")).to_have_text(f"{m['name']['en']} ({m['minutes']} min)")
        expect(page.locator("#create-title")).to_have_text(EN["start"]["create_title"])
        assert person.missing_strings() == []
        # the room opens with the method chosen
        page.locator("#create-form button[type=submit]").click()
        expect(page.locator(".phase-step")).to_contain_text(m["name"]["en"])
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


HATS = ["wit", "rood", "zwart", "geel", "groen", "blauw"]  # the speaking order of the hats
HAT_NAMES = {"wit": "Witte hoed", "rood": "Rode hoed", "zwart": "Zwarte hoed", "geel": "Gele hoed"}
HAT_NAMES |= {"groen": "Groene hoed", "blauw": "Blauwe hoed", "observator": "Observator"}


def hats_shown(page: Page) -> dict[str, str]:
    """Card id -> who holds it, as the table of public cards shows it (own name unmarked)."""
    shown = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.hat')].map(
             li => [li.dataset.card, li.querySelector('.hat-holder').textContent]))"""
    )
    return {card: re.sub(r" \((jij|you)\)$", "", who) for card, who in shown.items()}


def turn_order(page: Page) -> list[tuple[str, str]]:
    """(name, hat) per speaker, as the order of turns shows it."""
    items = page.locator(".turn-list li").all_inner_texts()
    # the type: ignore: every turn reads "name (hat)", so each match is found
    return [re.match(r"^(.+?) \((.+?)\)", item).groups() for item in items]  # type: ignore[union-attr]


def test_six_thinking_hats_in_the_browser(browser: Browser, base: str) -> None:
    """Zes denkhoeden: a facilitator, eight participants (the inbrenger and a group of
    seven: six hats and an observer) and a projector screen. The hats are dealt in public,
    everyone sees who wears which, only the current speaker has the form, what they write
    shows at once, the observer writes named notes, and the next round the hats move on one
    place. Screenshots of every view per round, axe and both languages on each kind of view."""
    s = Session(browser, base)
    try:
        _hats(s)
    finally:
        write_report("axe-hoeden.json", s.axe)
        problems = {p.label: p.problems for p in s.people if p.problems}
        s.close()
    assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
    assert problems == {}, problems


def _hats(s: Session) -> None:
    fac = s.add("facilitator", "/")
    page = fac.page
    page.select_option("#method", "zes-denkhoeden")
    page.fill("#facilitator", "Femke")
    page.locator("#create-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
    code = page.url.rsplit("/", 1)[1]
    screen = s.add("screen", f"/room/{code}/screen")
    names = ["Anna", "Bram", "Chris", "Dewi", "Eva", "Fleur", "Gijs", "Hanna"]
    people = [join(s, name, code) for name in names]
    anna, group = people[0], people[1:]
    by_name = {p.label: p for p in people}

    def next_phase(name: str) -> None:
        click(page, T("fac.next", name=name))
        for person in [*people, screen]:
            expect(person.page.locator("#phase-name")).to_have_text(name)

    next_phase("Opening")
    for person in people:
        click(person.page, T("confirm.button"))
    next_phase("Casus kiezen")
    bring_in(
        page,
        anna,
        "Afspraak niet nagekomen",
        "Hoe spreek ik mijn collega aan op een vergeten afspraak?",
        "Mijn collega kwam een afspraak met een cliënt niet na.",
    )
    next_phase("Vragenronde")
    ask(group[0], "Wat hebben jullie precies afgesproken?")

    # first round: the hats are dealt in public, by seat
    next_phase("Eerste hoedenronde")
    for person in group:
        expect(person.page.locator(".cards")).to_contain_text(T("cards.wait_public"))
    click(page, T("fac.deal_public"))
    expect(page.locator(".hat")).to_have_count(7)
    first = hats_shown(page)
    assert sorted(first) == sorted([*HATS, "observator"]) and sorted(first.values()) == sorted(names[1:]), first
    for person in [*people, screen]:  # everyone sees who wears which hat, the screen too
        expect(person.page.locator(".hat")).to_have_count(7)
        assert hats_shown(person.page) == first, person.label
    observer = by_name[first["observator"]]
    expect(observer.page.locator(".role-card.observer .card-role")).to_have_text("Observator")
    expect(observer.page.locator("#note-form")).to_be_visible()
    expect(observer.page.locator("#perspective-form")).to_have_count(0)
    for name in (first[h] for h in HATS):  # each sees their own hat and what it asks
        card = by_name[name].page.locator(".my-card .card-role")
        expect(card).to_have_text(HAT_NAMES[next(h for h in HATS if first[h] == name)])
    expect(anna.page.locator(".listen")).to_be_visible()
    expect(anna.page.locator(".my-card")).to_have_count(0)
    order = turn_order(page)
    assert order == [(first[h], HAT_NAMES[h]) for h in HATS], order  # white first, blue last, no observer
    _round(s, "hoeden-1", first, by_name, observer, screen, anna)

    # the observer writes named notes, outside the turns, seen by all as written
    observer.page.get_by_label(T("notes.observer_field")).fill("Iedereen blijft netjes bij de eigen hoed.")
    observer.page.locator("#note-form button[type=submit]").click()
    for person in [fac, anna, by_name[first["wit"]], screen]:
        note = person.page.locator(".note", has_text="bij de eigen hoed")
        expect(note).to_contain_text(observer.label)
    expect(observer.page.locator(".note.own")).to_have_count(1)
    s.check("hoeden-1b-observator", [fac, observer, anna, screen])

    # second round: the same seats, the hats move on one place; the observer stays the observer
    next_phase("Tweede hoedenronde")
    expect(page.locator(".hat")).to_have_count(0)
    click(page, T("fac.deal_public"))
    expect(page.locator(".hat")).to_have_count(7)
    second = hats_shown(page)
    for i, hat in enumerate(HATS):
        assert second[HATS[(i + 1) % len(HATS)]] == first[hat], (hat, first, second)
    assert second["observator"] == first["observator"]
    for person in [*people, screen]:
        assert hats_shown(person.page) == second, person.label
    assert turn_order(page) == [(second[h], HAT_NAMES[h]) for h in HATS]
    _round(s, "hoeden-2", second, by_name, observer, screen, anna, speakers=2)
    for person in [fac, anna, observer, by_name[second["wit"]], screen]:
        assert_fold_matches_snapshot(person)

    # the debrief: the rounds' contributions, round by round, for the inbrenger to respond to
    next_phase("Derde hoedenronde")
    next_phase("Nabespreking")
    earlier = anna.page.locator(".perspectives.earlier")
    expect(earlier.locator("h3")).to_have_text(["Eerste hoedenronde", "Tweede hoedenronde"])
    expect(earlier.locator(".perspective")).to_have_count(8)
    expect(earlier).to_contain_text(f"Witte hoed · {first['wit']}")
    s.check("hoeden-3-nabespreking", [fac, anna, screen])


def _round(
    s: Session,
    phase: str,
    hats: dict[str, str],
    by_name: dict[str, Person],
    observer: Person,
    screen: Person,
    inbrenger: Person,
    speakers: int = len(HATS),
) -> None:
    """One round of hats: in hat order, only the current speaker has the form; what they
    write shows at once for everyone; they pass the turn. After `speakers` turns the
    facilitator passes the next one. Screenshots of every view after the first turn."""
    fac = s.people[0]
    wearers = [by_name[hats[h]] for h in HATS]
    for i, hat in enumerate(HATS[:speakers]):
        speaker = wearers[i]
        expect(speaker.page.locator(".my-turn")).to_contain_text(T("turns.yours"))
        expect(speaker.page.locator("#perspective-form")).to_be_visible()
        for other in [*wearers, observer, inbrenger]:
            if other is not speaker:
                expect(other.page.locator("#perspective-form")).to_have_count(0)
                expect(other.page.locator(".speaker")).to_have_text(T("turns.speaking", name=speaker.label))
        expect(fac.page.locator(".turn-list li.current")).to_contain_text(speaker.label)
        text = f"Vanuit de {HAT_NAMES[hat].lower()}: {speaker.label} ziet het zo."
        speaker.page.get_by_label("Vanuit mijn hoed …").fill(text)
        speaker.page.locator("#perspective-form button[type=submit]").click()
        expect(speaker.page.locator(".perspective-write .done")).to_have_text(T("cards.saved_public"))
        for person in [fac, inbrenger, observer, screen]:  # shown as written, with who wrote it
            entry = person.page.locator(".perspective", has_text=text)
            expect(entry.locator(".perspective-role")).to_have_text(f"{HAT_NAMES[hat]} · {speaker.label}")
            expect(person.page.locator(".perspectives .perspective")).to_have_count(i + 1)
        if i == 0:
            step = f"{phase}a-eerste-beurt"
            s.check(step, [fac, speaker, wearers[1], observer, inbrenger, screen])
            for person in s.people[1:]:
                if person not in (speaker, wearers[1], observer, inbrenger, screen):
                    s.shots.append(person.shot(f"{step}-nl").name)
        click(speaker.page, T("turns.pass"))
    if speakers < len(HATS):  # the facilitator closes a turn too
        nxt = wearers[speakers]
        expect(nxt.page.locator("#perspective-form")).to_be_visible()
        click(fac.page, T("fac.pass", name=nxt.label))
        expect(nxt.page.locator("#perspective-form")).to_have_count(0)
        expect(wearers[speakers + 1].page.locator("#perspective-form")).to_be_visible()


def test_the_group_is_told_when_the_facilitator_is_away(browser: Browser, base: str) -> None:
    """No facilitator online: the participants who could take over (not the inbrenger, not
    the projector) see since when, and the countdown to the moment one of them may, by the
    server's clock. A laptop whose clock jumps five minutes on shows the take-over button;
    the server, whose own clock is not there yet, refuses, and the page says why (the
    take-over itself needs five real minutes: the integration tests cover it). When the
    facilitator comes back, the banner goes."""
    s = Session(browser, base)
    try:
        fac, (anna, bram, chris) = to_questions_round(s, ["Anna", "Bram", "Chris"])
        code = fac.page.url.rsplit("/", 1)[1]
        screen = s.add("screen", f"/room/{code}/screen")
        dewi = join(s, "Dewi", code, init_script=SKEWED_CLOCK, phase="Vragenronde")
        for person in (bram, dewi):
            expect(person.page.locator("#away")).to_have_count(0)

        fac.page.close()  # the facilitator's laptop goes away
        title = re.compile(re.escape(T("away.title", time="TIME")).replace("TIME", r"\d\d:\d\d"))
        for person in (bram, chris, dewi):
            banner = person.page.locator("#away")
            expect(banner.locator("h2")).to_have_text(title)
            expect(banner).to_have_attribute("data-open", "false")
            expect(banner.locator("[data-countdown]")).to_have_text(re.compile(r"^[45]:\d\d$"))
            expect(banner.get_by_role("button", name=T("away.claim"))).to_have_count(0)
        expect(bram.page.locator("#announce")).to_have_text(title)
        # a clock two minutes ahead counts down to the same moment
        right = seconds(bram.page.locator("[data-countdown]").inner_text())
        ahead = seconds(dewi.page.locator("[data-countdown]").inner_text())
        assert right > 200 and abs(right - ahead) <= 5, (right, ahead)
        expect(bram.page.locator("[data-countdown]")).not_to_have_text(clock(right))  # it runs
        for person in (anna, screen):  # the inbrenger and the projector are not asked to lead
            expect(person.page.locator("#phase-name")).to_have_text("Vragenronde")
            expect(person.page.locator("#away")).to_have_count(0)
        s.check("weg-1-aftellen", [bram, dewi, anna, screen])

        # Dewi's clock jumps five minutes on: the button shows; the server's clock decides
        dewi.page.evaluate("window.kringSkew += 5 * 60 * 1000")
        banner = dewi.page.locator("#away")
        expect(banner).to_have_attribute("data-open", "true")
        expect(banner).to_contain_text(T("away.open"))
        click(dewi.page, T("away.claim"))
        expect(dewi.page.locator("#notice")).to_have_text(T("away.refused"))
        expect(dewi.page.locator("#me")).to_contain_text(T("people.role_participant"))
        expect(bram.page.locator("#away")).to_have_attribute("data-open", "false")
        s.check("weg-2-overnemen", [dewi])

        # the facilitator is back: the banner goes, for everyone
        again = fac.context.new_page()
        again.goto(f"{base}/room/{code}")
        expect(again.locator(".script")).to_be_visible()
        for person in (bram, chris, dewi):
            expect(person.page.locator("#away")).to_have_count(0)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
    finally:
        s.close()


def test_questions_in_turn_and_when_the_inbrenger_may_react(browser: Browser, base: str) -> None:
    """The incidentmethode asks its factual questions in turn: only the current speaker has
    the question form, and the inbrenger (who speaks here) marks and rates them. Where the
    inbrenger listens to the round of what each would do, there is nothing to rate; once
    they may respond, they weigh what was said."""
    s = Session(browser, base)
    try:
        fac = s.add("facilitator", "/")
        page = fac.page
        page.select_option("#method", "incidentmethode")
        page.locator("#create-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = page.url.rsplit("/", 1)[1]
        anna, bram, chris = people = [join(s, name, code) for name in ("Anna", "Bram", "Chris")]

        def next_phase(name: str) -> None:
            click(page, T("fac.next", name=name))
            for person in people:
                expect(person.page.locator("#phase-name")).to_have_text(name)

        next_phase("Opening")
        for person in people:
            click(person.page, T("confirm.button"))
        next_phase("Het incident")
        bring_in(
            page,
            anna,
            "Een boze ouder",
            "Wat doe je als een ouder gaat schreeuwen?",
            "Een ouder begon te schreeuwen bij het ophalen.",
        )

        next_phase("Feitelijke vragen")
        expect(bram.page.locator(".my-turn #ask-form")).to_be_visible()
        expect(chris.page.locator("#ask-form")).to_have_count(0)
        expect(chris.page.locator(".speaker")).to_have_text(T("turns.speaking", name="Bram"))
        expect(anna.page.locator(".listen")).to_have_count(0)  # she answers the questions
        ask(bram, "Hoe laat was het precies?")
        question = anna.page.locator(".question", has_text="Hoe laat")
        question.get_by_role("button", name=T("questions.answered_toggle")).click()
        expect(chris.page.locator(".question", has_text="Hoe laat")).to_contain_text(T("questions.answered"))
        s.check("beurt-1-feitenvragen", [bram, chris, anna])
        click(bram.page, T("turns.pass"))
        expect(chris.page.locator(".my-turn #ask-form")).to_be_visible()
        expect(bram.page.locator("#ask-form")).to_have_count(0)
        expect(bram.page.locator(".question.own")).to_have_count(1)  # his question, still his

        # the round of what each would do: in turn, the inbrenger listens and rates nothing
        next_phase("Is het beeld helder?")
        next_phase("Bespreking zonder inbrenger")
        expect(anna.page.locator(".listen")).to_contain_text(NL["listen"]["leave_title"])
        next_phase("Wat zou jij doen?")
        next_phase("Om de beurt vertellen")
        expect(anna.page.locator(".listen")).to_contain_text(NL["listen"]["title"])
        bram.page.fill("#advice-text", "Ik zou eerst rustig naar buiten lopen.")
        bram.page.locator("#advice-form button[type=submit]").click()
        expect(anna.page.locator(".advice-list li")).to_have_count(1)
        expect(anna.page.locator(".advice-list button")).to_have_count(0)

        # now the inbrenger speaks: she weighs what was said, for herself (issue 13)
        next_phase("Wat de inbrenger deed")
        expect(anna.page.locator(".listen")).to_have_count(0)
        advice = anna.page.locator(".advice-list li", has_text="rustig naar buiten")
        advice.get_by_role("button", name=T("questions.rate_warm")).click()
        expect(advice.get_by_role("button", name=T("questions.rate_warm"))).to_have_attribute("aria-pressed", "true")
        expect(bram.page.locator(".advice-list li")).not_to_contain_text(f"({T('questions.rating_warm')})")
        expect(anna.page.locator("#response-form")).to_be_visible()
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_the_case_waits_for_the_agreement(browser: Browser, base: str) -> None:
    """A participant who has not confirmed confidentiality gets nothing of the case: the
    facilitator is warned by name before moving on and must say "Toch verder"; the
    participant's page then asks them to confirm first, at the top, and not one frame
    they received holds the case. Once they confirm, the case is there."""
    s = Session(browser, base)
    secret_title, secret_text, secret_person = "Geheime titel", "Dit blijft in de kamer", "mijn teamleider Joop"
    try:
        fac = s.add("facilitator", "/")
        fac.page.locator("#create-form button[type=submit]").click()
        expect(fac.page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = fac.page.url.rsplit("/", 1)[1]
        anna, bram = join(s, "Anna", code), join(s, "Bram", code)
        # Chris: every websocket frame his page receives, from the first one on
        chris = s.add("Chris", "/")
        received: list[str] = []
        sockets: list[str] = []

        def watch(ws: WebSocket) -> None:
            sockets.append(ws.url)
            ws.on(
                "framereceived",
                lambda payload: received.append(
                    payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
                ),
            )

        chris.page.on("websocket", watch)
        chris.page.fill("#code", code)
        chris.page.fill("#name", "Chris")
        chris.page.locator("#join-form button[type=submit]").click()
        expect(chris.page.locator("#phase-name")).to_have_text("Binnenkomst")
        # the room's routing key for a balancer (protocol/routing.py), and nothing else
        assert sockets and all(u.endswith(f"/ws?room={room_key(code)}") for u in sockets), sockets

        click(fac.page, T("fac.next", name="Opening"))
        for person in (anna, bram):
            click(person.page, T("confirm.button"))
        warning = fac.page.locator("#agreement-warning")
        expect(warning).to_contain_text(T("agreement.warning", names="Chris"))
        anyway = warning.get_by_role("button", name=T("agreement.anyway"))
        expect(anyway).to_be_in_viewport()
        click(fac.page, T("fac.next", name="Casus kiezen"))  # "next" leads to the choice: move on anyway or wait
        expect(anyway).to_be_focused()
        expect(fac.page.locator("#phase-name")).to_have_text("Opening")
        s.check("vertrouwelijk-1-waarschuwing", [fac])
        click(fac.page, T("agreement.anyway"))
        expect(fac.page.locator("#phase-name")).to_have_text("Casus kiezen")

        propose(anna, secret_title, "Hoe zeg ik het?")
        fac.page.locator(".case-item", has_text=secret_title).get_by_role("button", name=T("fac.choose")).click()
        anna.page.fill("#share-text", secret_text)
        anna.page.fill("#share-people", secret_person)
        anna.page.locator("#share-form button[type=submit]").click()
        expect(bram.page.locator(".case-text")).to_have_text(secret_text)
        click(fac.page, T("fac.next", name="Vragenronde"))
        expect(bram.page.locator("#phase-name")).to_have_text("Vragenronde")
        ask(bram, "Wat wil je van Joop?")
        expect(fac.page.locator(".question-text")).to_have_count(1)

        page = chris.page
        expect(page.locator("#phase-name")).to_have_text("Vragenronde")
        first = page.locator("#agreement-first")
        expect(first.locator("h2")).to_have_text(T("agreement.first_title"))
        expect(first.get_by_role("button", name=T("confirm.button"))).to_be_in_viewport()
        assert page.locator("#view section").nth(1).get_attribute("id") == "agreement-first"  # right under the round
        shown = page.locator("body").inner_text()
        wire = "\n".join(received)
        assert any("withheld" in f for f in received)
        for secret in (secret_title, secret_text, secret_person, "Hoe zeg ik het?", "Wat wil je van Joop?"):
            assert secret not in shown, secret
            assert secret not in wire, secret
        s.check("vertrouwelijk-2-eerst-bevestigen", [chris])

        click(page, T("confirm.button"))
        expect(page.locator(".case-text")).to_have_text(secret_text)
        expect(page.locator(".question-text")).to_have_text("Wat wil je van Joop?")
        expect(page.locator("#agreement-first")).to_have_count(0)
        expect(fac.page.locator(".confirmations")).to_have_count(0)  # (the opening is over)
        s.check("vertrouwelijk-3-bevestigd", [chris, fac])
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
    finally:
        s.close()


def test_the_inbrenger_keeps_her_summary_after_the_end_and_her_ratings_are_hers(browser: Browser, base: str) -> None:
    """Issue 13: warm/lauw/koud shows on no page but the inbrenger's (the facilitator's and
    the projector's included), and when the facilitator ends the meeting the inbrenger's
    ended page still offers her summary, ratings and all, to print or download."""
    s = Session(browser, base)
    try:
        title = "Een collega die afhaakt"
        fac, (anna, bram, chris) = to_questions_round(s, ["Anna", "Bram", "Chris"], case_title=title)
        ask(bram, "Wat heb je al geprobeerd?")
        q = anna.page.locator(".question", has_text="al geprobeerd")
        q.get_by_role("button", name=T("questions.rate_koud")).click()
        q.get_by_role("button", name=T("questions.answered_toggle")).click()
        koud = T("questions.rating_koud")
        expect(q).to_contain_text(koud)
        for person in (fac, bram, chris):
            item = person.page.locator(".question", has_text="al geprobeerd")
            expect(item).to_contain_text(T("questions.answered"))
            expect(item).not_to_contain_text(koud)
            assert '"koud"' not in json.dumps(person.page.evaluate("window.kring.mirror.state"))
        for name in ("Associatieronde", "Adviesronde", "Afsluiting"):
            click(fac.page, T("fac.next", name=name))
            expect(anna.page.locator("#phase-name")).to_have_text(name)
        anna.page.fill("#takeaway-text", "Ik ga morgen met hem praten.")
        anna.page.locator("#takeaway-form button[type=submit]").click()
        expect(bram.page.locator("#view")).to_contain_text("Ik ga morgen met hem praten.")

        click(fac.page, T("fac.end"))
        click(fac.page, T("fac.end_confirm"))
        for person in (fac, anna, bram, chris):
            expect(person.page.locator(".closed")).to_contain_text(T("closed.ended"))
        for person in (fac, bram, chris):
            expect(person.page.locator("#kept-summary")).to_have_count(0)
        kept = anna.page.locator("#kept-summary")
        expect(kept).to_contain_text(T("summary.kept_text"))
        s.check("einde-samenvatting-bewaard", [anna, bram], online=False)
        click(anna.page, T("summary.open"))
        summary = anna.page.locator("#summary")
        expect(summary).to_contain_text("Ik ga morgen met hem praten.")
        expect(summary).to_contain_text("Wat heb je al geprobeerd?")
        expect(summary).to_contain_text(koud)
        s.check("einde-samenvatting-open", [anna], online=False)
        with anna.page.expect_download() as download:
            click(anna.page, T("summary.download"))
        saved = Path(download.value.path()).read_text(encoding="utf-8")
        assert "Ik ga morgen met hem praten." in saved and "<script" not in saved
        click(anna.page, T("common.close"))
        expect(anna.page.locator("#kept-summary")).to_be_visible()
        expect(anna.page.locator("#proof")).to_be_visible()
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_a_blank_or_too_long_text_is_said_so_and_never_cut(browser: Browser, base: str) -> None:
    """Issue 13: a question of only spaces is not ignored silently and a 5,000-character one
    is not cut to 600: the form says why next to the field, the text stays as typed, and a
    counter near the limit shows how much still fits."""
    s = Session(browser, base)
    try:
        fac, (anna, bram, chris) = to_questions_round(s, ["Anna", "Bram", "Chris"])
        page = bram.page
        page.fill("#ask-text", "   ")
        page.locator("#ask-form button[type=submit]").click()
        expect(page.locator("#ask-form-error")).to_have_text(T("forms.blank"))
        expect(page.locator("#ask-text")).to_be_focused()
        long = "Waarom " + "x" * 4993
        page.fill("#ask-text", long)
        expect(page.locator("#ask-text-count")).to_have_text(T("forms.over_other", count=4400))
        page.locator("#ask-form button[type=submit]").click()
        expect(page.locator("#ask-form-error")).to_have_text(T("forms.too_long", count=5000, max=600))
        assert page.locator("#ask-text").input_value() == long  # nothing cut
        expect(page.locator("#ask-text")).to_have_attribute("aria-invalid", "true")
        s.check("te-lange-vraag", [bram])
        page.fill("#ask-text", "Wat " + "y" * 520)
        expect(page.locator("#ask-text-count")).to_have_text(T("forms.left_other", count=76))
        page.fill("#ask-text", "Wat wil je?")
        expect(page.locator("#ask-text-count")).to_be_hidden()
        page.locator("#ask-form button[type=submit]").click()
        expect(anna.page.locator(".question")).to_have_count(1)
        expect(page.locator("#ask-form-error")).to_have_count(0)
        # the same for every text form: the essence, through textFieldForm
        anna.page.fill("#essence-text", " \n ")
        anna.page.locator("#essence-form button[type=submit]").click()
        expect(anna.page.locator("#essence-form-error")).to_have_text(T("forms.blank"))
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()


def test_each_participant_is_asked_once_and_the_proof_lists_who_agreed(browser: Browser, base: str) -> None:
    """Issue 13: in the last round each participant is asked, at the top of their view,
    whether their name may be on the proof; the proof lists everyone who said yes and how
    many took part in all."""
    s = Session(browser, base)
    try:
        fac, (anna, bram, chris) = to_questions_round(s, ["Anna", "Bram", "Chris"])
        for person in (anna, bram, chris):
            expect(person.page.locator("#proof-ask")).to_have_count(0)  # not before the last round
        for name in ("Associatieronde", "Adviesronde", "Afsluiting"):
            click(fac.page, T("fac.next", name=name))
            expect(bram.page.locator("#phase-name")).to_have_text(name)
        for person in (anna, bram, chris):
            ask_box = person.page.locator("#proof-ask")
            expect(ask_box).to_contain_text(T("proof.ask_title"))
            # at the top of the view: the first part after the round's header
            below = person.page.evaluate("document.querySelectorAll('#view section')[1]?.id")
            assert below == "proof-ask", (person.label, below)
        s.check("bewijs-gevraagd", [bram])
        click(anna.page, T("proof.ask_yes"))
        click(bram.page, T("proof.ask_yes"))
        click(chris.page, T("proof.ask_no"))
        for person in (anna, bram, chris):
            expect(person.page.locator("#proof-ask")).to_have_count(0)
        expect(anna.page.locator(".proof-block button[aria-pressed=true]")).to_have_text(T("proof.unlist"))
        chris.page.reload()  # asked once: the answer is remembered
        expect(chris.page.locator("#phase-name")).to_have_text("Afsluiting")
        expect(chris.page.locator("#proof-ask")).to_have_count(0)
        click(fac.page, T("fac.end"))
        click(fac.page, T("fac.end_confirm"))
        final = chris.page.locator("#proof")
        expect(final).to_contain_text("Anna, Bram")
        expect(final).not_to_contain_text("Chris")
        expect(final).to_contain_text(T("proof.took_part_other", count=4))
        s.check("bewijs-na-vragen", [chris], online=False)
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}
    finally:
        s.close()
