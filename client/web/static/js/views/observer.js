// A begeleider who watches a meeting the members lead, as a silent observer: the room as
// everyone may see it (the round, its timer, the case, the questions, the advice, who is
// there), and nothing to press. The server sends them the public room only and refuses
// any command of theirs; a facilitator can make them a facilitator to step in.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { adviceList } from "./advice.js";
import { agenda } from "./agenda.js";
import { callPanel } from "./call.js";
import { chosenCase } from "./cases.js";
import { handsBlock } from "./hands.js";
import { questionList } from "./questions.js";
import { phaseHeader, presenceList, titled } from "./shared.js";
import { writtenText } from "./texts.js";

export function observerView(ctx) {
  const s = ctx.state;
  const a = s.phase.accepts;
  return [
    agenda(ctx),
    titled("observer", t("coach.observer_title"), h("p", {}, t("coach.observer_text"))),
    phaseHeader(ctx),
    callPanel(ctx),
    s.chosen_case && s.phase.index > 0 ? chosenCase(ctx) : null,
    a.questions ? questionList(ctx) : null,
    writtenText(ctx, "essence"),
    a.advice || a.response ? adviceList(ctx) : null,
    writtenText(ctx, "response"),
    writtenText(ctx, "takeaway"),
    a.evaluation ? h("p", { class: "muted" }, t("worth.count", { count: s.worth_count })) : null,
    handsBlock(ctx),
    presenceList(ctx),
  ];
}
