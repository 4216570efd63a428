// Form parts of the group pages: a field with its label, hint and its own error right
// under it (aria-invalid, aria-describedby), and the server's refusals put next to the
// field they are about. Inputs are uncontrolled: what the person typed stays as it is
// when the page is drawn again.

import { pick, t } from "../i18n.js";
import { h } from "../ui.js";

function describedBy(id, hint, error) {
  return [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || null;
}

/** A labelled control; `control` is "input" (default), "select" with `options`, or "textarea". */
export function field({ id, label, hint = null, error = null, control = "input", options = [], ...attrs }) {
  const props = {
    id,
    "aria-invalid": error ? "true" : null,
    "aria-describedby": describedBy(id, hint, error),
    ...attrs,
  };
  const input =
    control === "select"
      ? h(
          "select",
          props,
          options.map((o) => h("option", { value: o.value, key: o.value, selected: o.selected || undefined }, o.label)),
        )
      : h(control, props);
  return h(
    "div",
    { class: "field", key: id },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    input,
    error ? h("p", { class: "error field-error", id: `${id}-error` }, error) : null,
  );
}

/** A refusal of the whole form (not of one field): under the form, read out. */
export function formError(id, text) {
  return h("p", { class: "error form-error", id, role: "alert", hidden: !text }, text || "");
}

/** The server's words for an error code, in the page's language. */
export function errorText(answer) {
  return t(`group.errors.${answer.error}`, { defaultValue: t("group.errors.unknown") });
}

/**
 * A server refusal as {field: text}: the field its `detail` names ('name' is missing,
 * 'until' lies before …), or `_form` when it names none. `fields` maps the API's field
 * names to this form's (and says which fields the form has).
 */
export function placeError(answer, fields) {
  if (answer.error === "name_taken" && fields.name) return { [fields.name]: t("group.errors.name_taken") };
  const named = /'(\w+)'/.exec(answer.detail || "");
  let apiField = named ? named[1] : null;
  if (!apiField && /meeting on|at that date and time|at the same date/.test(answer.detail || "")) apiField = "date";
  const mine = apiField && (fields[apiField] || (apiField === "date" && fields.from));
  if (mine) {
    const text = answer.error === "invalid_field" ? t("group.errors.field", { detail: answer.detail }) : errorText(answer);
    return { [mine]: text };
  }
  return { _form: answer.detail && answer.error === "invalid_field" ? t("group.errors.field", { detail: answer.detail }) : errorText(answer) };
}

/** Characters as the server counts them, once trimmed. */
export function chars(text) {
  return [...String(text || "").trim()].length;
}

/** A required text of at most `max` characters: the error to show, or null. */
export function checkText(value, max, required = true) {
  const n = chars(value);
  if (!n) return required ? t("group.check.required") : null;
  if (n > max) return t("group.check.too_long", { max, n });
  if (/[\u0000-\u001f\u007f]/.test(value)) return t("group.check.control");
  return null;
}

/** A whole number from `low` to `high`: the error to show, or null. */
export function checkNumber(value, low, high) {
  const n = Number(value);
  if (value === "" || !Number.isInteger(n) || n < low || n > high) return t("group.check.number", { low, high });
  return null;
}

export function checkDate(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value || "")) return t("group.check.date");
  const year = Number(value.slice(0, 4));
  if (year < 2000 || year > 2100) return t("group.check.date");
  return null;
}

export function checkTime(value) {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value || "") ? null : t("group.check.time");
}

/** The werkvormen as select options, `chosen` selected. */
export function methodOptions(templates, chosen) {
  return templates.methods.map((m) => ({ value: m.id, label: pick(m.name), selected: m.id === chosen }));
}

/** Monday … Sunday in the page's language (0 = Monday, as the API counts). */
export function weekdayName(index, lang) {
  return new Date(2024, 0, 1 + index).toLocaleDateString(lang, { weekday: "long" });
}
