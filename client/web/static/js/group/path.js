// The group's path from guided to self-facilitating, on its page: how many of the first
// meetings the begeleider leads (4–8, set by a begeleider), how far the group is, and what
// comes after (members take turns; a first-timer gets a checklist in every round; the
// begeleider may watch silently). The rota (server/groups/rota.py) follows this number.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { call } from "./api.js";
import { linkGone } from "./state.js";
import { errorText, field, formError } from "./forms.js";

const GUIDED = [4, 5, 6, 7, 8];

export function pathSection(g) {
  const a = g.answer;
  const guided = a.group.guided_meetings;
  const held = a.meetings.filter((m) => m.ended).length;
  const leads = a.members.filter((m) => m.role === "begeleider").map((m) => m.name);
  const names = new Intl.ListFormat(document.documentElement.lang || "nl", { type: "conjunction" }).format(leads);
  const own = a.me.role === "begeleider";
  return h(
    "section",
    { class: "path", "aria-labelledby": "path-title", key: "path" },
    h("h2", { id: "path-title" }, t("path.title")),
    h("p", {}, t(leads.length > 1 ? "path.plan_many" : "path.plan", { count: guided, names })),
    h("p", { class: "path-now" }, held < guided ? t("path.guided", { held, count: guided }) : t("path.self")),
    own ? guidedForm(g, guided) : null,
  );
}

function guidedForm(g, guided) {
  const id = "guided-meetings";
  return h(
    "form",
    {
      class: "row guided-form",
      noValidate: true,
      onSubmit: async (ev) => {
        ev.preventDefault();
        const value = Number(ev.currentTarget.querySelector(`#${id}`).value);
        const answer = await call("PATCH", "/mine", { secret: g.secret, body: { guided_meetings: value } });
        if (answer.status === 200) {
          g.ui.formErrors[id] = null;
          return g.reload(t("path.saved", { count: value }));
        }
        if (linkGone(g, answer)) return;
        g.ui.formErrors[id] = errorText(answer);
        g.redraw();
      },
    },
    field({
      id,
      label: t("path.choose"),
      control: "select",
      options: GUIDED.map((n) => ({ value: String(n), label: String(n), selected: n === guided })),
    }),
    h("button", { type: "submit", class: "quiet" }, t("path.save")),
    formError(`${id}-error`, g.ui.formErrors[id]),
  );
}
