"""The trend on the group page in real Chromium (issue 14): a group that held three
meetings, each ending with anonymous answers to "Was dit de tijd waard?", shows the chart
(an SVG with role="img", its title and a description in words) with a real table of the
same numbers beside it; axe finds nothing serious or critical at 1280x800 and 390x844,
nothing scrolls sideways, and screenshots go to test-artifacts/trend/."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import Browser, expect

from .browser import (  # noqa: F401 (the fixture `browser`)
    LAPTOP,
    PHONE,
    ROOT,
    T,
    browser_fixture,
    clean_artifacts,
    open_person,
)
from .group_client import Member
from .servers import running_server
from .test_groups_meetings import meeting_ids, six
from .test_groups_trend import hold_with_answers

SHOTS = ROOT / "test-artifacts" / "trend"


async def _three_meetings(bea: Member, members: list[Member]) -> None:
    ali, bo, cas, dee, eli = members
    first, second, third = meeting_ids(bea)
    first_answers = {"Bea": (3, "nee"), "Ali": (3, "grotendeels"), "Bo": (2, "nee"), "Cas": (4, "ja")}
    await hold_with_answers(bea, first, [ali, bo, cas, dee], first_answers)
    await hold_with_answers(bea, second, [ali, bo, cas, dee, eli], {"Ali": (5, "ja"), "Eli": (1, None)})
    await hold_with_answers(
        bea, third, [bo, cas, eli], {"Bea": (4, "ja"), "Bo": (5, "ja"), "Cas": (4, "grotendeels"), "Eli": (5, "ja")}
    )


def test_the_trend_chart_renders_with_its_table(browser: Browser, tmp_path: Path) -> None:
    shots = clean_artifacts(SHOTS)
    with running_server({"KRING_DATA_DIR": str(tmp_path / "data")}) as base:
        bea, members = six(base)
        with ThreadPoolExecutor(1) as pool:  # the websocket clients run their own event loop
            pool.submit(asyncio.run, _three_meetings(bea, members)).result()
        eli = members[-1]
        person = open_person(browser, "eli", f"{base}/groep#{eli.link.fragment}")
        try:
            page = person.page
            section = page.locator("section.trend")
            expect(section.locator("h2")).to_have_text(T("worth.trend.title"))
            chart = section.locator("svg.trend-chart")
            expect(chart).to_have_attribute("role", "img")
            expect(chart.locator("title")).to_have_text(T("worth.trend.chart"))
            # the description says the trend in words: from 3,0 to 4,5, going up
            desc = chart.locator("desc").text_content() or ""
            assert "3,0" in desc and "4,5" in desc and T("worth.trend.up") in desc, desc
            assert chart.locator("circle.trend-dot").count() == 2  # the meeting with 2 answers has no average
            table = section.locator("table.trend-table")
            expect(table.locator("caption")).to_have_text(T("worth.trend.caption"))
            rows = table.locator("tbody tr")
            expect(rows).to_have_count(3)
            cells = [[c.strip() for c in rows.nth(i).locator("th, td").all_text_contents()] for i in range(3)]
            assert [r[2:5] for r in cells] == [["5", "3,0", "4"], ["6", T("worth.trend.few"), "2"], ["4", "4,5", "4"]]
            assert cells[0][5] == T("worth.trend.process_counts", ja=1, grotendeels=1, nee=2)
            assert cells[1][5] == T("worth.trend.few")
            report: dict[str, object] = {}
            for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
                page.set_viewport_size(viewport)
                section.scroll_into_view_if_needed()
                report[f"axe-{size}"] = person.axe()
                report[f"sideways-{size}"] = not page.evaluate("document.documentElement.scrollWidth <= innerWidth")
                page.screenshot(path=str(shots / f"group-page-{size}.png"), full_page=True)
                section.screenshot(path=str(shots / f"trend-{size}.png"))
            (shots / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
            assert report == {"axe-laptop": [], "sideways-laptop": False, "axe-phone": [], "sideways-phone": False}
            assert person.missing_strings() == []
            assert person.problems == []
        finally:
            person.context.close()
