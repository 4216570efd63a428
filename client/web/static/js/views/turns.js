// Phases given in turns (the advice round, a round of hats, questions one by one): the
// speaking order as everyone sees it, the current speaker's own part with "pass the turn",
// and the facilitator's button to move the turn on.

import { pick, t } from "../i18n.js";
import { h } from "../ui.js";
import { button, titled } from "./shared.js";
import { cardOf, currentDeal, currentSpeaker, nameOf } from "./state.js";

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
  return titled(
    "turns",
    t("turns.title"),
    h(
      "ol",
      { class: "turn-list" },
      order.map((pid, i) => {
        const card = speakingCard(s, pid);
        return h(
          "li",
          {
            key: pid,
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
function myTurnSection(ctx, content) {
  // its heading takes the focus when the turn comes (see room.js)
  return h(
    "section",
    { class: "my-turn", "aria-labelledby": "my-turn-title", key: "my-turn" },
    h("h2", { id: "my-turn-title", tabindex: "-1" }, t("turns.yours")),
    content,
    button(t("turns.pass"), () => ctx.send("pass_turn"), { cls: "secondary", key: "pass" }),
  );
}

/** Who speaks now, for everyone but the speaker. */
function speakerLine(ctx) {
  const pid = currentSpeaker(ctx.state);
  if (!pid || pid === ctx.me.id) return null;
  return h("p", { class: "speaker" }, t("turns.speaking", { name: nameOf(ctx.state, pid) }));
}

/**
 * A participant in a phase given in turns: the speaking order, and for the current speaker
 * the form to give their part with (`formPart`, and "pass the turn"); the others see who speaks.
 */
export function inTurn(ctx, formPart) {
  const mine = currentSpeaker(ctx.state) === ctx.me.id;
  return mine && formPart ? [myTurnSection(ctx, formPart), turnList(ctx)] : [speakerLine(ctx), turnList(ctx)]; // now first
}

/** The facilitator in a phase given in turns: the order, and moving the turn on. */
export function turnControls(ctx) {
  const speaker = currentSpeaker(ctx.state);
  return [
    turnList(ctx),
    speaker && ctx.ui.mainKey !== "pass"
      ? button(t("fac.pass", { name: nameOf(ctx.state, speaker) }), () => ctx.send("pass_turn"), { cls: "secondary", key: "pass" })
      : null,
  ];
}
