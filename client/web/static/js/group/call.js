// The group's video call, on its page: the link of the call the group meets on (their own
// Jitsi, La Suite Meet, Teams, Zoom), which every meeting's room shows the people online.
// Any member sets or clears it. Kring only shows the link: it never opens, embeds or asks
// anything of that host (docs/PROTOCOL.md §6.7).

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { call } from "./api.js";
import { linkGone } from "./state.js";
import { errorText, field, formError } from "./forms.js";

const ID = "call-link";

export function callSection(g) {
  const link = g.answer.group.call_link;
  return h(
    "section",
    { class: "call", "aria-labelledby": "call-title", key: "call" },
    h("h2", { id: "call-title" }, t("groupcall.title")),
    link
      ? h(
          "p",
          {},
          t("groupcall.now"),
          " ",
          h("a", { href: link, target: "_blank", rel: "noopener noreferrer", referrerpolicy: "no-referrer" }, link),
        )
      : h("p", {}, t("groupcall.none")),
    h("p", { class: "hint" }, t("groupcall.only_shown")),
    callForm(g, link),
  );
}

async function save(g, value) {
  const answer = await call("PATCH", "/mine", { secret: g.secret, body: { call_link: value } });
  if (answer.status === 200) {
    g.ui.formErrors[ID] = null;
    return g.reload(t(value ? "groupcall.saved" : "groupcall.cleared"));
  }
  if (linkGone(g, answer)) return;
  g.ui.formErrors[ID] = errorText(answer);
  g.redraw();
}

function callForm(g, link) {
  return h(
    "form",
    {
      class: "row call-form",
      noValidate: true,
      onSubmit: (ev) => {
        ev.preventDefault();
        const value = ev.currentTarget.querySelector(`#${ID}`).value.trim();
        if (value && !/^https:\/\/[^\s/]\S*$/i.test(value)) {
          g.ui.formErrors[ID] = t("groupcall.https"); // the server checks it too; this says why in words
          return g.redraw();
        }
        return save(g, value || null);
      },
    },
    field({
      id: ID,
      label: t("groupcall.label"),
      hint: t("groupcall.hint"),
      type: "url",
      inputmode: "url",
      autocomplete: "off",
      placeholder: "https://meet.jit.si/…",
      maxlength: 500,
      value: link || "",
      error: g.ui.formErrors[ID] || null,
    }),
    h("button", { type: "submit", class: "quiet" }, t("groupcall.save")),
    link ? h("button", { type: "button", class: "quiet", onClick: () => save(g, null) }, t("groupcall.clear")) : null,
  );
}
