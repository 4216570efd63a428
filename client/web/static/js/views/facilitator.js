// The facilitator's view: the script for this phase, moving the group along, the timer,
// who is there and who has confirmed, and the controls each round needs.

import { actionsBlock, terugblikPanel } from "../group/actions.js";
import { language, pick, t } from "../i18n.js";
import { signalsToggle } from "../signals.js";
import { session } from "../store.js";
import { h } from "../ui.js";
import { adviceList } from "./advice.js";
import { agenda, earlier } from "./agenda.js";
import { cardControls, earlierPerspectives } from "./cards.js";
import { callLinkForm } from "./call.js";
import { caseChoice, chosenCase } from "./cases.js";
import { evaluations, nextCase, proofBlock, worthBlock } from "./closing.js";
import { handsControls } from "./hands.js";
import { notesBlock } from "./notes.js";
import { placeButtons, placeControl } from "./places.js";
import { agreementWarning, confirmations } from "./opening.js";
import { knockRequests } from "./knocks.js";
import { hideButton, questionList } from "./questions.js";
import { button, confirmButton, phaseHeader, presenceList, titled, titledAs } from "./shared.js";
import { checklist } from "./coach.js";
import { circlesNow, splitPanel } from "./circles.js";
import { cardOf, currentDeal, currentSpeaker, groupOf, handsOf, handsOpen, nameOf } from "./state.js";
import { writtenText } from "./texts.js";
import { turnControls } from "./turns.js";

export function facilitatorView(ctx) {
  const s = ctx.state;
  const main = mainAction(ctx);
  ctx.ui.mainKey = main.key; // the parts below leave this action to the top
  return [
    knockRequests(ctx), // someone at the locked room's door: answer first
    agenda(ctx),
    earlier(ctx, s.phase.deck ? null : earlierPerspectives(ctx), s.phase.accepts.questions ? null : writtenText(ctx, "essence")),
    h(
      "div",
      { class: "fac-grid" },
      h(
        "div",
        { class: "fac-main" },
        circlesNow(ctx), // split into circles: the overview first
        phaseHeader(ctx),
        stepper(ctx, main),
        groupGlance(ctx),
        handsControls(ctx), // rounds without a fixed order: who wants to speak, and giving the floor
        script(ctx),
        checklist(ctx),
        ...phaseControls(ctx),
      ),
      h(
        "aside",
        { class: "fac-side", "aria-label": t("fac.side") },
        s.phase.accepts.confirm ? confirmations(ctx) : null,
        presenceList(ctx, { controls: (p) => personControls(ctx, p), marks: (p) => personMarks(ctx, p), extra: placeControl(ctx) }),
        callLinkForm(ctx),
        roomControls(ctx),
        splitPanel(ctx),
        signalsToggle(ctx),
      ),
    ),
  ];
}

/**
 * The one thing this round asks of the facilitator now, always there: close the vote, put
 * the cards on the table, reveal them, end the speaker's turn, move on, or in the last
 * round finish the session (which opens the end confirmation).
 */
function mainAction(ctx) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const deal = currentDeal(s);
  const speaker = s.phase.in_turn ? currentSpeaker(s) : null;
  const last = s.phase.index === s.method.phases.length - 1;
  if (a.cases && s.vote.open && s.cases.length) return { key: "close-vote", label: t("fac.close_vote"), run: () => ctx.send("close_vote") };
  if (s.phase.deck && !deal)
    return { key: "deal", label: t(s.phase.deal === "public" ? "fac.deal_public" : "fac.deal"), run: () => ctx.send("deal_cards") };
  if (deal && deal.hidden && !deal.revealed)
    return { key: "reveal", label: t("fac.reveal"), run: () => ctx.send("reveal"), disabled: !deal.written };
  if (speaker) return { key: "pass", label: t("fac.pass", { name: nameOf(s, speaker) }), run: () => ctx.send("pass_turn") };
  if (!last) {
    const next = s.method.phases[s.phase.index + 1];
    return { key: "next", label: t("fac.next", { name: pick(next.name) }), run: () => ctx.send("advance") };
  }
  return {
    key: "finish",
    label: t("cockpit.finish"),
    run: () => {
      ctx.ui.confirming = "end";
      ctx.render();
      const confirm = document.querySelector("[data-key=end]");
      confirm?.scrollIntoView({ block: "center" });
      confirm?.focus({ preventScroll: true });
    },
  };
}

/**
 * The group at a glance: how many are ready, have confirmed, have voted; with private cards
 * only how many took and wrote one (who holds which is nobody's to know, the facilitator's
 * included), per person in the marks otherwise.
 */
function groupGlance(ctx) {
  const s = ctx.state;
  if (s.phase.index === 0) return null;
  const group = s.participants.filter((p) => p.role === "participant");
  const parts = [t("cockpit.ready", { ready: s.ready_count, total: group.length })];
  if (s.phase.accepts.confirm) parts.push(t("confirm.count", { count: s.confirmed_count }));
  if (s.phase.accepts.cases && s.vote.open) parts.push(t("cockpit.votes", { cast: s.vote.cast, total: group.length }));
  const deal = currentDeal(s);
  if (deal && !deal.public) parts.push(t("cockpit.cards", { taken: deal.taken, written: deal.written, total: groupOf(s).length }));
  return h("p", { class: "group-glance" }, h("span", { class: "sr-only" }, `${t("cockpit.group")}: `), parts.join(" · "));
}

/** One compact mark with its text for a screen reader (and as a tooltip). */
function mark(kind, symbol, text) {
  return h("span", { class: `mark mark-${kind}`, role: "img", "aria-label": text, title: text, key: kind }, symbol);
}

/**
 * What the facilitator's snapshot says of one person in this round: confirmed, voted (never
 * for what), their turn (had, now, still to come), the card they hold and whether they
 * wrote from it (public cards only), evaluated, ready.
 */
function personMarks(ctx, p) {
  const s = ctx.state;
  if (p.role !== "participant") return null;
  const a = s.phase.accepts;
  const marks = [];
  if (a.confirm)
    marks.push(s.confirmed.includes(p.id) ? mark("confirmed", "✓", t("cockpit.confirmed")) : mark("unconfirmed", "○", t("cockpit.not_confirmed")));
  if (a.cases && (s.vote.open || s.voted.includes(p.id)))
    marks.push(s.voted.includes(p.id) ? mark("voted", "☑", t("cockpit.voted")) : mark("unvoted", "☐", t("cockpit.not_voted")));
  if (s.phase.in_turn) {
    const at = s.turns.order.indexOf(p.id);
    if (at >= 0) {
      if (at < s.turns.current) marks.push(mark("spoken", "✓", t("cockpit.spoken")));
      else if (at === s.turns.current) marks.push(mark("speaking", "▶", t("cockpit.speaking")));
      else marks.push(mark("waiting", "…", t("cockpit.waiting")));
    }
  }
  const deal = currentDeal(s);
  if (deal && deal.public && deal.holders[p.id]) {
    const card = cardOf(deal, deal.holders[p.id]);
    if (card) marks.push(mark("card", "▣", t("cockpit.holds", { card: pick(card.name) })));
    if (deal.perspectives.some((x) => x.holder === p.id)) marks.push(mark("written", "✎", t("cockpit.written")));
  }
  if (a.evaluation && groupOf(s).concat(s.participants.filter((x) => x.id === s.inbrenger)).some((x) => x.id === p.id)) {
    const done = s.evaluations.some((e) => e.participant === p.id);
    marks.push(done ? mark("evaluated", "✓", t("cockpit.evaluated")) : mark("unevaluated", "○", t("cockpit.not_evaluated")));
  }
  if (handsOpen(s) && handsOf(s).queue.some((q) => q.participant === p.id)) marks.push(mark("hand", "☝", t("hands.mark")));
  if (s.ready_ids.includes(p.id)) marks.push(mark("ready", "⚑", t("cockpit.is_ready")));
  return marks.length ? h("span", { class: "marks" }, marks) : null;
}

function stepper(ctx, main) {
  const s = ctx.state;
  const last = s.phase.index === s.method.phases.length - 1;
  const next = last ? null : s.method.phases[s.phase.index + 1];
  // who has not confirmed: "next" then leads to the warning's "move on anyway" (the server refuses a plain advance)
  const warning = agreementWarning(ctx);
  const advance = () => (warning ? toAnyway() : ctx.send("advance"));
  const timer = s.timer;
  return h(
    "section",
    { class: "controls", "aria-label": t("fac.controls") },
    h(
      "div",
      { class: "row main-action" },
      h(
        "button",
        { type: "button", class: "primary", key: main.key, "data-key": main.key, "data-main-action": "", onclick: main.key === "next" ? advance : main.run, disabled: main.disabled || false },
        main.label,
      ),
      next && main.key !== "next" ? button(t("fac.next", { name: pick(next.name) }), advance, { cls: "secondary", key: "next" }) : null,
      button(t("fac.back"), () => ctx.send("back"), { disabled: s.phase.index === 0, cls: "quiet", key: "back" }),
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
    a.questions ? writtenText(ctx, "essence") : null,
    s.phase.deck ? cardControls(ctx) : null,
    s.phase.id === "terugblik" ? terugblikPanel(ctx.actions) : null, // the facilitator's own, too
    a.notes ? notesBlock(ctx, { reveal: true }) : null,
    s.phase.in_turn && !s.phase.deck ? turnControls(ctx) : null,
    a.advice || a.response ? adviceList(ctx) : null,
    a.response ? writtenText(ctx, "response") : null,
    a.takeaway ? writtenText(ctx, "takeaway") : null,
    a.evaluation ? evaluations(ctx) : null,
    a.evaluation ? worthBlock(ctx) : null,
    a.evaluation ? actionsBlock(ctx.actions) : null,
    s.phase.index === s.method.phases.length - 1 ? [nextCase(ctx), proofBlock(ctx)] : null,
  ];
}

/** In the lobby the facilitator may still pick another method, or load their own file. */
function methodPicker(ctx) {
  const s = ctx.state;
  const m = s.method;
  const [low, high] = m.group_size;
  const meta = low === high ? t("start.method_meta_one", { n: low, minutes: m.minutes }) : t("start.method_meta", { low, high, minutes: m.minutes });
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
              h("option", { value: x.id, key: x.id }, `${pick(x.name)} (${x.minutes} min, ${groupSize(x)})`),
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

/** "3–8", or "3" where a method is for exactly so many. */
function groupSize(m) {
  const [low, high] = m.group_size;
  return low === high ? String(low) : `${low}–${high}`;
}

function lobbyHelp(ctx) {
  return titled(
    "invite",
    t("fac.invite"),
    h("p", { class: "code-inline" }, t("fac.code", { code: ctx.prettyCode })),
    // a group's meeting: its members come in with their own link, only guests need the code
    h("p", {}, Object.keys(ctx.state.rota || {}).length ? t("fac.invite_group", { url: location.origin }) : t("fac.invite_text", { url: location.origin })),
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
  if (p.id === ctx.me.id) return null;
  const place = placeButtons(ctx, p); // in the room or online: the facilitator puts it right
  if (p.role === "facilitator") return place.length ? personMenu(p, place) : null;
  const row = [];
  if (p.role === "participant" && p.id !== ctx.state.inbrenger) {
    row.push(
      button(t("fac.co_facilitator"), () => ctx.send("add_facilitator", { participant: p.id }), { cls: "quiet", key: "co-facilitator" }),
      button(t("fac.hand_over"), () => ctx.send("hand_over", { participant: p.id }), { cls: "quiet", key: "hand-over" }),
    );
  }
  row.push(
    ...place,
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
  return personMenu(p, row);
}

/** One menu per person, so five people do not fill a screen with buttons. */
function personMenu(p, row) {
  return h(
    "details",
    { class: "person-menu", key: "menu" },
    h("summary", {}, t("cockpit.menu"), h("span", { class: "sr-only" }, ` — ${p.name}`)),
    h("div", { class: "row person-actions", role: "group", "aria-label": t("fac.actions_for", { name: p.name }) }, row),
  );
}

/**
 * In the end confirmation: whose summary is not yet saved (printed or downloaded), by name,
 * so the facilitator can ask before everything is erased. The server tells facilitators
 * only that fact, never the summary.
 */
function unsavedSummaries(ctx) {
  const s = ctx.state;
  const names = s.summaries_unsaved.filter((pid) => s.participants.some((p) => p.id === pid)).map((pid) => nameOf(s, pid));
  if (!names.length) return null;
  const list = new Intl.ListFormat(language(), { type: "conjunction" }).format(names);
  return h("strong", { class: "unsaved-summaries", "data-unsaved": s.summaries_unsaved.join(" ") }, " ", t("fac.end_unsaved", { names: list, count: names.length }));
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
      ending ? h("p", { class: "warning", id: "end-warning" }, t("fac.end_warning"), unsavedSummaries(ctx)) : null,
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
