"""Wrong group links count against the per-address failure limit the rooms use
(KRING_FAILED_JOINS_PER_MINUTE), and new groups against the hourly allowance of new rooms."""

from __future__ import annotations

from .group_client import Member, call, create_group
from .grouplink import Link
from .servers import running_server


def test_wrong_links_lock_the_address_out_for_a_while():
    with running_server({"KRING_FAILED_JOINS_PER_MINUTE": "3"}) as base:
        bea = create_group(base)
        assert bea.group()["me"]["name"] == "Bea"
        for _ in range(3):
            assert Member(base, "?", Link.new()).call("GET", "").status == 401
        locked = bea.call("GET", "")  # even the right link, from this address, for now
        assert locked.status == 429 and locked.error == "rate_limited"
        assert int(locked.headers["retry-after"]) >= 1 and locked.body["retry_after"] > 0
        assert locked.body["message_nl"]


def test_new_groups_are_limited_per_address():
    with running_server({"KRING_ROOMS_PER_HOUR": "2"}) as base:
        create_group(base)
        create_group(base)
        body = {"name": "G", "begeleider_name": "B", "token_hash": Link.new().hash}
        refused = call(base, "POST", "/api/groups", body)
        assert refused.status == 429 and refused.error == "rate_limited" and "retry-after" in refused.headers
        # rooms have their own window
        assert call(base, "POST", "/api/rooms", {}).status == 201
