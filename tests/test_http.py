"""HTTP endpoints and the websocket handshake rules of the real server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from protocol import errors, limits

from .servers import running_server
from .session import REFUSED_BODIES, matches, ws_url


def _post(base: str, body: bytes) -> tuple[int, dict]:
    req = urllib.request.Request(
        base + "/api/rooms", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_create_room(server):
    status, body = _post(server, json.dumps({"language": "en", "anonymous_questions": False}).encode())
    assert status == 201
    code = body["code"]
    assert len(code) == limits.ROOM_CODE_LENGTH and set(code) <= set(limits.ROOM_CODE_ALPHABET)
    assert not set(code) & set("01OIL")
    assert body["facilitator_token"].startswith(code + ".")
    status, body = _post(server, b"")
    assert status == 201


@pytest.mark.parametrize("body, code, detail", REFUSED_BODIES)
def test_create_room_rejects_bad_input(server, body, code, detail):
    status, answer = _post(server, body)
    assert status == 400
    assert answer["error"] == code and matches(answer["detail"], detail), answer
    assert answer["message"] and answer["message_nl"]


def test_create_room_refuses_a_body_over_64_kib(server):
    status, answer = _post(server, json.dumps({"method_toml": "#" * (limits.MAX_BODY + 1)}).encode())
    assert status == 413 and answer["error"] == "too_large"


def test_healthz_and_home(server, backend):
    with urllib.request.urlopen(server + "/healthz", timeout=5) as resp:
        health = json.loads(resp.read())
    assert health["status"] == "ok"
    assert health["backend"] == ("RedisBackend" if backend else "MemoryBackend")
    with urllib.request.urlopen(server + "/", timeout=5) as resp:
        page = resp.read().decode()
    assert "Kring" in page and "drie-rondes" in page


@pytest.mark.parametrize("backend", ["memory"], indirect=True)  # the endpoint's timer, whatever the backend: 10 s once
async def test_no_hello_within_ten_seconds_closes(server):
    async with connect(ws_url(server), subprotocols=[limits.SUBPROTOCOL_MSGPACK]) as ws:
        frame = msgpack.unpackb(await ws.recv())  # waits out the hello timeout
        assert frame["code"] == "hello_first"
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == errors.CLOSE_HELLO_TIMEOUT


async def test_codec_follows_the_subprotocol(server):
    async with connect(ws_url(server), subprotocols=[limits.SUBPROTOCOL_JSON]) as ws:
        assert ws.subprotocol == limits.SUBPROTOCOL_JSON
        await ws.send(json.dumps({"t": "hello", "code": "zz-zzzz", "name": "Iemand"}))
        frame = json.loads(await ws.recv())
        assert frame["code"] == "unknown_room"
    async with connect(ws_url(server), subprotocols=[limits.SUBPROTOCOL_MSGPACK]) as ws:
        assert ws.subprotocol == limits.SUBPROTOCOL_MSGPACK


async def _talks(url: str, origin: str) -> bool:
    """Open a websocket with this Origin: True if accepted (and answering), False if the
    handshake was refused."""
    try:
        async with connect(url, origin=origin, subprotocols=[limits.SUBPROTOCOL_JSON]) as ws:  # type: ignore[arg-type,list-item]  # websockets: Origin, Subprotocol NewTypes
            await ws.send(json.dumps({"t": "hello", "code": "zz-zzzz", "name": "Iemand"}))
            return json.loads(await ws.recv())["code"] == "unknown_room"
    except InvalidStatus as err:
        assert err.response.status_code == 403
        return False


async def test_allowed_origins_are_accepted_and_others_refused_before_accept(backend, server):
    foreign = "https://kring.example.nl"
    with running_server({**backend, "KRING_ALLOWED_ORIGINS": f"{foreign}, https://andere.example.nl/"}) as base:
        assert await _talks(ws_url(base), base)  # the page's own origin
        assert await _talks(ws_url(base), foreign)
        assert await _talks(ws_url(base), "https://andere.example.nl")
        assert not await _talks(ws_url(base), "https://kwaadwillend.example")
        assert not await _talks(ws_url(base), "http://kring.example.nl")  # another scheme is another origin
    # without the setting only the page's own origin may connect
    assert await _talks(ws_url(server), server)
    assert not await _talks(ws_url(server), foreign)
