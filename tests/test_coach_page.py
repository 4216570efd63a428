"""The first-time facilitator's cockpit in real Chromium (issue 14): a member whom the rota
makes facilitator for the first time starts the meeting from the group; their cockpit says
so and opens the round's checklist (here the opening's), which they may fold; axe finds
nothing serious or critical at 1280x800 and 390x844; screenshots in test-artifacts/coach/."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, expect

from .browser import (  # noqa: F401 (the fixture `browser`)
    LAPTOP,
    NL,
    PHONE,
    ROOT,
    T,
    browser_fixture,
    clean_artifacts,
    open_person,
)
from .servers import running_server
from .test_first_facilitation import _swap_to
from .test_groups_meetings import enter, meeting_ids, six

SHOTS = ROOT / "test-artifacts" / "coach"


def test_a_first_time_facilitator_gets_the_checklist_before_each_round(browser: Browser, tmp_path: Path) -> None:
    shots = clean_artifacts(SHOTS)
    with running_server({"KRING_DATA_DIR": str(tmp_path / "data")}) as base:
        bea, (ali, *_) = six(base)  # Bea is the begeleider
        first = meeting_ids(bea)[0]
        _swap_to(bea, first, ali)
        assert ali.call("POST", f"/meetings/{first}/start", {}).status == 201
        mine = enter(ali, first)
        code, token = mine["code"], mine["token"]
        keep = f"localStorage.setItem('kring:{code}:room', JSON.stringify({{token: '{token}'}}));"
        person = open_person(browser, "ali", f"{base}/room/{code}", init_script=keep)
        try:
            page = person.page
            coach = page.locator("section.coach")
            expect(coach).to_contain_text(T("coach.first_time"))
            page.locator("[data-main-action]").click()  # on to the opening
            items = coach.locator(".checklist[data-kind=opening] li")
            expect(items).to_have_count(len(NL["coach"]["opening"]))
            expect(items.first).to_have_text(NL["coach"]["opening"][0])
            report: dict[str, object] = {}
            for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
                page.set_viewport_size(viewport)
                report[f"axe-{size}"] = person.axe()
                page.screenshot(path=str(shots / f"cockpit-{size}.png"), full_page=True)
            (shots / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
            assert report == {"axe-laptop": [], "axe-phone": []}
            page.set_viewport_size(LAPTOP)
            coach.locator("[data-key=coach-toggle]").click()  # folded on request
            expect(coach.locator(".checklist")).to_have_count(0)
            expect(coach.locator("[data-key=coach-toggle]")).to_have_text(T("coach.show"))
            assert person.missing_strings() == []
            assert person.problems == []

            # the begeleider watches as a silent observer: the room, and nothing to press
            watching = bea.call("POST", f"/meetings/{first}/enter", {"as": "observer"}).body
            keep = f"localStorage.setItem('kring:{code}:room', JSON.stringify({{token: '{watching['token']}'}}));"
            observer = open_person(browser, "bea", f"{base}/room/{code}", init_script=keep)
            try:
                watch = observer.page
                expect(watch.locator("section.observer h2")).to_have_text(T("coach.observer_title"))
                expect(watch.locator("#view form")).to_have_count(0)
                expect(watch.locator("#view button[data-main-action]")).to_have_count(0)
                for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
                    watch.set_viewport_size(viewport)
                    assert observer.axe() == [], size
                    watch.screenshot(path=str(shots / f"observer-{size}.png"), full_page=True)
                assert observer.missing_strings() == [] and observer.problems == []
            finally:
                observer.context.close()
        finally:
            person.context.close()
