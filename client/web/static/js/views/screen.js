// The projector: what the whole room may see, made for a wall. The server sends a screen
// only public data; this view shows even less (no names next to questions, no case text,
// never the inbrenger's warm/lauw/koud). It never scrolls: one screen of what is current
// (the agenda, the round and its timer, whose turn it is, the case, and the round's items),
// and what does not fit is paged (see Pager): measured, never taller than the wall.
// Dark by default; a small toggle, shown when the mouse moves, makes it light (remembered
// in this browser). See ../../projector.css.

import { pick, t } from "../i18n.js";
import { h } from "../ui.js";
import { wallHands } from "./hands.js";
import { Pager } from "./pager.js";
import { dealProgress, dealWaitText } from "./cards.js";
import { circlesWall } from "./circles.js";
import { phaseHeader } from "./shared.js";
import { theme, themeToggle, watchMouse } from "./wall_controls.js";
import { cardOf, currentDeal, currentSpeaker, nameOf, notesHere, placeClusters } from "./state.js";

export function screenView(ctx) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const lobby = s.phase.index === 0;
  document.documentElement.dataset.wall = theme();
  watchMouse();
  const bigJoin = (lobby || a.confirm) && !s.locked;
  return h(
    "div",
    { class: "wall" },
    agenda(ctx),
    phaseHeader(ctx, { big: true }),
    nowStrip(ctx),
    h("div", { class: "stage" }, stage(ctx, { bigJoin })),
    h(
      "div",
      { class: "wall-foot" },
      !s.locked && !bigJoin ? joinLine(ctx) : null,
      themeToggle(ctx),
    ),
  );
}

/** The method's rounds in order with their planned minutes (the rounds to come), the current one marked. */
function agenda(ctx) {
  const s = ctx.state;
  return h(
    "nav",
    { class: "agenda", "aria-label": t("screen.agenda") },
    h(
      "ol",
      {},
      s.method.phases.map((p, i) =>
        h(
          "li",
          {
            key: p.id,
            class: i < s.phase.index ? "done" : i === s.phase.index ? "current" : "later",
            "aria-current": i === s.phase.index ? "step" : null,
          },
          h("span", { class: "agenda-name" }, pick(p.name)),
          // as on the laptops: a round that is over shows no plan any more
          p.minutes && i >= s.phase.index ? h("span", { class: "agenda-min" }, ` ${t("agenda.minutes", { n: p.minutes })}`) : null,
        ),
      ),
    ),
  );
}

/**
 * The case the room works on, and whose turn it is with the order, or in a round without
 * one who has the floor and who is next: what matters now.
 */
function nowStrip(ctx) {
  const s = ctx.state;
  const chosen = s.chosen_case ? s.cases.find((c) => c.id === s.chosen_case) : null;
  const turns = s.phase.in_turn ? (s.turns.order.length ? turnStrip(ctx) : null) : wallHands(ctx);
  if (!chosen && !turns) return null;
  return h(
    "div",
    { class: "now" },
    chosen
      ? h(
          "section",
          { class: "wall-case", "aria-labelledby": "wall-case-title" },
          h("h2", { id: "wall-case-title", class: "wall-case-title" }, chosen.title),
          h("p", { class: "wall-case-question" }, chosen.question),
        )
      : null,
    turns,
  );
}

/** Who speaks now, large, and the order as a row: with public cards, each card with its holder. */
function turnStrip(ctx) {
  const s = ctx.state;
  const { order, current } = s.turns;
  const pid = currentSpeaker(s);
  const deal = currentDeal(s);
  const state = (i) => (i < current ? "done" : i === current ? "current" : "later");
  let items;
  if (deal && deal.public) {
    // the cards in speaking order, the ones nobody speaks from (the observer) after them
    const place = (card) => {
      const holders = Object.keys(deal.holders).filter((p) => deal.holders[p] === card.id);
      const i = Math.min(...holders.map((p) => order.indexOf(p)).filter((x) => x >= 0));
      return { card, holders, i: Number.isFinite(i) ? i : order.length + 1 };
    };
    items = deal.cards
      .map(place)
      .sort((x, y) => x.i - y.i)
      .map(({ card, holders, i }) =>
        h(
          "li",
          {
            key: card.id,
            "data-card": card.id,
            class: `hat ${i < order.length ? state(i) : "aside"}${card.observer ? " observer" : ""}`,
            "aria-current": i === current ? "step" : null,
          },
          h("span", { class: "hat-name" }, pick(card.name)),
          h("span", { class: "hat-holder" }, holders.length ? holders.map((p) => nameOf(s, p)).join(", ") : t("cards.nobody")),
        ),
      );
  } else {
    items = order.map((p, i) =>
      h("li", { key: p, class: state(i), "aria-current": i === current ? "step" : null }, nameOf(s, p)),
    );
  }
  return h(
    "section",
    { class: "wall-turns", "aria-labelledby": "wall-turns-title" },
    h("h2", { id: "wall-turns-title", class: "sr-only" }, t("turns.title")),
    h("p", { class: "screen-speaker" }, pid ? t("turns.speaking", { name: nameOf(s, pid) }) : t("turns.all_done")),
    h("ol", { class: "wall-order" }, items),
  );
}

/** The round's own content: one of these, what is current. */
function stage(ctx, { bigJoin }) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const lobby = s.phase.index === 0;
  if (s.circles?.length) return circlesWall(ctx); // the group works in circles: how far each is
  if (lobby || a.confirm)
    return [
      bigJoin ? joinPanel(ctx) : null,
      lobby ? whoIsHere(ctx) : null,
      a.confirm ? h("p", { class: "screen-count" }, t("confirm.count", { count: s.confirmed_count })) : null,
    ];
  if (a.cases) return caseList(ctx);
  if (a.questions) return questionPages(ctx);
  if (s.phase.deck) return cards(ctx);
  const notes = notesHere(s);
  if (a.notes || notes.length) return notePages(ctx);
  return earlierPerspectives(ctx);
}

/** The cases proposed, as titles; the votes once the vote is closed, the chosen one marked. */
function caseList(ctx) {
  const s = ctx.state;
  if (!s.cases.length) return h("p", { class: "screen-count" }, t("cases.none"));
  const tally = s.vote.tally || {};
  const items = s.cases.map((c) =>
    h(
      "li",
      { key: c.id, class: `wall-item case-title${c.id === s.chosen_case ? " chosen" : ""}`, "data-case": c.id },
      h("span", { class: "wall-item-text" }, c.title),
      s.vote.tally || c.id === s.chosen_case
        ? h(
            "span",
            { class: "wall-meta" },
            [s.vote.tally ? t("cases.votes", { count: tally[c.id] || 0 }) : null, c.id === s.chosen_case ? t("cases.chosen") : null]
              .filter(Boolean)
              .join(" · "),
          )
        : null,
    ),
  );
  return [
    h("h2", { class: "stage-title" }, t("screen.cases", { count: s.cases.length })),
    h(Pager, { tag: "ol", cls: "wall-list cases-list", label: t("screen.cases", { count: s.cases.length }) }, items),
  ];
}

/**
 * The questions: the one the inbrenger answers now (`answering`) first and highlighted,
 * then the most upvoted, the answered ones after the open ones. No author, no rating.
 */
function questionPages(ctx) {
  const s = ctx.state;
  const qs = s.questions.filter((q) => !q.hidden);
  if (!qs.length) return h("p", { class: "screen-count" }, t("questions.none"));
  const num = (id) => Number(id.slice(1));
  const now = qs.some((q) => q.id === s.answering && !q.answered) ? s.answering : null;
  const sorted = [...qs].sort(
    (x, y) => Number(y.id === now) - Number(x.id === now) || Number(x.answered) - Number(y.answered) || y.upvotes - x.upvotes || num(x.id) - num(y.id),
  );
  const items = sorted.map((q) =>
    h(
      "li",
      {
        key: q.id,
        "data-question": q.id,
        class: `wall-item question${q.id === now ? " now" : ""}${q.answered ? " answered" : ""}`,
        "aria-current": q.id === now ? "true" : null,
      },
      h("span", { class: "wall-item-text question-text" }, q.text),
      q.upvotes || q.answered || q.id === now
        ? h(
            "span",
            { class: "wall-meta" },
            [
              q.id === now ? t("screen.question_now") : null,
              q.upvotes ? t("screen.upvotes", { count: q.upvotes }) : null,
              q.answered ? t("questions.answered") : null,
            ]
              .filter(Boolean)
              .join(" · "),
          )
        : null,
    ),
  );
  return [
    h("h2", { class: "stage-title", id: "questions-title" }, t("questions.title", { count: qs.length })),
    h(Pager, { tag: "ol", cls: "wall-list question-list", label: t("questions.title", { count: qs.length }) }, items),
  ];
}

/** The cards of this phase as the whole room may see them: counts of private cards until
 * the reveal; what was written from public cards as it is written (who holds which shows
 * in the order above). */
function cards(ctx) {
  const s = ctx.state;
  const deal = currentDeal(s);
  if (!deal) return h("p", { class: "screen-count" }, dealWaitText(s));
  const waiting = !deal.revealed && !(deal.public && !deal.hidden);
  const notes = notesHere(s);
  return [
    waiting ? dealProgress(ctx, deal) : null,
    !s.phase.in_turn && deal.public ? hatTable(ctx, deal) : null,
    deal.perspectives.length || notes.length
      ? [
          h("h2", { class: "stage-title", id: "perspectives-title" }, t(deal.revealed ? "cards.revealed_title" : "cards.written_title")),
          h(
            Pager,
            { tag: "ul", cls: "wall-list perspectives perspective-list", label: t(deal.revealed ? "cards.revealed_title" : "cards.written_title") },
            [...perspectiveItems(ctx, deal), ...noteItems(ctx, notes)],
          ),
        ]
      : null,
  ];
}

/** Public cards in a phase without turns: who holds which. */
function hatTable(ctx, deal) {
  const s = ctx.state;
  return h(
    "ul",
    { class: "wall-order hats" },
    deal.cards.map((card) => {
      const who = Object.keys(deal.holders).filter((p) => deal.holders[p] === card.id);
      return h(
        "li",
        { key: card.id, "data-card": card.id, class: `hat${card.observer ? " observer" : ""}` },
        h("span", { class: "hat-name" }, pick(card.name)),
        h("span", { class: "hat-holder" }, who.length ? who.map((p) => nameOf(s, p)).join(", ") : t("cards.nobody")),
      );
    }),
  );
}

function perspectiveItems(ctx, deal, phaseName = null) {
  const s = ctx.state;
  return deal.perspectives.map((p, n) => {
    const card = cardOf(deal, p.card);
    return h(
      "li",
      { key: `${phaseName || ""}${p.card}-${p.holder || n}`, class: "wall-item perspective", "data-holder": p.holder ?? null },
      h(
        "p",
        { class: "perspective-role" },
        card ? pick(card.name) : p.card,
        p.holder ? h("span", { class: "perspective-holder" }, ` · ${nameOf(s, p.holder)}`) : null,
        phaseName ? h("span", { class: "perspective-phase" }, ` · ${phaseName}`) : null,
      ),
      p.texts.map((text, i) =>
        h(
          "p",
          { class: "perspective-text" },
          card?.fields[i] ? [h("strong", {}, pick(card.fields[i].label)), " "] : null,
          // "Ik voel …" and then "Ik voel onrust": the label's own words are not said twice
          card?.fields[i] ? dropEcho(pick(card.fields[i].label), text) : text,
        ),
      ),
    );
  });
}

/** The text without the words its label already says ("Ik voel …" + "Ik voel onrust"). */
function dropEcho(label, text) {
  const stem = label.replace(/\s*…$/, "").trim();
  if (stem && text.toLowerCase().startsWith(stem.toLowerCase())) {
    const rest = text.slice(stem.length).replace(/^[\s:,]+/, "");
    if (rest) return rest;
  }
  return text;
}

function noteItems(ctx, notes) {
  const s = ctx.state;
  return notes.map((n) =>
    h(
      "li",
      { key: n.id, class: "wall-item note", "data-note": n.id },
      h("p", { class: "wall-item-text note-text" }, n.text),
      n.author ? h("p", { class: "wall-meta" }, nameOf(s, n.author)) : null,
    ),
  );
}

/** Notes of a phase without cards: the revealed ones, or how many wait for the reveal. */
function notePages(ctx) {
  const s = ctx.state;
  const notes = notesHere(s);
  const hidden = s.phase.hidden_until_reveal && s.notes_hidden > 0;
  return [
    hidden ? h("p", { class: "screen-count" }, t("notes.hidden_count", { count: s.notes_hidden })) : null,
    notes.length
      ? [
          h("h2", { class: "stage-title", id: "notes-title" }, t("notes.title")),
          h(Pager, { tag: "ul", cls: "wall-list note-list", label: t("notes.title") }, noteItems(ctx, notes)),
        ]
      : null,
  ];
}

/** In a later round: what was written from the cards of earlier rounds of this case. */
function earlierPerspectives(ctx) {
  const s = ctx.state;
  const phases = s.method.phases.filter((p) => p.id !== s.phase.id && s.deals[p.id] && s.deals[p.id].perspectives.length);
  if (!phases.length) return null;
  const many = phases.length > 1;
  const items = phases.flatMap((p) => perspectiveItems(ctx, s.deals[p.id], many ? pick(p.name) : null));
  return h(
    "section",
    { class: "perspectives earlier", "aria-labelledby": "earlier-perspectives-title" },
    h("h2", { class: "stage-title", id: "earlier-perspectives-title" }, t("cards.earlier_title")),
    h(Pager, { tag: "ul", cls: "wall-list perspective-list", label: t("cards.earlier_title") }, items),
  );
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

/** After the opening the code stays on the wall, small, for whoever comes in late: only
 * while the room is open (a locked room lets nobody in). */
function joinLine(ctx) {
  const url = `${location.origin}/?code=${ctx.state.code}`;
  return h(
    "p",
    { class: "join-line" },
    h("img", { class: "qr qr-small", src: `/qr/${ctx.state.code}.svg`, alt: t("screen.qr_alt", { url }), width: 96, height: 96 }),
    h("span", {}, t("screen.join_late", { host: location.host }), " ", h("strong", { class: "join-code-small" }, ctx.prettyCode)),
  );
}

/** Who is here; in a hybrid meeting online first, then in the room (see placeClusters). */
function whoIsHere(ctx) {
  const people = ctx.state.participants.filter((p) => p.role === "participant" || p.role === "facilitator");
  const cloud = (list, labelledby = null) =>
    h("ul", { class: "name-cloud", "aria-labelledby": labelledby }, list.map((p) => h("li", { class: p.online ? "online" : "offline", key: p.id }, p.name)));
  const clusters = placeClusters(people);
  return h(
    "section",
    { class: "here", "aria-labelledby": "here-title" },
    h("h2", { id: "here-title" }, t("screen.here", { count: people.length })),
    clusters
      ? h(
          "div",
          { class: "here-clusters" },
          clusters.map(({ place, people: here }) => {
            const name = place ?? "unknown";
            return h(
              "div",
              { class: `here-cluster place-${name}`, key: name, "data-cluster": name },
              h("h3", { id: `here-${name}-title`, class: "cluster-title" }, t(`place.cluster_${name}`, { count: here.length })),
              cloud(here, `here-${name}-title`),
            );
          }),
        )
      : cloud(people),
  );
}
