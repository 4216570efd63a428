// Role cards, per phase (`deals` in the room, keyed by phase id). Private cards (drie
// rondes): each member of the group takes one that only they see, writes from it, and the
// facilitator reveals all at once, without names. Public cards (the thinking hats): dealt
// by seat, everyone sees who holds which, and what is written shows as it is written.
// Which kind a phase deals comes from the method data; nothing here names a method.
// The participant's part (`cardsPart`), the facilitator's (`cardControls`) and the
// projector's pieces are all here, built from the same table, progress and entries.

import { pick, t } from "../i18n.js";
import { h } from "../ui.js";
import { notesBlock } from "./notes.js";
import { button, field, form, titled, titledAs } from "./shared.js";
import { cardOf, currentDeal, groupOf, may, myCard, nameOf, notesHere } from "./state.js";
import { inTurn, turnControls } from "./turns.js";

/** What shows while the cards of this phase are not dealt yet. */
export function dealWaitText(s) {
  return t(s.phase.deal === "public" ? "cards.wait_public" : "cards.wait");
}

/** "3 van 4 kaarten gepakt · 2 geschreven": counts only, never whose. */
export function dealProgress(ctx, deal) {
  const s = ctx.state;
  const group = groupOf(s).length;
  const parts = [];
  if (!deal.public) parts.push(t("cards.taken", { taken: deal.taken, group }));
  const writers = deal.public ? writersOf(deal).length : deal.taken;
  parts.push(t("cards.written", { written: deal.written, of: writers }));
  return h("p", { class: "muted deal-progress" }, parts.join(" · "));
}

/** Who may write from a public deal: the holders of a card that is not an observer's. */
function writersOf(deal) {
  return Object.entries(deal.holders).filter(([, card]) => !cardOf(deal, card)?.observer);
}

/**
 * Public cards: every card in deck order, who holds it and what it asks. A card nobody
 * holds this round says so; the observer's card shows who watches.
 */
export function dealTable(ctx, deal) {
  const s = ctx.state;
  const holders = (cardId) => Object.keys(deal.holders).filter((pid) => deal.holders[pid] === cardId);
  return titled(
    "deal-table",
    t("cards.public_title"),
    h(
      "ul",
      { class: "hat-list" },
      deal.cards.map((card) => {
        const who = holders(card.id);
        const mine = who.includes(ctx.me.id);
        return h(
          "li",
          { class: `hat${mine ? " mine" : ""}${card.observer ? " observer" : ""}${who.length ? "" : " free"}`, "data-card": card.id, key: card.id },
          h("p", { class: "hat-name" }, pick(card.name)),
          h(
            "p",
            { class: "hat-holder" },
            who.length
              ? who.map((pid) => (pid === ctx.me.id ? t("cards.you", { name: nameOf(s, pid) }) : nameOf(s, pid))).join(", ")
              : t("cards.nobody"),
          ),
          card.instruction ? h("p", { class: "hint hat-instruction" }, pick(card.instruction)) : null,
        );
      }),
    ),
  );
}

/** The card I hold: its name and what it asks of me. */
function cardFace(ctx, deal, card) {
  return h(
    "div",
    { class: `role-card${card.observer ? " observer" : ""}`, role: "group", "aria-labelledby": "card-title" },
    h("p", { class: "card-label", id: "card-title" }, t(card.observer ? "cards.you_observe" : "cards.your_card")),
    h("p", { class: "card-role" }, pick(card.name)),
    card.instruction ? h("p", { class: "card-instruction" }, pick(card.instruction)) : null,
    deal.public ? null : h("p", { class: "hint" }, t("cards.private")),
  );
}

/** The field ids of a card's form in this phase (a draft of one round is not another's). */
function fieldId(phaseId, f) {
  return `persp-${phaseId}-${f.id}`;
}

/** One text box per field of my card, labelled as the card says; sent as `texts` in order. */
function perspectiveForm(ctx, deal, card) {
  const phaseId = ctx.state.phase.id;
  const ids = card.fields.map((f) => fieldId(phaseId, f));
  const mine = deal.my_texts;
  return h(
    "div",
    { class: "stack perspective-write" },
    mine ? h("p", { class: "done" }, t(deal.hidden ? "cards.saved" : "cards.saved_public")) : null,
    form(ctx, {
      id: "perspective-form",
      command: "perspective",
      fields: ids,
      args: (v) => ({ texts: ids.map((id) => v[id]) }),
      submit: t(mine ? "cards.update" : deal.hidden ? "cards.save" : "cards.share"),
      extra: card.fields.map((f, i) =>
        field(ctx, {
          id: ids[i],
          label: pick(f.label),
          long: true,
          max: ctx.limits.MAX_SHORT,
          value: ctx.draft(ids[i]) || (mine ? mine[i] : "") || "",
        }),
      ),
    }),
  );
}

/**
 * Does `text` begin with what its field's label prompts ("Ik voel …" and "Ik voel onrust")?
 * Then the label is not shown before it: people finish the prompt's sentence, and the page
 * would otherwise read "Ik voel … Ik voel onrust".
 */
function echoes(text, label) {
  const stem = label.replace(/[\s.…:]+$/u, "").trim().toLocaleLowerCase();
  return stem.length > 0 && text.trim().toLocaleLowerCase().startsWith(stem);
}

/**
 * What was written from the cards and may be read now: each entry under its card's name,
 * each text under its field's label; with public cards, who wrote it.
 */
function perspectiveEntries(ctx, deal) {
  const s = ctx.state;
  return h(
    "ul",
    { class: "perspective-list" },
    deal.perspectives.map((p) => {
      const card = cardOf(deal, p.card);
      return h(
        "li",
        { class: `perspective${p.holder && p.holder === ctx.me.id ? " own" : ""}`, "data-holder": p.holder ?? null },
        h(
          "p",
          { class: "perspective-role" },
          card ? pick(card.name) : p.card,
          p.holder ? h("span", { class: "perspective-holder" }, ` · ${nameOf(s, p.holder)}`) : null,
        ),
        p.texts.map((text, i) => {
          const label = card?.fields[i] ? pick(card.fields[i].label) : null;
          return h("p", { class: "perspective-text" }, label && !echoes(text, label) ? [h("strong", {}, label), " "] : null, text);
        }),
      );
    }),
  );
}

/** The perspectives of this phase as everyone may read them now, under one heading. */
export function perspectivesNow(ctx, deal) {
  if (!deal || !deal.perspectives.length) return null;
  return titled(
    "perspectives",
    t(deal.revealed ? "cards.revealed_title" : "cards.written_title"),
    perspectiveEntries(ctx, deal),
  );
}

/**
 * In a later phase: what was written from the cards of earlier phases of this case, phase
 * by phase in the method's order (the three rounds of hats, the association round).
 */
export function earlierPerspectives(ctx) {
  const s = ctx.state;
  const phases = s.method.phases.filter((p) => p.id !== s.phase.id && s.deals[p.id] && s.deals[p.id].perspectives.length);
  if (!phases.length) return null;
  return titledAs(
    "perspectives earlier",
    "earlier-perspectives",
    t("cards.earlier_title"),
    phases.map((p) => h("div", { class: "perspective-phase" }, h("h3", {}, pick(p.name)), perspectiveEntries(ctx, s.deals[p.id]))),
  );
}

/**
 * A participant: the role cards of this phase. Private cards: take yours (the page does it by itself),
 * write from it, wait for the reveal. Public cards: who holds which, in turn from yours,
 * what the others wrote as they wrote it; the observer writes notes instead.
 */
export function cardsPart(ctx) {
  const s = ctx.state;
  const deal = currentDeal(s);
  if (!deal) return h("section", { class: "cards" }, h("p", {}, dealWaitText(s)));
  const card = myCard(deal);
  const writes = may(ctx, "perspective") && card && !card.observer && !deal.revealed;
  if (deal.public) {
    const formPart = writes ? perspectiveForm(ctx, deal, card) : null;
    return [
      card
        ? h("section", { class: "cards my-card" }, cardFace(ctx, deal, card))
        : may(ctx, "perspective") && !deal.revealed
          ? h("section", { class: "cards" }, h("p", {}, t("cards.late"))) // came in after the deal
          : null,
      dealTable(ctx, deal),
      s.phase.in_turn ? inTurn(ctx, formPart) : formPart ? h("section", { class: "cards" }, formPart) : null,
      perspectivesNow(ctx, deal),
      deal.hidden && !deal.revealed ? dealProgress(ctx, deal) : null,
      card?.observer && may(ctx, "perspective")
        ? notesBlock(ctx, { writer: true, observer: true })
        : notesHere(s).length
          ? notesBlock(ctx)
          : null,
    ];
  }
  if (deal.revealed) return perspectivesNow(ctx, deal);
  if (!may(ctx, "perspective")) return h("section", { class: "cards" }, dealProgress(ctx, deal));
  if (!card) {
    const taking = ctx.pending("draw_card");
    return h(
      "section",
      { class: "cards" },
      taking
        ? h("p", {}, t("cards.taking"))
        : button(t("cards.take"), () => ctx.send("draw_card"), { cls: "primary", key: "draw-card" }),
      dealProgress(ctx, deal),
    );
  }
  return h("section", { class: "cards", "aria-labelledby": "card-title" }, cardFace(ctx, deal, card), perspectiveForm(ctx, deal, card), dealProgress(ctx, deal));
}

/**
 * The facilitator: the role cards of this phase. Private: put them on the table (each member of the group
 * takes their own), follow the counts, reveal all at once. Public: deal them (again for
 * whoever came late), see who holds which, lead the turns.
 */
export function cardControls(ctx) {
  const s = ctx.state;
  const deal = currentDeal(s);
  const publicCards = s.phase.deal === "public";
  const newcomers = deal && deal.public ? groupOf(s).filter((p) => !(p.id in deal.holders)) : [];
  const main = ctx.ui.mainKey; // the facilitator's main action stands at the top (facilitator.js)
  const dealButton = !deal && main === "deal" ? null : !deal
    ? button(t(publicCards ? "fac.deal_public" : "fac.deal"), () => ctx.send("deal_cards"), { cls: "primary", key: "deal" })
    : newcomers.length && !deal.revealed
      ? button(t("fac.deal_more", { names: newcomers.map((p) => p.name).join(", ") }), () => ctx.send("deal_cards"), {
          cls: "secondary",
          key: "deal",
        })
      : null;
  const revealButton =
    deal && deal.hidden && !deal.revealed && main !== "reveal"
      ? button(t("fac.reveal"), () => ctx.send("reveal"), { cls: "primary", disabled: !deal.written, key: "reveal" })
      : null;
  return [
    titled(
      "cards",
      t("fac.cards"),
      deal ? dealProgress(ctx, deal) : h("p", { class: "hint" }, t(publicCards ? "fac.deal_public_hint" : "fac.deal_hint")),
      dealButton || revealButton ? h("div", { class: "row" }, dealButton, revealButton) : null,
    ),
    deal && deal.public ? dealTable(ctx, deal) : null,
    s.phase.in_turn ? turnControls(ctx) : null,
    perspectivesNow(ctx, deal),
    deal && deal.public && notesHere(s).length ? notesBlock(ctx) : null,
  ];
}
