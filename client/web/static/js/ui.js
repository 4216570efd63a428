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

/** `ticking(() => h(...))`: the element `draw()` makes, drawn again as its clock runs. */
export function ticking(now) {
  return h(Ticking, { draw: now });
}
