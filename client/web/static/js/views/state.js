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

/** Who may give each command, and the phase input it needs: the server's own table
 * (engine.RULES), handed to the page with the protocol. */
const { MAY } = JSON.parse(document.body.dataset.protocol);

/** May I send `command` now? The server checks the same rows; a command it leaves to its
 * own rule (pass_turn, summary, …) is for the view that offers it to decide. */
export function may(ctx, command) {
  const rule = MAY[command];
  if (!rule) throw new Error(`no such command: ${command}`);
  if (rule.facilitator) return ctx.me.role === "facilitator";
  return rule.input === null || mayGive(ctx, rule.input);
}

/** May I give `input` in this phase? The rule the server applies to every gated command. */
function mayGive(ctx, input) {
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

/** Where people can be, in the order the lists show them: online people never last. */
const PLACES = ["online", "room", null];

/**
 * `people` (records with `place`) in clusters by where they are: [{place, people}], online
 * first, then in the room, then those who have not said; empty clusters left out. Null
 * where nobody has said where they are (a meeting that is not hybrid: one plain list).
 */
export function placeClusters(people) {
  if (!people.some((p) => p.place)) return null;
  return PLACES.map((place) => ({ place, people: people.filter((p) => (p.place ?? null) === place) })).filter((c) => c.people.length);
}

/** The speaking queue as the server keeps it; an empty one where it has none (yet). */
export function handsOf(s) {
  return s.hands ?? { queue: [], speaker: null, spoken: {}, online_first: false };
}

/**
 * Does this round use the speaking queue? Rounds with a fixed order keep their turns; the
 * lobby has none unless someone already raised a hand there.
 */
export function handsOpen(s) {
  if (s.phase.in_turn) return false;
  const hands = handsOf(s);
  return s.phase.index > 0 || hands.queue.length > 0 || Boolean(hands.speaker);
}

/** Who has the floor from the queue now (null in a round given in turns). */
export function floorHolder(s) {
  return handsOpen(s) ? handsOf(s).speaker : null;
}

/** A person's record, or null. */
export function personOf(s, pid) {
  return s.participants.find((p) => p.id === pid) ?? null;
}
