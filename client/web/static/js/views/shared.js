// Pieces every view uses: the phase header with the timer, the people in the room, buttons
// and forms. They take the room state and return elements (see ../ui.js); the parts of a
// session each have their own module beside this one.

import { pick, t } from "../i18n.js";
import { clock } from "../timer.js";
import { counter, h, length, ticking } from "../ui.js";
import { placeClusters } from "./state.js";

/**
 * A part of a view under its own heading: a section of class `name`, labelled by its
 * heading `#name-title`. (`titledAs` where the class is another than the name.)
 */
export function titled(name, title, ...content) {
  return titledAs(name, name, title, ...content);
}

export function titledAs(cls, name, title, ...content) {
  return h("section", { class: cls, "aria-labelledby": `${name}-title` }, h("h2", { id: `${name}-title` }, title), ...content);
}

/** Phase name, step x of n, instruction and the shared timer. */
export function phaseHeader(ctx, { big = false, instruction = null } = {}) {
  const s = ctx.state;
  const phase = s.phase;
  const total = s.method.phases.length;
  return h(
    "section",
    { class: big ? "phase phase-big" : "phase", "aria-labelledby": "phase-name" },
    h(
      "p",
      { class: "phase-step" },
      t("phase.step", { n: phase.index + 1, total, method: pick(s.method.name) }),
      s.theme ? h("span", { class: "phase-theme" }, ` · ${t("phase.theme", { theme: s.theme })}`) : null,
    ),
    h("h1", { id: "phase-name", tabindex: "-1" }, pick(phase.name)),
    h("p", { class: "instruction" }, instruction ?? pick(phase.instruction)),
    phase.index === 0 || phase.accepts.cases ? rotaLine(s) : null,
    timerBlock(ctx),
  );
}

const ROTA_ROLES = ["facilitator", "inbrenger", "timekeeper", "notes"];

/** A group's meeting, in the lobby and the case choice: who has which role on the rota. */
function rotaLine(s) {
  const roles = ROTA_ROLES.filter((r) => s.rota?.[r]?.length);
  if (!roles.length) return null;
  const names = (list) => new Intl.ListFormat(s.language, { type: "conjunction" }).format(list);
  const parts = roles.map((r) => t("phase.rota_role", { role: t(`phase.rota_roles.${r}`), names: names(s.rota[r]) }));
  return h("p", { class: "rota-line" }, t("phase.rota", { roles: parts.join(" · ") }));
}

/** The shared timer; it counts down by itself (see `ticking`). */
function timerBlock(ctx) {
  if (!ctx.state.timer) return null;
  return ticking(() => {
    const timer = ctx.state.timer;
    if (!timer) return null;
    const left = ctx.secondsLeft();
    const over = left !== null && left < 0;
    return h(
      "div",
      { class: `timer${over ? " overrun" : ""}${timer.running ? " running" : ""}`, role: "timer", "aria-live": "off" },
      h("span", { class: "timer-label" }, t(over ? "timer.overrun" : timer.running ? "timer.left" : "timer.paused")),
      h("span", { class: "timer-value", "data-timer": "" }, clock(left)),
    );
  });
}

/** "in kring 2" for someone who is not here because the room is split into circles. */
function inCircle(s, pid) {
  const i = (s.circles ?? []).findIndex((c) => c.members.includes(pid));
  return i < 0 ? null : t("people.in_circle", { n: i + 1 });
}

/**
 * Who is in the room, and apart from them the projector screen(s): the count is of people.
 * In a hybrid meeting the people stand in two clusters, online first, then in the room
 * (and who has not said where they are); `extra` comes under the list (your own place).
 */
export function presenceList(ctx, { controls = null, marks = null, extra = null } = {}) {
  const s = ctx.state;
  const item = (p) =>
    h(
      "li",
      { class: `person ${p.online ? "online" : "offline"}`, "data-person": p.id, "data-place": p.place ?? null, key: p.id },
      h("span", { class: "dot", "aria-hidden": "true" }),
      h("span", { class: "person-name" }, p.name),
      h(
        "span",
        { class: "person-meta" },
        [
          p.id === ctx.me.id ? t("people.you") : null,
          p.role === "facilitator" ? t("people.facilitator") : null,
          p.id === s.inbrenger ? t("people.inbrenger") : null,
          p.online ? t("people.online") : inCircle(s, p.id) ?? t("people.offline"),
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      marks ? marks(p) : null,
      controls ? controls(p) : null,
    );
  const people = s.participants.filter((p) => p.role !== "screen");
  const screens = s.participants.filter((p) => p.role === "screen");
  const clusters = placeClusters(people);
  return titled(
    "people",
    t("people.title", { count: people.length }),
    clusters
      ? clusters.map(({ place, people: here }) => {
          const name = place ?? "unknown";
          return h(
            "div",
            { class: `people-cluster place-${name}`, key: name, "data-cluster": name },
            h("h3", { id: `people-${name}-title`, class: "cluster-title" }, t(`place.cluster_${name}`, { count: here.length })),
            h("ul", { class: "people-list", "aria-labelledby": `people-${name}-title` }, here.map(item)),
          );
        })
      : h("ul", { class: "people-list" }, people.map(item)),
    screens.length
      ? [h("h3", { id: "screens-title", class: "screens-title" }, t("people.screens")), h("ul", { class: "people-list screens", "aria-labelledby": "screens-title" }, screens.map(item))]
      : null,
    extra,
  );
}

/**
 * A labelled text field whose text is kept as a draft (in this browser) until the server
 * has taken what was sent from it; a refusal leaves it as it was typed.
 */
export function field(ctx, { id, label, long = false, max, hint = null, value = null, required = true, type = "text" }) {
  const refused = ctx.refusedIn(id); // the form whose refusal is about this field
  const described = [hint ? `${id}-hint` : null, `${id}-count`, refused ? `${refused}-error` : null].filter(Boolean).join(" ");
  const text = value ?? ctx.draft(id);
  const attrs = {
    id,
    name: id,
    // no maxlength: the browser would cut a pasted text without a word; checkFields says so instead
    "data-max": max,
    "data-required": required ? "" : null,
    required,
    value: text,
    oninput: (e) => ctx.saveDraft(id, e.target.value),
    "aria-describedby": described || null,
    "aria-invalid": refused ? "true" : null,
  };
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
    long ? h("textarea", { ...attrs, rows: 4 }) : h("input", { ...attrs, type, autocomplete: "off", spellcheck: type === "url" ? false : null }),
    counter(id, max, text, (n, most) => (n > most ? t("forms.over", { count: n - most }) : t("forms.left", { count: most - n }))),
  );
}

/**
 * Before a form sends: each of `ids` (fields made by `field`) must hold something if it is
 * required and fit its limit. If one does not, the form says why next to it (the text
 * stays as typed, nothing is cut or sent) and the field gets the focus; returns false.
 */
export function checkFields(ctx, formId, formEl, ids) {
  for (const id of ids) {
    const el = formEl.elements[id];
    if (!el) continue;
    const n = length(el.value);
    const max = Number(el.dataset.max) || 0;
    let message = null;
    if (!n && "required" in el.dataset) message = t("forms.blank");
    else if (max && n > max) message = t("forms.too_long", { count: n, max });
    if (message) {
      ctx.saveDraft(id, el.value);
      ctx.ui.refused[formId] = { message, fields: [id] };
      ctx.render();
      document.getElementById(id)?.focus();
      return false;
    }
  }
  return true;
}

/**
 * Under a form: why the server refused what it sent (the text stays in the fields), or
 * that it waits to be sent while the connection is away. Not a live region itself: the
 * page announces a refusal once, and a redraw must not announce it again.
 */
export function formStatus(ctx, formId) {
  const refused = ctx.ui.refused[formId];
  if (refused) return h("p", { class: "error form-error", id: `${formId}-error` }, refused.message);
  if (ctx.formWaiting(formId)) return h("p", { class: "hint form-waiting" }, t("forms.waiting"));
  return null;
}

/**
 * A form that sends a command with its fields' values. The fields keep their text until
 * the server acknowledges it (see ctx.submit); sending the same again meanwhile does nothing.
 */
export function form(ctx, { id, command, fields, submit, args = null, extra = null }) {
  return h(
    "form",
    {
      id,
      class: "stack",
      onsubmit: (e) => {
        e.preventDefault();
        const values = {};
        const raw = {};
        if (!checkFields(ctx, id, e.target, fields)) return;
        for (const f of fields) {
          raw[f] = e.target.elements[f].value;
          values[f] = raw[f].trim();
        }
        ctx.submit(id, command, args ? args(values) : values, raw);
      },
    },
    extra,
    formStatus(ctx, id),
    h("button", { type: "submit", class: "primary" }, submit),
  );
}

/**
 * A form of one long text field (`${name}-text`) sent as `{text}` with `command`: a note,
 * advice, the essence, the response, the take-away.
 */
export function textFieldForm(ctx, { name, command, label, hint = null, submit }) {
  const fieldId = `${name}-text`;
  return form(ctx, {
    id: `${name}-form`,
    command,
    fields: [fieldId],
    args: (v) => ({ text: v[fieldId] }),
    submit,
    extra: field(ctx, { id: fieldId, label, hint, long: true, max: ctx.limits.MAX_SHORT }),
  });
}

/**
 * A button. `key` names it among its siblings, so that a redraw keeps the same button
 * (and its focus) even as its label changes; the page shows it as `data-key`.
 */
export function button(label, onclick, { cls = "", pressed = null, disabled = false, describedby = null, key = null } = {}) {
  return h(
    "button",
    {
      type: "button",
      key: key ?? undefined,
      "data-key": key,
      class: cls,
      onclick,
      disabled,
      "aria-pressed": pressed === null ? null : String(pressed),
      "aria-describedby": describedby,
    },
    label,
  );
}

/**
 * A step that asks first (the next case, removing someone, ending the meeting): the first
 * press sets `ctx.ui.confirming` to `what` and redraws; then the confirming button stands
 * under the same key (the same button, so it keeps the focus), with a cancel button where
 * `cancelKey` names one. `onConfirm` does it.
 */
export function confirmButton(ctx, what, { label, cls, key, confirmLabel, confirmCls, describedby = null, cancelKey = null, onConfirm }) {
  if (ctx.ui.confirming !== what) {
    const ask = () => {
      ctx.ui.confirming = what;
      ctx.render();
    };
    return [button(label, ask, { cls, key }), null]; // the same shape either way: see above
  }
  return [
    button(confirmLabel, onConfirm, { cls: confirmCls, describedby, key }),
    cancelKey
      ? button(t("common.cancel"), () => {
          ctx.ui.confirming = null;
          ctx.render();
        }, { cls: "quiet", key: cancelKey })
      : null,
  ];
}

/** Warm / lauw / koud: how the inbrenger weighs a question or advice; the chosen one again takes it back. */
export function rateButtons(item, rate) {
  return ["warm", "lauw", "koud"].map((r) =>
    button(t(`questions.rate_${r}`), () => rate(item.rating === r ? null : r), {
      pressed: item.rating === r,
      cls: `quiet rate rate-${r}`,
      key: `rate-${r}`,
    }),
  );
}

/** " (warm)": how the inbrenger weighed a question or advice, or "" if not (yet). */
export function ratingMark(item) {
  return item.rating ? ` (${t(`questions.rating_${item.rating}`)})` : "";
}
