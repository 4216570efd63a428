"""The groups' HTTP API through the real server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from protocol import limits

from .group_client import Answer, Member, call, create_group
from .grouplink import Link


def test_a_begeleider_creates_a_group_and_reads_it_with_their_token(group_server):
    bea = create_group(group_server, "Intervisie Noord", "Bea")
    group = bea.group()
    assert group["group"]["name"] == "Intervisie Noord"
    assert group["me"] == group["members"][0]
    assert group["me"]["name"] == "Bea" and group["me"]["role"] == "begeleider" and group["me"]["generation"] == 1
    assert group["meetings"] == []
    # what the server holds of the link is never handed out
    text = repr(group)
    assert bea.link.hash not in text and bea.link.token not in text


def test_members_are_added_by_the_begeleider_and_read_the_same_group(group_server):
    bea = create_group(group_server)
    ali = bea.add("Ali")
    cor = bea.add("Cor", role="begeleider")
    seen = ali.group()
    assert [(m["name"], m["role"]) for m in seen["members"]] == [
        ("Bea", "begeleider"),
        ("Ali", "member"),
        ("Cor", "begeleider"),
    ]
    assert seen["me"]["name"] == "Ali" and seen["group"] == bea.group()["group"]
    # a member may not add anyone; a co-begeleider may
    refused = ali.call("POST", "/members", {"name": "Dirk", "token_hash": Link.new().hash})
    assert refused.status == 403 and refused.error == "not_allowed" and refused.body["message_nl"]
    assert cor.add("Dirk").id is not None
    # one name once, whatever its case
    taken = bea.call("POST", "/members", {"name": "ali", "token_hash": Link.new().hash})
    assert taken.status == 409 and taken.error == "name_taken"
    assert len(bea.group()["members"]) == 4


def test_six_members_added_at_once_are_all_there(group_server):
    bea = create_group(group_server)
    names = [f"Lid {i}" for i in range(6)]
    with ThreadPoolExecutor(6) as pool:
        added = list(pool.map(bea.add, names))
    assert len({m.id for m in added}) == 6
    assert sorted(m["name"] for m in bea.group()["members"]) == sorted(["Bea", *names])
    for member in added:
        assert member.group()["me"]["name"] == member.name


def test_a_wrong_token_gets_401_with_a_clear_error(group_server):
    stranger = Member(group_server, "X", Link.new())
    answer = stranger.call("GET", "")
    assert answer.status == 401 and answer.error == "bad_link"
    assert answer.body["message"] and answer.body["message_nl"]
    assert answer.headers["www-authenticate"].startswith("Bearer")
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer short"}):
        answer = call(group_server, "GET", "/api/groups/mine", headers=headers)
        assert answer.status == 401 and answer.error == "bad_link", headers


def test_a_removed_member_is_told_so_and_can_do_nothing(group_server):
    bea = create_group(group_server)
    ali = bea.add("Ali")
    assert bea.call("DELETE", f"/members/{ali.id}").status == 204
    answer = ali.call("GET", "")
    assert answer.status == 401 and answer.error == "member_removed"
    assert [m["name"] for m in bea.group()["members"]] == ["Bea"]
    assert bea.call("DELETE", f"/members/{ali.id}").error == "not_found"
    # the last begeleider stays
    kept = bea.call("DELETE", f"/members/{bea.id}")
    assert kept.status == 409 and kept.error == "conflict"
    assert bea.group()["me"]["name"] == "Bea"


def test_a_reissued_link_replaces_the_old_one_at_once(group_server):
    bea = create_group(group_server)
    ali = bea.add("Ali")
    new = Link.new()
    answer = bea.call("POST", f"/members/{ali.id}/link", {"token_hash": new.hash, "generation": 1})
    assert answer.status == 200 and answer.body["member"]["generation"] == 2
    old = ali.call("GET", "")
    assert old.status == 401 and old.error == "link_reissued"
    ali.link = new
    assert ali.group()["me"]["generation"] == 2
    # re-issuing what someone else already re-issued is refused, with the member as it is now
    stale = bea.call("POST", f"/members/{ali.id}/link", {"token_hash": Link.new().hash, "generation": 1})
    assert stale.status == 409 and stale.error == "conflict" and stale.body["member"]["generation"] == 2
    assert ali.group()["me"]["generation"] == 2
    # only a begeleider re-issues
    assert ali.call("POST", f"/members/{bea.id}/link", {"token_hash": Link.new().hash, "generation": 1}).status == 403


def test_two_reissues_at_once_leave_one_link_in_use(group_server):
    bea = create_group(group_server)
    ali = bea.add("Ali")
    links = [Link.new(), Link.new()]
    answers = _at_once(
        [
            lambda link=link: bea.call("POST", f"/members/{ali.id}/link", {"token_hash": link.hash, "generation": 1})
            for link in links
        ]
    )
    assert sorted(a.status for a in answers) == [200, 409]
    winner = links[[a.status for a in answers].index(200)]
    loser = links[[a.status for a in answers].index(409)]
    assert Member(group_server, "Ali", winner).group()["me"]["name"] == "Ali"
    assert Member(group_server, "Ali", loser).call("GET", "").error == "bad_link"


def _at_once(calls: list[Any]) -> list[Answer]:
    """Start the calls together (a barrier), and wait for all."""
    barrier = threading.Barrier(len(calls))

    def run(fn: Any) -> Answer:
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


MEETING = {"date": "2027-01-12", "start": "16:00", "minutes": 150, "method": "incidentmethode", "theme": "HET"}


def test_the_schedule_add_edit_delete(group_server):
    bea = create_group(group_server)
    ali = bea.add("Ali")
    added = bea.call("POST", "/meetings", MEETING)
    assert added.status == 201
    meeting = added.body["meeting"]
    assert {k: meeting[k] for k in MEETING} == MEETING and meeting["version"] == 1
    assert ali.call("GET", "/meetings").body["meetings"] == [meeting]
    assert ali.group()["meetings"] == [meeting]
    # members read the schedule; the begeleider changes it
    assert ali.call("POST", "/meetings", MEETING).status == 403
    edited = bea.call("PATCH", f"/meetings/{meeting['id']}", {"version": 1, "start": "16:30", "theme": None})
    assert edited.status == 200
    assert edited.body["meeting"] == {**meeting, "start": "16:30", "theme": None, "version": 2}
    stale = bea.call("PATCH", f"/meetings/{meeting['id']}", {"version": 1, "minutes": 60})
    assert stale.status == 409 and stale.error == "conflict" and stale.body["meeting"] == edited.body["meeting"]
    # one meeting per moment
    clash = bea.call("POST", "/meetings", {**MEETING, "start": "16:30"})
    assert clash.status == 409 and "2027-01-12 at 16:30" in clash.body["detail"]
    assert bea.call("DELETE", f"/meetings/{meeting['id']}").status == 204
    assert bea.call("DELETE", f"/meetings/{meeting['id']}").status == 404
    assert bea.call("GET", "/meetings").body["meetings"] == []


def test_two_edits_of_one_meeting_at_once_lose_nothing(group_server):
    """Both start from version 1: one is applied, the other is refused with the current
    meeting, and applied on that: both changes are in, neither silently overwritten."""
    bea = create_group(group_server)
    cor = bea.add("Cor", role="begeleider")
    meeting = bea.call("POST", "/meetings", MEETING).body["meeting"]
    path = f"/meetings/{meeting['id']}"
    changes: list[dict[str, Any]] = [{"theme": "IK"}, {"minutes": 90}]
    people = [bea, cor]
    answers = _at_once(
        [
            lambda who=who, change=change: who.call("PATCH", path, {"version": 1, **change})
            for who, change in zip(people, changes, strict=True)
        ]
    )
    assert sorted(a.status for a in answers) == [200, 409]
    loser = [a.status for a in answers].index(409)
    current = answers[loser].body["meeting"]
    again = people[loser].call("PATCH", path, {"version": current["version"], **changes[loser]})
    assert again.status == 200
    final = bea.call("GET", "/meetings").body["meetings"][0]
    assert final["theme"] == "IK" and final["minutes"] == 90 and final["version"] == 3


def test_a_series_every_six_weeks_on_tuesday(group_server):
    bea = create_group(group_server)
    series = {"from": "2027-01-01", "weekday": "tuesday", "time": "16:00", "every_weeks": 6, "count": 8}
    answer = bea.call("POST", "/series", {**series, "minutes": 150, "method": "balintmethode"})
    assert answer.status == 201
    dates = [m["date"] for m in answer.body["meetings"]]
    assert dates == [
        "2027-01-05", "2027-02-16", "2027-03-30", "2027-05-11", "2027-06-22", "2027-08-03", "2027-09-14", "2027-10-26"
    ]  # fmt: skip
    assert {(m["start"], m["minutes"], m["method"]) for m in answer.body["meetings"]} == {
        ("16:00", 150, "balintmethode")
    }
    # the same series again adds nothing: every moment is taken
    again = bea.call("POST", "/series", series)
    assert again.status == 409 and again.error == "conflict"
    assert len(bea.call("GET", "/meetings").body["meetings"]) == 8
    until = bea.call("POST", "/series", {**series, "time": "09:30", "count": None, "until": "2027-03-30"})
    assert until.status == 400  # count: null is not "no count"
    series.pop("count")
    until = bea.call("POST", "/series", {**series, "time": "09:30", "until": "2027-03-30"})
    assert [m["date"] for m in until.body["meetings"]] == ["2027-01-05", "2027-02-16", "2027-03-30"]
    assert len(bea.group()["meetings"]) == 11


def test_a_series_with_the_draagvlakmodel_cycle(group_server):
    bea = create_group(group_server)
    cycle = call(group_server, "GET", "/api/groups/templates").body["cycles"][0]
    assert cycle["id"] == "draagvlakmodel" and len(cycle["meetings"]) == 5
    answer = bea.call(
        "POST",
        "/series",
        {"from": "2027-02-01", "weekday": "thursday", "time": "13:30", "every_weeks": 5, "cycle": "draagvlakmodel"},
    )
    assert answer.status == 201
    meetings = answer.body["meetings"]
    assert [m["method"] for m in meetings] == [m["method"] for m in cycle["meetings"]]
    assert [m["theme"] for m in meetings] == [m["theme"]["nl"] for m in cycle["meetings"]]
    assert [m["date"] for m in meetings] == ["2027-02-04", "2027-03-11", "2027-04-15", "2027-05-20", "2027-06-24"]
    assert {m["minutes"] for m in meetings} == {cycle["minutes"]}
    english = bea.call(
        "POST",
        "/series",
        {"from": "2028-02-01", "weekday": "monday", "time": "10:00", "cycle": "draagvlakmodel", "language": "en"},
    )
    assert english.body["meetings"][1]["theme"] == cycle["meetings"][1]["theme"]["en"]


SERIES = {"from": "2027-01-01", "weekday": "tuesday", "time": "16:00", "count": 3}

BAD_INPUT = [
    ("POST", "/series", {**SERIES, "weekday": "dinsdag"}, 400, "invalid_field", "'weekday' must be one of"),
    ("POST", "/series", {**SERIES, "until": "2027-05-01"}, 400, "invalid_field", "either 'count' or 'until'"),
    ("POST", "/series", {**SERIES, "count": 0}, 400, "invalid_field", "'count' must be a whole number"),
    ("POST", "/series", {**SERIES, "count": 61}, 400, "invalid_field", "'count' must be a whole number"),
    ("POST", "/series", {**SERIES, "time": "4pm"}, 400, "invalid_field", "'time' must be a time as HH:MM"),
    ("POST", "/series", {**SERIES, "time": "24:00"}, 400, "invalid_field", "'time' must be a time as HH:MM"),
    ("POST", "/series", {**SERIES, "count": None, "until": "2026-01-01"}, 400, "invalid_field", "'count'"),
    ("POST", "/series", {k: v for k, v in SERIES.items() if k != "count"} | {"until": "2026-12-01"}, 400,
     "invalid_field", "before the first meeting"),
    ("POST", "/series", {**SERIES, "count": 5, "cycle": "draagvlakmodel", "method": "troika"}, 400,
     "invalid_field", "a cycle sets each meeting's method"),
    ("POST", "/series", {**SERIES, "cycle": "nope"}, 400, "invalid_field", "'cycle' must be one of"),
    ("POST", "/meetings", {**MEETING, "date": "12-01-2027"}, 400, "invalid_field", "'date' must be a date"),
    ("POST", "/meetings", {**MEETING, "date": "2027-02-30"}, 400, "invalid_field", "'date' must be a date"),
    ("POST", "/meetings", {**MEETING, "method": "brainstorm"}, 400, "invalid_field", "'method' must be one of"),
    ("POST", "/meetings", {**MEETING, "minutes": 5}, 400, "invalid_field", "'minutes' must be a whole number"),
    ("POST", "/meetings", {**MEETING, "minutes": True}, 400, "invalid_field", "'minutes' must be a whole number"),
    ("POST", "/meetings", {**MEETING, "theme": "x" * (limits.MAX_TITLE + 1)}, 400, "invalid_field", "longer than"),
    ("POST", "/meetings", {**MEETING, "theme": "a\x00b"}, 400, "invalid_field", "control characters"),
    ("POST", "/meetings", {**MEETING, "room": "ABC"}, 400, "invalid_field", "unexpected field 'room'"),
    ("POST", "/meetings", [MEETING], 400, "invalid_field", "must be a JSON object"),
    ("PATCH", "", {}, 400, "invalid_field", "give 'guided_meetings', 'call_link' or both"),
    ("PATCH", "", {"call_link": "meet.jit.si/x"}, 400, "invalid_field", "the call link must start with https://"),
    ("PATCH", "", {"call_link": "https://x.org/" + "a" * limits.MAX_CALL_LINK}, 400, "invalid_field", "longer than"),
    ("PATCH", "/meetings/1", {"theme": "x"}, 400, "invalid_field", "'version' is missing"),
    ("PATCH", "/meetings/abc", {"version": 1}, 400, "invalid_field", "meeting_id must be a number"),
    ("PATCH", "/meetings/999999", {"version": 1}, 404, "not_found", "no such meeting"),
    ("POST", "/members", {"name": " ", "token_hash": Link.new().hash}, 400, "invalid_field", "'name' may not be empty"),
    ("POST", "/members", {"name": "x" * (limits.MAX_NAME + 1), "token_hash": Link.new().hash}, 400, "invalid_field",
     "longer than"),
    ("POST", "/members", {"name": "Ali", "token_hash": "abc"}, 400, "invalid_field", "'token_hash' must be"),
    ("POST", "/members", {"name": "Ali", "token_hash": Link.new().hash, "role": "boss"}, 400, "invalid_field",
     "'role' must be one of"),
    ("POST", "/members/1/link", {"token_hash": Link.new().hash}, 400, "invalid_field", "'generation' is missing"),
    ("DELETE", "/members/999999", None, 404, "not_found", "no such member"),
]  # fmt: skip


@pytest.mark.parametrize("method, path, body, status, code, detail", BAD_INPUT)
def test_bad_input_gets_a_clear_error(group_server, method, path, body, status, code, detail):
    bea = create_group(group_server)
    answer = bea.call(method, path, body)
    assert answer.status == status and answer.error == code, answer
    assert detail in answer.body["detail"], answer.body
    assert answer.body["message"] and answer.body["message_nl"]
    assert bea.group()["meetings"] == [] and len(bea.group()["members"]) == 1


def test_bodies_that_are_not_json_or_too_large(group_server):
    bea = create_group(group_server)
    token = bea.link.token
    answer = call(group_server, "POST", "/api/groups/mine/meetings", raw=b"{not json", token=token)
    assert answer.status == 400 and answer.error == "malformed"
    answer = call(group_server, "POST", "/api/groups/mine/meetings", raw=b"[" * 2000 + b"]" * 2000, token=token)
    assert answer.status == 400 and answer.error == "malformed"
    deep = {**MEETING, "theme": [[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]}
    answer = call(group_server, "POST", "/api/groups/mine/meetings", deep, token=token)
    assert answer.status == 400 and answer.body["detail"] == "nested more than 16 levels deep"
    big = {**MEETING, "theme": "x" * (limits.MAX_BODY + 1)}
    answer = call(group_server, "POST", "/api/groups/mine/meetings", big, token=token)
    assert answer.status == 413 and answer.error == "too_large"
    create = {"name": "G", "begeleider_name": "Bea"}
    answer = call(group_server, "POST", "/api/groups", create)
    assert answer.status == 400 and answer.body["detail"] == "'token_hash' is missing"
    answer = call(group_server, "POST", "/api/groups", {**create, "token_hash": bea.link.hash})
    assert answer.status == 409 and answer.error == "conflict"  # a token already in use


def test_deleting_a_group_erases_all_of_it(group_server, database):
    bea = create_group(group_server, "Groep die verdwijnt", "Begeleider Verdwijnt")
    ali = bea.add("Lid Verdwijnt")
    gone = bea.add("Lid Weg")
    assert bea.call("DELETE", f"/members/{gone.id}").status == 204
    bea.call("POST", "/series", {**SERIES, "theme": "Thema dat verdwijnt"})
    group_id = bea.group()["group"]["id"]
    held = database.dump()
    for trace in (group_id, "Groep die verdwijnt", "Lid Verdwijnt", "Thema dat verdwijnt", gone.link.hash):
        assert trace.encode() in held, trace
    assert ali.call("DELETE", "").status == 403
    assert bea.call("DELETE", "").status == 204
    for who in (bea, ali, gone):
        answer = who.call("GET", "")
        assert answer.status == 401 and answer.error == "bad_link"
    held = database.dump()
    for trace in (
        group_id,
        "Groep die verdwijnt",
        "Lid Verdwijnt",
        "Thema dat verdwijnt",
        bea.link.hash,
        gone.link.hash,
    ):
        assert trace.encode() not in held, trace
