// Latecomers at the locked room. The facilitator sees each knock as a request at the top
// of the cockpit ("Eva klopt aan": Binnenlaten / Niet binnenlaten); the latecomer's page
// says that they knock and that the facilitator can let them in. The server decides:
// it keeps the knocks, and only a facilitator's answer lets anyone in.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button } from "./shared.js";

/**
 * The knocks that wait for an answer. One older than KNOCK_TTL has expired on the server
 * too (its latecomer knocks anew if they still wait), so it is no longer shown.
 */
export function openKnocks(ctx) {
  const knocks = ctx.state?.knocks || [];
  const now = ctx.serverNow() / 1000;
  return knocks.filter((k) => k.at + ctx.limits.KNOCK_TTL > now);
}

/** The requests, each with its two answers; null when nobody knocks. */
export function knockRequests(ctx) {
  const knocks = openKnocks(ctx);
  if (!knocks.length) return null;
  return h(
    "section",
    { class: "knocks", id: "knocks", "aria-labelledby": "knocks-title", key: "knocks" },
    h("h2", { id: "knocks-title", class: "sr-only" }, t("knock.title")),
    knocks.map((k) =>
      h(
        "div",
        { class: "knock row", key: k.id, "data-knock": k.id },
        h("p", { id: `knock-${k.id}`, class: "knock-who" }, t("knock.request", { name: k.name })),
        button(t("knock.let_in"), () => ctx.send("let_in", { knock: k.id }), {
          cls: "primary",
          key: "let-in",
          describedby: `knock-${k.id}`,
          disabled: ctx.pending("let_in") || ctx.pending("turn_away"),
        }),
        button(t("knock.turn_away"), () => ctx.send("turn_away", { knock: k.id }), {
          cls: "secondary",
          key: "turn-away",
          describedby: `knock-${k.id}`,
          disabled: ctx.pending("let_in") || ctx.pending("turn_away"),
        }),
      ),
    ),
  );
}

/** The latecomer's page while they wait at the door, with the name they gave. */
export function knockWaiting(name) {
  return h(
    "section",
    { class: "card closed knock-waiting", id: "knock-waiting", role: "status" },
    h("h1", {}, t("knock.waiting_title", { name })),
    h("p", {}, t("knock.waiting_text")),
    h("p", { class: "hint" }, t("knock.waiting_hint")),
  );
}
