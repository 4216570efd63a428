"""Facilitation aids in real Chromium: the rules that flag advice in disguise and closed
questions (static/js/nudges.js), the personal-data check of a case text (privacy.js), and
the prompts they lead to in the participant's view.

The rules are measured on the corpora in tests/corpora: precision and recall per class and
language are printed at the end of the run (conftest.py) and may not fall under a floor."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import (
    EN,
    Session,
    T,
    base_fixture,  # noqa: F401 (the fixture `base`)
    browser_fixture,  # noqa: F401 (the fixture `browser`)
    click,
    join,
    open_person,
    propose,
)

CORPORA = Path(__file__).resolve().parent / "corpora"

# Floors, chosen after measuring. The first part of each corpus was written before the
# rules, and the rules were then written with it in view; a second batch was written after
# the rules and first scored lower (questions nl: advice recall 0.71, closed precision 0.76;
# en: advice recall 0.79, closed precision 0.80; privacy: names precision 0.67, phone recall
# 0.50), after which the rules were tuned on it too. Only the last batch, marked [blind], has
# not been used to tune anything: it is scored on its own as well (too small for a floor).
# So the overall figures overstate how the rules do on text nobody has seen; the floors leave
# room for that and catch regressions.
QUESTION_FLOORS = {"advice": (0.90, 0.85), "closed": (0.90, 0.85), "open": (0.85, 0.85)}  # (precision, recall)
PRIVACY_FLOORS = {
    "email": (1.0, 1.0),
    "phone": (0.90, 0.90),
    "bsn": (1.0, 1.0),
    "birthdate": (0.90, 0.90),
    "name": (0.85, 0.80),
}
KINDS = list(PRIVACY_FLOORS)


@pytest.fixture(scope="module")
def page(browser: Browser, base: str) -> Iterator[Page]:
    """A page of the app to run the modules in, as the browser loads them."""
    person = open_person(browser, "corpus", base + "/")
    yield person.page
    assert person.problems == []
    person.context.close()


def corpus(name: str) -> list[tuple[str, str, bool]]:
    """(label, text, blind) per line; blind: after the "# [blind]" marker, never tuned on."""
    rows = []
    blind = False
    for line in (CORPORA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("# [blind]"):
            blind = True
        elif line.strip() and not line.startswith("#"):
            label, text = line.split("\t")
            rows.append((label.strip(), text.strip(), blind))
    return rows


def scores(pairs: list[tuple[set[str], set[str]]], classes: list[str]) -> dict[str, dict[str, float]]:
    """Precision and recall per class from (expected, found) label sets."""
    out = {}
    for c in classes:
        tp = sum(1 for want, got in pairs if c in want and c in got)
        fp = sum(1 for want, got in pairs if c not in want and c in got)
        fn = sum(1 for want, got in pairs if c in want and c not in got)
        out[c] = {
            "n": tp + fn,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
        }
    return out


def table(title: str, result: dict[str, dict[str, float]], floors: dict[str, tuple[float, float]] | None) -> list[str]:
    head = f"{title:<22} {'class':<10} {'n':>3} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}  floor P/R"
    lines = [head]
    for c, r in result.items():
        floor = f"{floors[c][0]:.2f}/{floors[c][1]:.2f}" if floors else "-"
        lines.append(
            f"{'':<22} {c:<10} {r['n']:>3} {r['tp']:>3} {r['fp']:>3} {r['fn']:>3} "
            f"{r['precision']:>9.2f} {r['recall']:>6.2f}  {floor}"
        )
    return lines


def below(result: dict[str, dict[str, float]], floors: dict[str, tuple[float, float]]) -> list[str]:
    return [
        f"{c}: precision {r['precision']:.2f} recall {r['recall']:.2f} (floor {floors[c][0]}/{floors[c][1]})"
        for c, r in result.items()
        if r["precision"] < floors[c][0] or r["recall"] < floors[c][1]
    ]


def check_questions(page: Page, texts: list[str], lang: str) -> list[dict | None]:
    return page.evaluate(
        """async ([texts, lang]) => {
          const { checkQuestion } = await import('/static/js/nudges.js');
          return texts.map((t) => checkQuestion(t, lang));
        }""",
        [texts, lang],
    )


def personal_data(page: Page, texts: list[str]) -> list[list[dict]]:
    return page.evaluate(
        """async (texts) => {
          const { findPersonalData } = await import('/static/js/privacy.js');
          return texts.map((t) => findPersonalData(t));
        }""",
        texts,
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_question_rules_on_the_corpus(page: Page, figures: list[str], lang: str) -> None:
    rows = corpus(f"questions-{lang}.tsv")
    assert len(rows) >= 60
    assert {label for label, _, _ in rows} == {"advice", "closed", "open"}
    results = check_questions(page, [text for _, text, _ in rows], lang)
    pairs = [({label}, {r["kind"] if r else "open"}) for (label, _, _), r in zip(rows, results, strict=True)]
    classes = ["advice", "closed", "open"]
    result = scores(pairs, classes)
    blind = [pair for pair, row in zip(pairs, rows, strict=True) if row[2]]
    figures.extend(table(f"questions-{lang}", result, QUESTION_FLOORS))
    figures.extend(table(f"questions-{lang} [blind]", scores(blind, classes), None))
    misses = [
        f"  {label} -> {next(iter(got))}: {text}"
        for (label, text, _), (_, got) in zip(rows, pairs, strict=True)
        if {label} != got
    ]
    figures.extend(misses)
    assert below(result, QUESTION_FLOORS) == [], "\n".join(misses)


def test_privacy_rules_on_the_corpus(page: Page, figures: list[str]) -> None:
    rows = corpus("privacy.tsv")
    assert len(rows) >= 40
    results = personal_data(page, [text for _, text, _ in rows])
    pairs = []
    for (label, text, _), found in zip(rows, results, strict=True):
        want = set() if label == "none" else set(label.split(","))
        assert want <= set(KINDS), label
        for f in found:
            assert f["kind"] in KINDS and f["text"] and f["text"] in text, f
        pairs.append((want, {f["kind"] for f in found}))
    result = scores(pairs, KINDS)
    blind = [pair for pair, row in zip(pairs, rows, strict=True) if row[2]]
    figures.extend(table("privacy", result, PRIVACY_FLOORS))
    figures.extend(table("privacy [blind]", scores(blind, KINDS), None))
    misses = [
        f"  {','.join(sorted(want)) or 'none'} -> {','.join(sorted(got)) or 'none'}: {text}"
        for (_, text, _), (want, got) in zip(rows, pairs, strict=True)
        if want != got
    ]
    figures.extend(misses)
    assert below(result, PRIVACY_FLOORS) == [], "\n".join(misses)


def elfproef(number: str) -> bool:
    d = [int(c) for c in number.zfill(9)]
    return any(d) and (sum(w * x for w, x in zip(range(9, 1, -1), d[:8], strict=True)) - d[8]) % 11 == 0


def test_bsn_follows_the_11_proef_exactly(page: Page) -> None:
    rng = random.Random(11)
    numbers = ["111222333", "123456782", "123456789", "000000000", "00000000", "58121821", "12345678"]
    numbers += [str(rng.randrange(10**7, 10**9)) for _ in range(400)]
    valid = [n for n in numbers if elfproef(n)]
    assert len(valid) > 20  # about one in eleven
    js = page.evaluate(
        """async (numbers) => {
          const { elfproef, findPersonalData } = await import('/static/js/privacy.js');
          const flagged = (n) => findPersonalData(`Het nummer is ${n}.`).some((f) => f.kind === 'bsn' && f.text === n);
          return numbers.map((n) => [elfproef(n), flagged(n)]);
        }""",
        numbers,
    )
    assert [a for a, _ in js] == [elfproef(n) for n in numbers]
    assert [b for _, b in js] == [elfproef(n) for n in numbers]


def test_advice_rules_of_both_languages_apply(page: Page) -> None:
    """People switch language mid-sentence: advice is caught whatever the UI language."""
    assert check_questions(page, ["Why don't you just call her?"], "nl")[0]["kind"] == "advice"
    assert check_questions(page, ["Zou je niet gewoon met hem gaan lunchen?"], "en")[0]["kind"] == "advice"
    found = check_questions(page, ["Wat maakt dat je twijfelt?", "What makes you doubt?", "", "   "], "nl")
    assert found == [None, None, None, None]


# --- the prompts in the participant's view -------------------------------------------------


CASE_TEXT = "Je kunt haar mailen op s.devries@zorggroep-noord.nl, haar BSN is 111222333. Ze reageert niet meer."
ADVICE = "Heb je al eens overwogen om het gewoon te vragen?"
OPEN = "Wat maakt dat je het haar nog niet gevraagd hebt?"
CLOSED = "Heb je het gevoel dat ze je ontwijkt?"


def test_the_prompts_in_the_browser(browser: Browser, base: str) -> None:
    s = Session(browser, base)
    try:
        _run(s)
        problems = {p.label: p.problems for p in s.people if p.problems}
        assert s.axe == {}, s.axe
        assert problems == {}
    finally:
        s.close()


def _run(s: Session) -> None:
    fac = s.add("facilitator", "/")
    fac.page.select_option("#method", "drie-rondes")
    fac.page.locator("#create-form button[type=submit]").click()
    expect(fac.page).to_have_url(re.compile(r"/room/[A-Z2-9]{6}$"))
    code = fac.page.url.rsplit("/", 1)[1]
    anna, bram, chris = (join(s, name, code) for name in ("Anna", "Bram", "Chris"))
    click(fac.page, T("fac.next", name="Opening"))
    for person in (anna, bram, chris):
        click(person.page, T("confirm.button"))
    expect(fac.page.locator(".confirmations")).to_contain_text(T("fac.all_confirmed"))
    click(fac.page, T("fac.next", name="Casus kiezen"))
    propose(anna, "Cliënt haakt af", "Hoe houd ik contact?")
    fac.page.locator(".case-item", has_text="Cliënt haakt af").get_by_role("button", name=T("fac.choose")).click()

    # the inbrenger shares a case text with an e-mail address and a BSN: both are flagged
    page = anna.page
    page.fill("#share-text", CASE_TEXT)
    page.fill("#share-people", "de cliënt")
    page.locator("#share-form button[type=submit]").click()
    prompt = page.locator("#privacy-check")
    expect(prompt).to_be_visible()
    expect(prompt).to_have_attribute("role", "status")
    expect(prompt).to_contain_text(T("privacy.title"))
    expect(prompt.locator("li[data-kind=email]")).to_have_text(
        f"{T('privacy.kind_email')}: s.devries@zorggroep-noord.nl"
    )
    expect(prompt.locator("li[data-kind=bsn]")).to_have_text(f"{T('privacy.kind_bsn')}: 111222333")
    expect(prompt.locator("li")).to_have_count(2)
    s.check("nudge-1-privacy")  # axe, screenshots and both languages with the prompt open
    expect(fac.page.locator(".case .muted")).to_have_text(T("case.not_shared"))  # nothing went out
    # "Aanpassen": back in the field, nothing lost
    click(page, T("privacy.edit"))
    expect(prompt).to_have_count(0)
    expect(page.locator("#share-text")).to_be_focused()
    expect(page.locator("#share-text")).to_have_value(CASE_TEXT)
    expect(page.locator("#share-people")).to_have_value("de cliënt")
    # the same text again: the prompt again; "Toch delen" shares it as it is
    page.locator("#share-form button[type=submit]").click()
    expect(prompt).to_be_visible()
    click(page, T("privacy.share_anyway"))
    for person in (fac, bram, chris):
        expect(person.page.locator(".case-text")).to_have_text(CASE_TEXT)
    expect(prompt).to_have_count(0)

    click(fac.page, T("fac.next", name="Vragenronde"))
    for person in (anna, bram, chris):
        expect(person.page.locator("#phase-name")).to_have_text("Vragenronde")

    # advice in disguise: a prompt, not sent
    page = bram.page
    page.fill("#ask-text", ADVICE)
    page.locator("#ask-form button[type=submit]").click()
    nudge = page.locator("#ask-nudge")
    expect(nudge).to_be_visible()
    expect(nudge).to_have_attribute("role", "status")
    expect(nudge).to_have_attribute("data-kind", "advice")
    expect(nudge.locator("p")).to_have_text(T("nudge.advice"))
    bram.language("en")
    expect(nudge.locator("p")).to_have_text(EN["nudge"]["advice"])
    bram.language("nl")
    s.check("nudge-2-advies")
    # "Aanpassen" keeps the text and puts the cursor back in the field
    click(page, T("nudge.edit"))
    expect(nudge).to_have_count(0)
    expect(page.locator("#ask-text")).to_be_focused()
    expect(page.locator("#ask-text")).to_have_value(ADVICE)
    # the same question again: "Toch versturen" sends it, once
    page.locator("#ask-form button[type=submit]").click()
    expect(nudge).to_be_visible()
    click(page, T("nudge.send_anyway"))
    expect(page.locator(".question.own", has_text=ADVICE)).to_be_visible()
    expect(page.locator("#ask-text")).to_have_value("")
    expect(nudge).to_have_count(0)

    # an open question goes straight through
    chris.page.fill("#ask-text", OPEN)
    chris.page.locator("#ask-form button[type=submit]").click()
    expect(chris.page.locator(".question.own", has_text=OPEN)).to_be_visible()
    expect(chris.page.locator("#ask-nudge")).to_have_count(0)

    # a closed question: a prompt; rewritten as an open one, it goes
    chris.page.fill("#ask-text", CLOSED)
    chris.page.locator("#ask-form button[type=submit]").click()
    expect(chris.page.locator("#ask-nudge")).to_have_attribute("data-kind", "closed")
    expect(chris.page.locator("#ask-nudge p")).to_have_text(T("nudge.closed"))
    chris.page.fill("#ask-text", "Waaraan merk je dat ze je ontwijkt?")
    expect(chris.page.locator("#ask-nudge")).to_have_count(0)  # typing takes the prompt away
    chris.page.locator("#ask-form button[type=submit]").click()
    expect(chris.page.locator(".question.own", has_text="Waaraan merk je")).to_be_visible()

    # the facilitator sees exactly the three questions sent, the advice once
    expect(fac.page.locator(".question")).to_have_count(3)
    expect(fac.page.locator(".question", has_text=ADVICE)).to_have_count(1)
    expect(fac.page.locator(".question", has_text=CLOSED)).to_have_count(0)
    for person in (fac, anna, bram, chris):
        assert person.missing_strings() == []
