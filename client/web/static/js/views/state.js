// What the views ask of the room state: who is who, who speaks, which cards are on the
// table, and what this person may give now. Plain answers, no elements: every view module
// reads the rules from here, so each is written once.

import { t } from "../i18n.js";

export function names(s) {
  return Object.fromEntries(s.participants.map((p) => [p.id, p.name]));
}

export function nameOf(s, pid) {
  return names(s)[pid] ?? t("common.someone");
}

/** May I give `input` in this phase? (the server checks the same rule) */
export function mayGive(ctx, input) {
  const s = ctx.state;
  const who = s.phase.accepts[input];
  if (!who || ctx.me.role !== "participant") return false;
  const inbrenger = ctx.me.id === s.inbrenger;
  if (who === "inbrenger") return inbrenger;
  if (who === "group") return !inbrenger;
  return true;
}

/** The members of the group: participants other than the inbrenger. */
export function groupOf(s) {
  return s.participants.filter((p) => p.role === "participant" && p.id !== s.inbrenger);
}

export function currentSpeaker(s) {
  const { order, current } = s.turns;
  return current < order.length ? order[current] : null;
}

export function turnsDone(s) {
  return s.turns.current >= s.turns.order.length;
}

/**
 * Whether the inbrenger may react now (rate, mark answered): where they speak, or where
 * the phase takes their response and every turn is done (the server checks the same).
 */
export function inbrengerMaySpeak(s) {
  const p = s.phase;
  if ((p.inbrenger ?? "speaks") === "speaks") return true;
  return Boolean(p.accepts.response) && !(p.in_turn && !turnsDone(s));
}

/** The deal of the phase the room is in, if its cards are on the table. */
export function currentDeal(s) {
  return s.phase.deck ? (s.deals[s.phase.id] ?? null) : null;
}

export function cardOf(deal, id) {
  return deal.cards.find((c) => c.id === id) ?? null;
}

/** My card in this deal (a card record), or null. */
export function myCard(deal) {
  return deal && deal.mine ? cardOf(deal, deal.mine) : null;
}

/** The notes written in the phase the room is in. */
export function notesHere(s) {
  return s.notes.filter((n) => n.phase === s.phase.id);
}
