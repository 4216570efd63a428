// The facilitator's checklist for the round under way: what to watch for (advice disguised
// as a question, the inbrenger interrupting, running out of time). Open for one who leads
// their group for the first time (the room says so: `first_timers`), and for any other
// facilitator behind "Checklist tonen". The texts are in the catalog (coach.*), by kind of
// round, so every method's rounds get the one that fits what they accept.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { titled } from "./shared.js";
import { nameOf } from "./state.js";

/** The kind of round a phase is, by what it accepts (null: the lobby, nothing to watch). */
export function roundKind(phase) {
  const a = phase.accepts || {};
  if (a.evaluation || a.takeaway) return "afsluiting";
  if (a.advice) return "advies";
  if (a.questions) return "vragen";
  if (a.perspectives || a.notes) return "associaties";
  if (a.response || a.essence) return "reactie";
  if (a.cases || a.case_text) return "casuskeuze";
  if (a.confirm) return "opening";
  return null;
}

export function checklist(ctx) {
  const s = ctx.state;
  const kind = roundKind(s.phase);
  const first = s.first_timers.includes(ctx.me.id);
  const others = s.first_timers.filter((id) => id !== ctx.me.id);
  const note = others.length ? h("p", { class: "hint" }, t("coach.marked", { name: others.map((id) => nameOf(s, id)).join(", ") })) : null;
  if (!kind) return first ? titled("coach", t("coach.title"), h("p", {}, t("coach.first_time"))) : note;
  const open = first ? ctx.ui.checklist !== false : ctx.ui.checklist === true;
  const toggle = () => {
    ctx.ui.checklist = !open;
    ctx.render();
  };
  return titled(
    "coach",
    t("coach.title"),
    first ? h("p", { class: "coach-first" }, t("coach.first_time")) : note,
    open ? h("ul", { class: "checklist", "data-kind": kind }, t(`coach.${kind}`, { returnObjects: true }).map((line, i) => h("li", { key: i }, line))) : null,
    h("button", { type: "button", key: "coach-toggle", "data-key": "coach-toggle", class: "quiet", "aria-expanded": String(open), onclick: toggle }, t(open ? "coach.hide" : "coach.show")),
  );
}
