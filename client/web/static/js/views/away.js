// When no facilitator has been online for a while: the group is told since when, sees the
// countdown to the moment one of them may take over, and from then on the button. The
// server decides: it keeps the moment (`facilitator_away`) and refuses an early claim.

import { hhmm, t } from "../i18n.js";
import { clock } from "../timer.js";
import { h, ticking } from "../ui.js";
import { button } from "./shared.js";

/** Seconds until a participant may take over (0 or less: now), by the server's clock. */
export function claimLeft(ctx) {
  const away = ctx.state?.facilitator_away;
  return away ? away.claim_at - ctx.serverNow() / 1000 : null;
}

/** Who sees the banner: the participants who could take over (not the inbrenger, not a screen). */
export function seesAway(ctx) {
  const s = ctx.state;
  return Boolean(s.facilitator_away) && ctx.me.role === "participant" && ctx.me.id !== s.inbrenger;
}

/** "De procesbegeleider is weg sinds 14:05", the time on this laptop's clock. */
export function awayTitle(ctx) {
  const away = ctx.state.facilitator_away;
  return t("away.title", { time: hhmm(ctx.localTime(away.since)) });
}

export function awayBanner(ctx) {
  if (!seesAway(ctx)) return null;
  const left = claimLeft(ctx);
  const open = left <= 0;
  return h(
    "section",
    { class: "away", id: "away", "aria-labelledby": "away-title", "data-open": String(open) },
    h("h2", { id: "away-title" }, awayTitle(ctx)),
    open
      ? [
          h("p", {}, t("away.open")),
          button(t("away.claim"), () => ctx.send("claim_facilitator"), { cls: "primary", key: "claim" }),
        ]
      : [
          h("p", {}, t("away.wait")),
          h("p", { class: "away-countdown" }, t("away.countdown"), " ", ticking(() => h("span", { class: "countdown", "data-countdown": "" }, clock(Math.max(0, claimLeft(ctx) ?? 0))))),
        ],
  );
}
