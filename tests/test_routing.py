"""The routing key on the websocket URL (protocol/routing.py, client/web/static/js/roomkey.js):
the browser and the Python client compute the same key for a room however its code is typed,
so a balancer that hashes on it keeps the room on one process; the server ignores it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter

from protocol.routing import room_key, with_room_key
from server.rooms import identity

from .servers import ROOT


def test_the_key_spreads_rooms_and_does_not_depend_on_how_the_code_is_typed():
    codes = [identity.new_room_code() for _ in range(5000)]
    keys = Counter(room_key(c) for c in codes)
    assert all(len(k) == 4 and int(k, 16) >= 0 for k in keys)
    assert len(keys) > 4500 and max(keys.values()) <= 4  # 65,536 buckets, nearly all distinct
    code = codes[0]
    typed = f"{code[:2].lower()}-{code[2:]} "
    assert room_key(typed) == room_key(code)
    assert room_key("K3X-9Q2") == "bb35"  # docs/PROTOCOL.md §1.2's example
    assert with_room_key("ws://h/ws", code) == f"ws://h/ws?room={room_key(code)}"
    assert with_room_key("ws://h/ws?x=1", code) == f"ws://h/ws?x=1&room={room_key(code)}"


def test_the_browser_computes_the_same_key():
    node = shutil.which("node")
    assert node is not None, "node is needed (make install brings it for npm)"
    codes = [identity.new_room_code() for _ in range(200)] + ["ab-cdef", "ZZ ZZZZ", "k3x9q2"]
    script = (
        "import { roomKey } from './client/web/static/js/roomkey.js';"
        f"console.log(JSON.stringify({json.dumps(codes)}.map(roomKey)));"
    )
    run = subprocess.run(
        [node, "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [room_key(c) for c in codes]


async def test_the_server_ignores_the_key(server):
    """Any key, or none: a room is found by the hello, never by the URL."""
    from client import KringClient, create_room

    created = await create_room(server)
    url = server.replace("http://", "ws://") + "/ws"
    fac = await KringClient(url).resume(created["facilitator_token"])  # the client's own key
    member = await KringClient(url + "?room=ffff").join(created["code"].lower(), "Anna")  # a wrong one
    try:
        await fac.wait_until(lambda c: any(p["name"] == "Anna" for p in c.state["participants"]))
    finally:
        await member.close()
        await fac.close()
