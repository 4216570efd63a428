// The agenda strip at the top of the participant's and the facilitator's view: the
// method's rounds with their planned minutes, the current one marked, and the time used
// in this round against the time planned for it. One line; on a phone only the current
// round shows (with "round x of n"), so "now" never drops below the fold.
// Below it, what earlier rounds left (perspectives, the essence) folds away.

import { pick, t } from "../i18n.js";
import { h, ticking } from "../ui.js";

export function agenda(ctx) {
  const s = ctx.state;
  const phases = s.method.phases;
  const at = s.phase.index;
  return h(
    "nav",
    { class: "agenda", "aria-label": t("agenda.label") },
    h("span", { class: "agenda-round" }, t("agenda.round", { n: at + 1, total: phases.length })),
    h(
      "ol",
      { class: "agenda-list" },
      phases.map((p, i) =>
        h(
          "li",
          {
            key: p.id,
            class: i < at ? "done" : i === at ? "current" : "later",
            "aria-current": i === at ? "step" : null,
            title: p.minutes ? `${pick(p.name)} · ${t("agenda.minutes", { n: p.minutes })}` : pick(p.name), // cut short on a narrow strip
          },
          h("span", { class: "agenda-name" }, pick(p.name)),
          // a round that is over needs no plan any more: its name gets the room
          p.minutes && i >= at ? h("span", { class: "agenda-min" }, ` ${t("agenda.minutes", { n: p.minutes })}`) : null,
        ),
      ),
    ),
    usage(ctx),
  );
}

/** Time used in this round against the time planned, as the shared timer counts it. */
function usage(ctx) {
  const planned = ctx.state.phase.minutes ?? ctx.state.method.phases[ctx.state.phase.index]?.minutes;
  if (!ctx.state.timer || !planned) return null;
  return ticking(() => {
    const left = ctx.secondsLeft();
    if (left === null) return null;
    const used = Math.max(0, Math.floor((planned * 60 - left) / 60));
    return h("span", { class: "agenda-used" }, t("agenda.used", { used, planned }));
  });
}

/**
 * What earlier rounds left that is not this round's work, folded away under one summary
 * (closed unless the person opens it). `parts` are elements or nulls; nothing, no fold.
 */
export function earlier(ctx, ...parts) {
  const shown = parts.flat().filter(Boolean);
  if (!shown.length) return null;
  return h(
    "details",
    { class: "earlier-rounds", key: "earlier" },
    h("summary", {}, t("agenda.earlier")),
    ...shown,
  );
}
