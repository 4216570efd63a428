"""The groups API's errors: a stable code, an HTTP status, English and Dutch messages, in the
style of protocol/errors.py (whose codes, such as `invalid_field`, mean the same here)."""

from __future__ import annotations

from typing import Any

from protocol import errors

BAD_LINK = "bad_link"
LINK_REISSUED = "link_reissued"
MEMBER_REMOVED = "member_removed"
CONFLICT = "conflict"
NAME_TAKEN = "name_taken"

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, Dutch)
    BAD_LINK: (
        "This link does not open a group. Ask your begeleider for your personal link.",
        "Deze link opent geen groep. Vraag je begeleider om je persoonlijke link.",
    ),
    LINK_REISSUED: (
        "This link has been replaced by a new one. Ask your begeleider for your new link.",
        "Deze link is vervangen door een nieuwe. Vraag je begeleider om je nieuwe link.",
    ),
    MEMBER_REMOVED: (
        "You are no longer a member of this group. Ask your begeleider if that is not right.",
        "Je bent geen lid meer van deze groep. Klopt dat niet, vraag het dan aan je begeleider.",
    ),
    CONFLICT: (
        "Someone else changed this just now; look at the current version and try again.",
        "Iemand anders heeft dit net gewijzigd; bekijk de nieuwe versie en probeer het opnieuw.",
    ),
    NAME_TAKEN: (
        "Someone in the group already has this name.",
        "Iemand in de groep heeft deze naam al.",
    ),
    errors.UNAVAILABLE: (
        "The group's data cannot be reached right now; nothing was changed. Try again shortly.",
        "De gegevens van de groep zijn nu niet bereikbaar; er is niets gewijzigd. Probeer het zo opnieuw.",
    ),
}


class GroupError(Exception):
    """A request the API answers with `status` and a JSON error body."""

    def __init__(self, code: str, status: int, detail: str | None = None, **extra: Any):
        self.code, self.status, self.detail, self.extra = code, status, detail, extra
        self.retry_after: float | None = extra.pop("retry_after", None)
        super().__init__(f"{code}: {detail or ''}")

    def body(self) -> dict[str, Any]:
        en, nl = MESSAGES.get(self.code) or errors.MESSAGES.get(self.code, (self.code, self.code))
        body: dict[str, Any] = {"error": self.code, "message": en, "message_nl": nl}
        if self.detail:
            body["detail"] = self.detail
        if self.retry_after is not None:
            body["retry_after"] = errors.retry_seconds(self.retry_after)
        body.update(self.extra)
        return body


def invalid(detail: str) -> GroupError:
    return GroupError(errors.INVALID_FIELD, 400, detail)


def not_found(what: str) -> GroupError:
    return GroupError(errors.NOT_FOUND, 404, f"no such {what} in this group")


def not_allowed(detail: str) -> GroupError:
    return GroupError(errors.NOT_ALLOWED, 403, detail)
