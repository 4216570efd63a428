"""The facilitator's per-person marks (who voted, who is ready), the question being
answered, and whose summary is not yet saved (issue 13): who may, and what each audience
sees. Pure engine: no server."""

from __future__ import annotations

import json

from protocol import errors
from server.rooms.state import FACILITATOR

from .harness import assert_no_trace, draw, start, start_case


def test_the_facilitator_sees_who_voted_and_never_for_what() -> None:
    room, (anna, bram, chantal) = start(3)
    room.goto("casuskeuze")
    c1 = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    c2 = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    start_seq = room.state.seq
    room.run(anna, "vote", case=c1)
    room.run(bram, "vote", case=c2)
    room.run(anna, "vote", case=c2)  # changed: still one voter
    votes = [ev for ev in room.log if ev.seq > start_seq]
    fac = room.frames(room.facilitator, votes)
    assert [(f["participant"], f["cast"]) for f in fac] == [(anna.pid, 1), (bram.pid, 2), (anna.pid, 2)]
    assert all("case" not in f for f in fac)  # the ballot stays secret
    assert room.snapshot(room.facilitator)["voted"] == [anna.pid, bram.pid]
    assert room.snapshot(room.facilitator)["vote"]["mine"] is None
    for member in (anna, bram, chantal):
        assert room.snapshot(member)["voted"] == []
        for f in room.frames(member, votes):
            assert "participant" not in f
    # Anna's own frames still tell her what she voted for
    assert [f.get("case") for f in room.frames(anna, votes)] == [c1, None, c2]

    # a withdrawal does not tell the facilitator whose vote it took: Bram stays marked
    room.run(bram, "withdraw_case", case=c2)
    assert room.snapshot(room.facilitator)["voted"] == [anna.pid, bram.pid]
    assert room.state.votes == {}


def test_no_facilitator_frame_or_snapshot_holds_a_ballot() -> None:
    room, inbrenger, group = start_case(4)
    dumped = json.dumps([room.frames(room.facilitator), room.snapshot(room.facilitator)])
    for ev in room.log:
        if ev.t == "vote_cast":
            assert ev.private is not None and json.dumps(ev.private["case"]) not in json.dumps(ev.fac)
    assert '"mine": "c' not in dumped


def test_the_facilitator_sees_who_is_ready_and_the_group_a_count() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ready", ready=True)
    room.run(inbrenger, "ready", ready=True)
    room.run(group[0], "ready", ready=False)
    assert room.snapshot(room.facilitator)["ready_ids"] == [inbrenger.pid]
    assert room.snapshot(room.facilitator)["ready"] is False
    for m in (inbrenger, *group):
        assert room.snapshot(m)["ready_ids"] == []
    room.goto("associatieronde")  # a new round: nobody is ready
    assert room.snapshot(room.facilitator)["ready_ids"] == []


def test_a_private_deck_names_no_holder_or_writer_to_the_facilitator() -> None:
    room, inbrenger, group = start_case(5, phase="associatieronde")
    seq = room.state.seq
    room.run(room.facilitator, "deal_cards")
    draw(room, group)
    for m in group[:2]:
        room.run(m, "perspective", texts=["Ik voel onrust", "Ik denk na"])
    for m in group:
        room.run(m, "ready", ready=True)  # the ready marks name them: that is not the card
    cards_events = [ev for ev in room.log if ev.seq > seq and ev.t != "ready"]
    for viewer in room.everyone:
        seen = {"frames": room.frames(viewer, cards_events), "deals": room.snapshot(viewer)["deals"]}
        for m in group:
            if m.pid != viewer.pid:
                assert_no_trace(seen, m)
    deal = room.snapshot(room.facilitator)["deals"]["associatieronde"]
    assert (deal["taken"], deal["written"], deal["holders"], deal["mine"]) == (len(group), 2, {}, None)


def test_the_question_being_answered_is_the_inbrengers_or_the_facilitators_to_set() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    q1 = room.run(group[0], "ask", text="Wat gebeurt er vlak ervoor?").result["question"]
    q2 = room.run(group[1], "ask", text="Wie was erbij?").result["question"]
    room.refused(group[0], "answering", question=q1)
    room.refused(group[0], "answering", question=None)
    ev = room.one(inbrenger, "answering", question=q1)
    assert (ev.t, ev.public, ev.private, ev.fac) == ("answering", {"question": q1}, None, None)
    for viewer in room.everyone:
        assert room.snapshot(viewer)["answering"] == q1
    assert room.run(inbrenger, "answering", question=q1).events == []  # unchanged
    room.one(room.facilitator, "answering", question=q2)  # the facilitator may point at one too
    assert room.state.answering == q2
    room.refused(inbrenger, "answering", code=errors.NOT_FOUND, question="q99")

    # marking it answered takes it off the table, and an answered one cannot go back on
    room.run(inbrenger, "mark_answered", question=q2, answered=True)
    assert room.state.answering is None
    assert room.snapshot(group[0])["answering"] is None
    err = room.refused(inbrenger, "answering", question=q2)
    assert err.detail == "this question has been answered"
    room.run(inbrenger, "answering", question=q1)
    room.run(room.facilitator, "hide_question", question=q1, hidden=True)  # hidden: off the table
    assert room.state.answering is None
    room.refused(room.facilitator, "answering", code=errors.NOT_FOUND, question=q1)

    room.goto("associatieronde")
    assert room.refused(room.facilitator, "answering", question=None).detail == (
        "questions are handled in the questions round"
    )


def test_the_question_being_answered_goes_with_its_withdrawal_and_the_case() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    q1 = room.run(group[0], "ask", text="Wat gebeurt er vlak ervoor?").result["question"]
    room.run(inbrenger, "answering", question=q1)
    room.run(group[0], "withdraw_question", question=q1)
    assert room.state.answering is None
    q2 = room.run(group[0], "ask", text="Wie was erbij?").result["question"]
    room.run(inbrenger, "answering", question=q2)
    room.goto("afsluiting")
    room.run(room.facilitator, "next_case")
    assert room.state.answering is None


def test_whose_summary_is_not_yet_saved_goes_to_the_facilitators_only() -> None:
    room, inbrenger, group = start_case(4, phase="casuskeuze")
    assert room.snapshot(room.facilitator)["summaries_unsaved"] == [inbrenger.pid]
    chosen = next(ev for ev in room.log if ev.t == "case_chosen")
    assert room.frames(room.facilitator, [chosen])[0]["summaries_unsaved"] == [inbrenger.pid]
    assert "summaries_unsaved" not in room.frames(group[0], [chosen])[0]

    room.refused(group[0], "summary_kept")
    room.refused(room.facilitator, "summary_kept")
    ev = room.one(inbrenger, "summary_kept")
    assert (ev.public, ev.to) == ({}, ("fac",))
    assert room.frames(room.facilitator, [ev])[0] == {
        "t": "summary_kept",
        "seq": ev.seq,
        "participant": inbrenger.pid,
        "summaries_unsaved": [],
    }
    for m in (inbrenger, *group):
        assert room.frames(m, [ev])[0] == {"t": "summary_kept", "seq": ev.seq}
        assert room.snapshot(m)["summaries_unsaved"] == []
    assert room.snapshot(room.facilitator)["summaries_unsaved"] == []
    assert room.run(inbrenger, "summary_kept").events == []  # saved already

    # the next case: Anna's earlier summary stays saved; Bram's new one is not yet
    room.goto("afsluiting")
    room.run(room.facilitator, "next_case")
    bram = group[0]
    case = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    room.run(room.facilitator, "choose_case", case=case)
    assert room.snapshot(room.facilitator)["summaries_unsaved"] == [bram.pid]
    room.run(inbrenger, "summary_kept")  # an earlier inbrenger may still say so: no change
    room.run(bram, "summary_kept")
    assert room.snapshot(room.facilitator)["summaries_unsaved"] == []


def test_becoming_inbrenger_again_makes_the_summary_unsaved_again() -> None:
    room, inbrenger, group = start_case(4, phase="afsluiting")
    room.run(inbrenger, "summary_kept")
    room.run(room.facilitator, "next_case")
    case = room.run(inbrenger, "propose_case", title="Nog een", question="V3").result["case"]
    room.run(room.facilitator, "choose_case", case=case)
    assert room.snapshot(room.facilitator)["summaries_unsaved"] == [inbrenger.pid]
    assert room.state.participants[room.facilitator.pid].role == FACILITATOR
