"""Real Chromium (Debian's /usr/bin/chromium) through Playwright, for the browser tests:
one browser context per person, screenshots, axe-core and the missing-string check."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = ROOT / "client" / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("KRING_CHROMIUM", "/usr/bin/chromium")

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


def open_person(browser: Browser, label: str, url: str) -> Person:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="nl-NL")
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


def clean_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def write_report(name: str, data: object) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(data, indent=2, ensure_ascii=False))
