// The end of a case and of the meeting: each participant's evaluation (and the
// facilitator's view of them all), the inbrenger's summary, the proof of participation
// everyone may be named on, and moving on to the next case.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button, checkFields, confirmButton, field, formStatus, titled } from "./shared.js";
import { nameOf } from "./state.js";

/** A participant's evaluation of the meeting: a score of 1 to 5 and a line, both changeable. */
export function evaluationBlock(ctx) {
  const s = ctx.state;
  if (ctx.me.role !== "participant") return null;
  const mine = s.evaluations.find((e) => e.participant === ctx.me.id);
  return titled(
    "evaluation",
    t("evaluation.title"),
    mine ? h("p", { class: "done" }, t("evaluation.saved", { score: mine.score })) : null,
    h(
      "form",
      {
        id: "evaluation-form",
        class: "stack",
        onsubmit: (e) => {
          e.preventDefault();
          const score = Number(e.target.elements.score.value);
          if (!score) return;
          if (!checkFields(ctx, "evaluation-form", e.target, ["evaluation-line"])) return;
          const raw = e.target.elements["evaluation-line"].value;
          const line = raw.trim();
          ctx.submit("evaluation-form", "evaluate", line ? { score, line } : { score }, { "evaluation-line": raw });
        },
      },
      h(
        "fieldset",
        { class: "scale" },
        h("legend", {}, t("evaluation.score")),
        [1, 2, 3, 4, 5].map((n) =>
          h(
            "label",
            { class: "scale-item" },
            // the score sent, as a default: a score chosen and not yet sent stays chosen
            h("input", { type: "radio", name: "score", value: n, required: true, defaultChecked: mine?.score === n, id: `score-${n}` }),
            h("span", {}, String(n)),
          ),
        ),
      ),
      field(ctx, { id: "evaluation-line", label: t("evaluation.line"), max: ctx.limits.MAX_SHORT, required: false }),
      formStatus(ctx, "evaluation-form"),
      h("button", { type: "submit", class: "primary" }, t(mine ? "common.update" : "common.send")),
    ),
  );
}

const PROCESS = ["ja", "grotendeels", "nee"];

/**
 * "Was dit de tijd waard?" and "Bleven we bij de vraag van de inbrenger?": anonymous, so
 * the room shows only how many answered; your own answer comes back to you alone (in the
 * ack, and in your snapshot). Participants and facilitators both answer.
 */
export function worthBlock(ctx) {
  const s = ctx.state;
  if (ctx.me.role !== "participant" && ctx.me.role !== "facilitator") return null;
  const mine = s.worth_mine;
  const scale = (name, legend, values, label, checked) =>
    h(
      "fieldset",
      { class: "scale" },
      h("legend", {}, legend),
      values.map((v) =>
        h(
          "label",
          { class: "scale-item" },
          h("input", { type: "radio", name, value: v, required: name === "worth", defaultChecked: checked === v, id: `${name}-${v}` }),
          h("span", {}, label(v)),
        ),
      ),
    );
  return titled(
    "worth",
    t("worth.title"),
    h("p", { class: "hint" }, t("worth.anonymous")),
    mine ? h("p", { class: "done" }, t("worth.saved", { worth: mine.worth })) : null,
    h(
      "form",
      {
        id: "worth-form",
        class: "stack",
        onsubmit: (e) => {
          e.preventDefault();
          const worth = Number(e.target.elements.worth.value);
          if (!worth) return;
          const process = e.target.elements.process.value || null;
          ctx.submit("worth-form", "worth", { worth, process });
        },
      },
      scale("worth", t("worth.scale"), [1, 2, 3, 4, 5], String, mine?.worth),
      scale("process", t("worth.process"), PROCESS, (v) => t(`worth.process_${v}`), mine?.process),
      formStatus(ctx, "worth-form"),
      h("button", { type: "submit", class: "primary" }, t(mine ? "common.update" : "common.send")),
    ),
    h("p", { class: "muted" }, t("worth.count", { count: s.worth_count })),
  );
}

/** The facilitator: the evaluations so far, and who is ready. */
export function evaluations(ctx) {
  const s = ctx.state;
  return titled(
    "evaluations",
    t("fac.evaluations", { count: s.evaluations_count }),
    h(
      "ul",
      {},
      s.evaluations.map((e) => h("li", { key: e.participant }, `${nameOf(s, e.participant)}: ${e.score}/5`, e.line ? ` — ${e.line}` : "")),
    ),
    h("p", { class: "muted" }, t("ready.count", { count: s.ready_count })),
  );
}

/** The inbrenger's summary of the case, to open as a page (everyone, once it exists). */
export function summaryButton(ctx) {
  return h(
    "section",
    { class: "summary-cta" },
    h("h2", {}, t("summary.title")),
    h("p", {}, t("summary.text")),
    button(t("summary.open"), () => ctx.send("summary"), { cls: "primary", key: "summary" }),
  );
}

/**
 * At the top of the last round, once: may your name be on the proof of participation?
 * The answer is remembered in this browser (with the room's drafts, gone at the end) and
 * sent as `list_me`; the proof block below still lets you change your mind.
 */
export function proofQuestion(ctx) {
  const s = ctx.state;
  if (ctx.me.role !== "participant" || ctx.draft("proof-asked") || s.listed.includes(ctx.me.id)) return null;
  const answer = (yes) => {
    ctx.saveDraft("proof-asked", yes ? "yes" : "no");
    if (yes) ctx.send("list_me", { listed: true });
    ctx.render();
  };
  return h(
    "section",
    { class: "proof-ask", id: "proof-ask", "aria-labelledby": "proof-ask-title" },
    h("h2", { id: "proof-ask-title" }, t("proof.ask_title")),
    h("p", {}, t("proof.ask_text")),
    h(
      "div",
      { class: "row" },
      button(t("proof.ask_yes"), () => answer(true), { cls: "primary", key: "proof-yes" }),
      button(t("proof.ask_no"), () => answer(false), { cls: "secondary", key: "proof-no" }),
    ),
  );
}

/** Being named on the proof of participation is each person's own choice. */
export function proofBlock(ctx) {
  const s = ctx.state;
  if (ctx.me.role === "screen") return null;
  const listed = s.listed.includes(ctx.me.id);
  return titled(
    "proof-block",
    t("proof.title"),
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

/** Close this case (its content goes; the inbrenger keeps their summary) and choose the next. */
export function nextCase(ctx) {
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
  return titled(
    "next-case",
    t("fac.next_case_title"),
    h("p", { class: "hint", id: "next-case-hint" }, t("fac.next_case_hint")),
    sure ? h("div", { class: "row" }, step) : step,
  );
}
