// A new intervisiegroep: its name, your name as begeleider, and a series template for the
// schedule. This browser makes the begeleider's link (its secret stays here, kept in "Mijn
// groepen"), sends the server only the hash of its token, then plans the series with that
// token. If the series is refused after the group was made, the group is not made twice:
// sending the form again only plans the series.

import { base64url, deriveToken, newSecret, tokenHash } from "../grouplink.js";
import { t } from "../i18n.js";
import { h } from "../ui.js";
import { call } from "./api.js";
import { checkText, field, formError, placeError } from "./forms.js";
import { remember } from "./mine.js";
import { readSeries, seriesFields, seriesIds } from "./series.js";

const P = "series";

export function createPage(c) {
  const e = c.ui.errors;
  return h(
    "form",
    { class: "stack create-group", id: "create-group", noValidate: true, onSubmit: (ev) => submit(c, ev), "aria-labelledby": "create-title" },
    h(
      "div",
      { class: "hero" },
      h("h1", { id: "create-title" }, t("group.create.title")),
      h("p", { class: "lead" }, t("group.create.lead")),
    ),
    h(
      "section",
      { class: "stack", "aria-labelledby": "about-title" },
      h("h2", { id: "about-title" }, t("group.create.about")),
      field({ id: "group-name", label: t("group.create.name"), hint: t("group.create.name_hint"), error: e["group-name"], autocomplete: "off", disabled: Boolean(c.made) }),
      field({ id: "lead-name", label: t("group.create.lead_name"), hint: t("group.create.lead_name_hint"), error: e["lead-name"], autocomplete: "nickname", disabled: Boolean(c.made) }),
    ),
    h(
      "section",
      { class: "stack", "aria-labelledby": "plan-title" },
      h("h2", { id: "plan-title" }, t("group.create.plan")),
      h("p", { class: "hint" }, t("group.create.plan_hint")),
      seriesFields(P, c.ui.series, c.templates, e, c.redraw, true),
    ),
    c.made ? h("p", { class: "done", role: "status" }, t("group.create.made_not_planned")) : null,
    formError("create-group-error", c.ui.formError),
    h("p", { class: "hint" }, t("group.create.link_hint")),
    h("button", { type: "submit", class: "primary", disabled: c.busy }, t(c.made ? "group.create.plan_submit" : "group.create.submit")),
  );
}

function show(c, errors) {
  const { _form, ...fields } = errors;
  c.ui.errors = fields;
  c.ui.formError = _form || null;
  c.busy = false;
  c.redraw();
  const first = Object.keys(fields)[0];
  if (first) document.getElementById(first)?.focus();
  else if (_form) document.getElementById("create-group-error")?.focus();
}

async function submit(c, ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const name = form.querySelector("#group-name").value.trim();
  const lead = form.querySelector("#lead-name").value.trim();
  const errors = {};
  if (!c.made) {
    errors["group-name"] = checkText(name, c.templates.max_group_name);
    errors["lead-name"] = checkText(lead, c.limits.MAX_NAME);
  }
  const series = readSeries(form, P, c.ui.series, c.templates, c.limits);
  Object.assign(errors, series.errors);
  for (const k of Object.keys(errors)) if (!errors[k]) delete errors[k];
  if (Object.keys(errors).length) return show(c, errors);
  c.busy = true;
  c.ui.formError = null;
  c.redraw();
  if (!c.made) {
    const secret = newSecret();
    const answer = await call("POST", "", { body: { name, begeleider_name: lead, token_hash: await tokenHash(await deriveToken(secret)) } });
    if (answer.status !== 201) return show(c, placeError(answer, { name: "group-name", begeleider_name: "lead-name" }));
    remember(base64url(secret), answer.data);
    c.made = secret;
  }
  if (series.body) {
    const planned = await call("POST", "/mine/series", { secret: c.made, body: series.body });
    if (planned.status !== 201) return show(c, placeError(planned, seriesIds(P)));
  }
  location.assign(`/groep#${base64url(c.made)}`);
}
