"""A knock at a locked room, in real Chromium: the latecomer's page says they knock and
waits; the facilitator's cockpit shows the knock at the top, in view (laptop and phone),
in the tab title and the live region; "Binnenlaten" lets the latecomer in and their page
becomes the room, which stays locked. axe finds nothing serious. Screenshots go to
test-artifacts/knock/."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, expect

from .browser import (  # noqa: F401 (the fixtures `base` and `browser`)
    LAPTOP,
    PHONE,
    ROOT,
    Person,
    Session,
    T,
    base_fixture,
    browser_fixture,
    clean_artifacts,
    click,
    join,
    where,
)

SHOTS = ROOT / "test-artifacts" / "knock"


@pytest.fixture(scope="module", autouse=True)
def _clean_shots() -> None:
    clean_artifacts(SHOTS)


def shot(s: Session, person: Person, step: str) -> None:
    """A screenshot of what is seen (the viewport) in both languages, and axe on each."""
    for lang in ("nl", "en"):
        if lang == "en":
            person.language("en")
        person.page.screenshot(path=str(SHOTS / f"{step}-{lang}--{person.label}.png"))
        s.axe_check(person, f"{step}-{lang}")
    person.language("nl")
    assert person.missing_strings() == [], f"{person.label} at {step}: missing strings"


def test_a_latecomer_knocks_and_the_facilitator_lets_them_in(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    try:
        fac = s.add("begeleider", "/")
        page = fac.page
        page.set_viewport_size(LAPTOP)
        page.fill("#facilitator", "Femke")
        page.locator("#create-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
        code = page.url.rsplit("/", 1)[1]
        anna = join(s, "Anna", code)
        click(page, T("fac.lock"))
        expect(page.locator("#view [data-key=lock]")).to_have_attribute("aria-pressed", "true")

        # Eva is late: the room is locked, so she knocks, and her page says so with her name
        eva = s.add("eva", "/")
        eva.page.set_viewport_size(PHONE)
        eva.page.fill("#code", code)
        eva.page.fill("#name", "Eva")
        eva.page.locator("#join-form button[type=submit]").click()
        waiting = eva.page.locator("#knock-waiting")
        expect(waiting).to_contain_text(T("knock.waiting_title", name="Eva"))
        expect(waiting).to_contain_text(T("knock.waiting_text"))
        expect(eva.page.locator("#connection")).to_have_attribute("data-state", "waiting")
        shot(s, eva, "1-klopt-aan")

        # the facilitator sees the request at the top, in view, in the title and the live region
        knock = page.locator("#knocks .knock", has_text=T("knock.request", name="Eva"))
        expect(knock).to_be_visible()
        expect(page).to_have_title(T("signals.knock_title", name="Eva"))
        expect(page.locator("#announce")).to_have_text(T("knock.announce", name="Eva"))
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            assert where(page, "#knocks") == "in view", f"the knock is out of view at {size}"
            label = "laptop" if size is LAPTOP else "telefoon"
            page.screenshot(path=str(SHOTS / f"2-verzoek-{label}-nl--begeleider.png"))
        page.set_viewport_size(LAPTOP)
        shot(s, fac, "2-verzoek")
        # nobody else is told who is at the door
        expect(anna.page.locator("#knocks")).to_have_count(0)
        expect(anna.page.locator("#view")).not_to_contain_text("Eva")

        # "Binnenlaten": Eva's next ask joins the room, which stays locked for everyone else
        knock.get_by_role("button", name=T("knock.let_in"), exact=True).click()
        expect(page.locator("#knocks")).to_have_count(0)
        expect(eva.page.locator("#phase-name")).to_have_text("Binnenkomst")
        expect(eva.page.locator("#connection")).to_have_attribute("data-state", "online")
        expect(page.locator(".people-list .person", has_text="Eva")).to_have_count(1)
        expect(anna.page.locator(".people-list .person", has_text="Eva")).to_have_count(1)
        expect(page).not_to_have_title(re.compile("klopt aan"))
        assert page.evaluate("window.kring.mirror.state.locked") is True
        assert eva.page.evaluate("window.kring.mirror.state.knocks") == []
        shot(s, eva, "3-binnen")
        shot(s, fac, "3-binnen")
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert problems == {}, problems
        assert s.axe == {}, json.dumps(s.axe, indent=2, ensure_ascii=False)
    finally:
        s.close()
