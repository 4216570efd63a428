// Building DOM from data. Every piece of user text goes in as a text node, never as
// HTML: a name or question like `<img src=x onerror=…>` shows as the characters it is.

/**
 * h("button", {class: "primary", onclick: fn, disabled: true}, "text", child, [more])
 * Attributes starting with "on" become listeners; `false`/`null` attributes are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
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

/** Replace the children of `el`, keeping focus, caret and scroll where the person had them. */
export function replaceChildren(el, ...children) {
  const active = document.activeElement;
  const focusId = active && el.contains(active) ? active.id : null;
  let caret = null;
  if (focusId && "selectionStart" in active) {
    try {
      caret = [active.selectionStart, active.selectionEnd];
    } catch {
      caret = null;
    }
  }
  const scroll = window.scrollY;
  el.replaceChildren();
  append(el, children);
  if (focusId) {
    const again = document.getElementById(focusId);
    if (again) {
      again.focus({ preventScroll: true });
      if (caret && "setSelectionRange" in again) {
        try {
          again.setSelectionRange(caret[0], caret[1]);
        } catch {
          /* not a text field */
        }
      }
    }
  }
  window.scrollTo(0, scroll);
}
