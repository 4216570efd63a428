"""The websocket endpoint: origin check, hello, welcome, then the command loop."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from protocol import errors, limits
from protocol.codec import Codec, choose
from protocol.errors import ProtocolError
from protocol.messages import Hello, is_room_code, normalize_code, parse_command, parse_hello

from .backends import end_and_erase, erase_if_ended, execute, read
from .circles import REACHES_CIRCLES, reach_circles, report_progress
from .hub import Connection, Hub
from .ratelimit import AddressLimits, RateLimit
from .rooms import identity
from .rooms.engine import Decision, circle_room, decide, decide_join, find_participant
from .rooms.events import Actor, RoomError
from .rooms.rules.circles import circle_of, facilitator_comes_in
from .rooms.state import FACILITATOR, PARTICIPANT, SCREEN, RoomState
from .rooms.views import frame, sees_anew, snapshot, withheld

log = logging.getLogger("kring.ws")


def origin_allowed(ws: WebSocket, allowed: tuple[str, ...]) -> bool:
    origin = ws.headers.get("origin")
    if origin is None:  # not a browser; browsers always send Origin
        return True
    if "*" in allowed or origin.rstrip("/") in allowed:
        return True
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


def _frame_data(message: Message) -> bytes | str | None:
    data: bytes | str | None = message.get("bytes")
    return data if data is not None else message.get("text")


async def _receive(ws: WebSocket) -> bytes | str | None:
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        return None
    return _frame_data(message)


def _decode(codec: Codec, data: bytes | str) -> Any:
    if len(data) > limits.MAX_FRAME:
        raise ProtocolError(errors.TOO_LARGE, f"frames are at most {limits.MAX_FRAME // 1024} KiB")
    return codec.decode(data)


async def _refuse(ws: WebSocket, codec: Codec, err: ProtocolError, close_code: int) -> None:
    data = codec.encode(err.frame())
    try:
        await ws.send_bytes(data) if isinstance(data, bytes) else await ws.send_text(data)
        await ws.close(close_code)
    except Exception:  # the peer is gone already
        pass


async def endpoint(ws: WebSocket) -> None:
    app = ws.app
    hub: Hub = app.state.hub
    if not origin_allowed(ws, app.state.settings.allowed_origins):
        await ws.close(1008)  # before accept: the handshake is answered 403
        return
    offered = list(ws.scope.get("subprotocols", []))
    codec = choose(offered)
    await ws.accept(subprotocol=codec.subprotocol if codec.subprotocol in offered else None)

    try:
        data = await asyncio.wait_for(_receive(ws), limits.HELLO_TIMEOUT)
    except TimeoutError:
        await _refuse(ws, codec, ProtocolError(errors.HELLO_FIRST, "no hello within 10 s"), errors.CLOSE_HELLO_TIMEOUT)
        return
    except WebSocketDisconnect:
        return
    if data is None:
        return
    try:
        hello = parse_hello(_decode(codec, data))
        client = ws.client.host if ws.client else "?"
        token, pid, role, new_token = await _admit(app, hello, client)
    except ProtocolError as err:
        await _refuse(ws, codec, err, errors.CLOSE_BAD_HELLO)
        return
    except Exception as exc:  # the backend is away (e.g. Redis restarting): try again soon
        log.warning("hello failed: %s", exc, exc_info=not isinstance(exc, app.state.hub.backend.transient))
        await _refuse(ws, codec, ProtocolError(errors.UNAVAILABLE), errors.CLOSE_TRY_AGAIN)
        return

    code = token.split(".", 1)[0]
    conn = Connection(ws, codec, code, pid, role, hub.send_queue)
    actor = Actor(pid, identity.anon_key(token))
    online = False
    try:
        try:
            await hub.register(conn)
            gone = await _welcome(hub, conn, actor, hello, new_token)
            if gone is not None:  # ended (or gone altogether) since the hello
                detail = "this room has ended" if gone == errors.CLOSE_ENDED else "this room no longer exists"
                conn.send(ProtocolError(errors.UNKNOWN_ROOM, detail).frame())
                conn.close_after_pending(gone)
                return
        except Exception:
            log.warning("welcome failed", exc_info=True)
            conn.send(ProtocolError(errors.UNAVAILABLE).frame())
            conn.close_after_pending(errors.CLOSE_TRY_AGAIN)
            return
        online = True
        await hub.set_presence(conn, +1)
        await _command_loop(hub, conn, actor)
    finally:
        if online and conn.close_code == errors.CLOSE_ROLE_CHANGED:
            hub.leave_soon(conn)
        elif online:
            await hub.set_presence(conn, -1)
        await hub.unregister(conn)


async def _admit(app: Starlette, hello: Hello, client: str) -> tuple[str, str, str, str | None]:
    """Join by code or resume by token; returns (token, pid, role, token-if-new)."""
    guard: AddressLimits = app.state.address_limits
    wait = await guard.join_wait(client)
    if wait is not None:
        raise ProtocolError(errors.RATE_LIMITED, "too many failed attempts; wait a minute", retry_after=wait)
    try:
        return await _admit_unguarded(app.state.hub, hello)
    except ProtocolError as err:
        if err.code in (errors.UNKNOWN_ROOM, errors.BAD_TOKEN, errors.BAD_TICKET):
            await guard.join_failed(client)
        raise


async def _admit_unguarded(hub: Hub, hello: Hello) -> tuple[str, str, str, str | None]:
    if hello.token is not None and hello.circle is not None:
        return await _enter_circle(hub, hello.token, normalize_code(hello.circle))
    if hello.token is not None:
        code = hello.token.split(".", 1)[0]
        if not is_room_code(code):
            raise ProtocolError(errors.BAD_TOKEN)
        token_hash = identity.token_hash(hello.token)
        state = await read(hub.backend, code)
        p = find_participant(state, token_hash) if state else None
        if state is not None and p is None and not await hub.backend.confirm_current(state):
            # this process's copy lags: whoever just joined through another process is
            # not in it yet, and a refusal would be final for them
            state = await read(hub.backend, code)
            p = find_participant(state, token_hash) if state else None
        if await erase_if_ended(hub.backend, state):  # its erase failed earlier: finish it
            raise ProtocolError(errors.BAD_TOKEN)
        if state is None or p is None:
            raise ProtocolError(errors.BAD_TOKEN)
        if p.removed:
            raise ProtocolError(errors.BAD_TOKEN, "you were removed from this room")
        return hello.token, p.id, p.role, None
    code = normalize_code(hello.code or "")
    if not is_room_code(code):
        raise ProtocolError(errors.UNKNOWN_ROOM)
    token = f"{code}.{identity.new_token()}"
    role = SCREEN if hello.as_ == "screen" else PARTICIPANT
    token_hash = identity.token_hash(token)

    # a participant at a locked room knocks: this secret, if the room keeps its knock,
    # lets the same hello ask again later whether the facilitator let them in
    knock = identity.new_knock_secret()
    knock_hash = identity.knock_hash(knock)

    def join(s: RoomState, rng: object) -> Decision:
        # the clock is read at each attempt: a ticket is checked against the time it is used
        return decide_join(
            s,
            hello.name or "",
            token_hash,
            role,
            ticket=hello.ticket,
            knock=hello.knock,
            new_knock=knock_hash,
            now=time.time(),
            place=hello.place,
        )

    try:
        decision, state = await execute(hub.backend, code, join)
    except LookupError:
        raise ProtocolError(errors.UNKNOWN_ROOM) from None
    except RoomError as err:
        if err.code == errors.UNKNOWN_ROOM:  # it ended; erase it if that failed earlier
            await erase_if_ended(hub.backend, await read(hub.backend, code))
        raise ProtocolError(err.code, err.detail) from None
    if "knock" in decision.result:  # knocked: refused, with the way to ask again
        raise ProtocolError(errors.ROOM_LOCKED, "the room is locked", knock=knock)
    pid = decision.result["participant"]
    return token, pid, state.participants[pid].role, token


async def _enter_circle(hub: Hub, token: str, code: str) -> tuple[str, str, str, str | None]:
    """A member of a room enters one of its circles with their room token (docs/CIRCLES.md);
    the circle's room is made by whoever comes in first. The connection goes on under
    `CIRCLE.TOKEN`: the circle's code, and an anonymity key of its own (ws.endpoint)."""
    room = token.split(".", 1)[0]
    plenary = await read(hub.backend, room) if is_room_code(room) else None
    p = find_participant(plenary, identity.token_hash(token)) if plenary else None
    if plenary is None or p is None or p.removed:
        raise ProtocolError(errors.BAD_TOKEN)
    circle = circle_of(plenary, code)
    if circle is None or not (p.id in circle["members"] or p.role == FACILITATOR):
        raise ProtocolError(errors.UNKNOWN_ROOM, "you are in no such circle of this room")
    state = await read(hub.backend, code)
    if state is None:
        await hub.backend.create(circle_room(plenary, circle, identity.new_epoch()))  # False: another was first
        state = await read(hub.backend, code)
    me = find_participant(state, identity.circle_token_hash(p.token_hash, code)) if state else None
    if state is not None and me is None and p.role == FACILITATOR and p.id not in state.participants:
        # a facilitator of the room since the split: one of every circle's too
        _, state = await execute(hub.backend, code, lambda s, rng: facilitator_comes_in(s, p.id, p.name, p.token_hash))
        me = find_participant(state, identity.circle_token_hash(p.token_hash, code))
    if state is None or me is None or me.removed or state.ended:
        raise ProtocolError(errors.UNKNOWN_ROOM, "this circle has ended")
    return f"{code}.{token}", me.id, me.role, None


async def _welcome(hub: Hub, conn: Connection, actor: Actor, hello: Hello, new_token: str | None) -> int | None:
    """Send the welcome; when the room ended or is gone since the hello (it is not served),
    return the close code that says which instead.

    Under the room's lock from reading the state to sending: a commit folds its events into
    the state this process holds (backends/redis.py), and none may land between who you
    are, the events you missed and the snapshot you get."""
    async with hub.backend.room_lock(conn.code):
        state = await hub.backend.load(conn.code)
        if state is None:
            return errors.CLOSE_GONE
        if state.ended:
            return errors.CLOSE_ENDED
        me = state.participants[conn.pid]
        conn.role = me.role  # it may have changed since the hello; later changes close the connection
        conn.withheld = withheld(state, conn.pid)  # so may this; its change closes the connection too
        welcome: dict[str, Any] = {
            "t": "welcome",
            "you": {"id": me.id, "name": me.name, "role": me.role},
            "epoch": state.epoch,
            "now": time.time(),  # lets a client correct its clock for the phase timer
        }
        if new_token:
            welcome["token"] = new_token
        missed = None
        if hello.epoch == state.epoch and hello.seq is not None:
            missed = await hub.backend.read_since(conn.code, state.epoch, hello.seq)
            if missed and any(
                ev.t == "method_set" or sees_anew(ev, conn.pid, conn.role, conn.withheld) for ev in missed
            ):
                missed = None  # your role changed meanwhile, or you confirmed: see the room anew, as after close 4011
        if missed is not None:
            welcome["seq"] = missed[-1].seq if missed else hello.seq
            welcome["events"] = [frame(ev, conn.pid, conn.role, conn.withheld) for ev in missed]
        else:
            welcome["seq"] = state.seq
            welcome["snapshot"] = snapshot(state, actor)
        conn.send(welcome)
        hub.go_live(conn, welcome["seq"])
    return None


async def _command_loop(hub: Hub, conn: Connection, actor: Actor) -> None:
    bucket = RateLimit()
    while not conn.closed:
        try:
            data = await _receive(conn.ws)
        except WebSocketDisconnect:
            return
        if data is None:
            return
        now = time.time()  # the phase timer counts from when the command arrived
        allowed = bucket.take()
        try:
            cmd = parse_command(_decode(conn.codec, data))
            if not allowed:
                raise ProtocolError(errors.RATE_LIMITED, None, cmd.id)
        except ProtocolError as err:
            if not allowed:
                err = ProtocolError(errors.RATE_LIMITED, None, err.command_id, retry_after=bucket.retry_after())
            conn.send(err.frame())
            continue
        decide_it = lambda s, rng, cmd=cmd, now=now: decide(s, actor, cmd, rng, now)  # noqa: E731
        try:
            if cmd.t == "end":
                # acked once erased; until then the hub leaves this connection open, so that
                # an `unavailable` (the erase failed) is retried here with the same id
                conn.ending = True
                decision, seq = await end_and_erase(
                    hub.backend, conn.code, conn.pid, decide_it, hub.ended_hook(conn.code)
                )
            else:
                decision, state = await execute(hub.backend, conn.code, decide_it)
                seq = state.seq
                if cmd.t in REACHES_CIRCLES:
                    await reach_circles(hub.backend, state, conn.pid, decision)
                await report_progress(hub.backend, state, decision)
        except RoomError as err:
            conn.ending = False
            conn.send(ProtocolError(err.code, err.detail, cmd.id).frame())
            continue
        except LookupError:  # expired (or erased without an `ended` reaching us): it is gone
            conn.send(ProtocolError(errors.UNKNOWN_ROOM, "this room no longer exists", cmd.id).frame())
            conn.close_after_pending(errors.CLOSE_GONE)
            return
        except Exception as exc:
            if isinstance(exc, hub.backend.transient):
                log.warning("command %s: room storage unavailable (%s)", cmd.t, exc)
            else:
                log.exception("command %s failed", cmd.t)
            conn.send(ProtocolError(errors.UNAVAILABLE, None, cmd.id).frame())
            continue
        # `seq`: where the room stands once this command is in (its last event, or the
        # room's seq when it caused none), so a client knows which events it has seen
        conn.send(
            {"t": "ack", "id": cmd.id, "result": decision.result, "seq": seq if seq is not None else conn.last_seq}
        )
        if cmd.t == "end":
            conn.close_after_pending(errors.CLOSE_ENDED)
            return
