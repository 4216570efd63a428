// The cases: the group proposes them and votes, the facilitator closes the vote and
// chooses; then the chosen case heads the later rounds. One case list serves both roles,
// each with its own buttons on a case and below the list.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button, field, form, titled } from "./shared.js";
import { may, nameOf } from "./state.js";

/** The proposed cases, each with the buttons `actions(c)` gives this person, then `after`. */
function caseList(ctx, actions, after) {
  const s = ctx.state;
  const tally = !s.vote.open && s.vote.tally;
  const item = (c) =>
    h(
      "li",
      { class: `case-item${c.id === s.chosen_case ? " chosen" : ""}`, "data-case": c.id, key: c.id },
      h("p", { class: "case-name" }, c.title),
      h("p", { class: "case-question" }, c.question),
      h(
        "p",
        { class: "muted" },
        [t("cases.by", { name: nameOf(s, c.proposer) }), tally ? t("cases.votes", { count: tally[c.id] ?? 0 }) : null, c.id === s.chosen_case ? t("cases.chosen") : null]
          .filter(Boolean)
          .join(" · "),
      ),
      h("div", { class: "row" }, actions(c)),
    );
  return titled(
    "cases",
    t("cases.title"),
    s.cases.length ? h("ol", { class: "case-list" }, s.cases.map(item)) : h("p", { class: "muted" }, t("cases.none")),
    h("p", { class: "muted" }, s.vote.open ? t("cases.cast", { count: s.vote.cast }) : t("cases.vote_closed")),
    after,
  );
}

/** A participant: vote for a case, take back your own, propose one while none is chosen. */
export function caseVote(ctx) {
  const s = ctx.state;
  const votes = may(ctx, "vote") && s.vote.open;
  const actions = (c) => [
    votes
      ? button(s.vote.mine === c.id ? t("cases.voted") : t("cases.vote"), () => ctx.send("vote", { case: c.id }), {
          pressed: s.vote.mine === c.id,
          key: "vote",
        })
      : null,
    c.proposer === ctx.me.id && c.id !== s.chosen_case
      ? button(t("cases.withdraw"), () => ctx.send("withdraw_case", { case: c.id }), { cls: "quiet", key: "withdraw" })
      : null,
  ];
  return caseList(ctx, actions, may(ctx, "propose_case") && !s.chosen_case ? proposeBox(ctx) : null);
}

/** Open until this person has a case in; it stays as they left it after that. */
function proposeBox(ctx) {
  const s = ctx.state;
  return h(
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
        field(ctx, { id: "case-question", label: t("cases.field_question"), hint: t("cases.field_question_hint"), max: ctx.limits.MAX_SHORT }),
      ],
    }),
  );
}

/** The facilitator: choose a case, close the vote, and wait for the inbrenger to share. */
export function caseChoice(ctx) {
  const s = ctx.state;
  const actions = (c) =>
    c.id === s.chosen_case ? null : button(t("fac.choose"), () => ctx.send("choose_case", { case: c.id }), { cls: "secondary", key: "choose" });
  return caseList(ctx, actions, [
    s.vote.open && s.cases.length && ctx.ui.mainKey !== "close-vote" ? button(t("fac.close_vote"), () => ctx.send("close_vote"), { cls: "secondary", key: "close-vote" }) : null,
    s.chosen_case && !s.case_text ? h("p", { class: "muted" }, t("fac.waiting_share", { name: nameOf(s, s.inbrenger) })) : null,
  ]);
}

/** The chosen case, as it heads every round after the choice. */
export function chosenCase(ctx) {
  const s = ctx.state;
  const chosen = s.cases.find((c) => c.id === s.chosen_case);
  if (!chosen) return null;
  return titled(
    "case",
    t("case.title", { name: nameOf(s, s.inbrenger) }),
    h("p", { class: "case-name" }, chosen.title),
    h("p", { class: "case-question" }, h("strong", {}, t("case.question")), " ", chosen.question),
    s.case_text
      ? [
          h("p", { class: "case-text" }, s.case_text),
          s.people.length ? h("p", { class: "case-people" }, h("strong", {}, t("case.people")), " ", s.people.join(", ")) : null,
        ]
      : h("p", { class: "muted" }, t("case.not_shared")),
  );
}
