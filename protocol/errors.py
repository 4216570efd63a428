"""Stable error codes with human messages, and the websocket close codes Kring uses."""

from __future__ import annotations

import math
from typing import Any

MALFORMED = "malformed"
UNKNOWN_TYPE = "unknown_type"
INVALID_FIELD = "invalid_field"
TOO_LARGE = "too_large"
RATE_LIMITED = "rate_limited"
NOT_ALLOWED = "not_allowed"
UNKNOWN_ROOM = "unknown_room"
ROOM_LOCKED = "room_locked"
ROOM_FULL = "room_full"
BAD_TOKEN = "bad_token"
BAD_TICKET = "bad_ticket"
NOT_LET_IN = "not_let_in"
HELLO_FIRST = "hello_first"
NOT_FOUND = "not_found"
UNAVAILABLE = "unavailable"

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, Dutch)
    MALFORMED: (
        "The message could not be decoded.",
        "Dit bericht kon niet worden gelezen.",
    ),
    UNKNOWN_TYPE: ("Unknown message type.", "Onbekend berichttype."),
    INVALID_FIELD: ("A field is missing or has the wrong type.", "Een veld ontbreekt of klopt niet."),
    TOO_LARGE: ("Too large.", "Dat is te lang."),
    RATE_LIMITED: (
        "Too many requests; wait a moment.",
        "Dat gaat te snel achter elkaar; wacht even.",
    ),
    NOT_ALLOWED: (
        "Not allowed for your role or in this phase.",
        "Dat kan niet in jouw rol of in deze fase.",
    ),
    UNKNOWN_ROOM: ("There is no room with this code.", "Er is geen kamer met deze code."),
    ROOM_LOCKED: (
        "This room is locked; ask the facilitator.",
        "Deze kamer is op slot; vraag het de procesbegeleider.",
    ),
    ROOM_FULL: ("This room is full.", "Deze kamer is vol."),
    BAD_TOKEN: (
        "This token is not valid for this room.",
        "Deze toegangscode hoort niet bij deze kamer.",
    ),
    BAD_TICKET: (
        "This screen ticket has expired or has been used; the facilitator can open the screen again.",
        "Deze toegang voor het scherm is verlopen of al gebruikt; de procesbegeleider kan het scherm opnieuw openen.",
    ),
    NOT_LET_IN: (
        "The facilitator did not let you in this time.",
        "De procesbegeleider heeft je deze keer niet binnengelaten.",
    ),
    HELLO_FIRST: ("Say hello first.", "Meld je eerst aan."),
    NOT_FOUND: ("That item does not exist (any more).", "Dat onderdeel bestaat niet (meer)."),
    UNAVAILABLE: (
        "Temporarily unavailable; your command will be retried.",
        "Tijdelijk niet beschikbaar; je bericht wordt opnieuw verstuurd.",
    ),
}


class ProtocolError(Exception):
    """A request that gets an `error` frame; `command_id` echoes the command it answers."""

    def __init__(
        self,
        code: str,
        detail: str | None = None,
        command_id: str | None = None,
        retry_after: float | None = None,
        knock: str | None = None,
    ):
        self.code = code
        self.detail = detail
        self.command_id = command_id
        self.retry_after = retry_after  # rate_limited: seconds until a retry can succeed
        self.knock = knock  # room_locked: the secret of the knock just recorded, to ask again with
        super().__init__(f"{code}: {detail or MESSAGES.get(code, ('',))[0]}")

    def frame(self) -> dict[str, Any]:
        en, nl = MESSAGES.get(self.code, (self.code, self.code))
        frame: dict[str, Any] = {"t": "error", "code": self.code, "message": en, "message_nl": nl}
        if self.detail:
            frame["detail"] = self.detail
        if self.command_id is not None:
            frame["id"] = self.command_id
        if self.retry_after is not None:
            frame["retry_after"] = retry_seconds(self.retry_after)
        if self.knock is not None:
            frame["knock"] = self.knock
        return frame


def retry_seconds(wait: float) -> float:
    """A wait as sent in `retry_after`: seconds, rounded up to a tenth, at least 0.1."""
    return max(math.ceil(wait * 10) / 10, 0.1)


# Websocket close codes (4000-4999 is the application range).
CLOSE_HELLO_TIMEOUT = 4001  # no hello within HELLO_TIMEOUT
CLOSE_BAD_HELLO = 4002  # hello refused (bad token or ticket, unknown room, locked, not let in); see the error frame
CLOSE_REMOVED = 4003  # the facilitator removed this participant
CLOSE_ENDED = 4004  # the room was ended and erased
CLOSE_GONE = 4005  # the room no longer exists: it expired (or was erased without an `ended`)
CLOSE_TOO_SLOW = 4008  # send queue overflowed; resume with the last seq
CLOSE_ROLE_CHANGED = 4011  # your role changed; resume at once without epoch/seq for a fresh snapshot
CLOSE_TOO_LARGE = 1009  # frame over MAX_FRAME (closed by the transport)
CLOSE_TRY_AGAIN = 1013  # the backend is temporarily unavailable; reconnect with backoff
