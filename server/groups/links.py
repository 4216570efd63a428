"""Personal links as capabilities: what the server checks, and what it never sees.

A member's link carries a 32-byte random secret S in its URL fragment, which the browser
never sends. The browser derives from S, with HKDF-SHA256 (client/web/static/js/grouplink.js):

- the token T = HKDF(S, salt=SALT, info=TOKEN_INFO), 32 bytes, base64url: sent as
  `Authorization: Bearer T`;
- an AES-GCM key with info=ACTIONS_INFO that never leaves the browser.

The server stores token_hash(T) = base64url(SHA-256(T)) and nothing else of the link. Whoever
issues a link sends the hash, not T: the server never holds a member's bearer token, not even
for the length of the request that creates it. A plain SHA-256 suffices: T has 256 bits of
entropy, so there is nothing to guess and no need for a salt or a slow hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

SALT = b"kring/group-link/v1"
TOKEN_INFO = b"kring/group-token"
ACTIONS_INFO = b"kring/actions-key"
SECRET_BYTES = 32

#: base64url without padding of 32 bytes: 43 characters, the last one of a restricted set
_B64_32 = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def is_b64_32(text: str) -> bool:
    """Whether `text` is the unpadded base64url of exactly 32 bytes (a token or a hash)."""
    if not _B64_32.fullmatch(text):
        return False
    try:
        return len(base64.urlsafe_b64decode(text + "=")) == SECRET_BYTES
    except (binascii.Error, ValueError):
        return False


def token_hash(token: str) -> str:
    """What the server keeps of a token, and what an issuer sends for a new link."""
    return b64url(hashlib.sha256(token.encode("ascii")).digest())


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer T` header, or None if there is none that fits."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not is_b64_32(token):
        return None
    return token
