// Building DOM from data. Every piece of user text goes in as a text node, never as
// HTML: a name or question like `<img src=x onerror=…>` shows as the characters it is.
//
// A view is redrawn whole on every room event. So that a redraw never takes anything
// from the person at the keyboard, `replaceChildren` carries over what they have done
// since the last draw (a chosen radio or option, a ticked box, an opened disclosure, the
// text of a field without a draft) and puts focus and caret back on the same control.
// "The same control" is found by a key: the element's id, else its `data-key` or the
// record it belongs to (a question, a case, …), else its place under the nearest of those.

/**
 * h("button", {class: "primary", onclick: fn, disabled: true, key: "vote"}, "text", child)
 * Attributes starting with "on" become listeners; `false`/`null` attributes are left out;
 * `key` names the element for the redraw (see above).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "key") {
      el.dataset.key = String(value);
    } else if (key === "value") {
      el.value = value;
    } else if (key === "checked") {
      el.checked = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Attributes that name an element across redraws, most specific first. */
const ANCHORS = ["id", "data-key", "data-question", "data-case", "data-advice", "data-note", "data-person"];
const CONTROLS = "input, select, textarea, details";
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

function anchorOf(el) {
  for (const name of ANCHORS) {
    const value = el.getAttribute(name);
    if (value) return `${name}=${value}`;
  }
  return null;
}

/**
 * The key of `node` under `root`: the anchors of it and its ancestors (an id ends the
 * walk: it is unique), with the place among same-tag siblings only below the first anchor.
 */
export function keyOf(node, root) {
  const parts = [];
  let anchored = false;
  for (let el = node; el && el !== root; el = el.parentElement) {
    const anchor = anchorOf(el);
    if (anchor) {
      parts.unshift(anchor);
      anchored = true;
      if (el.id) break;
    } else if (!anchored) {
      let i = 0;
      for (let sib = el.previousElementSibling; sib; sib = sib.previousElementSibling) if (sib.tagName === el.tagName) i++;
      parts.unshift(`${el.tagName}${i}`);
    }
  }
  return parts.join(">");
}

/** What a person can change in a control. */
function stateOf(el) {
  if (el.tagName === "DETAILS") return { open: el.open };
  if (el.type === "checkbox" || el.type === "radio") return { checked: el.checked };
  if (el.tagName === "SELECT" && el.multiple) return { values: [...el.selectedOptions].map((o) => o.value) };
  return { value: el.value };
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function restore(el, state) {
  if ("open" in state) el.open = state.open;
  else if ("checked" in state) el.checked = state.checked;
  else if ("values" in state) for (const o of el.options) o.selected = state.values.includes(o.value);
  else if (el.tagName === "SELECT") {
    if ([...el.options].some((o) => o.value === state.value)) el.value = state.value; // a choice that is gone stays gone
  } else el.value = state.value;
}

/** Each control as the last draw made it: a control that differs now was changed by hand. */
const drawn = new WeakMap();

/** Controls whose state a redraw carries over: not files, not fields whose draft keeps them. */
function carried(root) {
  return [...root.querySelectorAll(CONTROLS)].filter((el) => el.type !== "file" && !("draft" in el.dataset));
}

/** Replace the children of `el`, keeping what the person chose, typed, focused and scrolled. */
export function replaceChildren(el, ...children) {
  const changed = new Map();
  for (const control of carried(el)) {
    const now = stateOf(control);
    if (drawn.has(control) && !same(drawn.get(control), now)) changed.set(keyOf(control, el), now);
  }
  const active = document.activeElement;
  const focus = active && active !== el && el.contains(active) ? focusPath(active, el) : null;
  const scroll = window.scrollY;

  el.replaceChildren();
  append(el, children);

  for (const control of carried(el)) {
    drawn.set(control, stateOf(control)); // as drawn, before the person's changes go back in
    if (!changed.size) continue;
    const state = changed.get(keyOf(control, el));
    if (state) restore(control, state);
  }
  if (focus) refocus(el, focus);
  window.scrollTo(0, scroll);
}

/** The focused element's key and caret, and its ancestors' keys to fall back on. */
function focusPath(active, root) {
  let caret = null;
  try {
    if (typeof active.selectionStart === "number") caret = [active.selectionStart, active.selectionEnd];
  } catch {
    caret = null;
  }
  const up = [];
  for (let a = active.parentElement; a && a !== root; a = a.parentElement) up.push(keyOf(a, root));
  return { key: keyOf(active, root), caret, up };
}

/** The first element under `root` whose key is `key`. */
function find(root, key) {
  for (const el of root.querySelectorAll("*")) if (keyOf(el, root) === key) return el;
  return null;
}

/** key -> the first element with that key under `root` */
function index(root) {
  const out = new Map();
  for (const el of root.querySelectorAll("*")) {
    const key = keyOf(el, root);
    if (!out.has(key)) out.set(key, el);
  }
  return out;
}

/**
 * Focus the same control again. If it is gone (a withdrawn question, a button that did its
 * job), focus stays nearby: the first control in the nearest part that is still there, or
 * that part itself, so a keyboard user never drops back to the top of the page.
 */
function refocus(root, { key, caret, up }) {
  const again = find(root, key);
  if (again) {
    again.focus({ preventScroll: true });
    if (caret && typeof again.setSelectionRange === "function") {
      try {
        again.setSelectionRange(caret[0], caret[1]);
      } catch {
        /* not a text field */
      }
    }
    if (document.activeElement === again) return;
  }
  const keys = index(root);
  for (const k of up) {
    const part = keys.get(k);
    if (!part) continue;
    const inside = [...part.querySelectorAll(FOCUSABLE)].find((x) => !x.disabled && x.getAttribute("tabindex") !== "-1");
    if (inside) return inside.focus({ preventScroll: true });
    if (part.tagName === "SECTION" || part.tagName === "FORM") {
      part.setAttribute("tabindex", "-1");
      return part.focus({ preventScroll: true });
    }
  }
  document.getElementById("phase-name")?.focus({ preventScroll: true });
}
