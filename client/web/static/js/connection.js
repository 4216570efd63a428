// The browser's websocket to Kring: msgpack frames, hello/welcome, commands with ids that
// survive a reconnect, and resume from the last seq. A laptop that sleeps or loses Wi-Fi
// reconnects by itself with backoff; nothing the person sent is lost or applied twice.

import { decode, encode } from "/vendor/msgpack/index.mjs";
import { roomKey } from "./roomkey.js";
import { outbox, session } from "./store.js";

/** The subprotocol and the close codes, as the server's `protocol/` names them (handed to the page). */
const { SUBPROTOCOL, CLOSE } = JSON.parse(document.body.dataset.protocol);
const BACKOFF_MS = [300, 1000, 2000, 4000, 8000, 15000];
/** A knocker asks again at most this far into BACKOFF_MS (about every 4 s): let in should feel like a door opening. */
const KNOCK_ATTEMPTS = 3;

function newId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

/**
 * Connection states, for the status line: "connecting", "online", "reconnecting",
 * "offline" (the browser says there is no network), "waiting" (at a locked room: a
 * projector screen until the room opens, a participant who knocked until the facilitator
 * lets them in), "closed" (final: removed, ended, the room is gone, not let in, or this
 * browser can no longer rejoin).
 */
export class Connection {
  /**
   * @param {object} o
   * @param {string} o.code room code
   * @param {"room"|"screen"} o.kind which seat of this browser in the room
   * @param {{name: string, as?: string, place?: "room"|"online"|null, ticket?: string|null, knock?: string|null}|null} o.join how to join when there is no token yet
   * @param {(welcome: object) => void} o.onWelcome
   * @param {(event: object) => void} o.onEvent
   * @param {(id: string, t: string, args: object, result: object, item: object) => void} o.onAck
   * @param {(t: string, args: object, error: object, item: object) => void} o.onRefused
   * @param {(state: string, detail?: object) => void} o.onState
   */
  constructor(o) {
    Object.assign(this, o);
    this.ws = null;
    this.state = "connecting";
    this.attempt = 0;
    this.timer = null;
    this.seq = null; // last seq the page folded in, set through `advance`
    this.epoch = null; // of the log that seq belongs to
    this.offset = 0; // server clock minus ours, in ms
    this.pending = outbox.get(this.code, this.kind); // sent or to send, not yet answered
    this.fresh = false; // ask for a full snapshot on the next hello
    this.welcomes = []; // "snapshot" or "events" per welcome, to see how each resume went
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.goOffline());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
  }

  start() {
    this.started = true;
    if (!navigator.onLine) {
      this.setState("offline");
      return;
    }
    this.open();
  }

  /**
   * Send a command; it is kept until the server answers it, across reconnects and reloads.
   * `meta` travels with it (never to the server): which form and text it came from.
   */
  command(t, args = {}, meta = null) {
    const item = { id: newId(), t, args };
    if (meta) item.meta = meta;
    this.pending.push(item);
    this.saveOutbox();
    if (this.live) this.transmit(item);
    return item.id;
  }

  /** The page folded events up to `seq`: a reconnect asks for what came after it. */
  advance(seq) {
    this.seq = seq;
  }

  /** Server time now, in ms, corrected for this laptop's clock. */
  serverNow() {
    return Date.now() + this.offset;
  }

  get queued() {
    return this.pending.length;
  }

  // -------------------------------------------------------------- internals

  setState(state, detail) {
    this.state = state;
    this.onState(state, detail);
  }

  saveOutbox() {
    outbox.set(this.code, this.kind, this.pending);
  }

  open() {
    clearTimeout(this.timer);
    this.timer = null;
    this.live = false;
    this.lastError = null;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    // ?room=: a balancer may keep a room's connections on one process (js/roomkey.js)
    const ws = new WebSocket(`${scheme}//${location.host}/ws?room=${roomKey(this.code)}`, [SUBPROTOCOL]);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => this.hello();
    ws.onmessage = (msg) => {
      if (ws !== this.ws) return;
      let frame;
      try {
        frame = decode(new Uint8Array(msg.data));
      } catch {
        return;
      }
      this.receive(frame);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.live = false;
      this.closed(e.code);
    };
  }

  hello() {
    const stored = session.get(this.code, this.kind);
    // a circle of a room (views/circles.js) is entered with the room's own token
    const token = stored?.via ? session.get(stored.via, this.kind)?.token : stored?.token;
    let hello;
    if (token) {
      hello = { t: "hello", token };
      if (stored.via) hello.circle = this.code;
      // a page that holds the room asks only for what it missed; a fresh page (or a new
      // role) gets the whole room
      if (!this.fresh && this.epoch && this.seq !== null) {
        hello.epoch = this.epoch;
        hello.seq = this.seq;
      }
    } else if (this.join) {
      hello = { t: "hello", code: this.code, name: this.join.name };
      if (this.join.as) hello.as = this.join.as;
      if (this.join.place) hello.place = this.join.place; // in the room or online, if they said
      if (this.join.ticket) hello.ticket = this.join.ticket; // a screen's one-time way into a locked room
      if (this.join.knock) hello.knock = this.join.knock; // a knock at a locked room: let in yet?
    } else {
      // no token and nothing to join with: final, so no reconnect follows this close
      this.setState("closed", { reason: "no_seat" });
      this.ws.close();
      return;
    }
    this.fresh = false;
    this.helloSent = Date.now();
    this.send(hello);
  }

  send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(encode(frame));
  }

  transmit(item) {
    this.send({ t: item.t, id: item.id, ...item.args });
  }

  receive(frame) {
    switch (frame.t) {
      case "welcome":
        return this.welcomed(frame);
      case "ack":
        return this.answered(frame.id, (item) => this.onAck(item.id, item.t, item.args, frame.result || {}, item));
      case "error":
        if (!frame.id) {
          this.lastError = frame; // a refused hello: the close code follows
          return;
        }
        if (frame.code === "unavailable" || frame.code === "rate_limited") {
          // storage is away for a moment, or we sent too fast: keep the command and send
          // it again, same id, when the server says it can be taken
          this.retryLater(frame.retry_after);
          return;
        }
        return this.answered(frame.id, (item) => this.onRefused(item.t, item.args, frame, item));
      default:
        if (typeof frame.seq === "number") this.onEvent(frame);
    }
  }

  welcomed(w) {
    const received = Date.now();
    if (typeof w.now === "number") this.offset = w.now * 1000 - (this.helloSent + received) / 2;
    const stored = session.get(this.code, this.kind) || {};
    const token = w.token || stored.token;
    this.epoch = w.epoch;
    this.welcomes.push(w.snapshot ? "snapshot" : "events");
    if (!stored.via) session.set(this.code, this.kind, { token });
    if (this.join) this.join.ticket = this.join.knock = null; // used up: from now on the token brings this page back
    this.attempt = 0;
    this.live = true;
    this.setState("online");
    this.onWelcome(w);
    for (const item of this.pending) this.transmit(item); // unanswered: same ids, applied once
  }

  answered(id, then) {
    const index = this.pending.findIndex((item) => item.id === id);
    if (index < 0) return;
    const [item] = this.pending.splice(index, 1);
    this.saveOutbox();
    then(item);
  }

  retryLater(seconds) {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.live) for (const item of this.pending) this.transmit(item);
    }, typeof seconds === "number" ? seconds * 1000 : 2000);
  }

  closed(code) {
    if (this.state === "closed") return; // final: nothing reconnects
    if (code === CLOSE.REMOVED) return this.setState("closed", { reason: "removed" });
    if (code === CLOSE.ENDED) return this.setState("closed", { reason: "ended" });
    if (code === CLOSE.GONE) return this.setState("closed", { reason: "gone" });
    if (code === CLOSE.BAD_HELLO) {
      const error = this.lastError || {};
      if (error.code === "rate_limited" && typeof error.retry_after === "number") {
        this.setState("reconnecting");
        return this.schedule(error.retry_after * 1000);
      }
      if (error.code === "bad_token") session.set(this.code, this.kind, null);
      if (error.code === "room_locked" && this.kind === "screen") {
        // a screen opened without a ticket: it comes in once the room opens again
        this.setState("waiting", { reason: error.code });
        return this.schedule();
      }
      if (error.code === "room_locked" && this.join && (error.knock || this.join.knock)) {
        // we knocked (or still wait at the door): ask again now and then, with the knock's secret
        if (error.knock) this.join.knock = error.knock;
        this.attempt = Math.min(this.attempt, KNOCK_ATTEMPTS);
        this.setState("waiting", { reason: "knocked", join: { ...this.join } });
        return this.schedule();
      }
      if (["bad_token", "bad_ticket", "unknown_room", "room_locked", "room_full", "invalid_field", "not_let_in"].includes(error.code))
        return this.setState("closed", { reason: error.code, error });
    }
    if (code === CLOSE.ROLE_CHANGED) {
      this.fresh = true; // see the room again as the new role
      this.attempt = 0;
    }
    if (!navigator.onLine) return this.setState("offline");
    this.setState("reconnecting");
    this.schedule();
  }

  /** Reconnect after a backoff, or after `wait` ms when the server said how long to wait. */
  schedule(wait) {
    clearTimeout(this.timer);
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    const delay = wait ?? base * (0.7 + Math.random() * 0.6);
    this.timer = setTimeout(() => this.open(), delay);
  }

  goOffline() {
    if (!this.started || this.state === "closed") return;
    this.setState("offline");
    clearTimeout(this.timer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      this.live = false;
      ws.close();
    }
  }

  reconnectNow() {
    if (!this.started || this.state === "closed" || !navigator.onLine) return;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.attempt = 0;
    this.setState("reconnecting");
    this.open();
  }

  /** Resume again, e.g. after a gap in the seqs (never expected, but never silent). */
  resync() {
    this.fresh = true;
    if (this.ws) this.ws.close();
    else this.reconnectNow();
  }
}
