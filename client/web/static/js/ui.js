// The views are Preact: a view is a function of the room state that returns elements made
// with `h`, and `draw` puts them on the page by keyed reconciliation. An element that is
// drawn again stays the same DOM node, so what the person at the keyboard did with it
// (focus, caret, a chosen radio, an open disclosure, text typed) stays as it is.
// Every piece of user text goes in as a child string, which Preact makes a text node,
// never HTML (nothing here sets innerHTML).
//
// What Preact cannot know, and Kring decides here: where keyboard focus goes when the
// control it was on is gone (a withdrawn question, a removed person, a button that did its
// job): to the nearest part of the view that is still there, never back to the top.

import { Component, h, render } from "/vendor/preact/preact.mjs";

export { h };

const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

/** Draw `content` (an element, an array of them, or null) into `container`. */
export function draw(container, content) {
  const active = document.activeElement;
  const inside = active && active !== container && container.contains(active);
  const around = [];
  if (inside) for (let a = active.parentElement; a && a !== container; a = a.parentElement) around.push(a);
  render(content, container);
  if (inside && document.activeElement !== active) refocus(container, active, around);
}

/** `active` lost focus in a redraw: give it back, or focus the nearest part still there. */
function refocus(container, active, around) {
  if (container.contains(active) && !active.disabled) {
    active.focus({ preventScroll: true }); // moved among its siblings, still the same control
    if (document.activeElement === active) return;
  }
  for (const part of around) {
    if (!container.contains(part)) continue;
    const inside = [...part.querySelectorAll(FOCUSABLE)].find((x) => !x.disabled && x.getAttribute("tabindex") !== "-1");
    if (inside) return inside.focus({ preventScroll: true });
    if (part.tagName === "SECTION" || part.tagName === "FORM") {
      part.setAttribute("tabindex", "-1");
      return part.focus({ preventScroll: true });
    }
  }
  document.getElementById("phase-name")?.focus({ preventScroll: true });
}

/**
 * A part of a view that shows a running clock: it draws itself again every half second
 * (`draw()` gives what it shows now), so the rest of the view is drawn only when the room
 * changes.
 */
class Ticking extends Component {
  componentDidMount() {
    this.every = setInterval(() => this.forceUpdate(), 500);
  }

  componentWillUnmount() {
    clearInterval(this.every);
  }

  render({ draw: now }) {
    return now();
  }
}

/** The characters of a text as the server counts them (code points), once trimmed as it is sent. */
export function length(text) {
  return [...String(text || "").trim()].length;
}

/**
 * How many characters the field `id` may still take, shown from 80% of `max` on and
 * counted as the person types (the field itself takes more: what is too long is said on
 * sending, never cut).
 */
class Counter extends Component {
  componentDidMount() {
    this.field = document.getElementById(this.props.id);
    this.update = () => this.forceUpdate();
    this.field?.addEventListener("input", this.update);
  }

  componentWillUnmount() {
    this.field?.removeEventListener("input", this.update);
  }

  render({ id, max, initial, say }) {
    const field = document.getElementById(id);
    const n = length(field ? field.value : initial);
    const near = n >= Math.floor(max * 0.8);
    return h(
      "p",
      { class: `counter${n > max ? " over" : ""}`, id: `${id}-count`, hidden: !near },
      near ? say(n, max) : "",
    );
  }
}

/** `counter(id, max, initial, say)`: see Counter; `say(n, max)` gives its text. */
export function counter(id, max, initial, say) {
  return h(Counter, { id, max, initial, say, key: `${id}-count` });
}

/** `ticking(() => h(...))`: the element `draw()` makes, drawn again as its clock runs. */
export function ticking(now) {
  return h(Ticking, { draw: now });
}
