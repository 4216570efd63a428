"""Room codes, tokens, and the keyed tags that let the server recognise an anonymous
author's own items without ever storing who the author is."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from protocol import limits


def new_room_code() -> str:
    # 31^6 ≈ 887 million codes; together with join rate limits that is unguessable enough.
    return "".join(secrets.choice(limits.ROOM_CODE_ALPHABET) for _ in range(limits.ROOM_CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_epoch() -> str:
    return secrets.token_hex(8)


def token_hash(token: str) -> str:
    """What the room stores instead of the token."""
    return hashlib.sha256(b"kring-token\x00" + token.encode()).hexdigest()


def circle_token_hash(token_hash: str, circle: str) -> str:
    """What a circle's room stores for a member: derived from their plenary token's hash,
    so the room is made without anyone's token, and entered with the plenary token only
    (docs/CIRCLES.md)."""
    return hashlib.sha256(b"kring-circle\x00" + token_hash.encode() + b"\x00" + circle.encode()).hexdigest()


def anon_key(token: str) -> bytes:
    """A per-participant secret derived from the token and never stored.

    Only a connection that presents the token can compute it, so tags made with it
    (see `tag`) link an item to its author for that author alone.
    """
    return hmac.new(token.encode(), b"kring-anon", hashlib.sha256).digest()


def tag(key: bytes, item: str) -> str:
    """An opaque, per-item mark of authorship: unlinkable across items and to the author."""
    return hmac.digest(key, item.encode(), "sha256").hex()[:32]  # digest(): the one-shot C path


def card_tag(key: bytes, phase_id: str) -> str:
    """Who holds a private card of a phase, as only that holder's connection can compute it:
    the card and the perspective written from it are stored under this tag, not a name."""
    return tag(key, "card:" + phase_id)


def worth_tag(key: bytes) -> str:
    """Whose answer to "Was dit de tijd waard?" is whose, as only its giver's connection can
    compute it: one per person and room, so that sending again replaces the answer."""
    return tag(key, "worth")


def screen_ticket(key: bytes, command_id: str, expires: float) -> str:
    """A facilitator's one-time ticket that lets a projector screen into a locked room.

    Derived from the facilitator connection's key, the command id and the expiry, so the
    room stores only its hash (`ticket_hash`) and a re-sent command still gets the same
    ticket back (§3.4 of the protocol) without the ticket ever being stored.
    """
    return tag(key, f"screen-ticket:{command_id}:{expires!r}")


def ticket_hash(ticket: str) -> str:
    """What the room stores instead of a screen ticket."""
    return hashlib.sha256(b"kring-ticket\x00" + ticket.encode()).hexdigest()


def new_knock_secret() -> str:
    """The latecomer's way to ask again whether they were let in: long and random, as only
    its holder may use the answer, and the room keeps only its hash (`knock_hash`)."""
    return secrets.token_urlsafe(32)


def knock_hash(secret: str) -> str:
    """What the room stores instead of a knock's secret."""
    return hashlib.sha256(b"kring-knock\x00" + secret.encode()).hexdigest()
