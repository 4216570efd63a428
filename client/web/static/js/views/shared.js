// Pieces every view uses: the phase header with the timer, the people in the room,
// questions, perspectives and turns. They take the room state and return DOM.

import { h } from "../dom.js";
import { pick, t } from "../i18n.js";
import { clock } from "../timer.js";

export function names(s) {
  return Object.fromEntries(s.participants.map((p) => [p.id, p.name]));
}

export function nameOf(s, pid) {
  return names(s)[pid] ?? t("common.someone");
}

/** Phase name, step x of n, instruction and the shared timer. */
export function phaseHeader(ctx, { big = false } = {}) {
  const s = ctx.state;
  const phase = s.phase;
  const total = s.method.phases.length;
  return h(
    "section",
    { class: big ? "phase phase-big" : "phase", "aria-labelledby": "phase-name" },
    h(
      "p",
      { class: "phase-step" },
      t("phase.step", { n: phase.index + 1, total, method: pick(s.method.name) }),
    ),
    h("h1", { id: "phase-name", tabindex: "-1" }, pick(phase.name)),
    h("p", { class: "instruction" }, pick(phase.instruction)),
    timerBlock(ctx),
  );
}

export function timerBlock(ctx) {
  const timer = ctx.state.timer;
  if (!timer) return null;
  const left = ctx.secondsLeft();
  const over = left !== null && left < 0;
  return h(
    "div",
    { class: `timer${over ? " overrun" : ""}${timer.running ? " running" : ""}`, role: "timer", "aria-live": "off" },
    h("span", { class: "timer-label" }, t(over ? "timer.overrun" : timer.running ? "timer.left" : "timer.paused")),
    h("span", { class: "timer-value", "data-timer": "" }, clock(left)),
  );
}

/** Who is in the room, and apart from them the projector screen(s): the count is of people. */
export function presenceList(ctx, { controls = null } = {}) {
  const s = ctx.state;
  const item = (p) =>
    h(
      "li",
      { class: `person ${p.online ? "online" : "offline"}`, "data-person": p.id },
      h("span", { class: "dot", "aria-hidden": "true" }),
      h("span", { class: "person-name" }, p.name),
      h(
        "span",
        { class: "person-meta" },
        [
          p.id === ctx.me.id ? t("people.you") : null,
          p.role === "facilitator" ? t("people.facilitator") : null,
          p.id === s.inbrenger ? t("people.inbrenger") : null,
          p.online ? t("people.online") : t("people.offline"),
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      controls ? controls(p) : null,
    );
  const people = s.participants.filter((p) => p.role !== "screen");
  const screens = s.participants.filter((p) => p.role === "screen");
  return h(
    "section",
    { class: "people", "aria-labelledby": "people-title" },
    h("h2", { id: "people-title" }, t("people.title", { count: people.length })),
    h("ul", { class: "people-list" }, people.map(item)),
    screens.length
      ? [h("h3", { id: "screens-title", class: "screens-title" }, t("people.screens")), h("ul", { class: "people-list screens", "aria-labelledby": "screens-title" }, screens.map(item))]
      : null,
  );
}

export function caseBlock(ctx) {
  const s = ctx.state;
  const chosen = s.cases.find((c) => c.id === s.chosen_case);
  if (!chosen) return null;
  return h(
    "section",
    { class: "case", "aria-labelledby": "case-title" },
    h("h2", { id: "case-title" }, t("case.title", { name: nameOf(s, s.inbrenger) })),
    h("p", { class: "case-name" }, chosen.title),
    h("p", { class: "case-question" }, h("strong", {}, t("case.question")), " ", chosen.question),
    s.case_text
      ? [
          h("p", { class: "case-text" }, s.case_text),
          s.people.length
            ? h("p", { class: "case-people" }, h("strong", {}, t("case.people")), " ", s.people.join(", "))
            : null,
        ]
      : h("p", { class: "muted" }, t("case.not_shared")),
  );
}

export function questionList(ctx, { actions = null, showAuthors = true, title = true } = {}) {
  const s = ctx.state;
  const own = new Set(s.own_questions);
  if (!s.questions.length) return h("p", { class: "muted empty" }, t("questions.none"));
  const items = s.questions.map((q) =>
    h(
      "li",
      { class: `question${own.has(q.id) ? " own" : ""}${q.hidden ? " hidden-q" : ""}`, "data-question": q.id },
      h("p", { class: "question-text" }, q.text),
      h(
        "p",
        { class: "question-meta" },
        [
          own.has(q.id) ? t("questions.yours") : null,
          showAuthors && q.author && !own.has(q.id) ? nameOf(s, q.author) : null,
          showAuthors && !q.author && !own.has(q.id) ? t("questions.anonymous") : null,
          q.upvotes ? t("questions.upvotes", { count: q.upvotes }) : null,
          q.answered ? t("questions.answered") : null,
          q.rating ? t(`questions.rating_${q.rating}`) : null,
          q.hidden ? t("questions.hidden") : null,
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      actions ? actions(q, own.has(q.id)) : null,
    ),
  );
  return h(
    "section",
    { class: "questions", "aria-labelledby": title ? "questions-title" : null },
    title ? h("h2", { id: "questions-title" }, t("questions.title", { count: s.questions.length })) : null,
    h("ol", { class: "question-list" }, items),
  );
}

export function essenceBlock(ctx) {
  const s = ctx.state;
  if (!s.essence) return null;
  return h("section", { class: "essence" }, h("h2", {}, t("essence.title")), h("p", {}, s.essence));
}

export function currentSpeaker(s) {
  const { order, current } = s.turns;
  return current < order.length ? order[current] : null;
}

export function turnsDone(s) {
  return s.turns.current >= s.turns.order.length;
}

/**
 * Whether the inbrenger may react now (rate, mark answered): where they speak, or where
 * the phase takes their response and every turn is done (the server checks the same).
 */
export function inbrengerMaySpeak(s) {
  const p = s.phase;
  if ((p.inbrenger ?? "speaks") === "speaks") return true;
  return Boolean(p.accepts.response) && !(p.in_turn && !turnsDone(s));
}

/** The deal of the phase the room is in, if its cards are on the table. */
export function currentDeal(s) {
  return s.phase.deck ? (s.deals[s.phase.id] ?? null) : null;
}

export function cardOf(deal, id) {
  return deal.cards.find((c) => c.id === id) ?? null;
}

/** With public cards, the card someone speaks from ("Witte hoed"), else null. */
function speakingCard(s, pid) {
  const deal = currentDeal(s);
  if (!deal || !deal.public || !deal.holders[pid]) return null;
  const card = cardOf(deal, deal.holders[pid]);
  return card ? pick(card.name) : null;
}

export function turnList(ctx) {
  const s = ctx.state;
  const { order, current } = s.turns;
  if (!order.length) return null;
  return h(
    "section",
    { class: "turns", "aria-labelledby": "turns-title" },
    h("h2", { id: "turns-title" }, t("turns.title")),
    h(
      "ol",
      { class: "turn-list" },
      order.map((pid, i) => {
        const card = speakingCard(s, pid);
        return h(
          "li",
          {
            class: `${i < current ? "done" : i === current ? "current" : "later"}${pid === ctx.me.id ? " me" : ""}`,
            "aria-current": i === current ? "step" : null,
          },
          nameOf(s, pid),
          card ? h("span", { class: "turn-card" }, ` (${card})`) : null,
          i === current ? ` — ${t("turns.now")}` : i < current ? ` — ${t("turns.done")}` : null,
        );
      }),
    ),
    current >= order.length ? h("p", { class: "muted" }, t("turns.all_done")) : null,
  );
}

/**
 * The current speaker's part of an in-turn phase: what they give now, and passing the
 * turn on when they are done.
 */
export function myTurnSection(ctx, ...content) {
  return h(
    "section",
    { class: "my-turn", "aria-labelledby": "my-turn-title" },
    h("h2", { id: "my-turn-title" }, t("turns.yours")),
    content,
    button(t("turns.pass"), () => ctx.send("pass_turn"), { cls: "secondary", key: "pass" }),
  );
}

/** Who speaks now, for everyone but the speaker. */
export function speakerLine(ctx) {
  const pid = currentSpeaker(ctx.state);
  if (!pid || pid === ctx.me.id) return null;
  return h("p", { class: "speaker" }, t("turns.speaking", { name: nameOf(ctx.state, pid) }));
}

export function adviceList(ctx) {
  const s = ctx.state;
  if (!s.advice.length) return null;
  return h(
    "section",
    { class: "advice", "aria-labelledby": "advice-title" },
    h("h2", { id: "advice-title" }, t("advice.title")),
    h(
      "ul",
      { class: "advice-list" },
      // anonymous advice has no author: no name, not even "someone"
      s.advice.map((a) => h("li", { "data-advice": a.id }, a.author ? [h("strong", {}, nameOf(s, a.author)), ": "] : null, a.text, rating(ctx, a))),
    ),
  );
}

/**
 * The inbrenger weighs advice koud / lauw / warm (socratische methode); all see the mark.
 * Not while the method has the inbrenger listen or step out: then they only listen, until
 * they may respond.
 */
function rating(ctx, item) {
  const s = ctx.state;
  const mark = ratingMark(item);
  const rates = ctx.me.id === s.inbrenger && inbrengerMaySpeak(s) && (s.phase.accepts.advice || s.phase.accepts.response);
  if (!rates) return mark;
  return h(
    "span",
    { class: "row rating", role: "group", "aria-label": t("questions.actions") },
    ["warm", "lauw", "koud"].map((r) =>
      button(t(`questions.rate_${r}`), () => ctx.send("rate_advice", { advice: item.id, rating: item.rating === r ? null : r }), {
        pressed: item.rating === r,
        cls: `quiet rate rate-${r}`,
        key: `rate-${r}`,
      }),
    ),
  );
}

/** " (warm)": how the inbrenger weighed a question or advice, or "" if not (yet). */
export function ratingMark(item) {
  return item.rating ? ` (${t(`questions.rating_${item.rating}`)})` : "";
}

/** Being named on the proof of participation is each person's own choice. */
export function proofBlock(ctx) {
  const s = ctx.state;
  if (ctx.me.role === "screen") return null;
  const listed = s.listed.includes(ctx.me.id);
  return h(
    "section",
    { class: "proof-block", "aria-labelledby": "proof-block-title" },
    h("h2", { id: "proof-block-title" }, t("proof.title")),
    h("p", { class: "hint" }, t("proof.explain")),
    h(
      "div",
      { class: "row" },
      button(listed ? t("proof.unlist") : t("proof.list"), () => ctx.send("list_me", { listed: !listed }), {
        pressed: listed,
        cls: "secondary",
        key: "list-me",
      }),
      button(t("proof.open"), () => ctx.send("proof"), { cls: "quiet", key: "proof" }),
    ),
  );
}

export function textBlock(title, text) {
  if (!text) return null;
  return h("section", { class: "text-block" }, h("h2", {}, title), h("p", {}, text));
}

/**
 * A labelled text field whose text is kept as a draft (in this browser) until the server
 * has taken what was sent from it; a refusal leaves it as it was typed.
 */
export function field(ctx, { id, label, long = false, max, hint = null, value = null, required = true }) {
  const refused = ctx.refusedIn(id); // the form whose refusal is about this field
  const described = [hint ? `${id}-hint` : null, refused ? `${refused}-error` : null].filter(Boolean).join(" ");
  const attrs = {
    id,
    name: id,
    maxlength: max,
    required,
    value: value ?? ctx.draft(id),
    oninput: (e) => ctx.saveDraft(id, e.target.value),
    "aria-describedby": described || null,
    "aria-invalid": refused ? "true" : null,
    dataset: { draft: "" },
  };
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    long ? h("textarea", { ...attrs, rows: 4 }) : h("input", { ...attrs, type: "text", autocomplete: "off" }),
  );
}

/**
 * Under a form: why the server refused what it sent (the text stays in the fields), or
 * that it waits to be sent while the connection is away. Not a live region itself: the
 * page announces a refusal once, and a redraw must not announce it again.
 */
export function formStatus(ctx, formId) {
  const refused = ctx.ui.refused[formId];
  if (refused) return h("p", { class: "error form-error", id: `${formId}-error` }, refused.message);
  if (ctx.formWaiting(formId)) return h("p", { class: "hint form-waiting" }, t("forms.waiting"));
  return null;
}

/**
 * A form that sends a command with its fields' values. The fields keep their text until
 * the server acknowledges it (see ctx.submit); sending the same again meanwhile does nothing.
 */
export function form(ctx, { id, command, fields, submit, args = null, extra = null }) {
  return h(
    "form",
    {
      id,
      class: "stack",
      onsubmit: (e) => {
        e.preventDefault();
        const values = {};
        const raw = {};
        for (const f of fields) {
          raw[f] = e.target.elements[f].value;
          values[f] = raw[f].trim();
        }
        if (Object.values(values).some((v) => !v)) return;
        ctx.submit(id, command, args ? args(values) : values, raw);
      },
    },
    extra,
    formStatus(ctx, id),
    h("button", { type: "submit", class: "primary" }, submit),
  );
}

/** A button; `key` names it so that focus stays on it when the view is redrawn. */
export function button(label, onclick, { cls = "", pressed = null, disabled = false, describedby = null, key = null } = {}) {
  return h(
    "button",
    {
      type: "button",
      key,
      class: cls,
      onclick,
      disabled,
      "aria-pressed": pressed === null ? null : String(pressed),
      "aria-describedby": describedby,
    },
    label,
  );
}

/**
 * A step that asks first (the next case, removing someone, ending the meeting): the first
 * press sets `ctx.ui.confirming` to `what` and redraws; then the confirming button stands
 * under the same key, with a cancel button where `cancelKey` names one. `onConfirm` does it.
 */
export function confirmButton(ctx, what, { label, cls, key, confirmLabel, confirmCls, describedby = null, cancelKey = null, onConfirm }) {
  if (ctx.ui.confirming !== what) {
    return button(label, () => {
      ctx.ui.confirming = what;
      ctx.render();
    }, { cls, key });
  }
  return [
    button(confirmLabel, onConfirm, { cls: confirmCls, describedby, key }),
    cancelKey
      ? button(t("common.cancel"), () => {
          ctx.ui.confirming = null;
          ctx.render();
        }, { cls: "quiet", key: cancelKey })
      : null,
  ];
}
