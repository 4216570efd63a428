// The opening: each participant confirms the ground rules (confidentiality, no advice
// unasked); the facilitator sees who has and who has not yet.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button, titled } from "./shared.js";

/** A participant: the ground rules and the button to agree to them. */
export function confirmBlock(ctx) {
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

/** The facilitator: how many confirmed, and who has not yet. */
export function confirmations(ctx) {
  const s = ctx.state;
  const missing = s.participants.filter((p) => p.role === "participant" && !s.confirmed.includes(p.id));
  return titled(
    "confirmations",
    t("fac.confirmations", { count: s.confirmed_count }),
    missing.length
      ? h("p", {}, t("fac.not_confirmed", { names: missing.map((p) => p.name).join(", ") }))
      : h("p", { class: "done" }, t("fac.all_confirmed")),
  );
}
