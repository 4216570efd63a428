// The facilitator's view: the script for this phase, moving the group along, the timer,
// who is there and who has confirmed, and the controls each round needs.

import { pick, t } from "../i18n.js";
import { session } from "../store.js";
import { h } from "../ui.js";
import { adviceList } from "./advice.js";
import { cardControls, earlierPerspectives } from "./cards.js";
import { caseChoice, chosenCase } from "./cases.js";
import { evaluations, nextCase, proofBlock } from "./closing.js";
import { notesBlock } from "./notes.js";
import { agreementWarning, confirmations } from "./opening.js";
import { hideButton, questionList } from "./questions.js";
import { button, confirmButton, phaseHeader, presenceList, titled, titledAs } from "./shared.js";
import { writtenText } from "./texts.js";
import { turnControls } from "./turns.js";

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
  // who has not confirmed: "next" then leads to the warning's "move on anyway" (the server refuses a plain advance)
  const warning = agreementWarning(ctx);
  const timer = s.timer;
  return h(
    "section",
    { class: "controls", "aria-label": t("fac.controls") },
    h(
      "div",
      { class: "row" },
      button(t("fac.back"), () => ctx.send("back"), { disabled: s.phase.index === 0, cls: "secondary", key: "back" }),
      next ? button(t("fac.next", { name: pick(next.name) }), () => (warning ? toAnyway() : ctx.send("advance")), { cls: "primary", key: "next" }) : null,
    ),
    next ? warning : null,
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

/** "Next" while someone has not confirmed: to the warning's "move on anyway", to choose there. */
function toAnyway() {
  document.querySelector("#agreement-warning [data-key=anyway]")?.focus();
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
  return titled(
    "script",
    t("fac.script"),
    h("p", {}, text),
  );
}

/** The parts of this phase, each in its own place (null where the phase has none). */
function phaseControls(ctx) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const lobby = s.phase.index === 0;
  return [
    lobby ? lobbyHelp(ctx) : null,
    lobby ? methodPicker(ctx) : null,
    a.cases ? caseChoice(ctx) : null,
    s.chosen_case && !lobby ? chosenCase(ctx) : null,
    a.questions ? questionList(ctx, { actions: (q) => hideButton(ctx, q) }) : null,
    writtenText(ctx, "essence"),
    s.phase.deck ? cardControls(ctx) : earlierPerspectives(ctx),
    a.notes ? notesBlock(ctx, { reveal: true }) : null,
    s.phase.in_turn && !s.phase.deck ? turnControls(ctx) : null,
    a.advice || a.response ? adviceList(ctx) : null,
    a.response ? writtenText(ctx, "response") : null,
    a.takeaway ? writtenText(ctx, "takeaway") : null,
    a.evaluation ? evaluations(ctx) : null,
    s.phase.index === s.method.phases.length - 1 ? [nextCase(ctx), proofBlock(ctx)] : null,
  ];
}

/** In the lobby the facilitator may still pick another method, or load their own file. */
function methodPicker(ctx) {
  const s = ctx.state;
  const m = s.method;
  const meta = t("start.method_meta", { low: m.group_size[0], high: m.group_size[1], minutes: m.minutes });
  const choices = ctx.methods.filter((x) => x.id !== m.id);
  return titledAs(
    "method-picker",
    "method",
    [t("fac.method"), ": ", pick(m.name)],
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
              h("option", { value: x.id, key: x.id }, `${pick(x.name)} (${x.minutes} min, ${x.group_size[0]}–${x.group_size[1]})`),
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

function lobbyHelp(ctx) {
  return titled(
    "invite",
    t("fac.invite"),
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
  return h("a", { href, target: "_blank", rel: "noopener", class: cls, key: "open-screen", "data-key": "open-screen", onclick: open }, t("fac.open_screen"));
}

/** The server's answer to `screen_ticket` (command `id`): the waiting tab goes to the screen. */
export function screenTicketAnswered(id, result) {
  const waiting = screenTabs.get(id);
  screenTabs.delete(id);
  if (!waiting || waiting.tab.closed) return;
  if (result) waiting.tab.location.replace(`${waiting.href}#ticket=${encodeURIComponent(result.ticket)}`);
  else waiting.tab.close(); // refused: the reason shows here
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
  return titledAs(
    "room-controls",
    "room",
    t("fac.room"),
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
