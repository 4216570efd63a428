// A series template as a form: "every N weeks on <weekday> at <time>, <count> times or
// until <date>", or a themed cycle (the draagvlakmodel's five meetings), or, when a group
// is created, no schedule yet. The same form fills a new group's schedule and adds a
// series to an existing one; the server plans the dates (POST /api/groups/mine/series).

import { language, pick, t } from "../i18n.js";
import { h } from "../ui.js";
import { checkDate, checkNumber, checkText, checkTime, field, methodOptions, weekdayName } from "./forms.js";

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The API's field names and this form's ids (for the server's refusals). */
export function seriesIds(p) {
  return {
    from: `${p}-from`,
    weekday: `${p}-weekday`,
    time: `${p}-time`,
    every_weeks: `${p}-every`,
    count: `${p}-count`,
    until: `${p}-until`,
    minutes: `${p}-minutes`,
    method: `${p}-method`,
    theme: `${p}-theme`,
    cycle: `${p}-cycle`,
  };
}

function radio(name, id, value, checked, label, onChange) {
  return h(
    "div",
    { class: "field check", key: id },
    h("input", { type: "radio", name, id, value, checked, onChange }),
    h("label", { for: id }, label),
  );
}

/**
 * The fields; `st` holds the choices that change which fields show ({kind, end}),
 * `errors` the errors by field id; `redraw` draws the page again after a choice.
 */
export function seriesFields(p, st, templates, errors, redraw, allowNone = false) {
  const lng = language();
  const cycle = templates.cycles[0];
  const choose = (k, v) => () => {
    st[k] = v;
    redraw();
  };
  const kinds = h(
    "fieldset",
    { class: "choices", key: `${p}-kinds` },
    h("legend", {}, t("group.series.kind")),
    radio(`${p}-kind`, `${p}-kind-every`, "every", st.kind === "every", t("group.series.kind_every"), choose("kind", "every")),
    cycle
      ? radio(`${p}-kind`, `${p}-kind-cycle`, "cycle", st.kind === "cycle", pick(cycle.name), choose("kind", "cycle"))
      : null,
    allowNone ? radio(`${p}-kind`, `${p}-kind-none`, "none", st.kind === "none", t("group.series.kind_none"), choose("kind", "none")) : null,
  );
  if (st.kind === "none") return [kinds];
  const weekdays = templates.weekdays.map((w, i) => ({ value: w, label: weekdayName(i, lng), selected: w === (st.weekday || "tuesday") }));
  const when = [
    field({ id: `${p}-from`, label: t("group.series.from"), hint: t("group.series.from_hint"), error: errors[`${p}-from`], type: "date", defaultValue: today(), required: true }),
    h(
      "div",
      { class: "field-row", key: `${p}-when` },
      field({ id: `${p}-weekday`, label: t("group.series.weekday"), control: "select", options: weekdays, error: errors[`${p}-weekday`] }),
      field({ id: `${p}-time`, label: t("group.series.time"), type: "time", defaultValue: "16:00", error: errors[`${p}-time`], required: true }),
      field({
        id: `${p}-every`,
        label: t("group.series.every"),
        hint: t("group.series.every_hint"),
        type: "number",
        min: 1,
        max: templates.max_every_weeks,
        defaultValue: "6",
        error: errors[`${p}-every`],
        inputmode: "numeric",
      }),
    ),
  ];
  const minutes = field({
    id: `${p}-minutes`,
    label: t("group.meeting.minutes"),
    type: "number",
    min: templates.minutes[0],
    max: templates.minutes[1],
    defaultValue: String(st.kind === "cycle" && cycle ? cycle.minutes : 120),
    error: errors[`${p}-minutes`],
  });
  if (st.kind === "cycle" && cycle) {
    return [
      kinds,
      ...when,
      minutes,
      h(
        "div",
        { class: "cycle-preview", key: `${p}-preview` },
        h("p", { class: "hint" }, t("group.series.cycle_hint", { n: cycle.meetings.length })),
        h(
          "ol",
          {},
          cycle.meetings.map((m, i) =>
            h("li", { key: i }, pick(m.theme), " · ", pick(templates.methods.find((x) => x.id === m.method)?.name) || m.method),
          ),
        ),
      ),
    ];
  }
  const ends = h(
    "fieldset",
    { class: "choices", key: `${p}-ends` },
    h("legend", {}, t("group.series.end")),
    radio(`${p}-end`, `${p}-end-count`, "count", st.end === "count", t("group.series.end_count"), choose("end", "count")),
    radio(`${p}-end`, `${p}-end-until`, "until", st.end === "until", t("group.series.end_until"), choose("end", "until")),
  );
  const end =
    st.end === "until"
      ? field({ id: `${p}-until`, label: t("group.series.until"), type: "date", error: errors[`${p}-until`], required: true })
      : field({
          id: `${p}-count`,
          label: t("group.series.count"),
          type: "number",
          min: 1,
          max: templates.max_series,
          defaultValue: "8",
          error: errors[`${p}-count`],
        });
  return [
    kinds,
    ...when,
    ends,
    end,
    minutes,
    field({ id: `${p}-method`, label: t("group.meeting.method"), control: "select", options: methodOptions(templates, templates.methods[0]?.id), error: errors[`${p}-method`] }),
    field({ id: `${p}-theme`, label: t("group.meeting.theme"), hint: t("group.meeting.theme_hint"), maxlength: 200, error: errors[`${p}-theme`] }),
  ];
}

/** The series the form describes as the API's body, or the errors by field id. */
export function readSeries(form, p, st, templates, limits) {
  const errors = {};
  if (st.kind === "none") return { body: null, errors };
  const v = (name) => (form.querySelector(`#${p}-${name}`)?.value ?? "").trim();
  const body = { from: v("from"), weekday: v("weekday"), time: v("time") };
  errors[`${p}-from`] = checkDate(body.from);
  errors[`${p}-time`] = checkTime(body.time);
  errors[`${p}-every`] = checkNumber(v("every"), 1, templates.max_every_weeks);
  errors[`${p}-minutes`] = checkNumber(v("minutes"), templates.minutes[0], templates.minutes[1]);
  body.every_weeks = Number(v("every"));
  body.minutes = Number(v("minutes"));
  if (st.kind === "cycle") {
    body.cycle = templates.cycles[0].id;
    body.language = language();
  } else {
    if (st.end === "until") {
      body.until = v("until");
      errors[`${p}-until`] = checkDate(body.until) || (body.until < body.from ? t("group.check.until_before") : null);
    } else {
      body.count = Number(v("count"));
      errors[`${p}-count`] = checkNumber(v("count"), 1, templates.max_series);
    }
    body.method = v("method");
    const theme = v("theme");
    errors[`${p}-theme`] = checkText(theme, limits.MAX_TITLE, false);
    if (theme) body.theme = theme;
  }
  for (const k of Object.keys(errors)) if (!errors[k]) delete errors[k];
  return { body, errors };
}
