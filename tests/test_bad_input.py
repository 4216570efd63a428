"""Bad input gets its stable error code; the server keeps serving and loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from client import CommandError, KringClient
from protocol import limits

from .servers import running_server
from .session import online, open_session, session_at, ws_url

SUB = [limits.SUBPROTOCOL_MSGPACK]


async def _next_error(c: KringClient, start: int) -> dict:
    await c.wait_until(lambda c: len(c.errors) > start)
    return c.errors[start]


async def test_each_kind_of_bad_input_gets_its_code_and_nothing_is_lost(server):
    s = await session_at(server, "vragenronde")
    try:
        asker, bystander = s.members[1], s.members[2]
        accepted = [(await asker.command("ask", text="Wat wil je bereiken?"))["question"]]

        n = len(asker.errors)
        await asker.send_raw(b"\xc1\xff not msgpack")
        assert (await _next_error(asker, n))["code"] == "malformed"

        n = len(asker.errors)
        await asker.send_raw("a text frame on the msgpack subprotocol")
        assert (await _next_error(asker, n))["code"] == "malformed"

        n = len(asker.errors)
        await asker.send_raw(msgpack.packb(["not", "a", "map"]))
        assert (await _next_error(asker, n))["code"] == "malformed"

        n = len(asker.errors)
        await asker.send_raw(msgpack.packb({"t": "ask", "text": "zonder id"}))
        assert (await _next_error(asker, n))["code"] == "invalid_field"

        for bad, code in [
            ({"t": "ask", "text": 5}, "invalid_field"),
            ({"t": "ask"}, "invalid_field"),
            ({"t": "ask", "text": "x", "extra": 1}, "invalid_field"),
            ({"t": "evaluate", "score": True}, "invalid_field"),
            ({"t": "teleport"}, "unknown_type"),
            ({"t": "ask", "text": "x" * (limits.MAX_SHORT + 1)}, "too_large"),
            ({"t": "advance"}, "not_allowed"),
            ({"t": "lock", "locked": True}, "not_allowed"),
            ({"t": "remove", "participant": "p1"}, "not_allowed"),
            ({"t": "deal_cards"}, "not_allowed"),
            ({"t": "essence", "text": "niet van mij"}, "not_allowed"),
            ({"t": "perspective", "texts": ["a", "b"]}, "not_allowed"),
            ({"t": "perspective", "texts": ["a", "b", "c", "d", "e"]}, "too_large"),
            ({"t": "draw_card"}, "not_allowed"),
            ({"t": "withdraw_question", "question": "q999"}, "not_found"),
        ]:
            with pytest.raises(CommandError) as err:
                await asker.command(bad.pop("t"), **bad)
            assert err.value.code == code, (bad, err.value.frame)
            assert err.value.frame["message"] and err.value.frame["message_nl"]

        # the inbrenger cannot ask in the questions round
        with pytest.raises(CommandError) as err:
            await s.members[0].command("ask", text="Mag ik ook?")
        assert err.value.code == "not_allowed"

        # still serving this connection, and the others
        accepted.append((await asker.command("ask", text="Wie is er nog meer bij betrokken?"))["question"])
        accepted.append((await bystander.command("ask", text="Wat heb je al geprobeerd?"))["question"])
        await s.settle()
        assert {q["id"] for q in s.facilitator.state["questions"]} == set(accepted)
    finally:
        await s.close()


async def test_one_megabyte_frame_closes_only_that_connection(server):
    s = await session_at(server, "vragenronde")
    try:
        big = KringClient(ws_url(server), reconnect=False)
        await big.resume(s.members[1].token or "")
        with contextlib.suppress(ConnectionClosed):  # the transport may close while we still send
            await big.send_raw(msgpack.packb({"t": "ask", "id": "big", "text": "x" * 1_000_000}))
        await big.wait_until(lambda c: c.close_code is not None)
        assert big.close_code == 1009  # too large, closed by the transport
        q = (await s.members[2].command("ask", text="Wat maakt dit lastig voor je?"))["question"]
        await s.settle()
        assert [x["id"] for x in s.facilitator.state["questions"]] == [q]
        again = await KringClient(ws_url(server)).resume(s.members[1].token or "")
        assert again.state["questions"][0]["id"] == q
        await again.close()
    finally:
        await s.close()


async def test_flood_past_the_rate_limit(server):
    s = await session_at(server, "vragenronde")
    try:
        flooder = s.members[1]
        results = await asyncio.gather(
            *(flooder.command("ask", text=f"Vraag {i}?") for i in range(limits.RATE_BURST * 2)),
            return_exceptions=True,
        )
        acked = [r["question"] for r in results if isinstance(r, dict)]
        limited = [r for r in results if isinstance(r, CommandError)]
        assert limited and all(e.code == "rate_limited" for e in limited)
        # each says when the next command will be taken: one token at RATE_PER_SECOND
        assert all(0 < e.frame["retry_after"] <= 1 / limits.RATE_PER_SECOND + 0.1 for e in limited)
        assert len(acked) + len(limited) == limits.RATE_BURST * 2  # every command got one answer
        assert len(acked) >= limits.RATE_BURST
        # others are served meanwhile, and every accepted question is there
        other = (await s.members[2].command("ask", text="En wat doe jij dan?"))["question"]
        await s.settle()
        assert {q["id"] for q in s.facilitator.state["questions"]} == {*acked, other}
    finally:
        await s.close()


async def test_command_before_hello_and_bad_tokens(server):
    s = await open_session(server, n=1)
    try:
        url = ws_url(server)
        async with connect(url, subprotocols=SUB) as ws:
            await ws.send(msgpack.packb({"t": "advance", "id": "1"}))
            err = msgpack.unpackb(await ws.recv())
            assert err["code"] == "hello_first"
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == 4002
        for token in ["nonsense", f"{s.code}.forged-token", "ZZZZZZ.x"]:
            with pytest.raises(CommandError) as e:
                await KringClient(url, reconnect=False).resume(token)
            assert e.value.code == "bad_token"
        with pytest.raises(CommandError) as e:
            await KringClient(url, reconnect=False).join("ZZZZZZ", "Iemand")
        assert e.value.code == "unknown_room"
        with pytest.raises(CommandError) as e:
            await KringClient(url, reconnect=False).join(s.code, "")
        assert e.value.code == "invalid_field"
        # the room goes on
        await s.facilitator.command("advance")
        await s.members[0].wait_until(lambda c: c.state["phase"]["id"] == "opening")
    finally:
        await s.close()


async def test_foreign_origin_is_refused_before_accept(server):
    url = ws_url(server)
    with pytest.raises(Exception) as err:
        async with connect(url, subprotocols=SUB, origin="https://evil.example"):
            pass
    assert "403" in str(err.value)
    host = server.removeprefix("http://")
    async with connect(url, subprotocols=SUB, origin=f"http://{host}") as ws:
        await ws.send(msgpack.packb({"t": "hello", "code": "ZZZZZZ", "name": "x"}))
        assert msgpack.unpackb(await ws.recv())["code"] == "unknown_room"


async def test_guessing_room_codes_is_rate_limited(backend):
    with running_server({**backend, "KRING_FAILED_JOINS_PER_MINUTE": "5"}) as base:
        s = await open_session(base, n=1)
        try:
            codes = []
            for _ in range(8):
                with pytest.raises(CommandError) as e:
                    await KringClient(ws_url(base), reconnect=False).join("ZZZZZZ", "Rader")
                codes.append(e.value.code)
            assert codes[:5] == ["unknown_room"] * 5 and set(codes[5:]) == {"rate_limited"}
            # the real room still works for the people in it
            await s.facilitator.command("advance")
            await s.members[0].wait_until(lambda c: c.state["phase"]["id"] == "opening")
        finally:
            await s.close()


def ack_of(c: KringClient, command_id: str) -> dict:
    return next(f for f in c.frames if f.get("t") == "ack" and f.get("id") == command_id)


async def test_an_ack_says_where_the_room_stands_after_the_command(server):
    """With the seq in its ack a client knows when it has seen its command's events."""
    s = await session_at(server, "vragenronde")
    try:
        asker, fac = s.members[1], s.facilitator
        await asker.command("ask", text="Wat wil je bereiken?", command_id="ask-1")
        asked = next(f for f in asker.frames if f.get("t") == "question_asked")
        assert ack_of(asker, "ask-1")["seq"] == asked["seq"]  # its own event's seq
        await fac.command("lock", locked=False, command_id="noop")  # no event: the room's seq
        assert ack_of(fac, "noop")["seq"] == asked["seq"]
        await s.members[2].command("ask", text="Wie is er nog meer bij betrokken?")
        await s.settle()
        now = fac.mirror.seq
        await asker.command("ask", text="Wat wil je bereiken?", command_id="ask-1")  # a re-send
        assert [f["seq"] for f in asker.frames if f.get("id") == "ask-1"] == [asked["seq"], now]
        assert [q["text"] for q in fac.state["questions"]].count("Wat wil je bereiken?") == 1
    finally:
        await s.close()


async def _raw_answer(ws) -> dict:
    while True:
        frame = json.loads(await ws.recv())
        if frame["t"] in ("ack", "error", "welcome"):
            return frame


DEEP = "[" * 990 + "]" * 990  # about 2 KB


async def test_text_no_codec_can_carry_and_deep_nesting_are_refused_and_the_room_goes_on(server):
    """The two severe findings, as an outsider sent them on the JSON subprotocol: a lone
    surrogate in a stranger's hello bricked the room (and in an `ask` it was applied and
    answered `unavailable`); 990 nested brackets killed the connection without a close."""
    s = await session_at(server, "vragenronde")
    try:
        before = s.facilitator.mirror.seq
        json_sub = [limits.SUBPROTOCOL_JSON]
        for hello in [
            '{"t":"hello","code":"CODE","name":"X\\ud800"}'.replace("CODE", s.code),
            '{"t":"hello","code":"CODE","name":DEEP}'.replace("CODE", s.code).replace("DEEP", DEEP),
            DEEP,
        ]:
            async with connect(ws_url(server), subprotocols=json_sub) as ws:
                await ws.send(hello)
                assert (await _raw_answer(ws))["code"] == "malformed"
                with pytest.raises(ConnectionClosed):
                    await ws.recv()
                assert ws.close_code == 4002
        anna = s.members[1]
        async with connect(ws_url(server), subprotocols=json_sub) as ws:
            await ws.send(json.dumps({"t": "hello", "token": anna.token}))
            assert (await _raw_answer(ws))["t"] == "welcome"
            for frame in [
                '{"t":"ask","id":"s1","text":"X\\ud800"}',
                '{"t":"ask","id":"s2","text":DEEP}'.replace("DEEP", DEEP),
                DEEP,
            ]:
                await ws.send(frame)
                assert (await _raw_answer(ws))["code"] == "malformed"
            await ws.send('{"t":"ask","id":"s1","text":"Wat gebeurde er daarna?"}')  # the same id, now fine
            ack = await _raw_answer(ws)
            assert ack["t"] == "ack" and ack["result"]["question"]
        await anna.send_raw(b"\x83\xa1t\xa3ask\xa2id\xa2s3\xa4text\xa3\xed\xa0\x80")  # msgpack: not UTF-8
        n = len(anna.errors)
        await anna.wait_until(lambda c: len(c.errors) > n)
        assert anna.errors[n]["code"] == "malformed"
        newcomer = await KringClient(ws_url(server)).join(s.code, "Nieuw")  # the room still lets people in
        s.members.append(newcomer)
        await s.facilitator.wait_until(lambda c: online(c, newcomer.me["id"]))
        await s.settle()
        texts = [q["text"] for q in s.facilitator.state["questions"]]
        assert texts == ["Wat gebeurde er daarna?"]
        # one question and the newcomer's join and presence; nothing else happened
        assert s.facilitator.mirror.seq == before + 3
    finally:
        await s.close()


async def test_a_code_that_cannot_be_a_room_code_is_no_room(server):
    for code in ["ABC}:X", "ABCDE0", "ABCDEFG", "{ABCDE}"]:
        with pytest.raises(CommandError) as err:
            await KringClient(ws_url(server), reconnect=False).join(code, "Iemand")
        assert err.value.code == "unknown_room"
