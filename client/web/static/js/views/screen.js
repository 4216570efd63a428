// The projector: what the whole room may see, large. The server sends a screen only
// public data; this view shows even less (no names next to questions, no case text).

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { dealProgress, dealTable, dealWaitText, earlierPerspectives, perspectivesNow } from "./cards.js";
import { notesBlock } from "./notes.js";
import { questionList } from "./questions.js";
import { phaseHeader, titled } from "./shared.js";
import { currentDeal, currentSpeaker, nameOf, notesHere } from "./state.js";
import { turnList } from "./turns.js";

export function screenView(ctx) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const lobby = s.phase.index === 0;
  return [
    phaseHeader(ctx, { big: true }),
    lobby || a.confirm ? joinPanel(ctx) : joinLine(ctx),
    lobby ? whoIsHere(ctx) : null,
    a.confirm ? h("p", { class: "screen-count" }, t("confirm.count", { count: s.confirmed_count })) : null,
    a.cases ? h("p", { class: "screen-count" }, t("screen.cases", { count: s.cases.length })) : null,
    a.questions ? questionList(ctx, { showAuthors: false }) : null,
    s.phase.deck ? cards(ctx) : earlierPerspectives(ctx),
    a.notes || (s.phase.deck && notesHere(s).length) ? notesBlock(ctx) : null,
    s.phase.in_turn ? speaker(ctx) : null,
    s.phase.in_turn ? turnList(ctx) : null,
  ];
}

/** The cards of this phase as the whole room may see them: counts of private cards until
 * the reveal; public cards with who holds which, and what they wrote. */
function cards(ctx) {
  const s = ctx.state;
  const deal = currentDeal(s);
  if (!deal) return h("p", { class: "screen-count" }, dealWaitText(s));
  return [
    deal.public ? dealTable(ctx, deal) : null,
    deal.revealed || (deal.public && !deal.hidden) ? null : dealProgress(ctx, deal),
    perspectivesNow(ctx, deal),
  ];
}

function joinPanel(ctx) {
  const url = `${location.origin}/?code=${ctx.state.code}`;
  return h(
    "section",
    { class: "join-panel", "aria-labelledby": "join-title" },
    h(
      "div",
      {},
      h("h2", { id: "join-title" }, t("screen.join")),
      h("p", { class: "join-url" }, location.host),
      h("p", { class: "join-code", "aria-label": t("screen.code_label", { code: ctx.state.code.split("").join(" ") }) }, ctx.prettyCode),
    ),
    h("img", { class: "qr", src: `/qr/${ctx.state.code}.svg`, alt: t("screen.qr_alt", { url }), width: 240, height: 240 }),
  );
}

/** After the opening the code stays on the wall, small, for whoever comes in late. */
function joinLine(ctx) {
  return h(
    "p",
    { class: "join-line" },
    t("screen.join_late", { host: location.host }),
    " ",
    h("strong", { class: "join-code-small" }, ctx.prettyCode),
  );
}

function whoIsHere(ctx) {
  const people = ctx.state.participants.filter((p) => p.role === "participant" || p.role === "facilitator");
  return titled(
    "here",
    t("screen.here", { count: people.length }),
    h("ul", { class: "name-cloud" }, people.map((p) => h("li", { class: p.online ? "online" : "offline", key: p.id }, p.name))),
  );
}

function speaker(ctx) {
  const pid = currentSpeaker(ctx.state);
  if (!pid) return null;
  return h("p", { class: "screen-speaker" }, t("turns.speaking", { name: nameOf(ctx.state, pid) }));
}
