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

/**
 * Whether this person must confirm the agreement before they get the case: a participant
 * in a method with an agreement, from its phase on, who has not confirmed. The server
 * keeps the case from them meanwhile (it sends nothing of it); this only says why.
 */
export function mustConfirm(ctx) {
  const s = ctx.state;
  const at = s.method.agreement;
  return ctx.me.role === "participant" && at != null && s.phase.index >= at && !s.confirmed.includes(ctx.me.id);
}

/** After the opening, for one who has not confirmed: the agreement first, at the top. */
export function agreementFirst(ctx) {
  return h(
    "section",
    { class: "agreement-first", id: "agreement-first", "aria-labelledby": "agreement-first-title" },
    h("h2", { id: "agreement-first-title" }, t("agreement.first_title")),
    h("p", {}, t("confirm.text")),
    h("p", {}, t("agreement.first_text")),
    button(t("confirm.button"), () => ctx.send("confirm"), { cls: "primary", key: "confirm" }),
  );
}

/** The names of the participants who have not yet confirmed (for facilitators, who see who did). */
export function unconfirmedNames(ctx) {
  const s = ctx.state;
  return s.participants.filter((p) => p.role === "participant" && !s.confirmed.includes(p.id)).map((p) => p.name);
}

/**
 * The facilitator, in the agreement's phase while someone has not confirmed: who, and a
 * "move on anyway" beside the next button (the server refuses a plain advance).
 */
export function agreementWarning(ctx) {
  const names = unconfirmedNames(ctx);
  if (!ctx.state.phase.accepts.confirm || !names.length) return null;
  return h(
    "div",
    { class: "agreement-warning", id: "agreement-warning", role: "status" },
    h("p", {}, t("agreement.warning", { names: names.join(", ") })),
    h("p", {}, t("agreement.warning_then")),
    button(t("agreement.anyway"), () => ctx.send("advance", { anyway: true }), { cls: "secondary", key: "anyway" }),
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
