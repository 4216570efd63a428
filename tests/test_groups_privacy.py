"""Neither the database nor the server's log ever holds a link's secret S or its token T:
the server sees T only in the Authorization header, and keeps only T's hash."""

from __future__ import annotations

import base64

import pytest

from .conftest import Database, new_database
from .group_client import Member, call, create_group
from .grouplink import Link
from .logged_server import logged_server


def forms(secret: bytes) -> list[bytes]:
    """Every way a 32-byte value could be written down: raw, hex, base64 and base64url."""
    return [
        secret,
        secret.hex().encode(),
        base64.b64encode(secret).rstrip(b"="),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


def traces(link: Link) -> list[bytes]:
    return forms(link.secret) + forms(base64.urlsafe_b64decode(link.token + "="))


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request, tmp_path_factory) -> Database:
    return new_database(request.param, request, tmp_path_factory)


def test_no_secret_or_token_in_the_database_or_the_log(fresh_database, tmp_path):
    log = tmp_path / "server.log"
    with logged_server(log, fresh_database.env) as server:
        bea = create_group(server.base, "Groep Geheim", "Bea")
        people = [bea.add(name) for name in ("Ali", "Cor", "Dirk", "Eva", "Fleur")]
        seen = [bea]
        for person in people:
            assert person.group()["me"]["name"] == person.name
        # a re-issued link, a removed member, wrong links, a schedule
        ali = people[0]
        renewed = Link.new()
        assert bea.call("POST", f"/members/{ali.id}/link", {"token_hash": renewed.hash, "generation": 1}).status == 200
        old = Member(server.base, "Ali", ali.link)
        assert old.call("GET", "").error == "link_reissued"
        ali.link = renewed
        assert bea.call("DELETE", f"/members/{people[1].id}").status == 204
        assert people[1].call("GET", "").error == "member_removed"
        assert Member(server.base, "?", Link.new()).call("GET", "").error == "bad_link"
        series = {"from": "2027-01-01", "weekday": "tuesday", "time": "16:00", "cycle": "draagvlakmodel"}
        assert bea.call("POST", "/series", series).status == 201
        assert bea.call("POST", "/series", series).status == 409
        assert (
            call(
                server.base, "POST", "/api/groups", {"name": "x", "begeleider_name": "y", "token_hash": bea.link.hash}
            ).status
            == 409
        )
        seen += people + [old]
    held = fresh_database.dump()
    assert b"Groep Geheim" in held and bea.link.hash.encode() in held  # the dump is of the right database
    logged = log.read_bytes()
    assert b"/api/groups/mine" in logged  # the access log was on
    for person in seen:
        for trace in traces(person.link):
            assert trace not in held, (person.name, "database")
            assert trace not in logged, (person.name, "log")
