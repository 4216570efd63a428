"""A member's action in real Chromium (issue 14): Ali opens her group link (so it is in
"Mijn groepen"), enters meeting 1 as the group page does (store.js groupMeeting and her room
token in localStorage, then /room/CODE), writes an action in the closing phase, sees it
on the page after the meeting ended, and sees it again, decrypted in her browser, in the
terugblik of meeting 2; the group page lists it for her to delete. No websocket frame and
no request body holds its text. axe finds nothing serious or critical, at 1280x800 and
390x844; screenshots go to test-artifacts/actions/."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, WebSocket, expect

from client import KringClient

from .browser import (  # noqa: F401 (the fixtures `base` and `browser`)
    LAPTOP,
    PHONE,
    ROOT,
    Person,
    T,
    base_fixture,
    browser_fixture,
    clean_artifacts,
    open_person,
)
from .group_client import Member, create_group
from .session import ws_url

SHOTS = ROOT / "test-artifacts" / "actions"
SERIES = {"from": "2027-03-02", "weekday": "tuesday", "time": "16:00", "every_weeks": 6, "count": 2, "minutes": 120}
SHARED = "Het gesprek is gevoerd; het ging beter dan ik dacht."
ACTION = "Ik bespreek de planning met mijn teamleider, vóór de vakantie."


def run(work: Callable[[], Awaitable[Any]]) -> Any:
    """An async step of the other people in the room (the Python client), beside the sync browser."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()


def enter(member: Member, meeting: int) -> dict[str, Any]:
    answer = member.call("POST", f"/meetings/{meeting}/enter")
    assert answer.status == 200, answer
    return answer.body


def through_the_group_page(person: Person, base: str, member: Member, meeting: int, entry: dict[str, Any]) -> None:
    """In as a member does it: their group page, the next meeting, "Naar de bijeenkomst"."""
    url = f"{base}/groep#{member.link.fragment}"
    if person.page.url == url:
        person.page.reload()  # the same address again would not read the group again
    else:
        person.page.goto(url)
    panel = person.page.locator(f".next-meeting [data-panel='{meeting}']")
    panel.get_by_role("button", name=T("group.enter.go")).click()
    expect(person.page).to_have_url(f"{base}/room/{entry['code']}")
    kept = person.page.evaluate(f"localStorage.getItem('kring:{entry['code']}:group')")
    assert json.loads(kept)["meeting"] == meeting


class Look:
    def __init__(self) -> None:
        self.axe: dict[str, list[str]] = {}
        self.shots: list[Path] = []

    def __call__(self, person: Person, step: str) -> None:
        for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
            person.page.set_viewport_size(viewport)
            found = person.axe()
            if found:
                self.axe[f"{step}/{size}"] = found
            path = SHOTS / f"{step}--{person.label}-{size}.png"
            person.page.screenshot(path=str(path), full_page=True)
            self.shots.append(path)
        person.page.set_viewport_size(LAPTOP)


def test_a_member_writes_an_action_and_sees_it_again_next_meeting(browser: Browser, base: str) -> None:
    clean_artifacts(SHOTS)
    look = Look()
    bea = create_group(base, "Intervisie Oost", "Bea")
    ali, bo = bea.add("Ali"), bea.add("Bo")
    group = bea.group()["group"]["id"]
    assert bea.call("POST", "/series", SERIES).status == 201
    first, second = (m["id"] for m in bea.group()["meetings"])

    ali_page = open_person(browser, "ali", f"{base}/groep#{ali.link.fragment}")
    page = ali_page.page
    frames: list[bytes] = []

    def watch(ws: WebSocket) -> None:
        for kind in ("framesent", "framereceived"):
            ws.on(kind, lambda payload: frames.append(payload if isinstance(payload, bytes) else payload.encode()))

    page.on("websocket", watch)
    bodies: list[bytes] = []
    page.on("request", lambda req: bodies.append(req.url.encode() + (req.post_data_buffer or b"")))
    expect(page.locator("#group-name")).to_have_text("Intervisie Oost")  # the link is in "Mijn groepen" now

    # meeting 1: Bea leads, Bo brings a case; Ali is in the browser
    assert bea.call("POST", f"/meetings/{first}/start", {}).status == 201
    fac_entry, bo_entry, ali_entry = enter(bea, first), enter(bo, first), enter(ali, first)

    async def open_meeting_one() -> None:
        fac = await KringClient(ws_url(base)).resume(fac_entry["token"])
        b = await KringClient(ws_url(base)).resume(bo_entry["token"])
        await fac.command("advance")  # the opening
        await b.command("confirm")
        await fac.close()
        await b.close()

    run(open_meeting_one)
    through_the_group_page(ali_page, base, ali, first, ali_entry)
    page.get_by_role("button", name=T("confirm.button")).click()
    expect(page.get_by_text(T("confirm.done"))).to_be_visible()

    async def to_the_closing() -> None:
        fac = await KringClient(ws_url(base)).resume(fac_entry["token"])
        b = await KringClient(ws_url(base)).resume(bo_entry["token"])
        await fac.command("advance", anyway=True)  # case choice
        await b.command("propose_case", title="Een lastig gesprek", question="Hoe begin ik?")
        await fac.wait_until(lambda c: bool(c.state["cases"]))
        await fac.command("choose_case", case=fac.state["cases"][0]["id"])
        while fac.state["phase"]["index"] < len(fac.state["method"]["phases"]) - 1:
            await fac.command("advance", anyway=True)
        await fac.close()
        await b.close()

    run(to_the_closing)
    form = page.locator("#action-form")
    expect(form).to_be_visible()
    expect(page.locator("#actions-title")).to_have_text(T("actions.title"))
    page.locator("#action-text").fill(ACTION)
    form.get_by_role("button", name=T("actions.save")).click()
    expect(page.locator(".actions .action-text")).to_have_text(ACTION)
    # what the browser sent opens with the Python twin of her key and the same additional data
    (stored,) = ali.call("GET", "/actions").body["actions"]
    assert ali.link.open(stored, f"kring/action/v1|{group}|{ali.id}|{first}") == ACTION
    look(ali_page, "1-closing-action-saved")

    async def end(entry: dict[str, Any]) -> None:
        fac = await KringClient(ws_url(base)).resume(entry["token"])
        await fac.command("end")
        await fac.close()

    run(lambda: end(fac_entry))
    expect(page.get_by_role("heading", name=T("closed.title"))).to_be_visible()
    expect(page.locator(".actions .action-text")).to_have_text(ACTION)  # still there, after the end
    look(ali_page, "2-ended-action-kept")

    # meeting 2 opens with the terugblik: Ali sees her own action again, and only she
    assert bea.call("POST", f"/meetings/{second}/start", {}).status == 201
    fac_entry, bo_entry, ali_entry = enter(bea, second), enter(bo, second), enter(ali, second)

    async def open_meeting_two() -> None:
        fac = await KringClient(ws_url(base)).resume(fac_entry["token"])
        b = await KringClient(ws_url(base)).resume(bo_entry["token"])
        assert [p["id"] for p in fac.state["method"]["phases"]][:3] == ["lobby", "opening", "terugblik"]
        await fac.command("advance")
        await b.command("confirm")
        await fac.close()
        await b.close()

    run(open_meeting_two)
    through_the_group_page(ali_page, base, ali, second, ali_entry)
    page.get_by_role("button", name=T("confirm.button")).click()
    expect(page.get_by_text(T("confirm.done"))).to_be_visible()

    async def to_the_terugblik() -> None:
        fac = await KringClient(ws_url(base)).resume(fac_entry["token"])
        await fac.command("advance")
        await fac.close()

    run(to_the_terugblik)
    panel = page.locator(".terugblik-own")
    expect(panel.locator("#terugblik-title")).to_have_text(T("terugblik.title"))
    expect(panel.locator(".action-text")).to_have_text(ACTION)
    page.get_by_role("button", name=T("terugblik.aloud")).click()
    expect(page.get_by_role("button", name=T("terugblik.aloud"))).to_have_attribute("aria-pressed", "true")
    # or a line shared with the group, which is all of it the room ever holds
    page.get_by_label(T("terugblik.field")).fill(SHARED)
    page.get_by_role("button", name=T("terugblik.send")).click()
    shared = page.locator("#notes-title").locator("xpath=..")
    expect(shared).to_contain_text(T("terugblik.notes_title"))
    expect(shared).to_contain_text(SHARED)
    look(ali_page, "3-terugblik-own-action")

    async def bo_sees() -> dict[str, Any]:
        b = await KringClient(ws_url(base)).resume(bo_entry["token"])
        await b.wait_until(lambda c: c.state["ready_count"] == 1)  # told aloud: the room sees it
        assert [n["text"] for n in b.state["notes"]] == [SHARED]
        state = b.state
        frames.extend(json.dumps(f, ensure_ascii=False).encode() for f in b.frames)
        await b.close()
        return state

    run(bo_sees)
    run(lambda: end(fac_entry))

    # the group page lists her action to read and delete
    page.goto(f"{base}/groep#{ali.link.fragment}")
    expect(page.locator(".my-actions .action-text")).to_have_text(ACTION)
    look(ali_page, "4-group-page-my-actions")
    page.get_by_role("button", name=T("actions.delete_all")).click()
    page.get_by_role("button", name=T("actions.delete_all_yes")).click()
    expect(page.locator(".my-actions")).to_contain_text(T("actions.mine_none"))
    assert ali.call("GET", "/actions").body["actions"] == []

    assert frames, "the websocket frames were watched"
    for data in (*frames, *bodies):
        assert ACTION.encode() not in data and ACTION.encode("unicode_escape") not in data
    assert look.axe == {}, look.axe
    assert not [p for p in ali_page.problems if "status of 4" not in p], ali_page.problems
    ali_page.context.close()
