// The participant's view: per phase exactly the controls this person may use. What the
// phase accepts, and from whom, comes from the method data; nothing here names a method.
// Each part of a session has its own module; this one puts them in order.

import { actionsBlock, terugblikPanel } from "../group/actions.js";
import { t } from "../i18n.js";
import { h } from "../ui.js";
import { signalsToggle } from "../signals.js";
import { adviceBlock, adviceList } from "./advice.js";
import { agenda, earlier } from "./agenda.js";
import { awayBanner } from "./away.js";
import { callPanel } from "./call.js";
import { cardsPart, earlierPerspectives } from "./cards.js";
import { circlesNow } from "./circles.js";
import { caseVote, chosenCase } from "./cases.js";
import { floorSection, handsBlock } from "./hands.js";
import { evaluationBlock, proofBlock, proofQuestion, summaryButton, worthBlock } from "./closing.js";
import { notesPart } from "./notes.js";
import { placeControl } from "./places.js";
import { agreementFirst, confirmBlock, mustConfirm } from "./opening.js";
import { questionsBlock } from "./questions.js";
import { shareForm } from "./share.js";
import { button, phaseHeader, presenceList, titled } from "./shared.js";
import { inbrengerMaySpeak, may, turnsDone } from "./state.js";
import { textPart, writtenText } from "./texts.js";

export function participantView(ctx) {
  const s = ctx.state;
  const inbrenger = ctx.me.id === s.inbrenger;
  const listening = inbrenger && listens(s);
  if (mustConfirm(ctx) && !s.phase.accepts.confirm) {
    // after the opening, unconfirmed: the server sends nothing of the case until they confirm
    return [
      circlesNow(ctx),
      phaseHeader(ctx),
      agreementFirst(ctx),
      awayBanner(ctx),
      callPanel(ctx),
      presenceList(ctx, { extra: placeControl(ctx) }),
    ];
  }
  // once their case is chosen, the inbrenger's next step is to share it, not to vote
  const sharing = s.phase.accepts.case_text && inbrenger && s.chosen_case;
  return [
    agenda(ctx),
    earlier(ctx, s.phase.deck ? null : earlierPerspectives(ctx), writtenEarlier(ctx)),
    circlesNow(ctx), // your circle, or in a circle the way back and the facilitator's line
    phaseHeader(ctx, { instruction: sharing ? t("now.share_instruction") : null }),
    awayBanner(ctx),
    floorSection(ctx), // the facilitator gave you the floor: that first
    callPanel(ctx), // online: the group's video call, one click away
    inbrenger ? h("p", { class: "badge" }, t("role.you_are_inbrenger")) : null,
    listening ? listenPanel(ctx) : null,
    ...sections(ctx, inbrenger),
    handsBlock(ctx), // rounds without a fixed order: the speaking queue
    readyToggle(ctx),
    presenceList(ctx, { extra: placeControl(ctx) }),
    signalsToggle(ctx),
  ];
}

/** The essence written in an earlier round, when this round neither asks nor shows it. */
function writtenEarlier(ctx) {
  const a = ctx.state.phase.accepts;
  return a.essence || a.questions ? null : writtenText(ctx, "essence");
}

/**
 * The inbrenger listens (back turned) or has stepped out while the group works, where the
 * method says so, until they may respond.
 */
function listens(s) {
  return !inbrengerMaySpeak(s); // where the method has them speak, they always may
}

/** What the listening inbrenger sees instead of the controls. */
function listenPanel(ctx) {
  const p = ctx.state.phase;
  return titled(
    "listen",
    t(p.inbrenger === "leaves" ? "listen.leave_title" : "listen.title"),
    h("p", {}, t(p.inbrenger === "leaves" ? "listen.leave_text" : "listen.text")),
  );
}

/**
 * The parts of this phase, each in its own place (null where the phase has none), so that
 * a part drawn again is the same part on the page.
 */
function sections(ctx, inbrenger) {
  const s = ctx.state;
  const a = s.phase.accepts;
  const last = s.phase.index === s.method.phases.length - 1;
  const sharing = a.case_text && inbrenger && s.chosen_case;
  // what to do now first; the case itself (read all along) after this round's own parts
  return [
    last ? proofQuestion(ctx) : null, // asked once, at the top of the last round
    s.phase.index === 0 ? h("p", { class: "lobby-note" }, t("lobby.waiting")) : null,
    a.confirm ? confirmBlock(ctx) : null,
    s.phase.id === "terugblik" ? terugblikPanel(ctx.actions) : null, // a group's meeting: your own action of last time
    sharing ? shareForm(ctx) : null,
    a.cases ? caseVote(ctx) : null,
    s.chosen_case && s.phase.index > 0 && (a.cases || a.case_text) ? chosenCase(ctx) : null,
    a.questions ? questionsBlock(ctx, inbrenger) : null,
    a.essence ? textPart(ctx, "essence") : null,
    s.phase.deck ? cardsPart(ctx) : null,
    a.notes ? notesPart(ctx) : null,
    a.advice ? adviceBlock(ctx) : a.response ? adviceList(ctx) : null, // what the inbrenger responds to (and may weigh)
    a.response ? textPart(ctx, "response", may(ctx, "respond") && turnsDone(s)) : null,
    a.takeaway ? textPart(ctx, "takeaway") : null,
    a.evaluation ? evaluationBlock(ctx) : null,
    a.evaluation ? worthBlock(ctx) : null,
    a.evaluation ? actionsBlock(ctx.actions) : null, // a group's meeting: what will you do before next time?
    (inbrenger && last) || (!inbrenger && s.has_summary) ? summaryButton(ctx) : null,
    last ? proofBlock(ctx) : null,
    s.chosen_case && s.phase.index > 0 && !(a.cases || a.case_text) ? chosenCase(ctx) : null,
  ];
}

/** In the terugblik, "ready" is how a member says they tell the group aloud (pressed or not). */
function readyLabel(s) {
  if (s.phase.id === "terugblik") return t("terugblik.aloud");
  return s.ready ? t("ready.not_yet") : t("ready.button");
}

function readyToggle(ctx) {
  const s = ctx.state;
  if (ctx.me.role !== "participant" || s.phase.index === 0) return null;
  return h(
    "div",
    { class: "ready" },
    button(readyLabel(s), () => ctx.send("ready", { ready: !s.ready }), {
      pressed: s.ready,
      cls: "secondary",
      key: "ready",
    }),
    h("span", { class: "muted" }, t("ready.count", { count: s.ready_count })),
  );
}
