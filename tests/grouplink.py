"""The browser's link derivation (client/web/static/js/grouplink.js), done again in Python with
the `cryptography` package's HKDF, so that tests can act as a member's browser; and
tests/test_grouplink.py holds the two to the same results."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.groups.links import ACTIONS_INFO, SALT, SECRET_BYTES, TOKEN_INFO, b64url, token_hash


def hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=info).derive(secret)


@dataclass(frozen=True)
class Link:
    """What a member's browser holds (secret) and derives (token, actions key)."""

    secret: bytes

    @classmethod
    def new(cls) -> Link:
        return cls(os.urandom(SECRET_BYTES))

    @property
    def fragment(self) -> str:
        return b64url(self.secret)

    @property
    def token(self) -> str:
        return b64url(hkdf(self.secret, TOKEN_INFO))

    @property
    def hash(self) -> str:
        return token_hash(self.token)

    @property
    def actions_key(self) -> bytes:
        return hkdf(self.secret, ACTIONS_INFO)

    def encrypt(self, plaintext: bytes, nonce: bytes, aad: bytes | None = None) -> bytes:
        return AESGCM(self.actions_key).encrypt(nonce, plaintext, aad)

    def seal(self, text: str, aad: str) -> dict[str, str]:
        """An action as the browser sends it (js/group/actions.js): nonce and ciphertext."""
        nonce = os.urandom(12)
        return {"iv": b64url(nonce), "ciphertext": b64url(self.encrypt(text.encode(), nonce, aad.encode()))}

    def open(self, sealed: dict[str, str], aad: str) -> str:
        """An action back, as only the browser holding this link can read it."""
        nonce, data = (base64.urlsafe_b64decode(sealed[k] + "=" * (-len(sealed[k]) % 4)) for k in ("iv", "ciphertext"))
        return AESGCM(self.actions_key).decrypt(nonce, data, aad.encode()).decode()


def vector(secret: bytes, plaintext: str, nonce: bytes) -> dict[str, str]:
    """What the browser must derive from `secret`: the token, its hash, and (the key being
    unexportable) a ciphertext only the same actions key decrypts."""
    link = Link(secret)
    return {
        "secret": link.fragment,
        "token": link.token,
        "token_hash": link.hash,
        "nonce": b64url(nonce),
        "plaintext": plaintext,
        "ciphertext": b64url(link.encrypt(plaintext.encode(), nonce)),
    }


def fixed_vectors() -> list[dict[str, str]]:
    """The vectors in tests/fixtures/grouplink.json: `python -m tests.grouplink` writes them."""
    nonce = bytes(range(12))
    return [
        vector(bytes(32), "Ik ga met mijn leidinggevende praten.", nonce),
        vector(b"\xff" * 32, "Voor 1 maart: het gesprek met het team. ✓", nonce),
        vector(bytes(range(32)), "", nonce),
    ]


if __name__ == "__main__":
    import json
    from pathlib import Path

    path = Path(__file__).with_name("fixtures") / "grouplink.json"
    path.write_text(json.dumps(fixed_vectors(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")
