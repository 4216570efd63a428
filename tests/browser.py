"""Real Chromium (Debian's /usr/bin/chromium) through Playwright, for the browser tests:
one browser context per person, screenshots, axe-core and the missing-string check."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from .servers import running_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = ROOT / "client" / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("KRING_CHROMIUM", "/usr/bin/chromium")
CATALOG = ROOT / "client" / "web" / "static" / "i18n"
NL = json.loads((CATALOG / "nl.json").read_text(encoding="utf-8"))
EN = json.loads((CATALOG / "en.json").read_text(encoding="utf-8"))
XSS = "<img src=x onerror=alert(1)>"

expect.set_options(timeout=20_000)  # an upper bound for slow machines, not a measurement


def launch(playwright) -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])


@dataclass
class Person:
    """One person at their own laptop: a browser context with one page."""

    label: str
    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)

    def shot(self, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{step}--{self.label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def missing_strings(self) -> list[str]:
        return self.page.evaluate("window.kringMissing || []")

    def axe(self) -> list[str]:
        """Serious and critical accessibility violations of the page as it is now."""
        result = self.page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
            for v in result
            if v["impact"] in ("serious", "critical")
        ]

    def language(self, lang: str) -> None:
        self.page.locator(f"#language button[data-lang='{lang}']").click()
        expect(self.page.locator("html")).to_have_attribute("lang", lang)


def open_person(browser: Browser, label: str, url: str, init_script: str | None = None) -> Person:
    """`init_script` runs in the page before any of its own (e.g. a clock that runs ahead)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="nl-NL")
    if init_script:
        context.add_init_script(script=init_script)
    if AXE.exists():
        context.add_init_script(path=str(AXE))  # not subject to the page's CSP
    page = context.new_page()
    person = Person(label, context, page)
    page.on(
        "console",
        lambda msg: person.problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda err: person.problems.append(f"page error: {err}"))
    page.on("dialog", lambda d: (person.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "request",
        lambda req: (
            person.problems.append(f"third-party request: {req.url}")
            if not re.match(r"^(https?|wss?)://127\.0\.0\.1:\d+/|^(data|blob):", req.url)
            else None
        ),
    )
    page.goto(url)
    return person


def clean_artifacts(folder: Path = ARTIFACTS) -> Path:
    """An empty screenshot folder for one test module (test-artifacts/<name>)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: the sizes the views are made for: a laptop, a phone, and the projector's wall
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WALL = {"width": 1920, "height": 1080}


def where(page: Page, selector: str) -> str:
    """With the page scrolled to its top: is the (first) element wholly inside the viewport?"""
    return page.evaluate(
        """(sel) => { window.scrollTo(0, 0);
             const el = document.querySelector(sel);
             if (!el) return 'missing';
             const r = el.getBoundingClientRect();
             if (r.width === 0 && r.height === 0) return 'not shown';
             return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth
               ? 'in view'
               : `out of view: top ${Math.round(r.top)}, bottom ${Math.round(r.bottom)} of ${innerHeight}`; }""",
        selector,
    )


def write_report(name: str, data: object) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(data, indent=2, ensure_ascii=False))


def focused(page: Page) -> dict[str, str | None]:
    """Which control has keyboard focus: its key, id and the record it belongs to."""
    return page.evaluate(
        """() => { const a = document.activeElement;
             const rec = a.closest('[data-case],[data-question],[data-person],[data-advice],[data-note]');
             return { tag: a.tagName.toLowerCase(), key: a.dataset.key || null, id: a.id || null,
                      record: rec ? (rec.dataset.case || rec.dataset.question || rec.dataset.person
                                     || rec.dataset.advice || rec.dataset.note) : null }; }"""
    )


def count_mutations(page: Page, selector: str) -> None:
    """From now on, count DOM changes inside `selector` (read with mutations())."""
    page.evaluate(
        """(sel) => { window.kringMutations = 0;
             new MutationObserver((list) => { window.kringMutations += list.length; })
               .observe(document.querySelector(sel),
                        {childList: true, subtree: true, characterData: true, attributes: true}); }""",
        selector,
    )


def mutations(page: Page) -> int:
    return page.evaluate("window.kringMutations")


#: Date.now of a laptop whose clock runs `window.kringSkew` ms ahead (2 minutes to start with)
SKEWED_CLOCK = """
  window.kringSkew = 120000;
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + window.kringSkew;
"""


def wait_until(page: Page, expression: str, timeout_s: float = 60) -> None:
    """Poll `expression` in the page until it is truthy. (wait_for_function would need
    eval, which the page's Content-Security-Policy forbids, rightly.)"""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout_s} s: {expression}")
        page.wait_for_timeout(100)


# The fixtures and helpers the browser test modules share. pytest finds a fixture only in
# the test module's namespace or a conftest.py (which every test would load, and with it
# Playwright), so the browser test modules import these two; named apart so the tests'
# arguments `base` and `browser` do not shadow the import.


@pytest.fixture(scope="module", name="base")
def base_fixture() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def T(key: str, **values: object) -> str:
    """A Dutch UI string from the catalog, as the page shows it."""
    node: object = NL
    for part in key.split("."):
        node = node[part]  # type: ignore[index]  # a catalog is nested dicts, read as JSON
    text = str(node)
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", str(value))
    return text


class Session:
    """The people of one session and the checks run on all their views at each step."""

    def __init__(self, browser: Browser, base: str):
        self.browser = browser
        self.base = base
        self.people: list[Person] = []
        self.axe: dict[str, list[str]] = {}
        self.shots: list[str] = []

    def add(self, label: str, url: str, init_script: str | None = None) -> Person:
        person = open_person(self.browser, label, self.base + url, init_script)
        self.people.append(person)
        return person

    def check(self, step: str, people: list[Person] | None = None, online: bool = True) -> None:
        """Screenshot, axe and both languages for every view, as it is now."""
        for person in self.people if people is None else people:
            if online:
                expect(person.page.locator("#connection")).to_have_attribute("data-state", "online")
            self.shots.append(person.shot(f"{step}-nl").name)
            self.axe_check(person, f"{step}-nl")
            person.language("en")
            self.shots.append(person.shot(f"{step}-en").name)
            self.axe_check(person, f"{step}-en")
            person.language("nl")
            assert person.missing_strings() == [], f"{person.label} at {step}: missing strings"

    def axe_check(self, person: Person, step: str) -> None:
        violations = person.axe()
        if violations:
            self.axe[f"{step}/{person.label}"] = violations

    def close(self) -> None:
        for person in self.people:
            person.context.close()


def click(page: Page, name: str, within: str = "#view") -> None:
    page.locator(within).get_by_role("button", name=name, exact=True).first.click()


def join(session: Session, name: str, code: str, init_script: str | None = None, phase: str = "Binnenkomst") -> Person:
    person = session.add(name if name != XSS else "xss", "/", init_script)
    page = person.page
    page.fill("#code", f"{code[:3].lower()}-{code[3:].lower()}")  # lower case and a dash are fine
    page.fill("#name", name)
    page.locator("#join-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/room/{code}$"))
    expect(page.locator("#phase-name")).to_have_text(phase)
    return person


def propose(person: Person, title: str, question: str) -> None:
    page = person.page
    page.fill("#case-title", title)
    page.fill("#case-question", question)
    page.locator("#propose-form button[type=submit]").click()
    expect(page.locator(".case-item", has_text=title)).to_be_visible()
