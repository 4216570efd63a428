// What draws a person's attention to what matters now: a new round brought into view with
// the focus on its title, their turn brought into view and signalled, the tab title. Never
// while they are typing: a screen reader hears it from the live region anyway.

import { pick, t } from "./i18n.js";
import { signal, tabTitle } from "./signals.js";
import { openKnocks } from "./views/knocks.js";
import { floorHolder } from "./views/state.js";

/**
 * `view`: the element the room is drawn in; `kind`: "room" or "screen"; `render` draws the
 * room; `announce` says a text in the live region.
 */
export function attention(ctx, { view, kind, render, announce }) {
  /** Who speaks now: the turn in a phase given in turns, else whoever the facilitator gave the floor. */
  function currentTurn() {
    const s = ctx.state;
    if (!s.phase.in_turn) return floorHolder(s);
    const { order, current } = s.turns;
    return order[current] ?? null;
  }

  /** Is it this participant's turn (in a phase given in turns), or have they been given the floor? */
  function myTurn() {
    const s = ctx.state;
    return Boolean(s && ctx.me && ctx.me.role === "participant" && currentTurn() === ctx.me.id);
  }

  /** The heading of "your turn" or "you have the floor", whichever is on the page. */
  function myTurnHeading() {
    return document.getElementById("my-turn-title") || document.getElementById("floor-title");
  }

  /** The tab title says what wants attention: your turn, someone at the door, a round not yet seen, else the round. */
  function showTitle() {
    if (!ctx.state || ctx.ui.closed) return;
    const knock = ctx.me?.role === "facilitator" ? openKnocks(ctx)[0] : null;
    document.title = tabTitle({ myTurn: myTurn(), knock: knock?.name, unseenRound: ctx.ui.unseenRound, phaseName: pick(ctx.state.phase.name) });
  }

  /** Is someone typing (or choosing) in a field? Then nothing moves their focus or their page. */
  function typing() {
    const a = document.activeElement;
    return Boolean(a && a.matches("textarea, select, [contenteditable], input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit])"));
  }

  /** Bring `target` (an element with tabindex) into view and give it the focus, unless the person is typing. */
  function bringIntoView(target, { top = false } = {}) {
    if (!target || typing()) return;
    // a facilitator who moved the room on keeps the button they pressed
    if (ctx.me?.role === "facilitator" && view.contains(document.activeElement)) return window.scrollTo({ top: 0 });
    if (top) window.scrollTo({ top: 0 });
    else target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }

  /** Your turn has come: said, shown in the title, signalled if asked for, and brought into view. */
  function myTurnCame() {
    announce(t(ctx.state.phase.in_turn ? "turns.yours" : "hands.yours"));
    signal();
    bringIntoView(myTurnHeading());
  }

  /** `byTimer`: the time was up and the room moved on by itself (auto-advance). */
  function phaseChanged(byTimer = false) {
    announce(t(byTimer ? "announce.phase_timer" : "announce.phase", { name: pick(ctx.state.phase.name) }));
    ctx.ui.confirming = null;
    ctx.ui.refused = {}; // what was refused in the last round is no longer the point
    if (kind === "screen") return;
    ctx.ui.unseenRound = document.visibilityState !== "visible"; // until the page is seen
    showTitle();
    signal();
    render(); // without the confirmation that was open
    // the new round from its top, or straight to your turn if it starts with you
    if (myTurn()) bringIntoView(myTurnHeading());
    else bringIntoView(document.getElementById("phase-name"), { top: true });
  }

  /** The first view of the room: the focus on the round's title, unless it is already in the view. */
  function focusHeading() {
    if (kind === "screen") return; // nobody types on the projector; no focus ring on the wall
    const heading = document.getElementById("phase-name");
    if (heading && !view.contains(document.activeElement)) heading.focus({ preventScroll: true });
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && ctx.ui.unseenRound) {
      ctx.ui.unseenRound = false;
      showTitle();
    }
  });

  return { currentTurn, myTurn, showTitle, myTurnCame, phaseChanged, focusHeading };
}
