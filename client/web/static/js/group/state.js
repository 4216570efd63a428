// The group page's own state as its parts change it: what is open, the errors next to
// their fields, and the one answer that ends the page's work (a link that no longer opens
// the group). Shared by the page's sections (page.js, members.js).

import { LINK_ERRORS } from "./api.js";

export function setUi(g, change) {
  Object.assign(g.ui, change);
  g.redraw();
}

export function showErrors(g, formId, errors) {
  const { _form, ...fields } = errors;
  g.ui.notice = null; // what was done before is old news next to what went wrong now
  g.ui.errors = fields;
  g.ui.formErrors = { ...g.ui.formErrors, [formId]: _form || null };
  g.redraw();
  const first = Object.keys(fields)[0];
  if (first) document.getElementById(first)?.focus();
  else if (_form) document.getElementById(`${formId}-error`)?.focus();
  return Boolean(first || _form);
}

export function clearErrors(g, formId) {
  g.ui.errors = {};
  g.ui.formErrors = { ...g.ui.formErrors, [formId]: null };
}

/** A refusal that is about the link itself ends the page's work: the page says so. */
export function linkGone(g, answer) {
  if (LINK_ERRORS.includes(answer.error)) {
    g.broken(answer.error);
    return true;
  }
  return false;
}
