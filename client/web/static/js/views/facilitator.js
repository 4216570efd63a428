// The facilitator's view: the script for this phase, moving the group along, the timer,
// who is there and who has confirmed, and the controls each round needs.

import { h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { session } from "../store.js";
import {
  adviceList,
  button,
  caseBlock,
  confirmButton,
  currentDeal,
  currentSpeaker,
  essenceBlock,
  nameOf,
  phaseHeader,
  proofBlock,
  presenceList,
  questionList,
  textBlock,
  turnList,
} from "./shared.js";
import { notesBlock, notesHere } from "./notes.js";
import { dealProgress, dealTable, earlierPerspectives, groupOf, perspectivesNow } from "./cards.js";

export function facilitatorView(ctx) {
  const s = ctx.state;
  return h(
    "div",
    { class: "fac-grid" },
    h("div", { class: "fac-main" }, phaseHeader(ctx), stepper(ctx), script(ctx), ...phaseControls(ctx)),
    h(
      "aside",
      { class: "fac-side", "aria-label": t("fac.side") },
      s.phase.accepts.confirm ? confirmations(ctx) : null,
      presenceList(ctx, { controls: (p) => personControls(ctx, p) }),
      roomControls(ctx),
    ),
  );
}

function stepper(ctx) {
  const s = ctx.state;
  const last = s.phase.index === s.method.phases.length - 1;
  const next = last ? null : s.method.phases[s.phase.index + 1];
  const timer = s.timer;
  return h(
    "section",
    { class: "controls", "aria-label": t("fac.controls") },
    h(
      "div",
      { class: "row" },
      button(t("fac.back"), () => ctx.send("back"), { disabled: s.phase.index === 0, cls: "secondary", key: "back" }),
      next ? button(t("fac.next", { name: pick(next.name) }), () => ctx.send("advance"), { cls: "primary", key: "next" }) : null,
    ),
    timer
      ? h(
          "div",
          { class: "row", role: "group", "aria-label": t("timer.controls") },
          timer.running
            ? button(t("timer.pause"), () => ctx.send("timer", { action: "pause" }), { cls: "secondary", key: "timer-toggle" })
            : button(t("timer.start"), () => ctx.send("timer", { action: "start" }), { cls: "secondary", key: "timer-toggle" }),
          button(t("timer.plus_minute"), () => ctx.send("timer", { action: "extend", seconds: 60 }), { cls: "secondary", key: "timer-extend" }),
        )
      : null,
    timer ? autoAdvance(ctx) : null,
  );
}

/** Whether a running timer that runs out moves everyone on to the next round by itself. */
function autoAdvance(ctx) {
  return h(
    "div",
    { class: "field check" },
    h("input", {
      type: "checkbox",
      id: "auto-advance",
      checked: ctx.state.auto_advance,
      onchange: (e) => ctx.send("auto_advance", { on: e.target.checked }),
    }),
    h("label", { for: "auto-advance" }, t("timer.auto_advance")),
  );
}

function script(ctx) {
  const text = pick(ctx.state.phase.script);
  if (!text) return null;
  return h(
    "section",
    { class: "script", "aria-labelledby": "script-title" },
    h("h2", { id: "script-title" }, t("fac.script")),
    h("p", {}, text),
  );
}

function phaseControls(ctx) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const out = [];
  if (s.phase.index === 0) out.push(lobbyHelp(ctx), methodPicker(ctx));
  if (a.cases) out.push(caseChoice(ctx));
  if (s.chosen_case && s.phase.index > 0) out.push(caseBlock(ctx));
  if (a.questions || s.questions.length) {
    if (a.questions) out.push(questionList(ctx, { actions: (q) => hideButton(ctx, q) }));
  }
  out.push(essenceBlock(ctx));
  if (s.phase.deck) out.push(cardControls(ctx));
  else out.push(earlierPerspectives(ctx));
  if (a.notes) out.push(notesBlock(ctx, { reveal: true }));
  if (s.phase.in_turn && !s.phase.deck) out.push(turnControls(ctx));
  if (a.advice || a.response) out.push(adviceList(ctx));
  if (a.response) out.push(textBlock(t("response.title"), s.response));
  if (a.takeaway) out.push(textBlock(t("takeaway.title"), s.takeaway));
  if (a.evaluation) out.push(evaluations(ctx));
  if (s.phase.index === s.method.phases.length - 1) out.push(nextCase(ctx), proofBlock(ctx));
  return out;
}

/** In the lobby the facilitator may still pick another method, or load their own file. */
function methodPicker(ctx) {
  const s = ctx.state;
  const m = s.method;
  const meta = t("start.method_meta", { low: m.group_size[0], high: m.group_size[1], minutes: m.minutes });
  const choices = ctx.methods.filter((x) => x.id !== m.id);
  return h(
    "section",
    { class: "method-picker", "aria-labelledby": "method-title" },
    h("h2", { id: "method-title" }, t("fac.method"), ": ", pick(m.name)),
    h("p", {}, pick(m.purpose)),
    h("p", { class: "hint" }, m.needs_familiarity ? `${meta}. ${t("start.familiarity")}` : meta),
    choices.length
      ? h(
          "form",
          {
            class: "row",
            id: "method-form",
            onsubmit: (e) => {
              e.preventDefault();
              ctx.send("set_method", { method: e.target.elements["method-choice"].value });
            },
          },
          h("label", { for: "method-choice", class: "sr-only" }, t("fac.method_change")),
          h(
            "select",
            { id: "method-choice", name: "method-choice" },
            choices.map((x) =>
              h("option", { value: x.id }, `${pick(x.name)} (${x.minutes} min, ${x.group_size[0]}–${x.group_size[1]})`),
            ),
          ),
          h("button", { type: "submit", class: "secondary" }, t("fac.method_choose")),
        )
      : null,
    h(
      "div",
      { class: "field" },
      h("label", { for: "method-upload" }, t("fac.method_file")),
      h("input", {
        type: "file",
        id: "method-upload",
        accept: ".toml,text/plain",
        onchange: async (e) => {
          const file = e.target.files[0];
          if (file) ctx.send("set_method", { method_toml: await file.text() });
          e.target.value = "";
        },
      }),
    ),
  );
}

/** Close this case (its content goes; the inbrenger keeps their summary) and choose the next. */
function nextCase(ctx) {
  const s = ctx.state;
  if (!s.inbrenger) return null;
  const sure = ctx.ui.confirming === "next_case";
  const step = confirmButton(ctx, "next_case", {
    label: t("fac.next_case"),
    cls: "secondary",
    key: "next-case",
    confirmLabel: t("fac.next_case_confirm"),
    confirmCls: "primary",
    describedby: "next-case-hint",
    cancelKey: "next-case-cancel",
    onConfirm: () => {
      ctx.ui.confirming = null;
      ctx.send("next_case");
    },
  });
  return h(
    "section",
    { class: "next-case", "aria-labelledby": "next-case-title" },
    h("h2", { id: "next-case-title" }, t("fac.next_case_title")),
    h("p", { class: "hint", id: "next-case-hint" }, t("fac.next_case_hint")),
    sure ? h("div", { class: "row" }, step) : step,
  );
}

function lobbyHelp(ctx) {
  const s = ctx.state;
  return h(
    "section",
    { class: "invite", "aria-labelledby": "invite-title" },
    h("h2", { id: "invite-title" }, t("fac.invite")),
    h("p", { class: "code-inline" }, t("fac.code", { code: ctx.prettyCode })),
    h("p", {}, t("fac.invite_text", { url: location.origin })),
    h("p", { class: "hint" }, t("fac.screen_hint")),
    h("p", {}, screenLink(ctx, "button-link")),
  );
}

/** Tabs opened for a projector screen, by the id of the `screen_ticket` command they wait for. */
const screenTabs = new Map();

/**
 * Opens the projector view in a new tab. The tab gets a one-time screen ticket from the
 * server, so the screen comes in even when the room is locked, and the room stays locked
 * for everyone else. The ticket travels in the URL fragment, which no browser sends to a
 * server; the screen page takes it out of the address bar at once.
 */
function screenLink(ctx, cls) {
  const href = `/room/${ctx.state.code}/screen`;
  const open = (e) => {
    if (session.get(ctx.code, "screen")) return; // a screen of this browser comes back with its token
    const tab = window.open("", "_blank");
    if (!tab) return; // no new window allowed: the plain link opens, and knocks until the room opens
    e.preventDefault();
    tab.opener = null; // the screen's tab gets no hold on this one
    screenTabs.set(ctx.send("screen_ticket"), { tab, href });
  };
  return h("a", { href, target: "_blank", rel: "noopener", class: cls, key: "open-screen", onclick: open }, t("fac.open_screen"));
}

/** The server's answer to `screen_ticket` (command `id`): the waiting tab goes to the screen. */
export function screenTicketAnswered(id, result) {
  const waiting = screenTabs.get(id);
  screenTabs.delete(id);
  if (!waiting || waiting.tab.closed) return;
  if (result) waiting.tab.location.replace(`${waiting.href}#ticket=${encodeURIComponent(result.ticket)}`);
  else waiting.tab.close(); // refused: the reason shows here
}

function caseChoice(ctx) {
  const s = ctx.state;
  const items = s.cases.map((c) =>
    h(
      "li",
      { class: `case-item${c.id === s.chosen_case ? " chosen" : ""}`, "data-case": c.id },
      h("p", { class: "case-name" }, c.title),
      h("p", { class: "case-question" }, c.question),
      h(
        "p",
        { class: "muted" },
        [
          t("cases.by", { name: nameOf(s, c.proposer) }),
          s.vote.tally ? t("cases.votes", { count: s.vote.tally[c.id] ?? 0 }) : null,
          c.id === s.chosen_case ? t("cases.chosen") : null,
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      c.id === s.chosen_case ? null : button(t("fac.choose"), () => ctx.send("choose_case", { case: c.id }), { cls: "secondary", key: "choose" }),
    ),
  );
  return h(
    "section",
    { class: "cases", "aria-labelledby": "cases-title" },
    h("h2", { id: "cases-title" }, t("cases.title")),
    items.length ? h("ol", { class: "case-list" }, items) : h("p", { class: "muted" }, t("cases.none")),
    h(
      "p",
      { class: "muted" },
      s.vote.open ? t("cases.cast", { count: s.vote.cast }) : t("cases.vote_closed"),
    ),
    s.vote.open && s.cases.length ? button(t("fac.close_vote"), () => ctx.send("close_vote"), { cls: "secondary", key: "close-vote" }) : null,
    s.chosen_case && !s.case_text ? h("p", { class: "muted" }, t("fac.waiting_share", { name: nameOf(s, s.inbrenger) })) : null,
  );
}

function hideButton(ctx, q) {
  return h(
    "div",
    { class: "row" },
    button(q.hidden ? t("fac.unhide") : t("fac.hide"), () => ctx.send("hide_question", { question: q.id, hidden: !q.hidden }), {
      cls: "quiet",
      pressed: q.hidden,
      key: "hide",
    }),
  );
}

/**
 * The role cards of this phase. Private: put them on the table (each member of the group
 * takes their own), follow the counts, reveal all at once. Public: deal them (again for
 * whoever came late), see who holds which, lead the turns.
 */
function cardControls(ctx) {
  const s = ctx.state;
  const deal = currentDeal(s);
  const publicCards = s.phase.deal === "public";
  const newcomers = deal && deal.public ? groupOf(s).filter((p) => !(p.id in deal.holders)) : [];
  const dealButton = !deal
    ? button(t(publicCards ? "fac.deal_public" : "fac.deal"), () => ctx.send("deal_cards"), { cls: "primary", key: "deal" })
    : newcomers.length && !deal.revealed
      ? button(t("fac.deal_more", { names: newcomers.map((p) => p.name).join(", ") }), () => ctx.send("deal_cards"), {
          cls: "secondary",
          key: "deal",
        })
      : null;
  const revealButton =
    deal && deal.hidden && !deal.revealed
      ? button(t("fac.reveal"), () => ctx.send("reveal"), { cls: "primary", disabled: !deal.written, key: "reveal" })
      : null;
  return [
    h(
      "section",
      { class: "cards", "aria-labelledby": "cards-title" },
      h("h2", { id: "cards-title" }, t("fac.cards")),
      deal ? dealProgress(ctx, deal) : h("p", { class: "hint" }, t(publicCards ? "fac.deal_public_hint" : "fac.deal_hint")),
      dealButton || revealButton ? h("div", { class: "row" }, dealButton, revealButton) : null,
    ),
    deal && deal.public ? dealTable(ctx, deal) : null,
    s.phase.in_turn ? turnControls(ctx) : null,
    perspectivesNow(ctx, deal),
    deal && deal.public && notesHere(s).length ? notesBlock(ctx) : null,
  ];
}

function turnControls(ctx) {
  const speaker = currentSpeaker(ctx.state);
  return [
    turnList(ctx),
    speaker
      ? button(t("fac.pass", { name: nameOf(ctx.state, speaker) }), () => ctx.send("pass_turn"), { cls: "secondary", key: "pass" })
      : null,
  ];
}

function evaluations(ctx) {
  const s = ctx.state;
  return h(
    "section",
    { class: "evaluations", "aria-labelledby": "evaluations-title" },
    h("h2", { id: "evaluations-title" }, t("fac.evaluations", { count: s.evaluations_count })),
    h(
      "ul",
      {},
      s.evaluations.map((e) => h("li", {}, `${nameOf(s, e.participant)}: ${e.score}/5`, e.line ? ` — ${e.line}` : "")),
    ),
    h("p", { class: "muted" }, t("ready.count", { count: s.ready_count })),
  );
}

function confirmations(ctx) {
  const s = ctx.state;
  const missing = s.participants.filter((p) => p.role === "participant" && !s.confirmed.includes(p.id));
  return h(
    "section",
    { class: "confirmations", "aria-labelledby": "confirmations-title" },
    h("h2", { id: "confirmations-title" }, t("fac.confirmations", { count: s.confirmed_count })),
    missing.length
      ? h("p", {}, t("fac.not_confirmed", { names: missing.map((p) => p.name).join(", ") }))
      : h("p", { class: "done" }, t("fac.all_confirmed")),
  );
}

function personControls(ctx, p) {
  if (p.id === ctx.me.id || p.role === "facilitator") return null;
  const row = [];
  if (p.role === "participant" && p.id !== ctx.state.inbrenger) {
    row.push(
      button(t("fac.co_facilitator"), () => ctx.send("add_facilitator", { participant: p.id }), { cls: "quiet", key: "co-facilitator" }),
      button(t("fac.hand_over"), () => ctx.send("hand_over", { participant: p.id }), { cls: "quiet", key: "hand-over" }),
    );
  }
  row.push(
    confirmButton(ctx, `remove:${p.id}`, {
      label: t("fac.remove"),
      cls: "quiet",
      key: "remove",
      confirmLabel: t("fac.remove_confirm", { name: p.name }),
      confirmCls: "danger",
      onConfirm: () => {
        ctx.ui.confirming = null;
        ctx.send("remove", { participant: p.id });
      },
    }),
  );
  return h("div", { class: "row person-actions", role: "group", "aria-label": t("fac.actions_for", { name: p.name }) }, row);
}

function roomControls(ctx) {
  const s = ctx.state;
  const ending = ctx.ui.confirming === "end";
  return h(
    "section",
    { class: "room-controls", "aria-labelledby": "room-title" },
    h("h2", { id: "room-title" }, t("fac.room")),
    h(
      "div",
      { class: "row" },
      button(s.locked ? t("fac.unlock") : t("fac.lock"), () => ctx.send("lock", { locked: !s.locked }), {
        pressed: s.locked,
        cls: "secondary",
        key: "lock",
      }),
      screenLink(ctx, "button-link secondary"),
    ),
    s.locked ? h("p", { class: "hint" }, t("fac.locked_hint")) : null,
    h(
      "div",
      { class: "row" },
      ending ? h("p", { class: "warning", id: "end-warning" }, t("fac.end_warning")) : null,
      confirmButton(ctx, "end", {
        label: t("fac.end"),
        cls: "quiet danger-text",
        key: "end",
        confirmLabel: t("fac.end_confirm"),
        confirmCls: "danger",
        describedby: "end-warning",
        cancelKey: "end-cancel",
        onConfirm: () => ctx.send("end"),
      }),
    ),
  );
}
