// Advice: the group writes it (in turn, where the method says so), everyone reads it, and
// the inbrenger may weigh each piece warm / lauw / koud once they may speak.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { rateButtons, ratingMark, textFieldForm, titled } from "./shared.js";
import { inbrengerMaySpeak, mayGive, nameOf } from "./state.js";
import { inTurn } from "./turns.js";

export function adviceList(ctx) {
  const s = ctx.state;
  if (!s.advice.length) return null;
  return titled(
    "advice",
    t("advice.title"),
    h(
      "ul",
      { class: "advice-list" },
      // anonymous advice has no author: no name, not even "someone"
      s.advice.map((a) =>
        h("li", { "data-advice": a.id, key: a.id }, a.author ? [h("strong", {}, nameOf(s, a.author)), ": "] : null, a.text, rating(ctx, a)),
      ),
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
  const rates = ctx.me.id === s.inbrenger && inbrengerMaySpeak(s) && (s.phase.accepts.advice || s.phase.accepts.response);
  if (!rates) return ratingMark(item);
  const rate = (r) => ctx.send("rate_advice", { advice: item.id, rating: r });
  return h("span", { class: "row rating", role: "group", "aria-label": t("questions.actions") }, rateButtons(item, rate));
}

function adviceForm(ctx, hint = null) {
  return textFieldForm(ctx, { name: "advice", command: "advice", label: t("advice.field"), hint, submit: t("advice.send") });
}

/** A participant in a phase that takes advice: the form (in turn or not), and the advice so far. */
export function adviceBlock(ctx) {
  const writes = mayGive(ctx, "advice");
  if (!ctx.state.phase.in_turn) {
    // everyone of the group may write, in any order
    return [writes ? h("section", { class: "write-advice" }, adviceForm(ctx)) : null, adviceList(ctx)];
  }
  return [inTurn(ctx, writes ? adviceForm(ctx, t("advice.hint")) : null), adviceList(ctx)];
}
