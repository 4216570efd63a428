// The speaking queue, for the rounds without a fixed order (the inbrenger's response, a
// nagesprek): raise and lower your hand, the queue in the server's order with how often
// each person has spoken this meeting, who has the floor; for the facilitator, giving the
// floor, taking it back, lowering a hand and "online eerst". The order is the server's:
// it applies the tie rule and "online eerst", this only shows it.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button, titled } from "./shared.js";
import { handsOf, handsOpen, nameOf, personOf } from "./state.js";

/** "2×", with what it means for a screen reader and as a tooltip. */
export function spokenCount(s, pid) {
  const n = handsOf(s).spoken[pid] ?? 0;
  const text = t("hands.spoken", { count: n });
  return h(
    "span",
    { class: "spoken", title: text, "data-spoken": n },
    h("span", { "aria-hidden": "true" }, `${n}×`),
    h("span", { class: "sr-only" }, ` (${text})`),
  );
}

/** A small "online" next to a name in the queue, so the room sees who is not at the table. */
function onlineTag(s, pid) {
  return personOf(s, pid)?.place === "online" ? h("span", { class: "place-tag" }, t("hands.online_tag")) : null;
}

/** "Bram heeft het woord", or that nobody has. */
function speakerLine(ctx, { controls = false } = {}) {
  const s = ctx.state;
  const pid = handsOf(s).speaker;
  return h(
    "div",
    { class: "hands-now row", key: "now" },
    h(
      "p",
      // polite: a screen reader hears who has the floor now, not only the one who got it
      { class: "hands-speaker", "data-speaker": pid ?? "", "aria-live": "polite" },
      pid ? [t("hands.speaking", { name: nameOf(s, pid) }), " ", spokenCount(s, pid)] : t("hands.nobody"),
    ),
    controls && pid ? button(t("hands.take"), () => ctx.send("take_floor"), { cls: "secondary", key: "take-floor" }) : null,
  );
}

/** The queue, in order; `actions(pid)` adds the facilitator's buttons per person. */
function queueList(ctx, actions = null) {
  const s = ctx.state;
  const { queue } = handsOf(s);
  if (!queue.length) return h("p", { class: "muted hands-empty", key: "empty" }, t("hands.empty"));
  return h(
    "ol",
    { class: "hand-list", "aria-label": t("hands.queue"), key: "queue" },
    queue.map(({ participant: pid }) =>
      h(
        "li",
        { key: pid, class: `hand${pid === ctx.me.id ? " me" : ""}`, "data-hand": pid },
        h("span", { class: "hand-name" }, nameOf(s, pid)),
        pid === ctx.me.id ? h("span", { class: "muted" }, ` (${t("people.you")})`) : null,
        onlineTag(s, pid),
        spokenCount(s, pid),
        actions ? actions(pid) : null,
      ),
    ),
  );
}

function ruleLine(s) {
  return h("p", { class: "hint hands-rule", key: "rule" }, t(handsOf(s).online_first ? "hands.rule_online" : "hands.rule"));
}

/**
 * "Jij hebt het woord": for the person the facilitator gave the floor, at the top of
 * their view; its heading takes the focus when the floor comes to them (see attention.js).
 */
export function floorSection(ctx) {
  const s = ctx.state;
  if (!handsOpen(s) || handsOf(s).speaker !== ctx.me.id) return null;
  return h(
    "section",
    { class: "my-turn my-floor", "aria-labelledby": "floor-title", key: "my-floor" },
    h("h2", { id: "floor-title", tabindex: "-1" }, t("hands.yours")),
    h("p", {}, t("hands.yours_text")),
  );
}

/** A participant's (or an observer's) speaking queue: raise or lower your hand, who has the floor, who waits. */
export function handsBlock(ctx) {
  const s = ctx.state;
  if (!handsOpen(s)) return null;
  const hands = handsOf(s);
  const at = hands.queue.findIndex((q) => q.participant === ctx.me.id);
  const speaking = hands.speaker === ctx.me.id;
  const mayRaise = ctx.me.role === "participant" && !speaking;
  return titled(
    "hands",
    t("hands.title"),
    speaking ? null : speakerLine(ctx),
    mayRaise
      ? h(
          "div",
          { class: "row hands-mine", key: "mine" },
          at >= 0
            ? button(t("hands.lower"), () => ctx.send("lower_hand"), { cls: "secondary", key: "hand" })
            : button(t("hands.raise"), () => ctx.send("raise_hand"), { cls: "primary", key: "hand" }),
          at >= 0 ? h("span", { class: "hands-at" }, t("hands.mine_at", { n: at + 1 })) : null,
        )
      : null,
    queueList(ctx),
    ruleLine(s),
  );
}

/** The facilitator's speaking queue: give the floor, take it back, lower a hand, "online eerst". */
export function handsControls(ctx) {
  const s = ctx.state;
  if (!handsOpen(s)) return null;
  const hands = handsOf(s);
  const actions = (pid) =>
    h(
      "span",
      { class: "row hand-actions", role: "group", "aria-label": t("fac.actions_for", { name: nameOf(s, pid) }) },
      button(t("hands.give"), () => ctx.send("give_floor", { participant: pid }), { cls: "secondary", key: "give" }),
      button(t("hands.lower_for"), () => ctx.send("lower_hand", { participant: pid }), { cls: "quiet", key: "lower" }),
    );
  return titled(
    "hands",
    t("hands.title"),
    speakerLine(ctx, { controls: true }),
    queueList(ctx, actions),
    h(
      "div",
      { class: "field check", key: "online-first" },
      h("input", {
        type: "checkbox",
        id: "online-first",
        checked: ctx.sent("online_first")?.on ?? hands.online_first, // as clicked, until the server answers
        "aria-describedby": "online-first-hint",
        onchange: (e) => ctx.send("online_first", { on: e.target.checked }),
      }),
      h("label", { for: "online-first" }, t("hands.online_first")),
      h("p", { class: "hint", id: "online-first-hint" }, t("hands.online_first_hint")),
    ),
  );
}

/**
 * The projector: who has the floor, large, and the next three in the queue (with how
 * many more wait). Only while someone has the floor or a hand is up.
 */
export function wallHands(ctx) {
  const s = ctx.state;
  if (!handsOpen(s)) return null;
  const { queue, speaker } = handsOf(s);
  if (!queue.length && !speaker) return null;
  const next = queue.slice(0, 3);
  const more = queue.length - next.length;
  return h(
    "section",
    { class: "wall-turns wall-hands", "aria-labelledby": "wall-hands-title" },
    h("h2", { id: "wall-hands-title", class: "sr-only" }, t("hands.title")),
    h(
      "p",
      { class: "screen-speaker", "data-speaker": speaker ?? "" },
      speaker ? [t("hands.speaking", { name: nameOf(s, speaker) }), " ", spokenCount(s, speaker)] : t("hands.nobody"),
    ),
    next.length
      ? h(
          "div",
          { class: "wall-next" },
          h("p", { class: "wall-next-label", id: "wall-next-label" }, t("hands.next")),
          h(
            "ol",
            { class: "wall-order wall-queue", "aria-labelledby": "wall-next-label" },
            next.map(({ participant: pid }) =>
              h("li", { key: pid, class: "later", "data-hand": pid }, h("span", { class: "hand-name" }, nameOf(s, pid)), onlineTag(s, pid), spokenCount(s, pid)),
            ),
            more > 0 ? h("li", { key: "more", class: "more" }, t("hands.more", { count: more })) : null,
          ),
        )
      : null,
  );
}
