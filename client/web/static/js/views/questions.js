// The questions round: questions asked (named or anonymous, as the room and the method
// say), upvoted, withdrawn; the inbrenger marks them answered and weighs them; the
// facilitator may hide one. A question that reads as advice in disguise or as a closed
// question gets a prompt first (see ../nudges.js).

import { language, t } from "../i18n.js";
import { checkQuestion } from "../nudges.js";
import { h } from "../ui.js";
import { button, checkFields, field, formStatus, rateButtons, titled } from "./shared.js";
import { groupOf, inbrengerMaySpeak, may, nameOf } from "./state.js";
import { inTurn } from "./turns.js";

/**
 * The questions asked so far, each with the buttons `actions(q, mine)` gives this person;
 * the projector leaves out who asked (`showAuthors`).
 */
export function questionList(ctx, { actions = null, showAuthors = true, title = true } = {}) {
  const s = ctx.state;
  const own = new Set(s.own_questions);
  if (!s.questions.length) return h("p", { class: "muted empty" }, t("questions.none"));
  const items = s.questions.map((q) =>
    h(
      "li",
      {
        class: `question${own.has(q.id) ? " own" : ""}${q.hidden ? " hidden-q" : ""}${s.answering === q.id ? " answering" : ""}`,
        "data-question": q.id,
        key: q.id,
        "aria-current": s.answering === q.id ? "true" : null,
      },
      s.answering === q.id ? h("p", { class: "answering-label" }, t("questions.answering_now")) : null,
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

/** A participant in the questions round: ask (in turn, where the method says so), upvote, and as inbrenger mark and weigh. */
export function questionsBlock(ctx, inbrenger) {
  const s = ctx.state;
  const asking = may(ctx, "ask");
  const own = new Set(s.own_upvotes);
  const actions = (q, mine) => {
    const row = [];
    if (asking && !mine)
      row.push(
        button(own.has(q.id) ? t("questions.upvoted") : t("questions.upvote"), () => ctx.send("upvote", { question: q.id, on: !own.has(q.id) }), {
          pressed: own.has(q.id),
          cls: "quiet",
          key: "upvote",
        }),
      );
    if (asking && mine) row.push(button(t("questions.withdraw"), () => ctx.send("withdraw_question", { question: q.id }), { cls: "quiet", key: "withdraw" }));
    if (inbrenger && inbrengerMaySpeak(s)) {
      row.push(answeringButton(ctx, q));
      row.push(
        button(t("questions.answered_toggle"), () => // a stable label; aria-pressed says whether it is
          ctx.send("mark_answered", { question: q.id, answered: !q.answered }),
          { pressed: q.answered, cls: "quiet", key: "answered" },
        ),
      );
      row.push(...rateButtons(q, (rating) => ctx.send("rate_question", { question: q.id, rating })));
    }
    return row.length ? h("div", { class: "row", role: "group", "aria-label": t("questions.actions") }, row) : null;
  };
  const askPart = asking
    ? titled(
        "ask",
        t("questions.ask_title"),
        h("p", { class: "hint" }, t(`questions.${anonymity(ctx)}_note`)),
        askForm(ctx),
      )
    : null;
  return [answeringNow(ctx), s.phase.in_turn ? inTurn(ctx, askPart) : askPart, questionList(ctx, { actions })];
}

/** The question the inbrenger answers now, above the form: what the room listens to. */
function answeringNow(ctx) {
  const s = ctx.state;
  const q = s.answering ? s.questions.find((x) => x.id === s.answering) : null;
  if (!q) return null;
  return h(
    "p",
    { class: "answering-now", key: "answering-now", "data-question": q.id },
    h("strong", {}, `${t("questions.answering_now")}: `),
    q.text,
  );
}

/**
 * The question form. A question that reads as advice in disguise or as a closed question
 * is not sent at once: a calm prompt asks the author to look again, and they may send it
 * anyway. The typed text stays in the field (and in the draft) either way.
 */
function askForm(ctx) {
  const typed = (ctx.draft("ask-text") || "").trim();
  const nudge = ctx.ui.askNudge && ctx.ui.askNudge.text === typed ? ctx.ui.askNudge : null;
  const send = (text) => {
    ctx.ui.askNudge = null;
    ctx.submit("ask-form", "ask", { text }, { "ask-text": text });
  };
  return h(
    "form",
    {
      id: "ask-form",
      class: "stack",
      onsubmit: (e) => {
        e.preventDefault();
        if (!checkFields(ctx, "ask-form", e.target, ["ask-text"])) return;
        const raw = e.target.elements["ask-text"].value;
        const text = raw.trim();
        const check = checkQuestion(text, language());
        if (check) {
          ctx.saveDraft("ask-text", raw);
          ctx.ui.askNudge = { text, kind: check.kind, rule: check.rule };
          ctx.render();
          document.getElementById("ask-nudge")?.focus();
          return;
        }
        send(text);
      },
      oninput: (e) => {
        if (ctx.ui.askNudge && e.target.id === "ask-text" && e.target.value.trim() !== ctx.ui.askNudge.text) {
          ctx.ui.askNudge = null;
          ctx.render();
        }
      },
    },
    field(ctx, { id: "ask-text", label: t("questions.field"), hint: t("questions.field_hint"), long: true, max: ctx.limits.MAX_SHORT }),
    nudge
      ? h(
          "div",
          { id: "ask-nudge", class: "nudge", role: "status", tabindex: "-1", "data-kind": nudge.kind, "data-rule": nudge.rule },
          h("p", {}, t(nudge.kind === "advice" ? "nudge.advice" : "nudge.closed")),
          h(
            "div",
            { class: "row" },
            h(
              "button",
              {
                type: "button",
                id: "ask-nudge-edit",
                class: "secondary",
                onclick: () => {
                  ctx.ui.askNudge = null;
                  ctx.render();
                  const input = document.getElementById("ask-text");
                  if (input) {
                    input.focus();
                    input.setSelectionRange(input.value.length, input.value.length);
                  }
                },
              },
              t("nudge.edit"),
            ),
            h("button", { type: "button", id: "ask-nudge-send", class: "quiet", onclick: () => send(nudge.text) }, t("nudge.send_anyway")),
          ),
        )
      : null,
    formStatus(ctx, "ask-form"),
    h("button", { type: "submit", class: "primary" }, t("questions.send")),
  );
}

/** "anonymous", "too_few" (the room wants anonymity, the group is too small) or "named" */
function anonymity(ctx) {
  const s = ctx.state;
  if (!s.anonymous_questions || !s.phase.anonymous) return "named";
  return groupOf(s).length >= ctx.limits.MIN_ANONYMOUS_GROUP ? "anonymous" : "too_few";
}

/**
 * "Deze beantwoord ik nu" (the inbrenger) or "Nu aan de beurt" (the facilitator): the
 * question on the table, highlighted in every list and on the wall; pressed again, none.
 */
export function answeringButton(ctx, q) {
  const s = ctx.state;
  if (q.answered || q.hidden) return null;
  const on = s.answering === q.id;
  const label = ctx.me.role === "facilitator" ? t("questions.answer_now_fac") : t("questions.answer_now");
  return button(label, () => ctx.send("answering", { question: on ? null : q.id }), { pressed: on, cls: "quiet", key: "answering" });
}

/** The facilitator's buttons on a question: on the table now; hide it from the room (or show it again). */
export function hideButton(ctx, q) {
  return h(
    "div",
    { class: "row" },
    answeringButton(ctx, q),
    button(q.hidden ? t("fac.unhide") : t("fac.hide"), () => ctx.send("hide_question", { question: q.id, hidden: !q.hidden }), {
      cls: "quiet",
      pressed: q.hidden,
      key: "hide",
    }),
  );
}
