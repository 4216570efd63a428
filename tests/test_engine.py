"""Unit tests of the pure room engine: every phase of the reference method and every
permission rule, driven through `decide` / `apply` with the memory backend's commit."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

import pytest

from protocol import errors, limits
from protocol.errors import ProtocolError
from protocol.messages import COMMANDS
from server.config import Settings
from server.rooms import identity
from server.rooms.engine import (
    FACILITATOR_CLAIM_AFTER,
    apply,
    decide_auto_advance,
    decide_join,
    decide_presence,
    new_room,
)
from server.rooms.events import Event, RoomError
from server.rooms.method import DEFAULT_METHOD, METHODS_DIR
from server.rooms.state import FACILITATOR, PARTICIPANT, SCREEN
from server.rooms.views import frame, sees_private

from .commands import FACILITATOR_COMMANDS, OTHER_COMMANDS, PHASE_INPUT, well_formed
from .harness import (
    METHOD,
    PEOPLE,
    PHASES,
    Member,
    Room,
    assert_no_trace,
    cards,
    command,
    draw,
    role_name,
    sample_args,
    start,
    start_case,
    turn_order,
)
from .route import Case
from .walk import strings

SELF_ROLE = METHOD.decks["betrokkenen"].self_card or {}


def test_command_tables_cover_the_protocol() -> None:
    assert set(COMMANDS) == set(FACILITATOR_COMMANDS) | set(PHASE_INPUT) | set(OTHER_COMMANDS)
    for t in COMMANDS:  # the one args table is well-formed: a refusal comes from the rules
        assert command(t, "c-1", **well_formed(t)).args == well_formed(t)
    assert PHASES == ["lobby", "opening", "casuskeuze", "vragenronde", "associatieronde", "adviesronde", "afsluiting"]


# --------------------------------------------------------------------------- join, lock, remove


def test_new_room_starts_in_the_lobby_with_its_facilitator() -> None:
    room = Room()
    snap = room.snapshot(room.facilitator)
    assert snap["phase"]["id"] == "lobby"
    assert snap["participants"] == [
        {"id": "p1", "name": "Procesbegeleider", "role": FACILITATOR, "online": False, "place": None}
    ]
    assert room.state.seq == 0


def test_join_adds_a_participant_and_keeps_the_token_hash_internal() -> None:
    room = Room()
    anna = room.join("Anna", token="anna-token")
    ev = room.log[-1]
    assert ev.t == "joined" and ev.seq == 1
    assert ev.public == {
        "participant": {"id": anna.pid, "name": "Anna", "role": PARTICIPANT, "online": False, "place": None}
    }
    assert ev.internal == {"token_hash": identity.token_hash("anna-token")}
    assert room.state.participants[anna.pid].token_hash == identity.token_hash("anna-token")
    for viewer in room.everyone:
        assert identity.token_hash("anna-token") not in json.dumps(room.frames(viewer))
        assert identity.token_hash("anna-token") not in json.dumps(room.snapshot(viewer))


def test_duplicate_display_names_are_made_distinct() -> None:
    room = Room()
    names = [room.join(n).name for n in ["Anna", "anna", "ANNA", "Anna (2)", "Bram", "Procesbegeleider"]]
    assert names == ["Anna", "anna (2)", "ANNA (3)", "Anna (2) (2)", "Bram", "Procesbegeleider (2)"]
    assert len({n.casefold() for n in names} | {"procesbegeleider"}) == len(names) + 1


def test_locked_room_refuses_joins_until_unlocked() -> None:
    room, (anna, *_) = start(1)
    room.refused(anna, "lock", locked=True)
    assert room.one(room.facilitator, "lock", locked=True).public == {"locked": True}
    assert room.run(room.facilitator, "lock", locked=True).events == []
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Bram", identity.token_hash("bram"))
    assert info.value.code == errors.ROOM_LOCKED
    room.one(room.facilitator, "lock", locked=False)
    assert room.join("Bram").name == "Bram"


def test_full_room_refuses_joins() -> None:
    room = Room()
    members = [room.join(f"Deelnemer {i}") for i in range(limits.MAX_PARTICIPANTS - 1)]
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Een te veel", identity.token_hash("x"))
    assert info.value.code == errors.ROOM_FULL
    room.run(room.facilitator, "remove", participant=members[0].pid)
    assert room.join("Een te veel").name == "Een te veel"


def test_the_server_sets_how_many_a_room_holds() -> None:
    room = Room(max_participants=3)
    room.join("Anna")
    room.join("Bram")
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Chris", identity.token_hash("chris"))
    assert (info.value.code, str(info.value)) == (errors.ROOM_FULL, "room_full: at most 3 participants")
    assert Settings.from_env({"KRING_MAX_PARTICIPANTS": "1000"}).max_participants == 1000
    assert Settings.from_env({}).max_participants == limits.MAX_PARTICIPANTS


def test_ended_room_refuses_joins() -> None:
    room, _ = start(1)
    room.run(room.facilitator, "end")
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Bram", identity.token_hash("bram"))
    assert info.value.code == errors.UNKNOWN_ROOM


def test_remove_by_facilitator_only_and_the_removed_cannot_act() -> None:
    room, (anna, bram, *_) = start(3)
    room.goto("opening")
    room.refused(anna, "remove", participant=bram.pid)
    assert room.one(room.facilitator, "remove", participant=bram.pid).public == {"participant": bram.pid}
    for t in ("confirm", "ready", "propose_case", "summary", "advance"):
        room.refused(bram, t, code=errors.BAD_TOKEN, **sample_args(room, t))
    assert bram.pid not in [p["id"] for p in room.snapshot(anna)["participants"]]
    room.refused(room.facilitator, "remove", code=errors.NOT_FOUND, participant=bram.pid)
    room.refused(room.facilitator, "remove", code=errors.NOT_FOUND, participant="p99")
    assert decide_presence(room.state, bram.pid, True).events == []


def test_facilitator_cannot_be_removed() -> None:
    room, (anna, *_) = start(2)
    room.refused(room.facilitator, "remove", participant=room.facilitator.pid)
    room.refused(anna, "remove", participant=room.facilitator.pid)
    assert not room.state.participants["p1"].removed


def test_presence_changes_only_when_it_changes() -> None:
    room, (anna, *_) = start(1)
    ev = room.commit(decide_presence(room.state, anna.pid, True)).events[0]
    assert (ev.t, ev.public) == ("presence", {"participant": anna.pid, "online": True})
    assert decide_presence(room.state, anna.pid, True).events == []
    assert decide_presence(room.state, "p99", True).events == []
    assert room.snapshot(anna)["participants"][1]["online"] is True


# --------------------------------------------------------------------------- phases


def test_facilitator_walks_through_every_phase() -> None:
    room, inbrenger, _ = start_case(4)
    room.goto("lobby")
    seen = []
    for index in range(1, len(PHASES)):
        ev = room.run(room.facilitator, "advance").events[0]
        assert ev.t == "phase"
        assert ev.public["phase"]["index"] == index
        seen.append(ev.public["phase"]["id"])
        assert room.snapshot(inbrenger)["phase"]["id"] == PHASES[index]
    assert seen == PHASES[1:]


def test_only_the_facilitator_advances_or_goes_back() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    for who in (inbrenger, *group):
        room.refused(who, "advance")
        room.refused(who, "back")
    room.one(room.facilitator, "back")
    assert room.state.current_phase.id == "casuskeuze"


def test_phase_bounds() -> None:
    room, _, _ = start_case(4, phase="lobby")
    room.refused(room.facilitator, "back")
    room.goto("afsluiting")
    room.refused(room.facilitator, "advance")
    assert room.state.current_phase.id == "afsluiting"


def test_cannot_pass_case_choice_without_an_inbrenger() -> None:
    room, (anna, *_) = start(3)
    room.goto("casuskeuze")
    room.refused(room.facilitator, "advance")
    case = room.run(anna, "propose_case", title="T", question="V").result["case"]
    room.refused(room.facilitator, "advance")
    room.run(room.facilitator, "choose_case", case=case)
    room.one(room.facilitator, "advance")
    assert room.state.current_phase.id == "vragenronde"


def test_removing_the_inbrenger_clears_the_choice_and_blocks_advancing() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(room.facilitator, "remove", participant=inbrenger.pid)
    assert room.state.inbrenger is None and room.state.chosen_case is None and room.state.case_text is None
    room.refused(room.facilitator, "advance")


def test_phase_change_resets_ready() -> None:
    room, (anna, bram, *_) = start(3)
    room.refused(anna, "ready", ready=True)  # not in the lobby
    room.goto("opening")
    room.run(anna, "ready", ready=True)
    room.run(bram, "ready", ready=True)
    assert room.snapshot(room.facilitator)["ready_count"] == 2
    room.run(room.facilitator, "advance", anyway=True)  # (not everyone has confirmed)
    assert room.state.ready == []
    assert room.snapshot(anna)["ready_count"] == 0 and room.snapshot(anna)["ready"] is False


# --------------------------------------------------------------------------- opening


def test_confirm_count_is_public_and_who_confirmed_only_for_facilitators_and_self() -> None:
    room, (anna, bram, chantal) = start(3)
    room.refused(anna, "confirm")  # lobby
    room.goto("opening")
    ev = room.one(anna, "confirm")
    assert ev.public == {"confirmed_count": 1}
    assert frame(ev, bram.pid, PARTICIPANT) == {"t": "confirmed", "seq": ev.seq, "confirmed_count": 1}
    assert frame(ev, anna.pid, PARTICIPANT)["participant"] == anna.pid
    assert frame(ev, room.facilitator.pid, FACILITATOR)["participant"] == anna.pid
    assert room.run(anna, "confirm").events == []  # once per person
    assert room.one(bram, "confirm").public == {"confirmed_count": 2}
    room.refused(room.facilitator, "confirm")
    assert room.snapshot(room.facilitator)["confirmed"] == [anna.pid, bram.pid]
    assert room.snapshot(anna)["confirmed"] == [anna.pid]
    assert room.snapshot(chantal)["confirmed"] == []
    assert room.snapshot(chantal)["confirmed_count"] == 2
    for ev in room.log:
        if ev.t == "confirmed":
            assert anna.pid not in set(strings(frame(ev, chantal.pid, PARTICIPANT)))


# --------------------------------------------------------------------------- case choice


def test_propose_and_withdraw_own_case_only() -> None:
    room, (anna, bram, _) = start(3)
    room.goto("opening")
    room.refused(anna, "propose_case", title="T", question="V")
    room.goto("casuskeuze")
    ev = room.one(anna, "propose_case", title="Lastige collega", question="Hoe zeg ik nee?")
    case = ev.public["case"]
    assert case == {"id": case["id"], "title": "Lastige collega", "question": "Hoe zeg ik nee?", "proposer": anna.pid}
    room.refused(room.facilitator, "propose_case", title="T", question="V")
    room.refused(bram, "withdraw_case", case=case["id"])
    room.refused(room.facilitator, "withdraw_case", case=case["id"])
    room.refused(anna, "withdraw_case", code=errors.NOT_FOUND, case="c99")
    assert room.one(anna, "withdraw_case", case=case["id"]).public == {"case": case["id"], "cast": 0}
    assert room.state.cases == {}


def test_votes_one_per_person_changeable_and_secret_until_close() -> None:
    room, (anna, bram, chantal) = start(3)
    room.goto("casuskeuze")
    c1 = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    c2 = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    room.refused(anna, "vote", code=errors.NOT_FOUND, case="c99")
    room.refused(room.facilitator, "vote", case=c1)

    ev = room.one(anna, "vote", case=c1)
    assert ev.public == {"cast": 1}
    assert ev.to == (anna.pid,)
    for viewer in (bram, chantal):
        assert frame(ev, viewer.pid, viewer.role) == {"t": "vote_cast", "seq": ev.seq, "cast": 1}
    # the facilitator learns who voted, never for what
    fac = frame(ev, room.facilitator.pid, FACILITATOR)
    assert fac == {"t": "vote_cast", "seq": ev.seq, "cast": 1, "participant": anna.pid}
    assert frame(ev, anna.pid, PARTICIPANT)["case"] == c1

    assert room.run(anna, "vote", case=c1).events == []  # the same vote again changes nothing
    assert room.one(anna, "vote", case=c2).public == {"cast": 1}  # changed, still one vote
    assert room.one(bram, "vote", case=c2).public == {"cast": 2}
    assert room.one(chantal, "vote", case=c1).public == {"cast": 3}
    for viewer in room.everyone:
        vote = room.snapshot(viewer)["vote"]
        assert vote["tally"] is None and vote["cast"] == 3 and vote["open"] is True
        assert vote["mine"] == {anna.pid: c2, bram.pid: c2, chantal.pid: c1}.get(viewer.pid)
        for f in room.frames(viewer):
            assert "tally" not in f

    room.refused(anna, "close_vote")
    assert room.one(room.facilitator, "close_vote").public == {"tally": {c1: 1, c2: 2}}
    for viewer in room.everyone:
        assert room.snapshot(viewer)["vote"]["tally"] == {c1: 1, c2: 2}
    room.refused(chantal, "vote", case=c2)
    room.refused(room.facilitator, "close_vote")


def test_withdrawn_case_takes_its_votes_with_it() -> None:
    room, (anna, bram, chantal) = start(3)
    room.goto("casuskeuze")
    c1 = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    c2 = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    room.run(bram, "vote", case=c1)
    room.run(chantal, "vote", case=c2)
    assert room.one(anna, "withdraw_case", case=c1).public == {"case": c1, "cast": 1}
    assert room.state.votes == {chantal.pid: c2}
    assert room.snapshot(bram)["vote"]["mine"] is None


def test_close_vote_and_choose_case_only_in_case_choice() -> None:
    room, inbrenger, _ = start_case(4, phase="vragenronde")
    room.refused(room.facilitator, "close_vote")
    room.refused(room.facilitator, "choose_case", case=room.state.chosen_case)


def test_chosen_proposer_becomes_the_only_inbrenger() -> None:
    room, (anna, bram, chantal) = start(3)
    room.goto("casuskeuze")
    c1 = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    c2 = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    room.refused(anna, "choose_case", case=c1)
    room.refused(room.facilitator, "choose_case", code=errors.NOT_FOUND, case="c99")
    assert room.one(room.facilitator, "choose_case", case=c2).public == {"case": c2, "inbrenger": bram.pid}
    assert room.run(room.facilitator, "choose_case", case=c2).events == []
    for viewer in room.everyone:
        snap = room.snapshot(viewer)
        assert (snap["inbrenger"], snap["chosen_case"]) == (bram.pid, c2)
    room.one(room.facilitator, "choose_case", case=c1)  # the facilitator changes their mind
    assert room.state.inbrenger == anna.pid
    assert room.state.group() == [bram.pid, chantal.pid]
    room.refused(anna, "withdraw_case", case=c1)  # the chosen case stays


def test_case_of_a_removed_proposer_cannot_be_chosen() -> None:
    room, (anna, *_) = start(3)
    room.goto("casuskeuze")
    case = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    room.run(room.facilitator, "remove", participant=anna.pid)
    room.refused(room.facilitator, "choose_case", case=case)


def test_share_case_only_by_the_inbrenger() -> None:
    room, (anna, bram, _) = start(3)
    room.goto("casuskeuze")
    case = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    room.refused(anna, "share_case", text="Tekst", people=["x"])  # nobody is inbrenger yet
    room.run(room.facilitator, "choose_case", case=case)
    room.refused(bram, "share_case", text="Tekst", people=["x"])
    room.refused(room.facilitator, "share_case", text="Tekst", people=["x"])
    ev = room.one(anna, "share_case", text="Mijn casus", people=["de collega", " de baas ", "de collega"])
    assert ev.public == {"text": "Mijn casus", "people": ["de collega", "de baas"]}
    assert room.snapshot(bram)["case_text"] == "Mijn casus"
    room.run(room.facilitator, "advance")
    room.refused(anna, "share_case", text="Later", people=[])


# --------------------------------------------------------------------------- questions round


def test_the_inbrenger_and_the_facilitator_cannot_ask() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.refused(inbrenger, "ask", text="Mag ik?")
    room.refused(room.facilitator, "ask", text="Mag ik?")
    assert room.run(group[0], "ask", text="Wat deed je toen?").events[0].t == "question_asked"


def test_anonymous_question_holds_its_author_nowhere() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    author = group[1]
    decision = room.run(author, "ask", text="Wat wil je zelf?")
    qid = decision.result["question"]
    ev = decision.events[0]
    assert ev.public["question"]["author"] is None
    assert ev.private is None and ev.to == ()
    assert_no_trace(ev.to_dict(), author)
    assert_no_trace(decision.result, author)
    assert room.state.questions[qid].author is None
    for viewer in room.everyone:
        f = frame(ev, viewer.pid, viewer.role)
        assert f["question"]["author"] is None
        snap = room.snapshot(viewer)
        (q,) = snap["questions"]
        assert q["author"] is None
        assert_no_trace(q, author)
        assert snap["own_questions"] == ([qid] if viewer is author else [])
    # what happens to the question later carries no author either
    room.run(group[0], "upvote", question=qid, on=True)
    room.run(author, "upvote", question=qid, on=True)
    room.run(inbrenger, "mark_answered", question=qid, answered=True)
    room.run(room.facilitator, "hide_question", question=qid, hidden=True)
    room.run(room.facilitator, "hide_question", question=qid, hidden=False)
    room.run(author, "withdraw_question", question=qid)
    for later in room.log[room.log.index(ev) :]:
        assert_no_trace(later.to_dict(), author)


def test_questions_are_not_anonymous_in_a_small_group() -> None:
    room, inbrenger, group = start_case(3, phase="vragenronde")  # two askers
    ev = room.run(group[0], "ask", text="Wat deed je?").events[0]
    assert ev.public["question"]["author"] == group[0].pid


def test_questions_show_their_author_when_the_room_is_not_anonymous() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde", anonymous_questions=False)
    ev = room.run(group[2], "ask", text="Wat deed je?").events[0]
    assert ev.public["question"]["author"] == group[2].pid
    assert room.snapshot(inbrenger)["questions"][0]["author"] == group[2].pid


def test_withdraw_own_question_only() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Vraag").result["question"]
    for other in (group[1], group[2]):
        room.refused(other, "withdraw_question", question=qid)
    room.refused(inbrenger, "withdraw_question", question=qid)
    room.refused(room.facilitator, "withdraw_question", question=qid)
    # the same pid with another key (someone who does not hold the token) is not the author
    impostor = Member(group[0].pid, group[0].name, "not-the-token", PARTICIPANT)
    room.refused(impostor, "withdraw_question", question=qid)
    assert room.one(group[0], "withdraw_question", question=qid).public == {"question": qid}
    assert room.snapshot(group[1])["questions"] == []
    room.refused(group[0], "withdraw_question", code=errors.NOT_FOUND, question=qid)


def test_upvotes_are_counts_that_toggle_once_per_person() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Vraag").result["question"]

    def upvotes() -> int:
        return room.snapshot(inbrenger)["questions"][0]["upvotes"]

    ev = room.one(group[1], "upvote", question=qid, on=True)
    assert ev.public["question"]["upvotes"] == 1
    for member in group:
        assert_no_trace(ev.public, member)
        assert member.pid not in json.dumps(ev.to_dict())
    assert room.run(group[1], "upvote", question=qid, on=True).events == []
    room.run(group[2], "upvote", question=qid, on=True)
    room.run(group[0], "upvote", question=qid, on=True)
    assert upvotes() == 3
    room.run(group[1], "upvote", question=qid, on=False)
    assert upvotes() == 2
    assert room.run(group[1], "upvote", question=qid, on=False).events == []
    assert upvotes() == 2
    assert room.snapshot(group[1])["own_upvotes"] == []
    assert room.snapshot(group[2])["own_upvotes"] == [qid]
    room.refused(inbrenger, "upvote", question=qid, on=True)
    room.refused(room.facilitator, "upvote", question=qid, on=True)
    room.refused(group[1], "upvote", code=errors.NOT_FOUND, question="q99", on=True)


def test_inbrenger_marks_answered_and_rates_and_others_cannot() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Vraag").result["question"]
    for who in (group[0], group[1], room.facilitator):
        room.refused(who, "mark_answered", question=qid, answered=True)
        room.refused(who, "rate_question", question=qid, rating="warm")
    assert room.one(inbrenger, "mark_answered", question=qid, answered=True).public["question"]["answered"] is True
    assert room.run(inbrenger, "mark_answered", question=qid, answered=True).events == []
    for rating in ("warm", "lauw", "koud", None):
        ev = room.one(inbrenger, "rate_question", question=qid, rating=rating)
        # the rating is the inbrenger's (issue 13): the group sees at most that it was answered
        assert frame(ev, inbrenger.pid, PARTICIPANT)["question"]["rating"] == rating
        assert ev.public["question"]["rating"] is None
        assert room.snapshot(inbrenger)["questions"][0]["rating"] == rating
        assert room.snapshot(group[1])["questions"][0]["rating"] is None
        assert room.state.questions[qid].rating == rating
    with pytest.raises(ProtocolError) as info:
        command("rate_question", "x", question=qid, rating="heet")
    assert info.value.code == errors.INVALID_FIELD
    room.refused(inbrenger, "mark_answered", code=errors.NOT_FOUND, question="q99", answered=True)
    room.run(room.facilitator, "advance")
    room.refused(inbrenger, "mark_answered", question=qid, answered=False)
    room.refused(inbrenger, "rate_question", question=qid, rating="koud")


def test_hidden_question_vanishes_for_everyone_but_facilitators() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Verkapt advies?").result["question"]
    room.refused(group[1], "hide_question", question=qid, hidden=True)
    room.refused(inbrenger, "hide_question", question=qid, hidden=True)
    ev = room.one(room.facilitator, "hide_question", question=qid, hidden=True)
    assert ev.public == {"question": qid}
    assert frame(ev, room.facilitator.pid, FACILITATOR)["question"]["hidden"] is True
    for viewer in (inbrenger, *group):
        assert frame(ev, viewer.pid, viewer.role) == {"t": "question_hidden", "seq": ev.seq, "question": qid}
        snap = room.snapshot(viewer)
        assert snap["questions"] == []
        assert snap["own_questions"] in ([], [qid] if viewer is group[0] else [])  # an own id, never the text
        assert "Verkapt advies?" not in json.dumps(snap)
    assert room.snapshot(room.facilitator)["questions"][0]["hidden"] is True
    # nobody but a facilitator can reach a hidden question
    room.refused(group[1], "upvote", code=errors.NOT_FOUND, question=qid, on=True)
    room.refused(group[0], "withdraw_question", code=errors.NOT_FOUND, question=qid)
    room.refused(inbrenger, "mark_answered", code=errors.NOT_FOUND, question=qid, answered=True)
    assert room.run(room.facilitator, "hide_question", question=qid, hidden=True).events == []
    ev = room.one(room.facilitator, "hide_question", question=qid, hidden=False)
    assert ev.public["question"]["hidden"] is False
    assert [q["id"] for q in room.snapshot(group[1])["questions"]] == [qid]


def test_essence_only_by_the_inbrenger() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.refused(group[0], "essence", text="Essentie")
    room.refused(room.facilitator, "essence", text="Essentie")
    assert room.one(inbrenger, "essence", text="Ik wil erkenning").public == {"text": "Ik wil erkenning"}
    assert room.snapshot(group[0])["essence"] == "Ik wil erkenning"
    room.run(room.facilitator, "back")
    room.refused(inbrenger, "essence", text="Te vroeg")


# --------------------------------------------------------------------------- association round


def test_cards_are_put_on_the_table_by_the_facilitator_in_the_association_round() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.refused(room.facilitator, "deal_cards")
    room.refused(group[0], "draw_card")
    room.run(room.facilitator, "advance")
    room.refused(group[0], "deal_cards")
    room.refused(inbrenger, "deal_cards")
    room.refused(group[0], "draw_card")  # nothing on the table yet
    ev = room.one(room.facilitator, "deal_cards")
    assert ev.t == "cards_dealt" and ev.private is None and ev.to == ()
    deal = ev.public["deal"]
    assert ev.public["phase"] == "associatieronde" and ev.public["taken"] == ev.public["written"] == 0
    assert deal["public"] is False and deal["hidden"] is True and deal["holders"] == {}
    assert [c["name"]["nl"] for c in deal["cards"]] == [*PEOPLE, SELF_ROLE["nl"]]
    assert all([f["id"] for f in c["fields"]] == ["voel", "denk"] for c in deal["cards"])
    room.refused(room.facilitator, "deal_cards")  # on the table already: each takes their own


def test_each_member_of_the_group_takes_a_private_card_nobody_else_learns() -> None:
    room, inbrenger, group = start_case(6, phase="associatieronde")
    screen = room.join("Scherm", screen=True)
    room.run(room.facilitator, "deal_cards")
    for outsider in (inbrenger, room.facilitator, screen):
        room.refused(outsider, "draw_card")
    taken = draw(room, group)
    drawn = [ev for ev in room.log if ev.t == "card_drawn"]
    assert [ev.public for ev in drawn] == [{"phase": "associatieronde", "taken": i} for i in range(1, len(group) + 1)]
    for ev, member in zip(drawn, group, strict=True):
        assert ev.private is None and ev.to == ()
        for m in group:  # the stored event names nobody: only a tag of the holder's token
            assert_no_trace(ev.to_dict(), m)
        assert ev.internal["tag"] == identity.card_tag(member.actor.anon_key, "associatieronde")
    assert cards(room) == taken
    for viewer in room.everyone:
        snap = room.snapshot(viewer)["deals"]["associatieronde"]
        assert snap["mine"] == taken.get(viewer.pid) and snap["taken"] == len(group)
        assert snap["holders"] == {}
    # taking again gives the same card, and nothing new happens
    again = room.run(group[0], "draw_card")
    assert again.events == [] and again.result == {"phase": "associatieronde", "card": taken[group[0].pid]}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("n", "people"),
    [(3, []), (4, ["a"]), (5, ["a", "b"]), (6, ["a", "b"]), (8, ["a", "b", "c"]), (4, ["a", "b", "c", "d", "e"])],
)
def test_all_roles_are_covered_before_any_repeats(n: int, people: list[str], language: str) -> None:
    roles = [*people, SELF_ROLE[language]]
    for seed in range(15):
        room, _, group = start_case(n, phase="associatieronde", people=people, language=language, seed=seed)
        room.run(room.facilitator, "deal_cards")
        draw(room, group)
        counts = Counter(role_name(room, c) for c in cards(room).values())
        assert set(counts) <= set(roles)
        if len(group) >= len(roles):
            assert set(counts) == set(roles)
            assert max(counts.values()) - min(counts.values()) <= 1
        else:
            assert max(counts.values()) == 1


def test_a_late_joiner_takes_a_card_that_keeps_the_roles_balanced() -> None:
    room, _, group = start_case(4, phase="associatieronde", people=["a", "b"])
    room.run(room.facilitator, "deal_cards")
    draw(room, group)
    assert sorted(role_name(room, c) for c in cards(room).values()) == sorted(["a", "b", SELF_ROLE["nl"]])
    late = room.join("Laatkomer")
    room.refused(late, "draw_card")  # not before they confirm the agreement (they get no case till then)
    room.run(late, "confirm")
    room.refused(late, "perspective", texts=["Ik voel", "Ik denk"])  # no card yet
    (ev,) = room.run(late, "draw_card").events
    assert ev.public == {"phase": "associatieronde", "taken": 4}
    assert Counter(cards(room).values()).most_common(1)[0][1] == 2


def test_a_case_that_names_nobody_still_has_the_inbrenger_card() -> None:
    room, _, group = start_case(4, phase="associatieronde", people=[])
    deal = room.one(room.facilitator, "deal_cards").public["deal"]
    assert [c["id"] for c in deal["cards"]] == ["self"]


def test_perspectives_only_by_card_holders_and_hidden_until_reveal() -> None:
    room, inbrenger, group = start_case(5, phase="associatieronde")
    room.refused(group[0], "perspective", texts=["Ik voel", "Ik denk"])  # no cards yet
    room.run(room.facilitator, "deal_cards")
    room.refused(group[0], "perspective", texts=["Ik voel", "Ik denk"])  # not taken yet
    draw(room, group)
    room.refused(inbrenger, "perspective", texts=["Ik voel", "Ik denk"])
    room.refused(room.facilitator, "perspective", texts=["Ik voel", "Ik denk"])
    room.refused(group[0], "perspective", code=errors.INVALID_FIELD, texts=["Alleen een gevoel"])
    texts = {}
    for i, member in enumerate(group[:3]):
        texts[member.pid] = [f"<voel-{i}>", f"<denk-{i}>"]
        decision = room.run(member, "perspective", texts=texts[member.pid])
        (ev,) = decision.events
        assert decision.result == {"phase": "associatieronde", "texts": texts[member.pid]}
        assert ev.public == {"phase": "associatieronde", "written": i + 1}
        assert ev.private is None and ev.to == ()  # the writer has it from the ack: nothing names them
        for m in group:
            assert_no_trace(ev.to_dict(), m)
    ev = room.one(group[0], "perspective", texts=["<voel-0b>", "<denk-0b>"])  # rewritten, not added
    assert ev.public == {"phase": "associatieronde", "written": 3}
    texts[group[0].pid] = ["<voel-0b>", "<denk-0b>"]
    secret = {"<voel-0>", "<denk-0>"} | {t for pair in texts.values() for t in pair}
    for viewer in room.everyone:
        frames = json.dumps(room.frames(viewer))
        own = set(texts.get(viewer.pid, ()))
        for text in secret:  # no frame carries any text; a snapshot only the viewer's own, as it is now
            assert text not in frames, (viewer.pid, text)
            assert (text in json.dumps(room.snapshot(viewer))) is (text in own), (viewer.pid, text)
        snap = room.snapshot(viewer)["deals"]["associatieronde"]
        assert snap["perspectives"] == [] and not snap["revealed"] and snap["written"] == 3
        assert snap["my_texts"] == texts.get(viewer.pid)


def test_reveal_releases_every_perspective_at_once_without_authors() -> None:
    room, inbrenger, group = start_case(5, phase="associatieronde")
    room.refused(room.facilitator, "reveal")  # nothing to reveal yet
    room.run(room.facilitator, "deal_cards")
    held = draw(room, group)
    room.refused(room.facilitator, "reveal")
    for i, member in enumerate(group):
        room.run(member, "perspective", texts=[f"<voel-{i}>", f"<denk-{i}>"])
    room.refused(group[0], "reveal")
    room.refused(inbrenger, "reveal")
    ev = room.one(room.facilitator, "reveal")
    items = ev.public["perspectives"]
    assert ev.private is None and ev.public["phase"] == "associatieronde"
    assert all(set(item) == {"card", "texts"} for item in items)
    expected = {(held[m.pid], f"<voel-{i}>", f"<denk-{i}>") for i, m in enumerate(group)}
    assert {(x["card"], *x["texts"]) for x in items} == expected
    for member in group:
        assert_no_trace(ev.to_dict(), member)
    for viewer in room.everyone:
        snap = room.snapshot(viewer)["deals"]["associatieronde"]
        assert snap["perspectives"] == items and snap["revealed"]
    room.refused(group[0], "perspective", texts=["Te laat", "Te laat"])
    room.refused(group[0], "draw_card")
    room.refused(room.facilitator, "reveal")
    room.refused(room.facilitator, "deal_cards")


def test_nothing_stored_links_a_person_to_their_private_card_or_perspective() -> None:
    """DESIGN §4: no stored event or state holds the author of an anonymous item. A private
    card and what was written from it are kept under the holder's tag only."""
    room, inbrenger, group = start_case(5, phase="associatieronde")
    room.run(room.facilitator, "deal_cards")
    draw(room, group)
    for i, member in enumerate(group):
        room.run(member, "perspective", texts=[f"<voel-{i}>", f"<denk-{i}>"])
    room.run(room.facilitator, "reveal")
    stored = dataclasses.asdict(room.state)["deals"]
    first_card = next(i for i, ev in enumerate(room.log) if ev.t == "cards_dealt")
    for member in group:
        assert_no_trace(stored, member)
        for ev in room.log[first_card:]:
            assert_no_trace(ev.to_dict(), member)


def test_deal_and_reveal_outside_the_association_round_are_refused() -> None:
    room, _, group = start_case(4, phase="associatieronde")
    room.run(room.facilitator, "deal_cards")
    draw(room, group)
    room.run(group[0], "perspective", texts=["Ik voel", "Ik denk"])
    room.run(room.facilitator, "advance")
    room.refused(room.facilitator, "reveal")
    room.refused(room.facilitator, "deal_cards")
    room.refused(group[1], "perspective", texts=["Ik voel", "Ik denk"])
    room.refused(group[1], "draw_card")


# --------------------------------------------------------------------------- public cards that rotate (zes denkhoeden)

HATS = ["wit", "rood", "zwart", "geel", "groen", "blauw"]
HAT_ROUNDS = ["hoeden-1", "hoeden-2", "hoeden-3"]


def hats_room(n: int, seed: int = 0) -> tuple[Room, Member, list[Member]]:
    """A zes-denkhoeden room with n participants (the first is the inbrenger) in round one."""
    return start_case(n, phase="hoeden-1", method="zes-denkhoeden", seed=seed)


def seats(room: Room) -> list[str]:
    return room.state.seats["hoeden"]


def test_hats_are_dealt_in_public_and_everyone_sees_who_wears_which() -> None:
    room, inbrenger, group = hats_room(7)  # six in the group: every hat worn, no observer
    room.refused(group[0], "draw_card")  # public cards are dealt, not taken
    room.refused(group[0], "deal_cards")
    ev = room.run(room.facilitator, "deal_cards").events[0]
    deal = ev.public["deal"]
    assert ev.t == "cards_dealt" and ev.private is None and deal["public"] is True and deal["hidden"] is False
    assert sorted(deal["holders"]) == sorted(m.pid for m in group)
    assert sorted(deal["holders"].values()) == sorted(HATS)
    assert [c["id"] for c in deal["cards"]] == [*HATS, "observator"]
    assert sorted(ev.internal["seats"]) == sorted(m.pid for m in group)
    for viewer in room.everyone:
        snap = room.snapshot(viewer)["deals"]["hoeden-1"]
        assert snap["holders"] == deal["holders"] and snap["mine"] == deal["holders"].get(viewer.pid)
    room.refused(room.facilitator, "deal_cards")  # everyone has one


@pytest.mark.parametrize("n", [5, 6, 7, 8, 9])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_hats_move_on_each_round_and_left_over_hats_come_in(n: int, seed: int) -> None:
    room, inbrenger, group = hats_room(n, seed)
    worn: dict[str, list[str]] = {m.pid: [] for m in group}
    for r, phase in enumerate(HAT_ROUNDS):
        room.goto(phase)
        room.run(room.facilitator, "deal_cards")
        holders = cards(room, phase)
        assert set(holders) == {m.pid for m in group}
        for i, pid in enumerate(seats(room)):  # the seating of the first deal is kept
            wearers = min(len(group), len(HATS))
            if i < wearers:
                assert holders[pid] == HATS[(i + r) % len(HATS)]  # moved on r places round the hats
            else:
                assert holders[pid] == "observator"  # more people than hats: they observe, every round
            worn[pid].append(holders[pid])
        hats = [h for h in holders.values() if h != "observator"]
        assert len(hats) == len(set(hats)) == min(len(group), len(HATS))  # no hat twice at once
    for seq in worn.values():
        if "observator" not in seq:
            assert len(set(seq)) == len(HAT_ROUNDS)  # a new hat every round
    all_worn = {h for seq in worn.values() for h in seq}
    assert all_worn >= set(HATS) or len(group) + len(HAT_ROUNDS) - 1 < len(HATS)


def test_a_replay_of_the_log_deals_the_same_hats() -> None:
    room, inbrenger, group = hats_room(8, seed=3)
    for phase in HAT_ROUNDS:
        room.goto(phase)
        room.run(room.facilitator, "deal_cards")
    s = room.state
    replica = new_room(s.code, s.epoch, s.participants["p1"].token_hash, method_id=DEFAULT_METHOD)
    for ev in room.log:
        apply(replica, Event.from_dict(json.loads(json.dumps(ev.to_dict()))))
    assert replica == s
    assert {p: cards(room, p) for p in HAT_ROUNDS} == {p: dict(replica.deals[p].holders) for p in HAT_ROUNDS}


def test_hats_speak_in_the_deck_order_and_the_observer_writes_notes_instead() -> None:
    room, inbrenger, group = hats_room(8)  # seven in the group: six hats and an observer
    (dealt, turns) = room.run(room.facilitator, "deal_cards").events
    holders = dealt.public["deal"]["holders"]
    observer = room.members[next(pid for pid, c in holders.items() if c == "observator")]
    wearer = {c: room.members[pid] for pid, c in holders.items()}
    assert turns.t == "turns" and turns.public["order"] == [wearer[h].pid for h in HATS]  # white first, blue last
    assert observer.pid not in turns.public["order"]
    # the observer writes notes, not a perspective, and needs no turn; the notes carry their name
    room.refused(observer, "perspective", texts=["Ik zie"])
    note = room.one(observer, "note", text="<iedereen blijft netjes bij de eigen hoed>")
    assert note.public["note"]["author"] == observer.pid and note.to == ()
    room.refused(wearer["wit"], "note", text="Mag ik ook?")  # this phase takes no notes from the hats
    # only the current speaker writes, from their own hat, as many times as they like in their turn
    room.refused(wearer["rood"], "perspective", texts=["Te vroeg"])
    room.refused(inbrenger, "perspective", texts=["Ik luister"])
    ev = room.one(wearer["wit"], "perspective", texts=["<de feiten>"])
    shown = {"holder": wearer["wit"].pid, "card": "wit", "texts": ["<de feiten>"]}
    assert ev.public == {"phase": "hoeden-1", "written": 1, "perspective": shown} and ev.to == ()
    ev = room.one(wearer["wit"], "perspective", texts=["<de feiten, beter>"])
    room.run(wearer["wit"], "pass_turn")
    room.run(wearer["rood"], "perspective", texts=["<mijn gevoel>"])
    for viewer in room.everyone:  # shown as written: public cards have no secrets
        snap = room.snapshot(viewer)["deals"]["hoeden-1"]
        assert [(p["card"], p["texts"]) for p in snap["perspectives"]] == [
            ("wit", ["<de feiten, beter>"]),
            ("rood", ["<mijn gevoel>"]),
        ]
    room.refused(room.facilitator, "reveal")  # nothing hidden to reveal
    # the inbrenger listens: no rating, no reacting in between
    room.refused(inbrenger, "respond", text="Ja maar")


def test_a_late_joiner_gets_a_hat_nobody_wears_or_observes() -> None:
    room, inbrenger, group = hats_room(5)  # four in the group: two hats left over
    room.run(room.facilitator, "deal_cards")
    before = cards(room, "hoeden-1")
    late = room.join("Laatkomer")
    (dealt, _) = room.run(room.facilitator, "deal_cards").events
    holders = dealt.public["deal"]["holders"]
    assert {p: c for p, c in holders.items() if p != late.pid} == before
    assert holders[late.pid] in set(HATS) - set(before.values())
    assert room.state.current_turns().order[-1] == late.pid  # speaks after those who were there
    for name in ("Zes", "Zeven"):
        room.join(name)
    room.run(room.facilitator, "deal_cards")
    assert Counter(cards(room, "hoeden-1").values())["observator"] == 1


def test_cards_may_ask_for_their_own_fields() -> None:
    own = own_method(
        "zes-denkhoeden",
        (
            'id = "wit"\n',
            'id = "wit"\nfields = [{ id = "weten", label = { nl = "Wat we weten", en = "What we know" } },'
            ' { id = "missen", label = { nl = "Wat we missen", en = "What we miss" } }]\n',
        ),
    )
    room, _, _ = start_own(own, 5, "hoeden-1")
    (dealt, _) = room.run(room.facilitator, "deal_cards").events
    white = room.members[next(p for p, c in dealt.public["deal"]["holders"].items() if c == "wit")]
    assert [f["id"] for f in room.state.deals["hoeden-1"].card("wit")["fields"]] == ["weten", "missen"]
    room.refused(white, "perspective", code=errors.INVALID_FIELD, texts=["Alleen wat we weten"])
    room.run(white, "perspective", texts=["<weten>", "<missen>"])


# --------------------------------------------------------------------------- written notes


def own_method(base: str, *edits: tuple[str, str]) -> str:
    """A shipped method file with some lines changed, as a facilitator's own file."""
    text = (METHODS_DIR / f"{base}.toml").read_text(encoding="utf-8")
    text = text.replace(f'id = "{base}"', 'id = "eigen-werkvorm"', 1)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def start_own(method_toml: str, n: int, phase: str, **room_args: Any) -> tuple[Room, Member, list[Member]]:
    """Like start_case, with the facilitator's own method file and a case not shared."""
    return start_case(n, phase, method_toml=method_toml, case=Case("T", "V", text=None), **room_args)


ANONYMOUS_NOTES = own_method(
    "incidentmethode",
    (
        'accepts = { notes = "group" }\nhidden_until_reveal = true',
        'accepts = { notes = "group" }\nhidden_until_reveal = true\nanonymous = true',
    ),
)


def test_hidden_anonymous_notes_are_stored_without_their_writer() -> None:
    room, inbrenger, group = start_own(ANONYMOUS_NOTES, 5, "wat-zou-jij-doen")
    ids = {}
    for i, member in enumerate(group):
        decision = room.run(member, "note", text=f"<wat ik zou doen {i}>")
        (ev,) = decision.events
        ids[member.pid] = nid = decision.result["note"]
        # everyone gets a count; the writer has the note from the ack, so no event is addressed to them
        assert ev.public == {"notes_hidden": i + 1} and ev.private is None and ev.to == ()
        record = decision.result["record"]
        assert record == {"id": nid, "phase": "wat-zou-jij-doen", "text": f"<wat ik zou doen {i}>", "author": None}
        for m in group:
            assert_no_trace(ev.to_dict(), m)
    for viewer in room.everyone:
        notes = room.snapshot(viewer)["notes"]
        assert [n["id"] for n in notes] == ([ids[viewer.pid]] if viewer.pid in ids else [])
    withdrawn = room.one(group[0], "withdraw_note", note=ids[group[0].pid])
    assert withdrawn.public == {"notes_hidden": 3, "note": ids[group[0].pid]} and withdrawn.to == ()
    room.refused(group[1], "withdraw_note", code=errors.NOT_FOUND, note=ids[group[2].pid])  # not theirs
    revealed = room.one(room.facilitator, "reveal")
    assert sorted(n["id"] for n in revealed.public["notes"]) == sorted(ids[m.pid] for m in group[1:])
    assert all(n["author"] is None for n in revealed.public["notes"])
    stored = [dataclasses.asdict(room.state)["notes"], *(ev.to_dict() for ev in room.log if ev.t.startswith("note"))]
    for m in group:
        assert_no_trace(stored, m)


def test_anonymous_advice_carries_no_author() -> None:
    toml = own_method(
        "socratische-methode", ('accepts = { advice = "group" }', 'accepts = { advice = "group" }\nanonymous = true')
    )
    room, inbrenger, group = start_own(toml, 5, "adviezen")
    decision = room.run(group[0], "advice", text="<probeer dit>")
    (ev,) = decision.events
    assert ev.public["advice"]["author"] is None
    assert_no_trace(ev.to_dict(), group[0])
    room.goto("afsluiting")
    summary = room.run(inbrenger, "summary").result["summary"]
    assert summary["advice"] == [{"author": None, "text": "<probeer dit>", "rating": None}]
    # with fewer than three in the group, "anonymous" would name them anyway
    room, inbrenger, group = start_own(toml, 3, "adviezen")
    assert room.one(group[0], "advice", text="Bel haar").public["advice"]["author"] == group[0].pid


# --------------------------------------------------------------------------- advice round


def test_turn_order_is_the_group_without_the_inbrenger() -> None:
    room, inbrenger, group = start_case(5, phase="associatieronde")
    (ev,) = room.run(room.facilitator, "advance").events
    assert ev.t == "phase"  # the phase carries its speaking order
    assert ev.public["turns"] == ev.private["turns"] == {"order": [m.pid for m in group], "current": 0}
    assert inbrenger.pid not in room.snapshot(inbrenger)["turns"]["order"]


def test_only_the_current_speaker_gives_advice() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    order = turn_order(room)
    speaker, other = room.members[order[0]], room.members[order[1]]
    room.refused(other, "advice", text="Mijn advies")
    room.refused(inbrenger, "advice", text="Mijn advies")
    room.refused(room.facilitator, "advice", text="Mijn advies")
    ev = room.one(speaker, "advice", text="Praat met je baas")
    assert ev.public["advice"]["author"] == speaker.pid and ev.public["advice"]["text"] == "Praat met je baas"
    assert room.snapshot(inbrenger)["advice"] == [ev.public["advice"]]


def test_pass_turn_by_the_speaker_or_the_facilitator() -> None:
    room, inbrenger, group = start_case(5, phase="adviesronde")
    order = [room.members[pid] for pid in turn_order(room)]
    room.refused(order[1], "pass_turn")
    room.refused(inbrenger, "pass_turn")
    assert room.one(order[0], "pass_turn").public == {
        "phase": "adviesronde",
        "order": [m.pid for m in order],
        "current": 1,
    }
    room.refused(order[0], "advice", text="Te laat")
    room.run(order[1], "advice", text="Advies")
    assert room.one(room.facilitator, "pass_turn").public["current"] == 2
    room.run(order[2], "pass_turn")
    room.run(room.facilitator, "pass_turn")
    assert room.state.current_turns().done
    room.refused(room.facilitator, "pass_turn")
    room.refused(order[0], "advice", text="Nog eentje")


def test_the_inbrenger_listens_until_every_turn_is_done_then_responds() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    for pid in turn_order(room):
        room.refused(inbrenger, "respond", text="Ja maar")
        room.refused(inbrenger, "advice", text="Ja maar")
        room.run(room.members[pid], "advice", text=f"Advies van {pid}")
        room.run(room.members[pid], "pass_turn")
    room.refused(group[0], "respond", text="Namens de inbrenger")
    room.refused(room.facilitator, "respond", text="Namens de inbrenger")
    room.refused(inbrenger, "advice", text="Nu wel?")
    assert room.one(inbrenger, "respond", text="Het tweede advies raakt me").public == {
        "text": "Het tweede advies raakt me"
    }
    assert room.snapshot(group[1])["response"] == "Het tweede advies raakt me"


def test_pass_turn_outside_the_advice_round_is_refused() -> None:
    room, inbrenger, group = start_case(4, phase="associatieronde")
    room.refused(room.facilitator, "pass_turn")
    room.refused(group[0], "pass_turn")


def test_a_newly_chosen_inbrenger_is_not_in_the_turn_order() -> None:
    """The facilitator goes back to the case choice and picks another case (a next case):
    the advice round that follows must again leave the (new) inbrenger out of the turns."""
    room, first, group = start_case(4, phase="adviesronde")
    room.goto("casuskeuze")
    case = room.run(group[0], "propose_case", title="Tweede casus", question="En nu?").result["case"]
    room.run(room.facilitator, "choose_case", case=case)
    room.run(group[0], "share_case", text="Mijn casus", people=["de klant"])
    room.goto("adviesronde")
    assert room.state.inbrenger == group[0].pid
    turns = room.state.current_turns()
    assert group[0].pid not in turns.order
    assert turns.order[turns.current] != group[0].pid


def test_the_listening_inbrenger_weighs_no_advice_until_every_turn_is_done() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    order = [room.members[pid] for pid in turn_order(room)]
    aid = room.run(order[0], "advice", text="<advies>").result["advice"]
    err = room.refused(inbrenger, "rate_advice", advice=aid, rating="warm")
    assert err.detail.startswith("the inbrenger listens in this phase")
    for speaker in order:
        room.run(speaker, "pass_turn")
    ev = room.one(inbrenger, "rate_advice", advice=aid, rating="warm")  # now they may respond, and weigh
    # the rating is the inbrenger's (issue 13): the others get an empty body
    assert ev.public == {} and ev.private == {"advice": aid, "rating": "warm"} and ev.to == (inbrenger.pid,)


def test_an_inbrenger_with_back_turned_reacts_to_nothing() -> None:
    room, inbrenger, group = start_case(4, phase="roddelronde", method="roddelmethode")
    aid = room.run(group[0], "advice", text="Zij zou het gewoon moeten zeggen").result["advice"]
    room.refused(inbrenger, "rate_advice", advice=aid, rating="warm")
    room.refused(inbrenger, "advice", text="Ja maar")
    room.refused(inbrenger, "respond", text="Ja maar")
    # questions where the inbrenger listens (an own method): no marking or rating either
    toml = own_method(
        "vijfstappenmethode",
        (
            'accepts = { questions = "group" }\nanonymous = true',
            'accepts = { questions = "group" }\ninbrenger = "listens"',
        ),
    )
    room, inbrenger, group = start_own(toml, 4, "verkennen")
    qid = room.run(group[0], "ask", text="Wat zei ze toen?").result["question"]
    room.refused(inbrenger, "mark_answered", question=qid, answered=True)
    room.refused(inbrenger, "rate_question", question=qid, rating="warm")


def test_everyone_means_everyone_who_speaks_in_this_phase() -> None:
    toml = own_method(
        "kwaliteitenmethode",
        (
            'id = "uitdaging"\nminutes = 10\naccepts = { notes = "group" }',
            'id = "uitdaging"\nminutes = 10\naccepts = { notes = "everyone" }\ninbrenger = "listens"',
        ),
    )
    room, inbrenger, group = start_own(toml, 4, "uitdaging")
    room.run(group[0], "note", text="De uitdaging is grenzen stellen")
    err = room.refused(inbrenger, "note", text="Mijn uitdaging is ...")
    assert err.detail == "the inbrenger listens in this phase"


def test_questions_in_turn_come_from_the_current_speaker_only() -> None:
    room, inbrenger, group = start_case(5, phase="feitenvragen", method="incidentmethode")
    order = [room.members[pid] for pid in turn_order(room)]
    assert [m.pid for m in order] == [m.pid for m in group]
    err = room.refused(order[1], "ask", text="Wie was erbij?")
    assert err.detail == "wait for your turn"
    first = room.run(order[0], "ask", text="Wie was erbij?").result["question"]
    room.run(order[0], "ask", text="Hoe laat was het?")  # as many as they like in their turn
    room.run(inbrenger, "mark_answered", question=first, answered=True)  # the inbrenger answers
    room.run(order[0], "pass_turn")
    room.refused(order[0], "ask", text="Nog eentje")
    room.run(order[1], "ask", text="Wat zei je leidinggevende?")
    room.run(room.facilitator, "pass_turn")
    room.run(room.facilitator, "pass_turn")
    room.run(room.facilitator, "pass_turn")
    assert room.state.current_turns().done
    room.refused(order[3], "ask", text="Mag ik nog?")


def test_notes_in_turn_come_from_the_current_speaker_only() -> None:
    toml = own_method(
        "kwaliteitenmethode",
        (
            'id = "kwaliteit"\nminutes = 10\naccepts = { notes = "group" }',
            'id = "kwaliteit"\nminutes = 10\naccepts = { notes = "group" }\nin_turn = true',
        ),
    )
    room, inbrenger, group = start_own(toml, 4, "kwaliteit")
    order = [room.members[pid] for pid in turn_order(room)]
    room.refused(order[1], "note", text="Doorzettingsvermogen")
    room.run(order[0], "note", text="Geduld")
    room.run(order[0], "pass_turn")
    room.run(order[1], "note", text="Doorzettingsvermogen")


# --------------------------------------------------------------------------- closing


def test_takeaway_only_by_the_inbrenger() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    room.refused(inbrenger, "takeaway", text="Te vroeg")
    room.run(room.facilitator, "advance")
    room.refused(group[0], "takeaway", text="Meegenomen")
    room.refused(room.facilitator, "takeaway", text="Meegenomen")
    assert room.one(inbrenger, "takeaway", text="Ik ga het gesprek aan").public == {"text": "Ik ga het gesprek aan"}


def test_evaluations_are_seen_by_facilitators_and_their_author_only() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    room.refused(group[0], "evaluate", score=4, line="Te vroeg")
    room.run(room.facilitator, "advance")
    room.refused(room.facilitator, "evaluate", score=5, line="Ik evalueer niet mee")
    ev = room.one(group[0], "evaluate", score=4, line="<fijne sessie>")
    assert ev.public == {"evaluations_count": 1}
    assert frame(ev, room.facilitator.pid, FACILITATOR)["evaluation"] == {
        "participant": group[0].pid,
        "score": 4,
        "line": "<fijne sessie>",
    }
    assert frame(ev, group[0].pid, PARTICIPANT)["evaluation"]["score"] == 4
    for viewer in (inbrenger, group[1], group[2]):
        assert frame(ev, viewer.pid, viewer.role) == {"t": "evaluated", "seq": ev.seq, "evaluations_count": 1}
        snap = room.snapshot(viewer)
        assert snap["evaluations"] == [] and snap["evaluations_count"] == 1
        assert "<fijne sessie>" not in json.dumps(snap)
    room.run(inbrenger, "evaluate", score=5)
    assert room.one(group[0], "evaluate", score=3, line="Toch").public == {"evaluations_count": 2}
    fac_view = room.snapshot(room.facilitator)["evaluations"]
    assert fac_view == [
        {"participant": group[0].pid, "score": 3, "line": "Toch"},
        {"participant": inbrenger.pid, "score": 5, "line": ""},
    ]
    assert room.snapshot(inbrenger)["evaluations"] == [{"participant": inbrenger.pid, "score": 5, "line": ""}]


@pytest.mark.parametrize("score", [0, 6, -1, True, "4", 4.0])
def test_evaluation_scores_outside_one_to_five_are_invalid(score: Any) -> None:
    with pytest.raises(ProtocolError) as info:
        command("evaluate", "e1", score=score, line="x")
    assert info.value.code == errors.INVALID_FIELD


def test_ready_shows_a_count_to_the_group_and_names_to_the_facilitator() -> None:
    room, inbrenger, group = start_case(4, phase="afsluiting")
    events = [room.one(m, "ready", ready=True) for m in group[:2]]
    assert [ev.public for ev in events] == [{"ready_count": 1}, {"ready_count": 2}]
    assert room.run(group[0], "ready", ready=True).events == []
    for viewer in room.everyone:
        fac = viewer.role == FACILITATOR
        for ev in events:
            f = frame(ev, viewer.pid, viewer.role)
            if fac:  # the facilitator's marks: who is ready
                assert f == {**ev.public, "t": "ready", "seq": ev.seq, "participant": ev.to[0], "ready": True}
            elif viewer.pid not in ev.to:
                assert f == {"t": "ready", "seq": ev.seq, "ready_count": ev.public["ready_count"]}
            else:
                assert f == {"t": "ready", "seq": ev.seq, "ready_count": ev.public["ready_count"], "ready": True}
        snap = room.snapshot(viewer)
        assert snap["ready_count"] == 2 and snap["ready"] is (viewer in group[:2])
        assert snap["ready_ids"] == ([m.pid for m in group[:2]] if fac else [])
    assert room.one(group[0], "ready", ready=False).public == {"ready_count": 1}
    room.refused(room.facilitator, "ready", ready=True)


def test_summary_goes_to_the_inbrenger_only_and_holds_the_whole_case() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    q1 = room.run(group[0], "ask", text="<vraag-1>").result["question"]
    q2 = room.run(group[1], "ask", text="<vraag-verborgen>").result["question"]
    room.run(inbrenger, "rate_question", question=q1, rating="warm")
    room.run(inbrenger, "mark_answered", question=q1, answered=True)
    room.run(room.facilitator, "hide_question", question=q2, hidden=True)
    room.run(inbrenger, "essence", text="<essentie>")
    room.goto("associatieronde")
    room.run(room.facilitator, "deal_cards")
    held = draw(room, group)
    room.run(group[2], "perspective", texts=["<voel>", "<denk>"])
    room.run(room.facilitator, "reveal")
    room.goto("adviesronde")
    room.run(room.members[turn_order(room)[0]], "advice", text="<advies>")
    for _ in turn_order(room):
        room.run(room.facilitator, "pass_turn")
    room.run(inbrenger, "respond", text="<reactie>")
    room.goto("afsluiting")
    room.run(inbrenger, "takeaway", text="<meenemen>")
    for who in (*group, room.facilitator):
        room.refused(who, "summary")
    decision = room.run(inbrenger, "summary")
    assert decision.events == []
    summary = decision.result["summary"]
    assert summary["title"] == "Lastige collega" and summary["question"] == "Hoe zeg ik nee?"
    assert summary["case_text"] == "Mijn collega vraagt steeds ..."
    assert summary["people"] == PEOPLE
    assert summary["essence"] == "<essentie>"
    assert summary["questions"] == [{"text": "<vraag-1>", "rating": "warm", "answered": True}]
    card = role_name(room, held[group[2].pid])
    assert summary["perspectives"] == [
        {
            "phase": "associatieronde",
            "card": {"nl": card, "en": card if card in PEOPLE else SELF_ROLE["en"]},
            "texts": [
                {"label": {"nl": "Ik voel …", "en": "I feel …"}, "text": "<voel>"},
                {"label": {"nl": "Ik denk …", "en": "I think …"}, "text": "<denk>"},
            ],
        }
    ]
    assert [a["text"] for a in summary["advice"]] == ["<advies>"]
    assert summary["response"] == "<reactie>"
    assert summary["takeaway"] == "<meenemen>"
    assert "<vraag-verborgen>" not in json.dumps(summary)


def test_end_ends_the_room_and_then_every_command_fails() -> None:
    room, inbrenger, group = start_case(4, phase="afsluiting")
    room.refused(group[0], "end")
    room.refused(inbrenger, "end")
    assert room.one(room.facilitator, "end").t == "ended"
    assert room.state.ended
    for t in COMMANDS:
        for who in (room.facilitator, inbrenger, group[0]):
            room.refused(who, t, code=errors.UNKNOWN_ROOM, **sample_args(room, t))
    assert decide_presence(room.state, group[1].pid, True).events == []


# --------------------------------------------------------------------------- proof of participation


def test_the_proof_lists_only_who_agreed_facilitators_too() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.refused(room.join("Scherm", screen=True), "list_me", listed=True)
    room.run(group[0], "list_me", listed=True)
    proof = room.run(group[1], "proof").result["proof"]
    assert proof["participants"] == [group[0].name] and proof["facilitators"] == []
    room.run(room.facilitator, "list_me", listed=True)  # a facilitator is listed only if they agree
    room.run(group[0], "list_me", listed=False)
    proof = room.run(inbrenger, "proof").result["proof"]
    assert proof["participants"] == [] and proof["facilitators"] == [room.facilitator.name]
    assert proof["method"] == METHOD.name and proof["cases"] == 1 and proof["ended_at"] is None


def test_the_proof_comes_with_the_close_its_duration_fixed_at_the_end() -> None:
    room, (anna, bram) = start(2)
    room.refused(anna, "proof")  # not started yet
    start_time = room.now
    room.run(room.facilitator, "advance", now=start_time)
    room.run(anna, "list_me", listed=True)
    room.run(room.facilitator, "list_me", listed=True)
    asked = room.run(bram, "proof", now=start_time + 30 * 60).result["proof"]
    assert asked["minutes"] == 30 and asked["ended_at"] is None  # under way: up to now
    (ended,) = room.run(room.facilitator, "end", now=start_time + 75 * 60).events
    proof = ended.public["proof"]
    assert ended.private is None  # everyone still connected gets it, screens included
    assert proof == {
        "started_at": start_time,
        "ended_at": start_time + 75 * 60,
        "minutes": 75,
        "method": METHOD.name,
        "cases": 0,
        "participants": [anna.name],
        "facilitators": [room.facilitator.name],
        "took_part": 3,  # issue 13: how many took part in all, named or not
    }
    room.refused(anna, "proof", code=errors.UNKNOWN_ROOM)  # and the room is gone after that
    # a meeting that never started ends without one
    room, _ = start(1)
    assert room.one(room.facilitator, "end").public == {}


# --------------------------------------------------------------------------- dedup


def test_a_resent_command_is_applied_once_and_returns_its_first_result() -> None:
    room, (anna, bram, _) = start(3)
    room.goto("casuskeuze")
    first = room.run(anna, "propose_case", cid="dup-1", title="Een", question="V")
    seq = room.state.seq
    again = room.run(anna, "propose_case", cid="dup-1", title="Een", question="V")
    assert again.events == [] and again.result == first.result
    assert room.state.seq == seq and len(room.state.cases) == 1
    # the same id from someone else is another command
    other = room.run(bram, "propose_case", cid="dup-1", title="Een", question="V")
    assert len(other.events) == 1 and other.result != first.result
    assert len(room.state.cases) == 2


def test_a_command_resent_after_a_phase_change_still_returns_its_result() -> None:
    room, (anna, *_) = start(3)
    room.goto("opening")
    room.run(anna, "confirm", cid="c-1")
    room.run(room.facilitator, "advance", anyway=True)
    assert room.run(anna, "confirm", cid="c-1").events == []  # not a not_allowed: it was applied
    room.refused(anna, "confirm", cid="c-2")
    assert room.state.confirmed == [anna.pid]


def test_a_resent_anonymous_question_is_asked_once() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    first = room.run(group[0], "ask", cid="ask-1", text="Vraag")
    assert room.run(group[0], "ask", cid="ask-1", text="Vraag").result == first.result
    assert len(room.state.questions) == 1
    assert room.run(group[1], "ask", cid="ask-1", text="Vraag").result != first.result
    assert len(room.state.questions) == 2
    for ev in room.log:
        if ev.t == "question_asked":
            assert_no_trace(ev.to_dict(), group[0])
            assert_no_trace(ev.to_dict(), group[1])


# --------------------------------------------------------------------------- role and phase checks


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("t", FACILITATOR_COMMANDS)
def test_participants_get_not_allowed_for_every_facilitator_command(phase: str, t: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    room.goto(phase)
    for who in (inbrenger, group[0]):
        room.refused(who, t, **sample_args(room, t))


@pytest.mark.parametrize(
    ("phase", "t"),
    [
        (phase.id, t)
        for phase in METHOD.phases
        for t in [*PHASE_INPUT, "pass_turn"]
        if (t == "pass_turn" and not phase.in_turn) or (t != "pass_turn" and PHASE_INPUT[t] not in phase.accepts)
    ],
)
def test_inputs_outside_their_phase_get_not_allowed(phase: str, t: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    room.goto(phase)
    for who in (inbrenger, *group, room.facilitator):
        room.refused(who, t, **sample_args(room, t))


@pytest.mark.parametrize(
    ("phase", "t"),
    [(phase.id, t) for phase in METHOD.phases for t in PHASE_INPUT if PHASE_INPUT[t] in phase.accepts],
)
def test_inputs_from_the_wrong_part_of_the_room_get_not_allowed(phase: str, t: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    room.goto(phase)
    who = METHOD.phases[PHASES.index(phase)].accepts[PHASE_INPUT[t]]
    if t in ("mark_answered", "rate_question", "answering"):  # the inbrenger's side of the questions round
        who = "inbrenger"
    # the facilitator may point at a question too, and answers "Was dit de tijd waard?" as a member
    wrong = [] if t in ("answering", "worth") else [room.facilitator]
    if who == "group":
        wrong.append(inbrenger)
    elif who == "inbrenger":
        wrong.extend(group)
    for member in wrong:
        room.refused(member, t, **sample_args(room, t))


# --------------------------------------------------------------------------- phase timer


def _timer(room: Room, who: Member | None = None, **fields: Any) -> dict[str, Any] | None:
    """Run a timer command; the timer it publishes, or None when it caused no event."""
    events = room.run(who or room.facilitator, "timer", **fields).events
    assert len(events) <= 1
    if not events:
        return None
    assert events[0].t == "timer" and events[0].private is None  # the same for everyone
    return events[0].public["timer"]


def test_a_new_room_has_a_stopped_timer_of_the_lobby() -> None:
    room, (anna,) = start(1)
    minutes = METHOD.phases[0].minutes
    expected = {"running": False, "deadline": None, "remaining": float(minutes * 60)}
    assert room.state.timer() == expected
    for viewer in room.everyone:
        assert room.snapshot(viewer)["timer"] == expected


def test_timer_start_pause_and_extend() -> None:
    room, _ = start(2)
    room.now = 1000.0
    assert _timer(room, action="start") == {"running": True, "deadline": 1300.0, "remaining": 300.0}
    assert _timer(room, action="start") is None  # already running: no event, still an ack
    room.now = 1100.0
    running = _timer(room, action="extend", seconds=30)
    assert running == {"running": True, "deadline": 1330.0, "remaining": 230.0}
    room.now = 1130.0
    assert _timer(room, action="pause") == {"running": False, "deadline": None, "remaining": 200.0}
    assert _timer(room, action="pause") is None  # paused already
    assert _timer(room, action="extend") == {"running": False, "deadline": None, "remaining": 260.0}  # 60 by default
    room.now = 2000.0
    assert _timer(room, action="start") == {"running": True, "deadline": 2260.0, "remaining": 260.0}
    for viewer in room.everyone:
        assert room.snapshot(viewer)["timer"] == room.state.timer()


def test_pausing_after_the_deadline_keeps_the_overrun() -> None:
    room, _ = start(1)
    room.now = 1000.0
    _timer(room, action="start")
    room.now = 1345.5
    assert _timer(room, action="pause") == {"running": False, "deadline": None, "remaining": -45.5}
    assert _timer(room, action="extend", seconds=100) == {"running": False, "deadline": None, "remaining": 54.5}


def test_every_phase_change_resets_the_timer_and_the_phase_event_carries_it() -> None:
    room, inbrenger, group = start_case(4, phase="casuskeuze")
    _timer(room, action="start")
    _timer(room, action="extend", seconds=600)
    events = room.run(room.facilitator, "advance").events
    phase = METHOD.phases[PHASES.index("vragenronde")]
    fresh = {"running": False, "deadline": None, "remaining": float(phase.minutes * 60)}
    assert events[0].public["timer"] == events[0].private["timer"] == fresh
    assert room.state.timer() == fresh
    for viewer in room.everyone:
        assert room.frames(viewer, events[:1])[0]["timer"] == fresh
        assert room.snapshot(viewer)["timer"] == fresh
    _timer(room, action="start")
    back = room.run(room.facilitator, "back").events[0]
    assert back.public["timer"]["remaining"] == METHOD.phases[PHASES.index("casuskeuze")].minutes * 60
    assert not room.state.timer_running


def test_only_facilitators_run_the_timer() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    screen = room.join("Scherm", screen=True)
    for who in (inbrenger, group[0], screen):
        for action in ("start", "pause", "extend"):
            room.refused(who, "timer", action=action)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"action": "stop"},
        {"action": "START"},
        {"action": 1},
        {"action": "extend", "seconds": 0},
        {"action": "extend", "seconds": 3601},
        {"action": "extend", "seconds": 1.5},
        {"action": "extend", "seconds": True},
        {"action": "extend", "seconds": "60"},
        {"action": "start", "deadline": 5},
    ],
)
def test_timer_arguments_are_validated(fields: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        command("timer", "t-1", **fields)
    assert info.value.code == errors.INVALID_FIELD
    assert info.value.command_id == "t-1"


def test_timer_extend_accepts_one_second_to_an_hour() -> None:
    assert command("timer", "t", action="extend", seconds=1).args == {"action": "extend", "seconds": 1}
    assert command("timer", "t", action="extend", seconds=3600).args["seconds"] == 3600
    assert command("timer", "t", action="pause").args == {"action": "pause"}


# --------------------------------------------------------------------------- projector screen


def test_hello_may_join_as_a_screen_and_nothing_else() -> None:
    from protocol.messages import parse_hello

    assert parse_hello({"t": "hello", "code": "abc", "name": "Scherm", "as": "screen"}).as_ == "screen"
    assert parse_hello({"t": "hello", "code": "abc", "name": "Anna"}).as_ is None
    for bad in ("facilitator", "participant", "", "SCREEN", 1, None, True):
        with pytest.raises(ProtocolError) as info:
            parse_hello({"t": "hello", "code": "abc", "name": "Scherm", "as": bad})
        assert info.value.code == errors.INVALID_FIELD, bad
    with pytest.raises(ProtocolError) as info:  # a resume has its role already
        parse_hello({"t": "hello", "token": "ABC.x", "as": "screen"})
    assert info.value.code == errors.INVALID_FIELD


def test_a_screen_joins_like_a_participant_with_its_own_role_and_name() -> None:
    room, (anna,) = start(1)
    screen = room.join("Scherm", screen=True)
    ev = room.log[-1]
    assert ev.public == {
        "participant": {"id": screen.pid, "name": "Scherm", "role": SCREEN, "online": False, "place": None}
    }
    assert room.join("scherm", screen=True).name == "scherm (2)"
    assert room.join("Anna", screen=True).name == "Anna (2)"
    for viewer in room.everyone:
        roles = {p["id"]: p["role"] for p in room.snapshot(viewer)["participants"]}
        assert roles[screen.pid] == SCREEN
    room.commit(decide_presence(room.state, screen.pid, True))
    assert room.snapshot(anna)["participants"][2]["online"] is True


def test_a_screen_obeys_the_lock_and_the_room_size() -> None:
    room, _ = start(1)
    room.run(room.facilitator, "lock", locked=True)
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Scherm", identity.token_hash("s"), SCREEN)
    assert info.value.code == errors.ROOM_LOCKED
    room.run(room.facilitator, "lock", locked=False)
    for i in range(limits.MAX_PARTICIPANTS - 3):
        room.join(f"Deelnemer {i}")
    room.join("Scherm", screen=True)  # the 30th person: screens count
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Scherm", identity.token_hash("s2"), SCREEN)
    assert info.value.code == errors.ROOM_FULL


def refused_join(room: Room, code: str, *, screen: bool = True, **how: Any) -> RoomError:
    """A join by code that must fail with `code` and leave the room as it was."""
    before = room.state.clone()
    with pytest.raises(RoomError) as info:
        room.join("Scherm", screen=screen, **how)
    assert info.value.code == code, info.value
    assert room.state == before
    return info.value


def test_a_screen_ticket_lets_one_screen_into_a_locked_room() -> None:
    room, (anna,) = start(1)
    room.run(room.facilitator, "lock", locked=True)
    issued = room.run(room.facilitator, "screen_ticket", cid="t-1")
    ticket, expires = issued.result["ticket"], issued.result["expires"]
    assert expires == room.now + limits.SCREEN_TICKET_TTL
    (ev,) = issued.events
    # the room keeps a hash of the ticket; nobody is sent the ticket, only facilitators when it ends
    assert room.state.screen_tickets == {identity.ticket_hash(ticket): expires}
    assert ticket not in json.dumps(ev.to_dict()) and ticket not in json.dumps(dataclasses.asdict(room.state))
    assert room.frames(anna, [ev]) == [{"t": "screen_ticket", "seq": ev.seq}]
    assert room.frames(room.facilitator, [ev]) == [{"t": "screen_ticket", "seq": ev.seq, "expires": expires}]
    refused_join(room, errors.ROOM_LOCKED)  # a screen without a ticket stays out

    screen = room.join("Scherm", screen=True, ticket=ticket, now=expires - 1)
    assert room.state.participants[screen.pid].role == SCREEN
    assert room.state.locked and room.state.screen_tickets == {}  # used up; the room never opened
    assert not any(e.t == "locked" for e in room.log[ev.seq :])
    assert room.log[-1].internal == {
        "token_hash": identity.token_hash(screen.token),
        "ticket": identity.ticket_hash(ticket),
    }
    assert ticket not in json.dumps([e.to_dict() for e in room.log])


def test_a_used_expired_or_unknown_screen_ticket_is_refused() -> None:
    room, _ = start(1)
    room.run(room.facilitator, "lock", locked=True)
    first = room.run(room.facilitator, "screen_ticket").result["ticket"]
    room.join("Scherm", screen=True, ticket=first)
    err = refused_join(room, errors.BAD_TICKET, ticket=first)  # used
    assert err.detail == "this screen ticket is unknown, expired or used"
    refused_join(room, errors.BAD_TICKET, ticket="0" * 32)  # never given
    later = room.run(room.facilitator, "screen_ticket").result
    refused_join(room, errors.BAD_TICKET, ticket=later["ticket"], now=later["expires"])  # expired
    refused_join(room, errors.BAD_TICKET, ticket=later["ticket"].upper(), now=later["expires"] - 1)
    # an unlocked room lets a screen in without a ticket, but a bad one is still refused
    room.run(room.facilitator, "lock", locked=False)
    refused_join(room, errors.BAD_TICKET, ticket=first)
    assert room.join("Scherm", screen=True).role == SCREEN


def test_a_screen_ticket_never_lets_in_a_participant() -> None:
    room, (anna,) = start(1)
    room.run(room.facilitator, "lock", locked=True)
    ticket = room.run(room.facilitator, "screen_ticket").result["ticket"]
    err = refused_join(room, errors.NOT_ALLOWED, screen=False, ticket=ticket)
    assert err.detail == "a screen ticket lets in a projector screen only"
    room.run(room.facilitator, "lock", locked=False)
    refused_join(room, errors.NOT_ALLOWED, screen=False, ticket=ticket)  # not even in an open room
    room.run(room.facilitator, "lock", locked=True)
    assert room.join("Scherm", screen=True, ticket=ticket).role == SCREEN  # the ticket was not used up


def test_only_a_facilitator_gets_a_screen_ticket() -> None:
    room, (anna, bram) = start(2)
    screen = room.join("Scherm", screen=True)
    room.refused(anna, "screen_ticket")
    err = room.refused(screen, "screen_ticket")
    assert err.detail == "a screen only shows the room"
    room.run(room.facilitator, "add_facilitator", participant=bram.pid)
    co = room.members[bram.pid]
    assert room.run(co, "screen_ticket").result["ticket"]  # any facilitator, a co-facilitator too


def test_a_resent_screen_ticket_command_gets_the_same_ticket() -> None:
    room, _ = start(1)
    first = room.run(room.facilitator, "screen_ticket", cid="t-1")
    again = room.run(room.facilitator, "screen_ticket", cid="t-1", now=room.now + 5)
    assert again.events == [] and again.result == first.result
    assert "ticket" not in room.state.applied[next(reversed(room.state.applied))]  # remembered without it
    other = room.run(room.facilitator, "screen_ticket", cid="t-2")
    assert other.result["ticket"] != first.result["ticket"]
    assert len(room.state.screen_tickets) == 2


def test_expired_and_surplus_screen_tickets_are_dropped() -> None:
    room, _ = start(1)
    old = room.run(room.facilitator, "screen_ticket", now=room.now).result
    later = room.now + limits.SCREEN_TICKET_TTL + 1
    fresh = [
        room.run(room.facilitator, "screen_ticket", now=later + i).result for i in range(limits.MAX_SCREEN_TICKETS + 2)
    ]
    kept = {identity.ticket_hash(r["ticket"]) for r in fresh[-limits.MAX_SCREEN_TICKETS :]}
    assert set(room.state.screen_tickets) == kept  # the expired one and the two oldest went
    refused_join(room, errors.BAD_TICKET, ticket=old["ticket"], now=later)
    refused_join(room, errors.BAD_TICKET, ticket=fresh[0]["ticket"], now=later + 20)
    assert room.join("Scherm", screen=True, ticket=fresh[-1]["ticket"], now=later + 20).role == SCREEN


@pytest.mark.parametrize("phase", PHASES)
def test_every_command_from_a_screen_is_refused(phase: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    screen = room.join("Scherm", screen=True)
    room.goto(phase)
    if phase == "associatieronde":
        room.run(room.facilitator, "deal_cards")
        draw(room, group)
    for t in COMMANDS:
        err = room.refused(screen, t, **sample_args(room, t))
        assert err.detail == "a screen only shows the room"


def test_a_screen_is_not_part_of_the_group() -> None:
    # two askers and a screen: still too few for anonymity
    room, inbrenger, group = start_case(3, phase="casuskeuze")
    screen = room.join("Scherm", screen=True)
    assert screen.pid not in room.state.group()
    room.goto("vragenronde")
    q = room.one(group[0], "ask", text="Wie weet ervan?").public["question"]
    assert q["author"] == group[0].pid
    room.goto("associatieronde")
    room.run(room.facilitator, "deal_cards")
    room.refused(screen, "draw_card")
    draw(room, group)
    assert set(cards(room)) == {m.pid for m in group}
    room.goto("adviesronde")
    assert turn_order(room) == [m.pid for m in group]
    # no card, no turn, no ready, and the vote and case choice are not for it
    assert room.snapshot(screen)["deals"]["associatieronde"]["mine"] is None


def test_a_screen_sees_the_public_room_only() -> None:
    room, inbrenger, group = start_case(5, phase="opening")
    screen = room.join("Scherm", screen=True)
    room.run(group[0], "confirm")
    room.goto("vragenronde")
    qid = room.run(group[0], "ask", text="<zichtbaar>").result["question"]
    hidden = room.run(group[1], "ask", text="<verborgen>").result["question"]
    room.run(room.facilitator, "hide_question", question=hidden, hidden=True)
    room.goto("associatieronde")
    room.run(room.facilitator, "deal_cards")
    draw(room, group)
    room.run(group[0], "perspective", texts=["<voel>", "<denk>"])
    for ev in room.log:
        assert not sees_private(ev, screen.pid, SCREEN)
        assert room.frames(screen, [ev])[0] == {"t": ev.t, "seq": ev.seq, **ev.public}
    seen = json.dumps(room.frames(screen))
    snap = room.snapshot(screen)
    dumped = json.dumps(snap)
    for secret in ("<voel>", "<denk>", '"script"'):
        assert secret not in seen and secret not in dumped, secret
    assert not any("card" in f for f in room.frames(screen) if f["t"] == "card_drawn")
    assert "<verborgen>" not in dumped  # (its question_asked frame went out before it was hidden)
    assert [q["id"] for q in snap["questions"]] == [qid]
    assert snap["own_questions"] == snap["own_upvotes"] == snap["confirmed"] == snap["evaluations"] == []
    deal = snap["deals"]["associatieronde"]
    assert deal["mine"] is None and deal["my_texts"] is None and deal["perspectives"] == []
    # the route has the others confirm before it moves on out of the opening
    assert snap["confirmed_count"] == 5 and deal["taken"] == 4 and deal["written"] == 1
    room.run(room.facilitator, "reveal")
    revealed = room.state.deals["associatieronde"].revealed
    assert room.snapshot(screen)["deals"]["associatieronde"]["perspectives"] == revealed


def test_the_facilitator_can_remove_a_screen() -> None:
    room, (anna,) = start(1)
    screen = room.join("Scherm", screen=True)
    room.refused(anna, "remove", participant=screen.pid)
    assert room.one(room.facilitator, "remove", participant=screen.pid).public == {"participant": screen.pid}
    assert screen.pid not in [p["id"] for p in room.snapshot(anna)["participants"]]
    room.refused(screen, "ready", code=errors.BAD_TOKEN, ready=True)


# --------------------------------------------------------------------------- co-facilitators


def test_add_facilitator_makes_a_participant_a_co_facilitator() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde")
    hidden = room.run(group[0], "ask", text="<verborgen>").result["question"]
    room.run(room.facilitator, "hide_question", question=hidden, hidden=True)
    co = group[1]
    room.presence(room.facilitator, True)
    assert "script" not in room.snapshot(co)["phase"]
    ev = room.one(room.facilitator, "add_facilitator", participant=co.pid)
    assert (ev.t, ev.public, ev.private) == ("role_changed", {"participant": co.pid, "role": FACILITATOR}, None)
    co = room.members[co.pid]
    assert co.role == FACILITATOR and room.state.participants[co.pid].role == FACILITATOR
    assert room.facilitator.role == FACILITATOR  # the first one stays
    # the new facilitator sees and does what facilitators do, and no longer gives input
    snap = room.snapshot(co)
    assert "script" in snap["phase"] and hidden in [q["id"] for q in snap["questions"]]
    assert co.pid not in room.state.group()
    room.refused(co, "ask", text="Nog een vraag")
    room.one(co, "hide_question", question=hidden, hidden=False)
    phase = room.run(co, "advance").events[0]
    assert "script" in room.frames(co, [phase])[0]["phase"]
    for viewer in room.everyone:
        roles = {p["id"]: p["role"] for p in room.snapshot(viewer)["participants"]}
        assert roles[co.pid] == FACILITATOR


def test_add_facilitator_refusals() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde")
    screen = room.join("Scherm", screen=True)
    fac = room.facilitator
    room.refused(group[0], "add_facilitator", participant=group[1].pid)  # only facilitators
    room.refused(inbrenger, "add_facilitator", participant=group[1].pid)
    err = room.refused(fac, "add_facilitator", participant=inbrenger.pid)
    assert err.detail == "the inbrenger cannot be a facilitator"
    err = room.refused(fac, "add_facilitator", participant=screen.pid)
    assert err.detail == "a screen cannot be a facilitator"
    err = room.refused(fac, "add_facilitator", participant=fac.pid)
    assert err.detail == "this person is a facilitator already"
    room.run(fac, "add_facilitator", participant=group[0].pid)
    room.refused(fac, "add_facilitator", participant=group[0].pid)
    room.run(fac, "remove", participant=group[2].pid)
    room.refused(fac, "add_facilitator", code=errors.NOT_FOUND, participant=group[2].pid)
    room.refused(fac, "add_facilitator", code=errors.NOT_FOUND, participant="p99")


def test_facilitators_cannot_remove_each_other() -> None:
    room, (anna, bram) = start(2)
    room.run(room.facilitator, "add_facilitator", participant=anna.pid)
    anna = room.members[anna.pid]
    room.refused(anna, "remove", participant=room.facilitator.pid)
    room.refused(room.facilitator, "remove", participant=anna.pid)
    room.one(anna, "remove", participant=bram.pid)


def test_hand_over_swaps_the_roles_in_one_decision() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde")
    old, new = room.facilitator, group[0]
    room.presence(old, True)
    room.presence(new, True)  # (to someone offline, the last event would also say since when nobody leads)
    decision = room.run(old, "hand_over", cid="h-1", participant=new.pid)
    assert [(ev.t, ev.public) for ev in decision.events] == [
        ("confirmed", {"confirmed_count": 6}),  # the facilitator led the agreement: bound by it
        ("role_changed", {"participant": new.pid, "role": FACILITATOR}),
        ("role_changed", {"participant": old.pid, "role": PARTICIPANT}),
    ]
    assert decision.events[0].private == {"confirmed_count": 6, "participant": old.pid}
    assert decision.result == {}
    old, new = room.members[old.pid], room.members[new.pid]
    assert (old.role, new.role) == (PARTICIPANT, FACILITATOR)
    assert [p.id for p in room.state.participants.values() if p.role == FACILITATOR] == [new.pid]
    # re-sent after a reconnect (now as a participant): applied once, the same result
    again = room.run(old, "hand_over", cid="h-1", participant=new.pid)
    assert again.events == [] and again.result == {}
    # the former facilitator is an ordinary participant now
    room.refused(old, "advance")
    room.refused(old, "hand_over", participant=group[1].pid)
    assert old.pid in room.state.group()
    room.one(old, "ask", text="Mag ik ook iets vragen?")  # (bound by the agreement they led: no confirm needed)
    assert "script" not in room.snapshot(old)["phase"] and "script" in room.snapshot(new)["phase"]
    phase = room.run(new, "advance").events[0]
    assert "script" not in room.frames(old, [phase])[0]["phase"]
    assert "script" in room.frames(new, [phase])[0]["phase"]


def test_hand_over_refusals_leave_the_room_as_it_was() -> None:
    room, inbrenger, group = start_case(4, phase="casuskeuze")
    screen = room.join("Scherm", screen=True)
    fac = room.facilitator
    room.refused(group[0], "hand_over", participant=group[1].pid)
    room.refused(fac, "hand_over", participant=inbrenger.pid)
    room.refused(fac, "hand_over", participant=screen.pid)
    room.refused(fac, "hand_over", participant=fac.pid)
    room.refused(fac, "hand_over", code=errors.NOT_FOUND, participant="p99")
    room.run(fac, "add_facilitator", participant=group[0].pid)
    room.refused(fac, "hand_over", participant=group[0].pid)  # a facilitator already
    room.run(fac, "remove", participant=group[1].pid)
    room.refused(fac, "hand_over", code=errors.NOT_FOUND, participant=group[1].pid)
    assert room.state.participants[fac.pid].role == FACILITATOR


def test_the_former_facilitator_joins_the_turn_order_of_the_next_in_turn_phase() -> None:
    room, inbrenger, group = start_case(4, phase="associatieronde")
    room.run(room.facilitator, "hand_over", participant=group[0].pid)
    (ev,) = room.run(room.members[group[0].pid], "advance").events
    # the group in join order: the former facilitator (p1) first, the new one left out
    assert ev.public["turns"]["order"] == ["p1", *(m.pid for m in group[1:])]


def test_a_facilitator_who_comes_back_is_still_facilitator() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    fac = room.facilitator
    room.presence(fac, True)
    room.presence(fac, False)  # the laptop sleeps ...
    room.presence(fac, True)  # ... and wakes: nothing was handed on
    assert room.state.participants[fac.pid].role == FACILITATOR
    assert "script" in room.snapshot(fac)["phase"] and room.snapshot(fac)["facilitator_away"] is None
    room.run(fac, "advance")


def test_a_participant_takes_over_when_no_facilitator_has_been_here_for_a_while() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    fac, anna, bram = room.facilitator, group[0], group[1]
    for m in (fac, anna, bram, inbrenger):
        room.presence(m, True)
    room.refused(anna, "claim_facilitator")  # the facilitator is here
    t0 = room.now + 100
    (ev,) = room.presence(fac, False, at=t0)
    away = {"since": t0, "claim_at": t0 + FACILITATOR_CLAIM_AFTER}
    assert ev.public == {"participant": fac.pid, "online": False, "facilitator_away": away}
    assert all(room.snapshot(m)["facilitator_away"] == away for m in room.everyone)
    err = room.refused(anna, "claim_facilitator", now=t0 + FACILITATOR_CLAIM_AFTER - 1)
    assert "5 minutes" in err.detail
    room.refused(inbrenger, "claim_facilitator", now=t0 + FACILITATOR_CLAIM_AFTER)  # the inbrenger cannot lead
    events = room.run(anna, "claim_facilitator", now=t0 + FACILITATOR_CLAIM_AFTER).events
    assert [ev.public for ev in events] == [
        {"confirmed_count": 5},  # the one away led the agreement: bound by it as a participant
        {"participant": anna.pid, "role": FACILITATOR},
        {"participant": fac.pid, "role": PARTICIPANT, "facilitator_away": None},  # handed on in their absence
    ]
    room.refused(bram, "claim_facilitator", now=t0 + 2 * FACILITATOR_CLAIM_AFTER)  # Anna leads now
    room.run(room.members[anna.pid], "advance")
    # the one who was away comes back as a participant; the new facilitator may make them co-facilitator
    room.presence(fac, True)
    assert room.state.participants[fac.pid].role == PARTICIPANT and fac.pid in room.state.group()
    room.run(room.members[anna.pid], "add_facilitator", participant=fac.pid)


def test_a_facilitator_back_in_time_stops_the_clock_and_it_restarts_when_they_go() -> None:
    room, (anna, bram) = start(2)
    room.presence(anna, True, at=1000.0)  # the facilitator never came: nobody leads since then
    assert room.state.fac_away_since == 1000.0
    room.presence(room.facilitator, True, at=1100.0)
    assert room.state.fac_away_since is None
    room.presence(room.facilitator, False, at=1200.0)
    room.refused(anna, "claim_facilitator", now=1000.0 + FACILITATOR_CLAIM_AFTER)  # counts from 1200 now
    assert room.run(anna, "claim_facilitator", now=1200.0 + FACILITATOR_CLAIM_AFTER).events
    # a co-facilitator who is online is enough; a screen cannot take over
    room, (anna, bram) = start(2)
    screen = room.join("Scherm", screen=True)
    room.run(room.facilitator, "add_facilitator", participant=bram.pid)
    room.presence(room.members[bram.pid], True, at=10.0)
    room.presence(room.facilitator, True, at=10.0)
    room.presence(room.facilitator, False, at=20.0)
    assert room.state.fac_away_since is None
    room.refused(anna, "claim_facilitator", now=20.0 + 2 * FACILITATOR_CLAIM_AFTER)
    room.refused(screen, "claim_facilitator", now=20.0 + 2 * FACILITATOR_CLAIM_AFTER)


def test_handing_over_to_someone_offline_starts_the_clock() -> None:
    room, (anna, bram) = start(2)
    room.presence(room.facilitator, True, at=50.0)
    events = room.run(room.facilitator, "hand_over", participant=anna.pid, now=60.0).events
    assert events[-1].public["facilitator_away"] == {"since": 60.0, "claim_at": 60.0 + FACILITATOR_CLAIM_AFTER}
    (ev,) = room.presence(room.members[anna.pid], True, at=70.0)
    assert ev.public["facilitator_away"] is None


def test_a_case_of_someone_who_became_facilitator_cannot_be_chosen() -> None:
    room, (anna, bram, chris) = start(3)
    room.goto("casuskeuze")
    case = room.run(anna, "propose_case", title="T", question="V").result["case"]
    room.run(room.facilitator, "add_facilitator", participant=anna.pid)
    err = room.refused(room.facilitator, "choose_case", case=case)
    assert err.detail == "the proposer of this case is a facilitator now"


def test_the_reveal_shuffles_the_perspectives_with_the_rooms_randomness() -> None:
    """The reveal releases what was written in an order drawn from the engine's rng, so the
    order of writing gives no one away: every reveal is a permutation of what was written,
    and over many seeds the orders differ from the writing order and from each other."""
    orders = []
    for seed in range(30):
        room, _, group = start_case(7, phase="associatieronde", seed=seed)
        room.run(room.facilitator, "deal_cards")
        draw(room, group)
        written = []
        for i, member in enumerate(group):
            room.run(member, "perspective", texts=[f"voel-{i}", f"denk-{i}"])
            written.append(f"voel-{i}")
        revealed = [p["texts"][0] for p in room.one(room.facilitator, "reveal").public["perspectives"]]
        assert sorted(revealed) == sorted(written) and len(revealed) == len(written)
        orders.append(tuple(revealed))
    assert sum(order != tuple(written) for order in orders) >= 25  # 6! orders: rarely the same
    assert len(set(orders)) >= 20


# --------------------------------------------------------------------------- auto-advance


def _running_timer(room: Room, seconds: float = 60) -> float:
    """Start the phase timer so that it runs out `seconds` from now; returns the deadline."""
    room.state.timer_remaining = 0.0  # (the harness's shortcut to a short timer)
    room.run(room.facilitator, "timer", action="extend", seconds=int(seconds))
    room.run(room.facilitator, "timer", action="start")
    assert room.state.timer_deadline == room.now + seconds
    return room.state.timer_deadline


def test_auto_advance_is_a_facilitator_setting_seen_by_everyone() -> None:
    room, (anna, *_) = start(3)
    assert all(room.snapshot(m)["auto_advance"] is False for m in room.everyone)
    room.refused(anna, "auto_advance", on=True)
    ev = room.one(room.facilitator, "auto_advance", on=True)
    assert (ev.t, ev.public, ev.private) == ("auto_advance", {"on": True}, None)
    assert room.run(room.facilitator, "auto_advance", on=True).events == []  # on already
    assert all(room.snapshot(m)["auto_advance"] is True for m in room.everyone)
    room.goto("opening")
    assert room.state.auto_advance  # a room setting: it stays on from phase to phase


def test_a_timer_that_runs_out_advances_once_when_auto_advance_is_on() -> None:
    room, members = start(3)
    room.goto("opening")
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, 1, deadline + 5).events == []  # auto-advance is off
    room.run(room.facilitator, "auto_advance", on=True)
    assert decide_auto_advance(room.state, 1, deadline + 5).events == []  # not everyone has confirmed
    for m in members:
        room.run(m, "confirm")
    assert decide_auto_advance(room.state, 1, deadline - 0.001).events == []  # not yet
    assert decide_auto_advance(room.state, 2, deadline + 5).events == []  # asked for another phase
    (ev,) = room.commit(decide_auto_advance(room.state, 1, deadline)).events
    assert ev.t == "phase" and ev.public["by"] == ev.private["by"] == "timer"
    assert ev.public["phase"]["index"] == 2 and "script" in ev.private["phase"]
    assert room.state.phase == 2 and not room.state.timer_running
    # every other process that asks for the same deadline, now or after a restart: nothing
    assert decide_auto_advance(room.state, 1, deadline + 1).events == []
    assert decide_auto_advance(room.state, 2, deadline + 3600).events == []  # the new timer is not running
    by_hand = room.run(room.facilitator, "back").events[0]
    assert by_hand.public["by"] == "facilitator"


def test_auto_advance_keeps_the_rules_of_advancing_and_needs_a_running_timer() -> None:
    room, (anna, *_) = start(3)
    room.run(room.facilitator, "auto_advance", on=True)
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, 0, deadline + 1).events == []  # never out of the lobby
    room.goto("casuskeuze")
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, 2, deadline + 1).events == []  # no inbrenger yet
    room.run(room.facilitator, "timer", action="pause")
    case = room.run(anna, "propose_case", title="T", question="V").result["case"]
    room.run(room.facilitator, "choose_case", case=case)
    assert decide_auto_advance(room.state, 2, deadline + 3600).events == []  # paused
    room.run(room.facilitator, "timer", action="start")
    assert [e.t for e in decide_auto_advance(room.state, 2, room.now + 3600).events] == ["phase"]
    room.goto("afsluiting")
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, room.state.phase, deadline + 1).events == []  # the last phase
    room.run(room.facilitator, "end")
    assert decide_auto_advance(room.state, room.state.phase, deadline + 1).events == []


def test_an_extended_timer_is_not_advanced_at_its_old_deadline() -> None:
    room, members = start(3)
    room.goto("opening")
    for m in members:
        room.run(m, "confirm")
    room.run(room.facilitator, "auto_advance", on=True)
    old = _running_timer(room)
    room.run(room.facilitator, "timer", action="extend", seconds=120)
    assert decide_auto_advance(room.state, 1, old + 1).events == []
    assert len(decide_auto_advance(room.state, 1, old + 120).events) == 1


# --------------------------------------------------------------------------- the agreement before the case


def test_moving_on_out_of_the_opening_is_refused_while_someone_has_not_confirmed() -> None:
    room, (anna, bram, chris) = start(3)
    room.goto("opening")
    room.run(anna, "confirm")
    err = room.refused(room.facilitator, "advance")
    assert err.detail == "not everyone has confirmed the agreement: Bram, Chantal"
    room.run(bram, "confirm")
    assert room.refused(room.facilitator, "advance").detail.endswith(": Chantal")
    ev = room.one(room.facilitator, "advance", anyway=True)  # the facilitator's call, said twice
    assert ev.t == "phase" and room.state.current_phase.id == "casuskeuze"
    # nothing to check once everyone has: a screen and a facilitator never confirm
    room2, members = start(2)
    room2.join("Scherm", screen=True)
    room2.goto("opening")
    for m in members:
        room2.run(m, "confirm")
    assert room2.one(room2.facilitator, "advance").t == "phase"


def test_an_unconfirmed_participant_gets_nothing_of_the_case_until_they_confirm() -> None:
    room, (anna, bram, chris, dewi) = start(4)
    room.goto("opening")
    for m in (anna, bram, chris):
        room.run(m, "confirm")
    room.run(room.facilitator, "advance", anyway=True)  # Dewi has not confirmed
    case = room.run(anna, "propose_case", title="<titel>", question="<vraag>").result["case"]
    room.run(bram, "vote", case=case)
    room.run(room.facilitator, "close_vote")
    room.run(room.facilitator, "choose_case", case=case)
    room.run(anna, "share_case", text="<casustekst>", people=["<persoon>"])
    room.goto("vragenronde")
    room.run(bram, "ask", text="<vraag-van-bram>")
    room.run(anna, "essence", text="<kern>")
    start_seq = 0
    held = [frame(ev, dewi.pid, PARTICIPANT, True) for ev in room.log[start_seq:]]
    snap = room.snapshot(dewi)
    seen = json.dumps(held) + json.dumps(snap)
    for secret in ("<titel>", "<vraag>", "<casustekst>", "<persoon>", "<vraag-van-bram>", "<kern>"):
        assert secret not in seen, secret
    assert {f["t"] for f in held if len(f) == 2} == {"withheld"}
    assert snap["cases"] == snap["questions"] == snap["people"] == [] and snap["case_text"] is None
    assert snap["inbrenger"] == anna.pid  # who brings it in is no secret
    # and they give nothing about the case either
    for t, args in (("ask", {"text": "Mag ik?"}), ("upvote", {"question": "q7", "on": True})):
        assert room.refused(dewi, t, **args).detail == "confirm the agreement on confidentiality first"
    # Chris, who confirmed, sees it all
    assert "<casustekst>" in json.dumps(room.snapshot(chris))
    # Dewi may confirm now, in the questions round, and then sees the case
    ev = room.one(dewi, "confirm")
    assert ev.private == {"confirmed_count": 4, "participant": dewi.pid}
    snap = room.snapshot(dewi)
    assert snap["case_text"] == "<casustekst>" and [q["text"] for q in snap["questions"]] == ["<vraag-van-bram>"]
    assert frame(room.log[-1], dewi.pid, PARTICIPANT)["t"] == "confirmed"
    room.refused(dewi, "confirm")  # once is enough


def test_a_late_joiner_confirms_after_the_opening_before_they_see_the_case() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    late = room.join("Laatkomer")
    snap = room.snapshot(late)
    assert snap["case_text"] is None and room.snapshot(group[0])["case_text"] is not None
    room.run(group[0], "ask", text="<een vraag>")
    (ev,) = room.log[-1:]
    assert frame(ev, late.pid, PARTICIPANT, True) == {"t": "withheld", "seq": ev.seq}
    room.one(late, "confirm")
    assert room.snapshot(late)["case_text"] is not None
    room.one(late, "ask", text="Wat nu?")


def test_the_timer_does_not_move_on_past_an_unconfirmed_participant() -> None:
    room, (anna, bram) = start(2)
    room.goto("opening")
    room.run(room.facilitator, "auto_advance", on=True)
    room.run(anna, "confirm")
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, 1, deadline + 1).events == []  # Bram has not confirmed
    room.run(bram, "confirm")
    assert [e.t for e in decide_auto_advance(room.state, 1, deadline + 1).events] == ["phase"]


def test_the_method_says_which_phase_holds_the_agreement() -> None:
    room, _ = start(1)
    assert room.snapshot(room.facilitator)["method"]["agreement"] == 1
    toml = (METHODS_DIR / "drie-rondes.toml").read_text().replace('accepts = { confirm = "everyone" }', "")
    room.run(room.facilitator, "set_method", method_toml=toml.replace('id = "drie-rondes"', 'id = "zonder"', 1))
    assert room.snapshot(room.facilitator)["method"]["agreement"] is None


# --------------------------------------------------------------------------- ratings are the inbrenger's


def _rated_case(method_toml: str | None = None) -> tuple[Room, Member, list[Member], str, str]:
    """A case through the advice round with one question and one advice rated koud, a
    projector screen in the room; returns the room, inbrenger, group, question, advice."""
    own = {"method_toml": method_toml} if method_toml else {}
    room, inbrenger, group = start_case(4, phase="vragenronde", **own)
    room.join("Beamer", screen=True)
    qid = room.run(group[0], "ask", text="<vraag>").result["question"]
    room.run(inbrenger, "mark_answered", question=qid, answered=True)
    room.run(inbrenger, "rate_question", question=qid, rating="koud")
    room.run(room.facilitator, "hide_question", question=qid, hidden=True)
    room.run(room.facilitator, "hide_question", question=qid, hidden=False)
    room.goto("adviesronde")
    aid = room.run(room.members[turn_order(room)[0]], "advice", text="<advies>").result["advice"]
    for _ in turn_order(room):
        room.run(room.facilitator, "pass_turn")
    room.run(inbrenger, "rate_advice", advice=aid, rating="koud")
    return room, inbrenger, group, qid, aid


def test_ratings_reach_the_inbrenger_only_in_events_and_snapshots() -> None:
    room, inbrenger, group, qid, aid = _rated_case()
    assert room.state.questions[qid].rating == "koud"  # the room keeps it, through hide and unhide
    assert room.state.advice[0].rating == "koud"
    for viewer in room.everyone:
        snap = room.snapshot(viewer)
        frames = json.dumps(room.frames(viewer))
        if viewer is inbrenger:
            assert snap["questions"][0]["rating"] == "koud" and snap["advice"][0]["rating"] == "koud"
            assert '"koud"' in frames
        else:  # the group, the facilitator and the projector: answered, never how
            assert snap["questions"][0]["answered"] is True
            assert snap["questions"][0]["rating"] is None and snap["advice"][0]["rating"] is None
            assert '"koud"' not in frames and '"koud"' not in json.dumps(snap), viewer.name
    summary = room.run(inbrenger, "summary").result["summary"]
    assert summary["questions"][0]["rating"] == "koud" and summary["advice"][0]["rating"] == "koud"


def test_a_method_may_let_the_group_see_the_ratings() -> None:
    toml = own_method("drie-rondes", ('id = "eigen-werkvorm"', 'id = "eigen-werkvorm"\nratings = "group"'))
    room, inbrenger, group, qid, aid = _rated_case(toml)
    assert room.state.method.ratings == "group"
    for viewer in room.everyone:
        snap = room.snapshot(viewer)
        assert snap["questions"][0]["rating"] == "koud" and snap["advice"][0]["rating"] == "koud"
    ev = room.one(inbrenger, "rate_advice", advice=aid, rating="warm")
    assert ev.public == {"advice": aid, "rating": "warm"} and ev.private is None


# --------------------------------------------------------------------------- nothing lost at the end


def test_the_inbrenger_gets_their_summary_with_the_end_and_nobody_else_does() -> None:
    room, inbrenger, group = start_case(4, phase="afsluiting")
    room.run(inbrenger, "takeaway", text="<meenemen>")
    asked = room.run(inbrenger, "summary").result["summary"]
    ev = room.one(room.facilitator, "end")
    assert ev.t == "ended" and ev.to == (inbrenger.pid,)
    mine = frame(ev, inbrenger.pid, PARTICIPANT)
    assert mine["summary"] == asked and mine["summary"]["takeaway"] == "<meenemen>" and mine["earlier"] == []
    assert mine["proof"] == ev.public["proof"]
    for viewer in room.everyone:
        if viewer is not inbrenger:
            assert frame(ev, viewer.pid, viewer.role) == {"t": "ended", "seq": ev.seq, "proof": ev.public["proof"]}
            assert "<meenemen>" not in json.dumps(frame(ev, viewer.pid, viewer.role))
