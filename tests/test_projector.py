"""The projector in real Chromium at 1920×1080: a facilitator and eight participants (driven
through the Python client over real websockets) go through every round of drie-rondes and
of zes-denkhoeden while the screen shows the room. In every round the wall fits: no
scrolling, nothing cut off, the round title and the items large enough for the back row,
no site header and no language buttons in sight, the join line only while the room is
open, never the inbrenger's warm/lauw/koud, and axe finds nothing serious. A screenshot
per round goes into test-artifacts/projector/."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, expect

from client import KringClient, create_room

from .browser import (
    AXE,
    ROOT,
    WALL,
    Person,
    T,
    base_fixture,  # noqa: F401 (the fixture `base`)
    browser_fixture,  # noqa: F401 (the fixture `browser`)
    clean_artifacts,
)
from .session import settle, ws_url

ARTIFACTS = ROOT / "test-artifacts" / "projector"
NAMES = ["Anna", "Bram", "Chris", "Dewi", "Eva", "Fleur", "Gijs", "Hanna"]
R = TypeVar("R")

QUESTIONS = [
    "Wat gebeurt er precies op het moment dat je collega afhaakt in het overleg?",
    "Sinds wanneer merk je dat het zo gaat, en wat was er toen anders?",
    "Wat zegt je collega zelf als je vraagt hoe het overleg voor hem is?",
    "Hoe reageren de anderen in het team als het gebeurt?",
    "Wat heb je zelf al geprobeerd, en wat leverde dat op?",
    "Wat zou er voor jou anders zijn als het probleem morgen opgelost is?",
    "Welke rol speelt je leidinggevende hierin, volgens jou?",
    "Waar ben je het meest bang voor als je het gesprek aangaat?",
    "Hoe merk je aan jezelf dat het je raakt?",
    "Wat weet je over hoe het met je collega buiten het werk gaat?",
    "Welke afspraken hebben jullie als team over het overleg gemaakt?",
    "Wat heb je nodig om het gesprek met hem te kunnen voeren?",
]


class Loop:
    """An asyncio loop in a thread of its own, for the Python clients next to Playwright."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, R]) -> R:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=60)

    def close(self) -> None:
        async def cancel() -> None:
            here = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not here]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        self.run(cancel())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module", autouse=True)
def _clean_artifacts() -> None:
    clean_artifacts(ARTIFACTS)


@pytest.fixture(name="loop")
def loop_fixture() -> Iterator[Loop]:
    loop = Loop()
    yield loop
    loop.close()


class Room:
    """A facilitator and eight participants through the Python client, and the projector in Chromium."""

    def __init__(self, loop: Loop, browser: Browser, base: str, method: str):
        self.loop = loop
        self.method = method
        self.fac, self.people, self.code = loop.run(self._open(base, method))
        context = browser.new_context(viewport=WALL, locale="nl-NL")
        if AXE.exists():
            context.add_init_script(path=str(AXE))
        page = context.new_page()
        self.screen = Person("screen", context, page)
        page.on("console", lambda m: self.screen.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: self.screen.problems.append(f"page error: {err}"))
        page.goto(f"{base}/room/{self.code}/screen")
        expect(page.locator("#connection")).to_have_attribute("data-state", "online")
        self.report: dict[str, Any] = {}

    @staticmethod
    async def _open(base: str, method: str) -> tuple[KringClient, list[KringClient], str]:
        created = await create_room(base, method=method, facilitator_name="Femke")
        fac = await KringClient(ws_url(base)).resume(created["facilitator_token"])
        people = [await KringClient(ws_url(base)).join(created["code"].lower(), name) for name in NAMES]
        await settle([fac, *people])
        return fac, people, created["code"]

    def close(self) -> None:
        async def close_all() -> None:
            await asyncio.gather(*(c.close() for c in [self.fac, *self.people]))

        self.screen.context.close()
        self.loop.run(close_all())

    @property
    def page(self) -> Page:
        return self.screen.page

    def by_id(self, pid: str) -> KringClient:
        return next(p for p in self.people if p.me["id"] == pid)

    def cmd(self, who: KringClient, t: str, **args: Any) -> dict[str, Any]:
        return self.loop.run(who.command(t, **args))

    def settled(self) -> None:
        """Every client has every event, and the screen shows the room as the server holds it."""
        self.loop.run(settle([self.fac, *self.people]))
        seq = self.fac.mirror.seq
        expect(self.page.locator("#phase-name")).to_have_text(self.phase_name())
        for _ in range(200):
            if self.page.evaluate("window.kring.mirror.seq") >= seq:
                break
            self.page.wait_for_timeout(50)
        assert self.page.evaluate("window.kring.mirror.seq") >= seq

    def phase_name(self) -> str:
        """The current round's name in the screen's language."""
        return str(self.fac.state["phase"]["name"][self.page.evaluate("document.documentElement.lang")])

    def advance(self) -> str:
        self.cmd(self.fac, "advance")
        self.settled()
        return str(self.fac.state["phase"]["id"])

    def check(self, step: str) -> dict[str, Any]:
        """The wall as it is now: fits, large, no header; screenshot and axe."""
        self.settled()
        page = self.page
        page.screenshot(path=str(ARTIFACTS / f"{self.method}-{step}.png"))
        wall = page.evaluate(MEASURE)
        self.report[step] = wall
        where = f"{self.method} {step}"
        assert wall["scrollHeight"] <= wall["innerHeight"], (where, wall)
        assert wall["scrollWidth"] <= wall["innerWidth"], (where, wall)
        assert wall["cut"] == [], (where, wall["cut"])
        assert wall["title"] >= 56, (where, wall["title"])
        assert wall["small"] == [], (where, wall["small"])
        assert wall["items"] > 0, where
        assert wall["header"] == [], (where, wall["header"])
        assert wall["wallTop"] == 0, where
        assert wall["agenda"] == self.phase_name(), where
        # planned minutes for the current round and those to come; a round that is over shows none
        now = self.fac.state["phase"]["index"]
        phases = self.fac.state["method"]["phases"]
        planned = [f"{p['minutes']} min" if p["minutes"] and i >= now else None for i, p in enumerate(phases)]
        assert wall["minutes"] == planned, (where, wall["minutes"])
        assert wall["agendaLines"] <= 2, (where, "the agenda takes more than two lines")
        text = page.locator("#view").inner_text()
        assert not re.search(r"\b(warm|lauw|koud)\b", text, re.I), (where, "a rating on the wall")
        violations = self.screen.axe()
        assert violations == [], (where, violations)
        return wall


#: What the wall shows, measured in the page: sizes, what sticks out, what would scroll.
MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight;
  const shown = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
  const cut = [];
  for (const el of document.querySelectorAll('#view *')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;  // the screen-reader-only headings
    const label = (el.className || el.tagName) + ': ' + (el.textContent || '').slice(0, 40);
    if (r.bottom > vh + 0.5 || r.right > vw + 0.5 || r.top < -0.5 || r.left < -0.5) {
      cut.push('off the wall ' + label);
      continue;
    }
    for (let a = el.parentElement; a && a.id !== 'view'; a = a.parentElement) {
      const st = getComputedStyle(a);
      if (st.overflowY === 'visible' && st.overflowX === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (r.bottom > b.bottom + 0.5 || r.right > b.right + 0.5) { cut.push('cut off ' + label); break; }
    }
  }
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  const ITEMS = '.instruction, .wall-item-text, .perspective-text, .wall-case-question, .wall-order li, '
    + '.screen-speaker, .name-cloud li, .screen-count, .deal-progress';
  const items = [...document.querySelectorAll(ITEMS)].filter(shown);
  const header = [...document.querySelectorAll('.topbar .brand, #me, #language button, #language')]
    .filter(shown).map((el) => el.outerHTML.slice(0, 60));
  const current = document.querySelectorAll('.agenda [aria-current=step]');
  return {
    innerWidth: vw, innerHeight: vh,
    scrollHeight: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth,
    cut,
    title: px(document.getElementById('phase-name')),
    items: items.length,
    small: items.filter((el) => px(el) < 28).map((el) => el.className + ' ' + px(el)),
    itemPx: Math.min(...items.map(px)),
    header,
    wallTop: document.querySelector('.wall')?.getBoundingClientRect().top ?? null,
    agenda: current.length === 1 ? current[0].querySelector('.agenda-name').textContent : null,
    agendaLines: new Set([...document.querySelectorAll('.agenda li')]
      .map((el) => Math.round(el.getBoundingClientRect().top))).size,
    minutes: [...document.querySelectorAll('.agenda li')]
      .map((el) => el.querySelector('.agenda-min')?.textContent.trim() ?? null),
    joinLine: document.querySelectorAll('.join-line, .join-panel').length,
    pages: [...document.querySelectorAll('.pager-pos')].filter(shown).map((el) => el.textContent),
    questions: [...document.querySelectorAll('.question')].map((el) => ({
      text: el.querySelector('.question-text').textContent,
      now: el.getAttribute('aria-current') === 'true', shown: shown(el) })),
  };
}"""


def _run_to_case(room: Room, title: str, question: str) -> KringClient:
    """Lobby, opening and case choice, with a check of the wall in each; returns the inbrenger."""
    wall = room.check("1-binnenkomst")
    assert wall["joinLine"] == 1, "the code and QR code in the lobby"
    expect(room.page.locator(".name-cloud li")).to_have_count(len(NAMES) + 1)
    room.advance()  # opening
    for p in room.people:
        room.cmd(p, "confirm")
    room.check("2-opening")
    room.advance()  # case choice
    inbrenger = room.people[0]
    case = room.cmd(inbrenger, "propose_case", title=title, question=question)["case"]
    room.cmd(room.people[3], "propose_case", title="Nieuwe rol als teamleider", question="Hoe pak ik mijn plek?")
    room.cmd(room.people[5], "propose_case", title="Te veel werk", question="Hoe zeg ik nee tegen nog een project?")
    for i, p in enumerate(room.people):
        room.cmd(p, "vote", case=case if i % 3 else room.fac.state["cases"][1]["id"])
    room.settled()
    expect(room.page.locator(".case-title")).to_have_count(3)
    room.cmd(room.fac, "close_vote")
    room.cmd(room.fac, "choose_case", case=case)
    text = "Mijn collega zegt steeds minder in het overleg."
    room.cmd(inbrenger, "share_case", text=text, people=["de collega", "mijn teamleider"])
    wall = room.check("3-casuskeuze")
    assert wall["joinLine"] == 1, "the room is open: the join line stays"
    expect(room.page.locator(".wall-case-title")).to_have_text(title)
    expect(room.page.locator(".wall-case-question")).to_have_text(question)
    expect(room.page.locator(".case-title.chosen")).to_contain_text(title)
    # the room is locked: nobody can come in late, so the wall no longer says how
    room.cmd(room.fac, "lock", locked=True)
    wall = room.check("3b-casuskeuze-op-slot")
    assert wall["joinLine"] == 0, "locked: no join line"
    expect(room.page.locator(".join-code-small, .join-code, img.qr")).to_have_count(0)
    return inbrenger


def _questions(room: Room, inbrenger: KringClient) -> None:
    """Twelve questions, upvoted, the most upvoted first; the one the inbrenger says they
    answer now ("deze beantwoord ik nu") on top and highlighted, until it is answered."""
    group = room.people[1:]
    ids = []
    for i, text in enumerate(QUESTIONS):
        ids.append(room.cmd(group[i % len(group)], "ask", text=text)["question"])
    for voter in group[1:5]:
        room.cmd(voter, "upvote", question=ids[4], on=True)
    for voter in group[1:3]:
        room.cmd(voter, "upvote", question=ids[9], on=True)
    room.cmd(inbrenger, "rate_question", question=ids[4], rating="koud")
    room.cmd(inbrenger, "rate_question", question=ids[9], rating="warm")
    wall = room.check("4-vragenronde")
    assert len(wall["questions"]) == 12
    assert [q["text"] for q in wall["questions"][:2]] == [QUESTIONS[4], QUESTIONS[9]]
    assert not any(q["now"] for q in wall["questions"])  # nobody said which one is answered
    # the inbrenger answers the second most upvoted one now: it goes on top, highlighted
    room.cmd(inbrenger, "answering", question=ids[9])
    wall = room.check("4b-vragenronde-nu-aan-de-beurt")
    first = wall["questions"][0]
    assert first["text"] == QUESTIONS[9] and first["now"] and first["shown"], wall["questions"][:2]
    assert [q["now"] for q in wall["questions"]].count(True) == 1
    expect(room.page.locator(".question.now .wall-meta")).to_contain_text(T("screen.question_now"))
    # answered: it goes down the list, and nothing is on the table until the next one
    room.cmd(inbrenger, "mark_answered", question=ids[9], answered=True)
    wall = room.check("4c-vragenronde-beantwoord")
    assert wall["questions"][0]["text"] == QUESTIONS[4] and not any(q["now"] for q in wall["questions"])


def test_the_projector_through_drie_rondes(loop: Loop, browser: Browser, base: str) -> None:
    room = Room(loop, browser, base, "drie-rondes")
    try:
        inbrenger = _run_to_case(room, "Collega haakt af", "Hoe blijf ik in gesprek met een collega die afhaakt?")
        assert room.advance() == "vragenronde"
        room.cmd(room.fac, "timer", action="start")
        _questions(room, inbrenger)

        assert room.advance() == "associatieronde"
        room.cmd(room.fac, "deal_cards")
        room.settled()
        group = room.people[1:]
        for i, p in enumerate(group):
            room.cmd(p, "draw_card")
            room.cmd(
                p,
                "perspective",
                texts=[
                    f"Ik voel me overvallen en een beetje alleen staan in dit overleg ({i}).",
                    f"Ik denk dat niemand merkt hoeveel moeite het me kost om mee te doen ({i}).",
                ],
            )
        room.check("5a-associatieronde-geschreven")
        room.cmd(room.fac, "reveal")
        wall = room.check("5b-associatieronde-onthuld")
        expect(room.page.locator(".perspective")).to_have_count(len(group))

        assert room.advance() == "adviesronde"
        wall = room.check("6a-adviesronde")
        expect(room.page.locator(".perspective")).to_have_count(len(group))  # the revealed cards, paged
        shown = room.page.evaluate(
            "[...document.querySelectorAll('.perspective')].filter((el) => el.checkVisibility()).length"
        )
        assert 0 < shown < len(group), shown  # seven cards do not fit on one wall: pages
        assert len(wall["pages"]) == 1, wall["pages"]
        assert re.fullmatch(T("screen.page", n=1, total=r"\d+"), wall["pages"][0]), wall["pages"]
        order = room.fac.state["turns"]["order"]
        expect(room.page.locator(".wall-order li")).to_have_count(len(order))
        for turn in range(3):
            speaker = room.by_id(order[turn])
            expect(room.page.locator(".screen-speaker")).to_have_text(T("turns.speaking", name=speaker.me["name"]))
            expect(room.page.locator(".wall-order li[aria-current=step]")).to_have_text(speaker.me["name"])
            room.cmd(speaker, "advice", text="Benoem in het overleg wat je ziet, en vraag hem wat hij nodig heeft.")
            room.cmd(speaker, "pass_turn")
            room.settled()
        room.check("6b-adviesronde-derde-beurt")
        # the light wall: a small toggle, remembered in this browser after a reload
        assert room.page.evaluate("document.documentElement.dataset.wall") == "dark"
        room.page.locator(".wall-theme").click()
        expect(room.page.locator(".wall-theme")).to_have_attribute("aria-pressed", "true")
        room.page.reload()
        expect(room.page.locator("#connection")).to_have_attribute("data-state", "online")
        expect(room.page.locator("html")).to_have_attribute("data-wall", "light")
        room.check("6c-adviesronde-licht")

        assert room.advance() == "afsluiting"
        room.check("7-afsluiting")
        # and in English, with no string missing
        room.page.evaluate("document.querySelector('#language button[data-lang=en]').click()")
        expect(room.page.locator("html")).to_have_attribute("lang", "en")
        room.check("7b-closing-en")
        assert room.screen.missing_strings() == []
        assert room.screen.problems == []
    finally:
        (ARTIFACTS / "drie-rondes.json").write_text(json.dumps(room.report, indent=2, ensure_ascii=False))
        room.close()


def test_the_projector_through_zes_denkhoeden(loop: Loop, browser: Browser, base: str) -> None:
    room = Room(loop, browser, base, "zes-denkhoeden")
    try:
        question = "Hoe spreek ik mijn collega aan op een vergeten afspraak?"
        inbrenger = _run_to_case(room, "Afspraak niet nagekomen", question)
        assert room.advance() == "vragenronde"
        _questions(room, inbrenger)
        for n, phase in enumerate(["hoeden-1", "hoeden-2", "hoeden-3"], start=1):
            assert room.advance() == phase
            room.check(f"{4 + n}a-{phase}-voor-het-delen")
            room.cmd(room.fac, "deal_cards")
            room.settled()
            deal = room.fac.state["deals"][phase]
            expect(room.page.locator(".hat")).to_have_count(len(deal["cards"]))
            order = room.fac.state["turns"]["order"]
            observer = next(room.by_id(pid) for pid, card in deal["holders"].items() if card == "observator")
            room.cmd(observer, "note", text=f"Iedereen blijft netjes bij de eigen hoed (ronde {n}).")
            for turn, pid in enumerate(order):
                speaker = room.by_id(pid)
                now = room.page.locator(".wall-order li[aria-current=step] .hat-holder")
                expect(now).to_have_text(speaker.me["name"])
                text = f"Vanuit mijn hoed: {speaker.me['name']} let op wat er gebeurt als het overleg stokt."
                room.cmd(speaker, "perspective", texts=[text])
                if turn == 2:
                    room.check(f"{4 + n}b-{phase}-derde-beurt")
                room.cmd(speaker, "pass_turn")
                room.settled()
            room.check(f"{4 + n}c-{phase}-rond")
        assert room.advance() == "nabespreking"
        room.check("8-nabespreking")
        expect(room.page.locator(".perspective")).to_have_count(18)
        assert room.advance() == "afsluiting"
        room.check("9-afsluiting")
        assert room.screen.missing_strings() == []
        assert room.screen.problems == []
    finally:
        (ARTIFACTS / "zes-denkhoeden.json").write_text(json.dumps(room.report, indent=2, ensure_ascii=False))
        room.close()
