"""Talking to the groups API of a real server over HTTP, as a member's browser does."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from .grouplink import Link


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


def call(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, payload, got = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        status, payload, got = err.code, err.read(), dict(err.headers)
    return Answer(status, json.loads(payload) if payload else None, {k.lower(): v for k, v in got.items()})


@dataclass
class Member:
    """One person's browser: their link, and the server it talks to."""

    base: str
    name: str
    link: Link
    id: int | None = None

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        return call(self.base, method, "/api/groups/mine" + path, body, token=self.link.token)

    def group(self) -> dict[str, Any]:
        answer = self.call("GET", "")
        assert answer.status == 200, answer
        return answer.body

    def add(self, name: str, role: str = "member") -> Member:
        """As begeleider: make a link for `name` in this browser and add them."""
        member = Member(self.base, name, Link.new())
        answer = self.call("POST", "/members", {"name": name, "role": role, "token_hash": member.link.hash})
        assert answer.status == 201, answer
        member.id = answer.body["member"]["id"]
        return member


def create_group(base: str, name: str = "Intervisie Noord", begeleider: str = "Bea") -> Member:
    me = Member(base, begeleider, Link.new())
    answer = call(
        base, "POST", "/api/groups", {"name": name, "begeleider_name": begeleider, "token_hash": me.link.hash}
    )
    assert answer.status == 201, answer
    me.id = answer.body["me"]["id"]
    return me
