// The inbrenger's summaries, kept in this page (memory only, never in storage): the room,
// and with it the summary, is erased at the end. The inbrenger of an earlier case asks for
// theirs by itself once it exists; the inbrenger of the case under way asks in the closing
// round (so a page that goes offline before the end still has it) and gets the final one
// with the `ended` event. The ended page then offers them (`offer`).

import { t } from "./i18n.js";
import { h } from "./ui.js";

export class Kept {
  constructor(ctx) {
    this.ctx = ctx;
    this.summaries = [];
    this.asking = false; // a `summary` the page sent itself is on its way
    this.phase = null; // the round in which the current case's summary was last asked for
  }

  /** Ask the server for the summary this person may keep, when there is a new one. */
  ask() {
    const { ctx } = this;
    const s = ctx.state;
    if (!s || !ctx.me || ctx.me.role === "screen" || this.asking || ctx.mirror.ended) return;
    const current = s.inbrenger === ctx.me.id && "takeaway" in s.phase.accepts;
    const earlier = s.has_summary && s.inbrenger !== ctx.me.id && !this.summaries.length;
    if (current ? this.phase === s.phase.id : !earlier) return;
    this.asking = true;
    this.phase = current ? s.phase.id : null;
    ctx.send("summary", {}, { keep: true });
  }

  /** The case under way changed (a take-away, a response): its summary is newer. */
  stale() {
    this.phase = null;
  }

  /** A `summary` result (or the `ended` event's private form): keep what is this person's. */
  take(result) {
    const s = this.ctx.state;
    const mine = s && s.inbrenger === this.ctx.me?.id;
    this.summaries = mine ? [...(result.earlier || []), result.summary] : [...(result.earlier || [])];
  }

  /** On the ended page: the summaries, to open (`open(summary)`), print or download. */
  offer(open) {
    if (!this.summaries.length) return null;
    const many = this.summaries.length > 1;
    return h(
      "section",
      { class: "card summary-cta", id: "kept-summary", "aria-labelledby": "kept-summary-title" },
      h("h2", { id: "kept-summary-title" }, t("summary.title")),
      h("p", {}, t("summary.kept_text")),
      h(
        "div",
        { class: "row" },
        this.summaries.map((summary, i) =>
          h(
            "button",
            { type: "button", class: "primary", key: String(i), onclick: () => open(summary) },
            many ? t("summary.open_case", { title: summary.title || "" }) : t("summary.open"),
          ),
        ),
      ),
    );
  }
}
