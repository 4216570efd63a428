"""The groups' database going away: a clear 503 while it is gone, nothing half-written, and
everything as it was once it is back. Rooms live elsewhere and go on."""

from __future__ import annotations

import json
import urllib.request

from .group_client import call, create_group
from .grouplink import Link
from .logged_server import logged_server
from .postgres import running_postgres

SERIES = {"from": "2027-01-01", "weekday": "tuesday", "time": "16:00", "every_weeks": 6, "count": 4}


def test_postgres_unreachable_gets_503_and_loses_nothing(tmp_path):
    log = tmp_path / "server.log"
    with running_postgres() as pg, logged_server(log, {"KRING_DATABASE_URL": pg.create_database()}) as server:
        bea = create_group(server.base)
        ali = bea.add("Ali")
        assert bea.call("POST", "/series", SERIES).status == 201
        before = bea.group()

        pg.stop()
        for answer in (
            bea.call("GET", ""),
            ali.call("GET", "/meetings"),
            bea.call("POST", "/series", {**SERIES, "time": "09:00"}),
            bea.call("POST", "/members", {"name": "Cor", "token_hash": Link.new().hash}),
            call(
                server.base, "POST", "/api/groups", {"name": "G", "begeleider_name": "B", "token_hash": ali.link.hash}
            ),
        ):
            assert answer.status == 503 and answer.error == "unavailable", answer
            assert "nothing was changed" in answer.body["message"] and answer.body["message_nl"]
        # the rooms do not depend on it
        req = urllib.request.Request(server.base + "/api/rooms", data=b"{}", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 201 and json.loads(resp.read())["code"]

        pg.start()
        assert bea.group() == before
        assert ali.group()["meetings"] == before["meetings"]
        assert bea.call("POST", "/series", {**SERIES, "time": "09:00"}).status == 201
        assert len(bea.group()["meetings"]) == 8
    logged = log.read_text()
    assert "the groups' database failed" in logged
    assert bea.link.token not in logged and ali.link.token not in logged
