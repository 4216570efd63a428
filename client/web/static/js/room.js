// The room page: one connection, the mirror of the room, and the view for this person's
// role (participant, facilitator or projector screen), drawn again on every event.

import { attention } from "./attention.js";
import { Connection } from "./connection.js";
import { actionsBlock, roomBook } from "./group/actions.js";
import { languageSwitch, setup, t, translateStatic } from "./i18n.js";
import { Kept } from "./kept.js";
import { GapError, Mirror } from "./mirror.js";
import { drafts, forgetRoom, pendingJoin, session } from "./store.js";
import { proofPage, summaryPage } from "./summary.js";
import { secondsLeft } from "./timer.js";
import { draw, h } from "./ui.js";
import { awayTitle, claimLeft, seesAway } from "./views/away.js";
import { leaveCircle } from "./views/circles.js";
import { facilitatorView, screenTicketAnswered } from "./views/facilitator.js";
import { knockWaiting, openKnocks } from "./views/knocks.js";
import { participantView } from "./views/participant.js";
import { observerView } from "./views/observer.js";
import { screenView } from "./views/screen.js";
import { currentDeal, may } from "./views/state.js";

const root = document.getElementById("app");
const view = document.getElementById("view");
const statusLine = document.getElementById("connection");
const notice = document.getElementById("notice");
const announcer = document.getElementById("announce");
const code = root.dataset.code;
const kind = root.dataset.view === "screen" ? "screen" : "room";
const limits = JSON.parse(document.body.dataset.limits);

/**
 * A projector screen opened from the facilitator's view brings a one-time ticket in the
 * URL fragment (never sent to a server). It is read once and taken out of the address
 * bar at once, so it is neither bookmarked nor shown on the wall.
 */
function takeScreenTicket() {
  const found = /(?:^#|&)ticket=([^&]+)/.exec(location.hash);
  if (!found) return null;
  history.replaceState(history.state, "", location.pathname + location.search);
  return decodeURIComponent(found[1]);
}

const screenTicket = kind === "screen" ? takeScreenTicket() : null;
const mirror = new Mirror();
const ctx = {
  code,
  kind,
  limits,
  prettyCode: `${code.slice(0, 3)}-${code.slice(3)}`,
  methods: JSON.parse(root.dataset.methods || "[]"),
  mirror,
  me: null,
  ui: { confirming: null, summary: null, closed: null, notice: null, refused: {} },
  /** A group's meeting entered with a kept link: the member's own actions (group/actions.js), else null. */
  actions: null,
  get state() {
    return mirror.state;
  },
  /** Send a command; returns its id. */
  send(command, args = {}, meta = null) {
    ctx.ui.notice = null;
    const id = conn.command(command, args, meta);
    showStatus();
    return id;
  },
  /**
   * Send what form `formId` holds. `fields` maps each field's id to the text it held: the
   * drafts are cleared when the server acknowledges, and stay (with the reason shown next
   * to the form) when it refuses. The same command from the same form, still on its way,
   * is not sent twice.
   */
  submit(formId, command, args, fields = {}) {
    const same = JSON.stringify(args);
    if (conn.pending.some((i) => i.meta?.form === formId && i.t === command && JSON.stringify(i.args) === same)) return;
    delete ctx.ui.refused[formId];
    ctx.send(command, args, { form: formId, fields });
    render();
  },
  /** The id of the form whose last refusal concerns field `fieldId`, if any. */
  refusedIn: (fieldId) => Object.keys(ctx.ui.refused).find((f) => ctx.ui.refused[f].fields.includes(fieldId)) || null,
  /** Does something sent from `formId` wait for the connection? */
  formWaiting: (formId) => conn.state !== "online" && conn.pending.some((i) => i.meta?.form === formId),
  draft: (id) => drafts.get(code, id),
  saveDraft: (id, text) => drafts.set(code, id, text),
  /** Is a command of this type still on its way (sent or waiting for the network)? */
  pending: (command) => conn.pending.some((i) => i.t === command),
  /** The arguments of the last `command` still on its way, or null: a choice shows as made until the server answers. */
  sent: (command) => conn.pending.findLast((i) => i.t === command)?.args ?? null,
  render,
  secondsLeft: () => secondsLeft(mirror.state?.timer, conn.serverNow()),
  /** The server's clock now, in ms (this laptop's clock corrected by the measured offset). */
  serverNow: () => conn.serverNow(),
  /** A moment in server time (unix seconds) as a Date on this laptop's clock. */
  localTime: (serverSeconds) => new Date(serverSeconds * 1000 - conn.offset),
};

let conn;
const kept = new Kept(ctx);
const { currentTurn, showTitle, myTurnCame, phaseChanged, focusHeading } = attention(ctx, { view, kind, render, announce });

/** Open one of the kept summaries (on the ended page). */
function openSummary(summary) {
  ctx.ui.summary = summary;
  render();
  document.getElementById("summary")?.focus();
}

function announce(text) {
  announcer.textContent = "";
  setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

let shownStatus = null;

/**
 * The connection line is a live region: it is touched only when what it says changes, so
 * a screen reader says "Verbonden" once, not after every event in the room.
 */
function showStatus() {
  const state = conn ? conn.state : "connecting";
  const queued = conn && state !== "online" ? conn.queued : 0;
  const text = t(`connection.${state}`) + (queued ? ` · ${t("connection.queued", { count: queued })}` : "");
  if (text !== shownStatus) {
    shownStatus = text;
    statusLine.dataset.state = state;
    draw(statusLine, [h("span", { class: "dot", "aria-hidden": "true" }), text]);
  }
  if (ctx.me) {
    const me = document.getElementById("me");
    const who =
      ctx.me.role === "screen" ? t("screen.name") : t("connection.you", { name: ctx.me.name, role: t(`people.role_${ctx.me.role}`) });
    if (me.textContent !== who) me.textContent = who;
  }
}

function render() {
  showStatus();
  notice.textContent = ctx.ui.notice || "";
  notice.hidden = !ctx.ui.notice;
  if (ctx.ui.closed) return draw(view, closedView(ctx.ui.closed));
  if (!mirror.state && conn?.state === "waiting" && kind === "room") return draw(view, knockWaiting(conn.join?.name || ""));
  if (!mirror.state && conn?.state === "waiting") {
    return draw(view, h("section", { class: "card closed" }, h("h1", {}, t("screen.locked_title")), h("p", {}, t("screen.locked_text"))));
  }
  if (!mirror.state) {
    if (kind === "room" && !session.get(code, kind) && !pendingJoin.get(code)) return draw(view, joinHere());
    return draw(view, h("p", { class: "muted" }, t("connection.loading")));
  }
  if (ctx.ui.proof) {
    const close = () => {
      ctx.ui.proof = null;
      render();
    };
    return draw(view, proofPage(ctx.ui.proof, { code, onClose: close }));
  }
  if (ctx.ui.summary) {
    return draw(
      view,
      summaryPage(ctx.ui.summary, {
        code,
        phases: mirror.state.method.phases,
        onClose: () => {
          ctx.ui.summary = null;
          render();
        },
        onKept: summaryKept,
      }),
    );
  }
  const role = ctx.me.role;
  const body =
    role === "facilitator"
      ? facilitatorView(ctx)
      : role === "screen"
        ? screenView(ctx)
        : role === "observer"
          ? observerView(ctx)
          : participantView(ctx);
  draw(view, body);
  showTitle();
}

/** Printed or downloaded: the facilitators' end confirmation no longer names this person. */
function summaryKept() {
  if (!ctx.me || ctx.ui.closed || ctx.pending("summary_kept")) return;
  ctx.send("summary_kept", {}, { quiet: true });
}

function joinHere() {
  return h(
    "form",
    {
      class: "card stack",
      id: "join-here",
      onsubmit: (e) => {
        e.preventDefault();
        const name = e.target.elements["join-name"].value.trim();
        if (!name) return;
        const place = e.target.elements["join-place"].value || null; // not required
        pendingJoin.set(code, { name, place });
        conn.join = { name, place };
        conn.start();
        render();
      },
    },
    h("h1", {}, t("start.join_title")),
    h("p", {}, t("room.join_code", { code: ctx.prettyCode })),
    h(
      "div",
      { class: "field" },
      h("label", { for: "join-name" }, t("start.name")),
      h("input", { id: "join-name", name: "join-name", required: true, maxlength: limits.MAX_NAME, autocomplete: "nickname" }),
    ),
    h(
      "fieldset",
      { class: "field place-choice", "aria-describedby": "join-place-hint" },
      h("legend", {}, t("place.question")),
      h("p", { class: "hint", id: "join-place-hint" }, t("place.join_hint")),
      h(
        "div",
        { class: "row" },
        ["room", "online"].map((place) =>
          h(
            "span",
            { class: "check", key: place },
            h("input", { type: "radio", id: `join-place-${place}`, name: "join-place", value: place }),
            h("label", { for: `join-place-${place}` }, t(`place.${place}`)),
          ),
        ),
      ),
    ),
    h("button", { type: "submit", class: "primary" }, t("start.join")),
  );
}

/**
 * The room is gone for this page. When the facilitator ended the meeting, the people in it
 * get the final proof of participation with the close: shown here to print or download,
 * as nothing of the room can be asked any more (the projector shows none of it).
 */
const NEVER_IN = new Set(["unknown_room", "room_locked", "room_full", "bad_ticket", "invalid_field", "not_let_in"]);

function closedView({ reason }) {
  if (ctx.ui.summary) {
    const phases = mirror.state?.method.phases || [];
    const onClose = () => {
      ctx.ui.summary = null;
      render();
    };
    return summaryPage(ctx.ui.summary, { code, phases, onClose });
  }
  const text = t(`closed.${reason}`, { defaultValue: t("closed.other") });
  // someone (or a screen) that never got in is not told they are "no longer" in the room
  const proof = reason === "ended" && mirror.proof && ctx.me?.role !== "screen" && kind !== "screen" ? mirror.proof : null;
  return [
    h(
      "section",
      { class: "card closed", role: "status" },
      h("h1", {}, t(NEVER_IN.has(reason) ? "closed.title_not_in" : "closed.title")),
      h("p", {}, text),
      proof ? h("p", {}, t("proof.ended_text")) : null,
      h("p", {}, h("a", { href: "/" }, t("closed.home"))),
    ),
    reason === "ended" ? actionsBlock(ctx.actions) : null, // still: what will you do before next time?
    kept.offer(openSummary),
    proof ? proofPage(proof, { code }) : null,
  ];
}

function onWelcome(w) {
  ctx.me = w.you;
  mirror.me = w.you.id;
  pendingJoin.set(code, null);
  const before = mirror.state ? mirror.state.phase.index : null;
  try {
    if (w.snapshot) mirror.reset(w.snapshot, w.seq);
    for (const ev of w.events || []) mirror.apply(ev);
  } catch (err) {
    if (err instanceof GapError) return conn.resync();
    throw err;
  }
  conn.advance(mirror.seq);
  render();
  if (before === null) focusHeading();
  else if (before !== mirror.state.phase.index) phaseChanged();
  takeMyCard();
  kept.ask();
}

function onEvent(ev) {
  if (!mirror.state) return;
  const before = { phase: mirror.state.phase.index, speaker: currentTurn(), away: seesAway(ctx) };
  try {
    if (!mirror.apply(ev)) return;
  } catch (err) {
    if (err instanceof GapError) return conn.resync();
    throw err;
  }
  conn.advance(mirror.seq);
  if (mirror.ended) {
    if (mirror.summary) kept.take(mirror.summary); // the final one, as the room is erased
    if (leaveCircle(ctx)) return forgetRoom(code); // a circle closed: back to the group's room
    forgetRoom(code);
    ctx.ui.closed = { reason: "ended" };
    ctx.ui.proof = null; // a provisional proof gives way to the final one
    ctx.ui.summary = null; // the ended page first: it offers the summary kept in this page
    return render();
  }
  if (ev.t === "removed" && ev.participant === ctx.me.id) {
    forgetRoom(code);
    ctx.ui.closed = { reason: "removed" };
    return render();
  }
  render();
  if (before.phase !== mirror.state.phase.index) phaseChanged(ev.t === "phase" && ev.by === "timer");
  else if (before.speaker !== currentTurn() && currentTurn() === ctx.me.id) myTurnCame();
  if (!before.away && seesAway(ctx)) announce(awayTitle(ctx));
  if (ev.t === "knocked" && ev.knock) announce(t("knock.announce", { name: ev.knock.name })); // only a facilitator is told who
  takeMyCard();
  if (ev.t === "takeaway" || ev.t === "response") kept.stale();
  kept.ask();
}

/**
 * A private card on the table and none of mine yet: take it, as a person would pick one up.
 * Only once per phase on its own; if the server says no, the "take your card" button stays.
 */
function takeMyCard() {
  const s = mirror.state;
  if (!s || !ctx.me || ctx.ui.closed) return;
  const deal = currentDeal(s);
  if (!deal || deal.public || deal.revealed || deal.mine || !may(ctx, "perspective")) return;
  if (ctx.pending("draw_card") || ctx.ui.drawRefused === s.phase.id) return;
  ctx.send("draw_card");
  render();
}

function onAck(id, command, args, result, item) {
  mirror.onAck(command, args, result);
  if (command === "screen_ticket") screenTicketAnswered(id, result);
  if (item.meta?.form) {
    delete ctx.ui.refused[item.meta.form];
    // taken: the drafts go, unless the person has typed on since (that is a new text)
    for (const [field, sent] of Object.entries(item.meta.fields || {}))
      if (drafts.get(code, field).trim() === String(sent).trim()) drafts.set(code, field, "");
  }
  if (command === "proof" && result.proof) {
    ctx.ui.proof = result.proof;
    render();
    document.getElementById("proof")?.focus();
    return;
  }
  if (command === "summary" && result.summary) {
    kept.take(result);
    if (item.meta?.keep) {
      kept.asking = false;
      return render();
    }
    ctx.ui.summary = result.summary;
    render();
    document.getElementById("summary")?.focus();
    return;
  }
  render();
}

function onRefused(command, args, error, item) {
  if (item.meta?.keep) {
    kept.asking = false; // asked by the page itself: nothing to tell
    return;
  }
  if (item.meta?.quiet) return; // a fact the page told by itself: nothing to tell
  if (command === "screen_ticket") screenTicketAnswered(item.id, null);
  if (command === "draw_card" && mirror.state) ctx.ui.drawRefused = mirror.state.phase.id;
  // a take-over the server refused: its clock, not this laptop's, says when it may be
  const known =
    command === "claim_facilitator" && error.code === "not_allowed"
      ? t("away.refused")
      : command === "set_call_link" && ["invalid_field", "too_large"].includes(error.code)
        ? t("call.refused") // which links Kring shares, rather than "one of the fields"
        : t(`errors.${error.code}`, { defaultValue: "" });
  const detail = command === "set_method" && error.detail ? ` ${error.detail}` : ""; // which line and field
  const message = (known || (document.documentElement.lang === "nl" ? error.message_nl : error.message)) + detail;
  const formId = item.meta?.form;
  // next to the form, whose fields still hold what was typed; with the form gone, as a notice
  if (formId) ctx.ui.refused[formId] = { message, fields: Object.keys(item.meta.fields || {}) };
  const atForm = Boolean(formId && document.getElementById(formId));
  if (!atForm) ctx.ui.notice = message;
  render();
  if (atForm) announce(message);
}

function onState(state, detail) {
  // a reload while knocking asks again with the same knock, not a new one
  if (state === "waiting" && detail?.reason === "knocked") pendingJoin.set(code, detail.join);
  if (state === "closed" && ["ended", "gone", "unknown_room"].includes(detail?.reason) && leaveCircle(ctx)) return forgetRoom(code);
  if (state === "closed") {
    // nothing of a room this browser can no longer enter stays in it (token, drafts, outbox);
    // turned away: a reload may knock anew
    if (detail && ["ended", "gone", "removed", "bad_token", "unknown_room", "not_let_in"].includes(detail.reason)) forgetRoom(code);
    ctx.ui.closed = detail || { reason: "other" };
    ctx.ui.summary = null;
  }
  render();
}

/**
 * The clocks count down by themselves (see ui.js `ticking`); what changes the view is the
 * moment the take-over opens: then the button comes (the server still decides).
 */
function tick() {
  if (!mirror.state || ctx.ui.closed || !seesAway(ctx)) return;
  const open = claimLeft(ctx) <= 0;
  const banner = document.getElementById("away");
  if (banner && banner.dataset.open !== String(open)) {
    render();
    if (open) announce(t("away.open"));
  }
}

async function main() {
  await setup();
  ctx.actions = kind === "room" ? roomBook(code, render) : null; // before the room's end wipes its keys
  translateStatic(document);
  languageSwitch(render);
  const join = kind === "screen" ? { name: t("screen.name"), as: "screen", ticket: screenTicket } : pendingJoin.get(code);
  conn = new Connection({ code, kind, join, onWelcome, onEvent, onAck, onRefused, onState });
  window.kring = { conn, mirror }; // for the browser tests and the curious
  render();
  if (kind === "screen" || session.get(code, kind) || join) conn.start();
  setInterval(tick, 500);
}

main();
