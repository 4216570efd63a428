"""What every client message carries besides `t` and `id`: one TypedDict per shape.

This is the one statement of each command's fields. `messages.COMMANDS`, the field table
every frame is checked against, is derived from it: a field's Python type gives its kind
(`str`, `int`, `bool`, `list[str]`), `NotRequired` makes it optional, a `Literal` lists its
choices, `| None` lets it be null, and `Bounds` holds its lengths and range. So a handler
can take `args: TextArgs` instead of a plain dict and the type checker sees which fields
its command has, while the wire stays as docs/PROTOCOL.md §8 describes it.

No `from __future__ import annotations` here: Python 3.11 only sees `NotRequired` in a
TypedDict whose annotations are evaluated.
"""

from dataclasses import dataclass
from typing import Annotated, Literal, NotRequired, TypedDict

from . import limits


@dataclass(frozen=True, slots=True)
class Bounds:
    """The limits of one field, beside its type (`Annotated[str, Bounds(max_len=40)]`)."""

    min_len: int | None = None  # str: characters after trimming (a required str needs 1)
    max_len: int | None = None  # str: characters; list: items
    item_max: int | None = None  # list of str: characters per item
    min: int | None = None
    max: int | None = None


ItemId = Annotated[str, Bounds(max_len=16)]  # a case, question, note or participant id
Short = Annotated[str, Bounds(max_len=limits.MAX_SHORT)]
MethodId = Annotated[str, Bounds(max_len=64)]
MethodToml = Annotated[str, Bounds(max_len=limits.MAX_METHOD_FILE)]
Rating = Literal["warm", "lauw", "koud"]
#: "Bleven we bij de vraag van de inbrenger?"
Process = Literal["ja", "grotendeels", "nee"]
TimerAction = Literal["start", "pause", "extend"]
JoinAs = Literal["screen"]  # what a join may ask to be instead of a participant: a projector screen
#: where someone takes part from in a hybrid meeting: around the table, or on the call
Place = Literal["room", "online"]


class NoArgs(TypedDict):
    """A command that carries nothing besides `t` and `id`."""


class TextArgs(TypedDict):
    """One short text: a question, an essence, a note, advice, a response, a take-away."""

    text: Short


class ParticipantArgs(TypedDict):
    participant: ItemId


class CaseArgs(TypedDict):
    case: ItemId


class LockArgs(TypedDict):
    locked: bool


class HideQuestionArgs(TypedDict):
    question: ItemId
    hidden: bool


class SetMethodArgs(TypedDict):
    """One of the two: a method by id, or a facilitator's own method file."""

    method: NotRequired[MethodId]
    method_toml: NotRequired[MethodToml]


class TimerArgs(TypedDict):
    action: TimerAction
    seconds: NotRequired[Annotated[int, Bounds(min=1, max=limits.MAX_TIMER_EXTEND)]]  # extend only


class AdvanceArgs(TypedDict):
    """`anyway`: move on out of the agreement's phase although not everyone has confirmed."""

    anyway: NotRequired[bool]


class AutoAdvanceArgs(TypedDict):
    on: bool


class ProposeCaseArgs(TypedDict):
    title: Annotated[str, Bounds(max_len=limits.MAX_TITLE)]
    question: Short


class ShareCaseArgs(TypedDict):
    text: Annotated[str, Bounds(max_len=limits.MAX_LONG)]
    people: Annotated[list[str], Bounds(max_len=limits.MAX_PEOPLE, item_max=limits.MAX_PERSON)]


class QuestionArgs(TypedDict):
    question: ItemId


class UpvoteArgs(TypedDict):
    question: ItemId
    on: bool


class MarkAnsweredArgs(TypedDict):
    question: ItemId
    answered: bool


class AnsweringArgs(TypedDict):
    """The question the inbrenger answers now; null: none."""

    question: Annotated[str | None, Bounds(max_len=16)]  # an ItemId, or null


class RateQuestionArgs(TypedDict):
    question: ItemId
    rating: Rating | None


class PerspectiveArgs(TypedDict):
    texts: Annotated[list[str], Bounds(max_len=limits.MAX_CARD_FIELDS, item_max=limits.MAX_SHORT)]


class NoteArgs(TypedDict):
    note: ItemId


class RateAdviceArgs(TypedDict):
    advice: ItemId
    rating: Rating | None


class EvaluateArgs(TypedDict):
    score: Annotated[int, Bounds(min=1, max=5)]
    line: NotRequired[Short]


class WorthArgs(TypedDict):
    """ "Was dit de tijd waard?" (1-5) and, optionally, "Bleven we bij de vraag van de
    inbrenger?": anonymous, see rules.closing.worth."""

    worth: Annotated[int, Bounds(min=1, max=5)]
    process: NotRequired[Process | None]


class ReadyArgs(TypedDict):
    ready: bool


class ListMeArgs(TypedDict):
    listed: bool


class KnockArgs(TypedDict):
    """A latecomer's knock at the locked room (the id from the facilitator's `knocked`)."""

    knock: ItemId


class PlaceArgs(TypedDict):
    """Your own place; a facilitator may name someone else's (`participant`)."""

    place: Place
    participant: NotRequired[ItemId]


class SomeoneArgs(TypedDict):
    """Yourself; a facilitator may name someone else (`participant`)."""

    participant: NotRequired[ItemId]


class CallLinkArgs(TypedDict):
    """The group's video call: an https URL (rules/hybrid.py checks it), or null to clear."""

    url: Annotated[str | None, Bounds(max_len=limits.MAX_CALL_LINK)]


#: Every command a client may send after hello, and the shape of its arguments.
COMMAND_ARGS: dict[str, type] = {
    # facilitator
    "lock": LockArgs,
    "remove": ParticipantArgs,
    "advance": AdvanceArgs,
    "back": NoArgs,
    "close_vote": NoArgs,
    "choose_case": CaseArgs,
    "hide_question": HideQuestionArgs,
    "deal_cards": NoArgs,
    "reveal": NoArgs,
    "set_method": SetMethodArgs,
    "next_case": NoArgs,
    "end": NoArgs,
    "timer": TimerArgs,
    "auto_advance": AutoAdvanceArgs,
    "screen_ticket": NoArgs,
    "add_facilitator": ParticipantArgs,
    "hand_over": ParticipantArgs,
    "let_in": KnockArgs,
    "turn_away": KnockArgs,
    "give_floor": ParticipantArgs,
    "take_floor": NoArgs,
    "online_first": AutoAdvanceArgs,
    "set_call_link": CallLinkArgs,
    # participants (the phase and role decide who may)
    "confirm": NoArgs,
    "propose_case": ProposeCaseArgs,
    "withdraw_case": CaseArgs,
    "vote": CaseArgs,
    "share_case": ShareCaseArgs,
    "ask": TextArgs,
    "withdraw_question": QuestionArgs,
    "upvote": UpvoteArgs,
    "mark_answered": MarkAnsweredArgs,
    "rate_question": RateQuestionArgs,
    "answering": AnsweringArgs,
    "essence": TextArgs,
    "draw_card": NoArgs,
    "perspective": PerspectiveArgs,
    "note": TextArgs,
    "withdraw_note": NoteArgs,
    "rate_advice": RateAdviceArgs,
    "pass_turn": NoArgs,
    "advice": TextArgs,
    "respond": TextArgs,
    "takeaway": TextArgs,
    "evaluate": EvaluateArgs,
    "worth": WorthArgs,
    "ready": ReadyArgs,
    "claim_facilitator": NoArgs,
    "list_me": ListMeArgs,
    "proof": NoArgs,
    "summary": NoArgs,
    "summary_kept": NoArgs,
    "set_place": PlaceArgs,
    "raise_hand": NoArgs,
    "lower_hand": SomeoneArgs,
}

# The first frame of a connection (a hello is no command: no id, no ack). Functional
# syntax, because a join has a field named `as`.
HelloJoin = TypedDict(
    "HelloJoin",
    {
        "code": Annotated[str, Bounds(max_len=12)],
        "name": Annotated[str, Bounds(max_len=limits.MAX_NAME)],
        "as": NotRequired[JoinAs],
        "ticket": NotRequired[Annotated[str, Bounds(max_len=64)]],  # from `screen_ticket`: into a locked room
        # from an earlier `room_locked`: ask again whether the facilitator let you in
        "knock": NotRequired[Annotated[str, Bounds(max_len=limits.MAX_KNOCK_SECRET)]],
        "place": NotRequired[Place],  # where you take part from (a participant's join)
    },
)


class HelloResume(TypedDict):
    token: Annotated[str, Bounds(max_len=128)]
    epoch: NotRequired[Annotated[str, Bounds(max_len=64)]]
    seq: NotRequired[Annotated[int, Bounds(min=0)]]


class CreateRoomBody(TypedDict):
    """The JSON body of POST /api/rooms; every field is optional."""

    method: NotRequired[MethodId]
    method_toml: NotRequired[MethodToml]
    language: NotRequired[Literal["nl", "en"]]
    anonymous_questions: NotRequired[bool]
    facilitator_name: NotRequired[Annotated[str, Bounds(min_len=1, max_len=limits.MAX_NAME)]]
