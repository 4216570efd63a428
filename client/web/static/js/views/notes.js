// Written notes of a phase ("wat zou jij doen?", first associations, "de uitdaging van de
// inbrenger is volgens mij …"): write and withdraw your own; the rest appear when the
// facilitator reveals them (or at once, where the method does not hide them).

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button, textFieldForm, titled } from "./shared.js";
import { may, nameOf, notesHere } from "./state.js";
import { inTurn } from "./turns.js";

function noteList(ctx, notes, { own = new Set(), withdraw = false } = {}) {
  const s = ctx.state;
  return h(
    "ul",
    { class: "note-list" },
    notes.map((n) =>
      h(
        "li",
        { class: `note${own.has(n.id) ? " own" : ""}`, "data-note": n.id, key: n.id },
        h("p", { class: "note-text" }, n.text),
        h(
          "p",
          { class: "question-meta" },
          [own.has(n.id) ? t("notes.yours") : null, n.author && !own.has(n.id) ? nameOf(s, n.author) : null]
            .filter(Boolean)
            .join(" · "),
        ),
        withdraw && own.has(n.id)
          ? button(t("notes.withdraw"), () => ctx.send("withdraw_note", { note: n.id }), { cls: "quiet", key: "withdraw" })
          : null,
      ),
    ),
  );
}

/**
 * The form for a note. `observer`: the holder of an observer's card, whose notes are named
 * and shown at once, also in a phase that hides the others' writing until the reveal.
 */
function noteForm(ctx, { observer = false } = {}) {
  const phase = ctx.state.phase;
  const back = phase.id === "terugblik"; // a group's look back: a line shared about one's action
  return textFieldForm(ctx, {
    name: "note",
    command: "note",
    label: t(observer ? "notes.observer_field" : back ? "terugblik.field" : "notes.field"),
    hint: observer ? t("notes.observer_hint") : phase.hidden_until_reveal ? t("notes.hidden_hint") : null,
    submit: t(back ? "terugblik.send" : "notes.send"),
  });
}

/**
 * The notes of the current phase. `writer`: may this person write one now (with the form
 * here); `withdraw`: may they take their own back; `reveal`: the facilitator's button.
 */
export function notesBlock(ctx, { writer = false, withdraw = writer, reveal = false, observer = false } = {}) {
  const s = ctx.state;
  const phase = s.phase;
  const own = new Set(s.own_notes);
  const here = notesHere(s);
  const hidden = phase.hidden_until_reveal && s.notes_hidden > 0;
  const back = phase.id === "terugblik";
  return titled(
    "notes",
    t(observer ? "notes.observer_title" : back ? "terugblik.notes_title" : "notes.title"),
    writer ? noteForm(ctx, { observer }) : null,
    hidden ? h("p", { class: "muted" }, t("notes.hidden_count", { count: s.notes_hidden })) : null,
    reveal && hidden ? button(t("fac.reveal"), () => ctx.send("reveal"), { cls: "primary", key: "reveal" }) : null,
    here.length ? noteList(ctx, here, { own, withdraw }) : h("p", { class: "muted" }, t(back ? "terugblik.notes_none" : "notes.none")),
  );
}

/** Written notes of this phase: in turn where the phase says so. */
export function notesPart(ctx) {
  const writes = may(ctx, "note");
  if (!ctx.state.phase.in_turn) return notesBlock(ctx, { writer: writes });
  return [inTurn(ctx, writes ? noteForm(ctx) : null), notesBlock(ctx, { withdraw: writes })];
}
