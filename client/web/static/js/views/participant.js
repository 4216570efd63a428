// The participant's view: per phase exactly the controls this person may use. What the
// phase accepts, and from whom, comes from the method data; nothing here names a method.

import { h } from "../dom.js";
import { language, t } from "../i18n.js";
import { checkQuestion } from "../nudges.js";
import { findPersonalData } from "../privacy.js";
import {
  adviceList,
  button,
  caseBlock,
  currentDeal,
  currentSpeaker,
  essenceBlock,
  field,
  form,
  formStatus,
  inbrengerMaySpeak,
  myTurnSection,
  nameOf,
  phaseHeader,
  proofBlock,
  presenceList,
  questionList,
  speakerLine,
  textBlock,
  turnList,
  turnsDone,
} from "./shared.js";
import { awayBanner } from "./away.js";
import {
  cardFace,
  dealProgress,
  dealTable,
  dealWaitText,
  earlierPerspectives,
  groupOf,
  myCard,
  perspectiveForm,
  perspectivesNow,
} from "./cards.js";
import { noteForm, notesBlock, notesHere } from "./notes.js";

/** May I give `input` in this phase? (the server checks the same rule) */
export function mayGive(ctx, input) {
  const s = ctx.state;
  const who = s.phase.accepts[input];
  if (!who || ctx.me.role !== "participant") return false;
  const inbrenger = ctx.me.id === s.inbrenger;
  if (who === "inbrenger") return inbrenger;
  if (who === "group") return !inbrenger;
  return true;
}

export function participantView(ctx) {
  const s = ctx.state;
  const inbrenger = ctx.me.id === s.inbrenger;
  const listening = inbrenger && listens(s);
  return [
    phaseHeader(ctx),
    awayBanner(ctx),
    inbrenger ? h("p", { class: "badge" }, t("role.you_are_inbrenger")) : null,
    listening ? listenPanel(ctx) : null,
    ...sections(ctx, inbrenger),
    readyToggle(ctx),
    presenceList(ctx),
  ];
}

/**
 * The inbrenger listens (back turned) or has stepped out while the group works, where the
 * method says so, until they may respond.
 */
function listens(s) {
  return !inbrengerMaySpeak(s); // where the method has them speak, they always may
}

/**
 * In a phase given in turns: the speaking order, and for the current speaker the form to
 * give their part with (and "pass the turn"); the others see who speaks.
 */
function inTurn(ctx, formPart) {
  const mine = currentSpeaker(ctx.state) === ctx.me.id;
  return [turnList(ctx), mine && formPart ? myTurnSection(ctx, formPart) : speakerLine(ctx)];
}

function listenPanel(ctx) {
  const p = ctx.state.phase;
  return h(
    "section",
    { class: "listen", "aria-labelledby": "listen-title" },
    h("h2", { id: "listen-title" }, t(p.inbrenger === "leaves" ? "listen.leave_title" : "listen.title")),
    h("p", {}, t(p.inbrenger === "leaves" ? "listen.leave_text" : "listen.text")),
  );
}

function sections(ctx, inbrenger) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const out = [];
  if (s.phase.index === 0) out.push(h("p", { class: "lobby-note" }, t("lobby.waiting")));
  if (a.confirm) out.push(confirmBlock(ctx));
  if (a.cases) out.push(casesBlock(ctx));
  if (s.chosen_case && s.phase.index > 0) out.push(caseBlock(ctx));
  if (a.case_text && inbrenger && s.chosen_case) out.push(shareForm(ctx));
  if (a.questions) out.push(questionsBlock(ctx, inbrenger));
  if (a.essence) out.push(mayGive(ctx, "essence") ? essenceForm(ctx) : essenceBlock(ctx));
  else if (s.essence && !a.questions) out.push(essenceBlock(ctx));
  if (s.phase.deck) out.push(cardsBlock(ctx));
  else out.push(earlierPerspectives(ctx));
  if (a.notes) out.push(notesPart(ctx));
  if (a.advice) out.push(adviceBlock(ctx));
  else if (a.response) out.push(adviceList(ctx)); // what the inbrenger responds to (and may weigh)
  if (a.response) out.push(mayGive(ctx, "response") && turnsDone(s) ? responseForm(ctx) : textBlock(t("response.title"), s.response));
  if (a.takeaway) out.push(mayGive(ctx, "takeaway") ? takeawayForm(ctx) : textBlock(t("takeaway.title"), s.takeaway));
  if (a.evaluation) out.push(evaluationBlock(ctx));
  const last = s.phase.index === s.method.phases.length - 1;
  if ((inbrenger && last) || (!inbrenger && s.has_summary)) out.push(summaryButton(ctx));
  if (last) out.push(proofBlock(ctx));
  return out;
}

function confirmBlock(ctx) {
  const s = ctx.state;
  const done = s.confirmed.includes(ctx.me.id);
  return h(
    "section",
    { class: "confirm" },
    h("h2", {}, t("confirm.title")),
    h("p", {}, t("confirm.text")),
    done
      ? h("p", { class: "done" }, t("confirm.done"))
      : ctx.me.role === "participant"
        ? button(t("confirm.button"), () => ctx.send("confirm"), { cls: "primary", key: "confirm" })
        : null,
    h("p", { class: "muted" }, t("confirm.count", { count: s.confirmed_count })),
  );
}

function casesBlock(ctx) {
  const s = ctx.state;
  const closed = !s.vote.open;
  const list = s.cases.map((c) =>
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
          closed && s.vote.tally ? t("cases.votes", { count: s.vote.tally[c.id] ?? 0 }) : null,
          c.id === s.chosen_case ? t("cases.chosen") : null,
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      h(
        "div",
        { class: "row" },
        mayGive(ctx, "cases") && s.vote.open
          ? button(s.vote.mine === c.id ? t("cases.voted") : t("cases.vote"), () => ctx.send("vote", { case: c.id }), {
              pressed: s.vote.mine === c.id,
              key: "vote",
            })
          : null,
        c.proposer === ctx.me.id && c.id !== s.chosen_case
          ? button(t("cases.withdraw"), () => ctx.send("withdraw_case", { case: c.id }), { cls: "quiet", key: "withdraw" })
          : null,
      ),
    ),
  );
  return h(
    "section",
    { class: "cases", "aria-labelledby": "cases-title" },
    h("h2", { id: "cases-title" }, t("cases.title")),
    s.cases.length ? h("ol", { class: "case-list" }, list) : h("p", { class: "muted" }, t("cases.none")),
    h("p", { class: "muted" }, closed ? t("cases.vote_closed") : t("cases.cast", { count: s.vote.cast })),
    mayGive(ctx, "cases") && !s.chosen_case
      ? h(
          "details",
          { class: "propose", open: !s.cases.some((c) => c.proposer === ctx.me.id) },
          h("summary", {}, t("cases.propose_title")),
          form(ctx, {
            id: "propose-form",
            command: "propose_case",
            fields: ["case-title", "case-question"],
            args: (v) => ({ title: v["case-title"], question: v["case-question"] }),
            submit: t("cases.propose"),
            extra: [
              field(ctx, { id: "case-title", label: t("cases.field_title"), max: ctx.limits.MAX_TITLE }),
              field(ctx, {
                id: "case-question",
                label: t("cases.field_question"),
                hint: t("cases.field_question_hint"),
                max: ctx.limits.MAX_SHORT,
              }),
            ],
          }),
        )
      : null,
  );
}

function shareForm(ctx) {
  const s = ctx.state;
  const shared = Boolean(s.case_text);
  const lines = (value) =>
    value
      .split("\n")
      .map((x) => x.trim())
      .filter(Boolean)
      .slice(0, ctx.limits.MAX_PEOPLE);
  const read = (form) => {
    const raw = { "share-text": form.elements["share-text"].value, "share-people": form.elements["share-people"].value };
    return { text: raw["share-text"].trim(), people: lines(raw["share-people"]), raw };
  };
  const share = ({ text, people, raw }) => {
    ctx.ui.privacyCheck = null;
    ctx.submit("share-form", "share_case", { text, people }, raw);
  };
  const textValue = ctx.draft("share-text") || s.case_text || "";
  const peopleValue = ctx.draft("share-people") || s.people.join("\n");
  // the prompt stays only as long as the text it is about is what the fields hold
  const check = ctx.ui.privacyCheck;
  const current = check && check.key === shareKey({ text: textValue.trim(), people: lines(peopleValue) }) ? check : null;
  return h(
    "section",
    { class: "share", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title" }, t(shared ? "share.again_title" : "share.title")),
    h(
      "form",
      {
        id: "share-form",
        class: "stack",
        onsubmit: (e) => {
          e.preventDefault();
          const values = read(e.target);
          if (!values.text) return;
          const found = dedupe([values.text, ...values.people].flatMap((x) => findPersonalData(x)));
          if (found.length) {
            ctx.saveDraft("share-text", e.target.elements["share-text"].value);
            ctx.saveDraft("share-people", e.target.elements["share-people"].value);
            ctx.ui.privacyCheck = { key: shareKey(values), values, found };
            ctx.render();
            document.getElementById("privacy-check")?.focus();
            return;
          }
          share(values);
        },
        oninput: (e) => {
          if (!ctx.ui.privacyCheck) return;
          if (ctx.ui.privacyCheck.key !== shareKey(read(e.currentTarget))) {
            ctx.ui.privacyCheck = null;
            document.getElementById("privacy-check")?.remove();
          }
        },
      },
      field(ctx, {
        id: "share-text",
        label: t("share.text"),
        hint: t("share.text_hint"),
        long: true,
        max: ctx.limits.MAX_LONG,
        value: textValue,
      }),
      field(ctx, {
        id: "share-people",
        label: t("share.people"),
        hint: t("share.people_hint"),
        long: true,
        required: false,
        max: ctx.limits.MAX_PEOPLE * (ctx.limits.MAX_PERSON + 1),
        value: peopleValue,
      }),
      current ? privacyPrompt(ctx, current, share) : null,
      formStatus(ctx, "share-form"),
      h("button", { type: "submit", class: "primary" }, t(shared ? "share.update" : "share.send")),
    ),
  );
}

function shareKey({ text, people }) {
  return JSON.stringify([text, people]);
}

function dedupe(found) {
  const seen = new Set();
  return found.filter((f) => !seen.has(`${f.kind}:${f.text}`) && seen.add(`${f.kind}:${f.text}`));
}

/** What looks like personal data, each found text as a text node; edit, or share anyway. */
function privacyPrompt(ctx, check, share) {
  return h(
    "div",
    { id: "privacy-check", class: "nudge", role: "status", tabindex: "-1", "aria-labelledby": "privacy-check-title" },
    h("p", { class: "nudge-title", id: "privacy-check-title" }, t("privacy.title")),
    h("p", {}, t("privacy.intro")),
    h(
      "ul",
      { class: "found-list" },
      check.found.map((f) =>
        h("li", { "data-kind": f.kind }, h("span", { class: "found-kind" }, t(`privacy.kind_${f.kind}`)), ": ", h("span", { class: "found-text" }, f.text)),
      ),
    ),
    h("p", { class: "hint" }, t("privacy.hint")),
    h(
      "div",
      { class: "row" },
      h(
        "button",
        {
          type: "button",
          id: "privacy-edit",
          class: "secondary",
          onclick: () => {
            ctx.ui.privacyCheck = null;
            ctx.render();
            document.getElementById("share-text")?.focus();
          },
        },
        t("privacy.edit"),
      ),
      h("button", { type: "button", id: "privacy-share", class: "quiet", onclick: () => share(check.values) }, t("privacy.share_anyway")),
    ),
  );
}

function questionsBlock(ctx, inbrenger) {
  const s = ctx.state;
  const asking = mayGive(ctx, "questions");
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
      row.push(
        button(q.answered ? t("questions.mark_open") : t("questions.mark_answered"), () =>
          ctx.send("mark_answered", { question: q.id, answered: !q.answered }),
          { pressed: q.answered, cls: "quiet", key: "answered" },
        ),
      );
      for (const rating of ["warm", "lauw", "koud"])
        row.push(
          button(t(`questions.rate_${rating}`), () => ctx.send("rate_question", { question: q.id, rating: q.rating === rating ? null : rating }), {
            pressed: q.rating === rating,
            cls: `quiet rate rate-${rating}`,
            key: `rate-${rating}`,
          }),
        );
    }
    return row.length ? h("div", { class: "row", role: "group", "aria-label": t("questions.actions") }, row) : null;
  };
  const askPart = asking
    ? h(
        "section",
        { class: "ask", "aria-labelledby": "ask-title" },
        h("h2", { id: "ask-title" }, t("questions.ask_title")),
        h("p", { class: "hint" }, t(`questions.${anonymity(ctx)}_note`)),
        askForm(ctx),
      )
    : null;
  return [s.phase.in_turn ? inTurn(ctx, askPart) : askPart, questionList(ctx, { actions })];
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
        const raw = e.target.elements["ask-text"].value;
        const text = raw.trim();
        if (!text) return;
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
          document.getElementById("ask-nudge")?.remove();
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

function essenceForm(ctx) {
  const s = ctx.state;
  return h(
    "section",
    { class: "essence-form" },
    h("h2", {}, t("essence.write_title")),
    s.essence ? h("p", { class: "done" }, s.essence) : null,
    form(ctx, {
      id: "essence-form",
      command: "essence",
      fields: ["essence-text"],
      args: (v) => ({ text: v["essence-text"] }),
      submit: t(s.essence ? "common.update" : "common.send"),
      extra: field(ctx, { id: "essence-text", label: t("essence.field"), hint: t("essence.hint"), long: true, max: ctx.limits.MAX_SHORT }),
    }),
  );
}

/**
 * The role cards of this phase. Private cards: take yours (the page does it by itself),
 * write from it, wait for the reveal. Public cards: who holds which, in turn from yours,
 * what the others wrote as they wrote it; the observer writes notes instead.
 */
function cardsBlock(ctx) {
  const s = ctx.state;
  const deal = currentDeal(s);
  if (!deal) return h("section", { class: "cards" }, h("p", {}, dealWaitText(s)));
  const card = myCard(deal);
  const writes = mayGive(ctx, "perspectives") && card && !card.observer && !deal.revealed;
  if (deal.public) {
    const formPart = writes ? perspectiveForm(ctx, deal, card) : null;
    return [
      card
        ? h("section", { class: "cards my-card" }, cardFace(ctx, deal, card))
        : mayGive(ctx, "perspectives") && !deal.revealed
          ? h("section", { class: "cards" }, h("p", {}, t("cards.late"))) // came in after the deal
          : null,
      dealTable(ctx, deal),
      s.phase.in_turn ? inTurn(ctx, formPart) : formPart ? h("section", { class: "cards" }, formPart) : null,
      perspectivesNow(ctx, deal),
      deal.hidden && !deal.revealed ? dealProgress(ctx, deal) : null,
      card?.observer && mayGive(ctx, "perspectives")
        ? notesBlock(ctx, { writer: true, observer: true })
        : notesHere(s).length
          ? notesBlock(ctx)
          : null,
    ];
  }
  if (deal.revealed) return perspectivesNow(ctx, deal);
  if (!mayGive(ctx, "perspectives")) return h("section", { class: "cards" }, dealProgress(ctx, deal));
  if (!card) {
    const taking = ctx.pending("draw_card");
    return h(
      "section",
      { class: "cards" },
      taking
        ? h("p", {}, t("cards.taking"))
        : button(t("cards.take"), () => ctx.send("draw_card"), { cls: "primary", key: "draw-card" }),
      dealProgress(ctx, deal),
    );
  }
  return h("section", { class: "cards", "aria-labelledby": "card-title" }, cardFace(ctx, deal, card), perspectiveForm(ctx, deal, card), dealProgress(ctx, deal));
}

/** Written notes of this phase: in turn where the phase says so. */
function notesPart(ctx) {
  const writes = mayGive(ctx, "notes");
  if (!ctx.state.phase.in_turn) return notesBlock(ctx, { writer: writes });
  return [inTurn(ctx, writes ? noteForm(ctx) : null), notesBlock(ctx, { withdraw: writes })];
}

function adviceForm(ctx, hint = null) {
  return form(ctx, {
    id: "advice-form",
    command: "advice",
    fields: ["advice-text"],
    args: (v) => ({ text: v["advice-text"] }),
    submit: t("advice.send"),
    extra: field(ctx, { id: "advice-text", label: t("advice.field"), hint, long: true, max: ctx.limits.MAX_SHORT }),
  });
}

function adviceBlock(ctx) {
  const s = ctx.state;
  const writes = mayGive(ctx, "advice");
  if (!s.phase.in_turn) {
    // everyone of the group may write, in any order
    return [writes ? h("section", { class: "write-advice" }, adviceForm(ctx)) : null, adviceList(ctx)];
  }
  return [inTurn(ctx, writes ? adviceForm(ctx, t("advice.hint")) : null), adviceList(ctx)];
}

function responseForm(ctx) {
  const s = ctx.state;
  return h(
    "section",
    { class: "response-form" },
    h("h2", {}, t("response.write_title")),
    s.response ? h("p", { class: "done" }, s.response) : null,
    form(ctx, {
      id: "response-form",
      command: "respond",
      fields: ["response-text"],
      args: (v) => ({ text: v["response-text"] }),
      submit: t(s.response ? "common.update" : "common.send"),
      extra: field(ctx, { id: "response-text", label: t("response.field"), long: true, max: ctx.limits.MAX_SHORT }),
    }),
  );
}

function takeawayForm(ctx) {
  const s = ctx.state;
  return h(
    "section",
    { class: "takeaway-form" },
    h("h2", {}, t("takeaway.write_title")),
    s.takeaway ? h("p", { class: "done" }, s.takeaway) : null,
    form(ctx, {
      id: "takeaway-form",
      command: "takeaway",
      fields: ["takeaway-text"],
      args: (v) => ({ text: v["takeaway-text"] }),
      submit: t(s.takeaway ? "common.update" : "common.send"),
      extra: field(ctx, { id: "takeaway-text", label: t("takeaway.field"), long: true, max: ctx.limits.MAX_SHORT }),
    }),
  );
}

function evaluationBlock(ctx) {
  const s = ctx.state;
  if (ctx.me.role !== "participant") return null;
  const mine = s.evaluations.find((e) => e.participant === ctx.me.id);
  return h(
    "section",
    { class: "evaluation", "aria-labelledby": "evaluation-title" },
    h("h2", { id: "evaluation-title" }, t("evaluation.title")),
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
            h("input", { type: "radio", name: "score", value: n, required: true, checked: mine?.score === n, id: `score-${n}` }),
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

function readyToggle(ctx) {
  const s = ctx.state;
  if (ctx.me.role !== "participant" || s.phase.index === 0) return null;
  return h(
    "div",
    { class: "ready" },
    button(s.ready ? t("ready.not_yet") : t("ready.button"), () => ctx.send("ready", { ready: !s.ready }), {
      pressed: s.ready,
      cls: "secondary",
      key: "ready",
    }),
    h("span", { class: "muted" }, t("ready.count", { count: s.ready_count })),
  );
}

function summaryButton(ctx) {
  return h(
    "section",
    { class: "summary-cta" },
    h("h2", {}, t("summary.title")),
    h("p", {}, t("summary.text")),
    button(t("summary.open"), () => ctx.send("summary"), { cls: "primary", key: "summary" }),
  );
}
