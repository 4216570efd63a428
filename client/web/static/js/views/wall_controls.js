// The projector's own controls: a light or dark wall (kept in this browser), shown only
// while someone moves the mouse or presses a key over it, so the wall itself stays clean.

import { t } from "../i18n.js";
import { h } from "../ui.js";

const THEME_KEY = "kring:screen-theme";

export function theme() {
  try {
    return localStorage.getItem(THEME_KEY) === "light" ? "light" : "dark";
  } catch {
    return "dark";
  }
}

function setTheme(value) {
  try {
    localStorage.setItem(THEME_KEY, value);
  } catch {
    /* storage disabled: the choice holds until the page reloads */
  }
  document.documentElement.dataset.wall = value;
}

let watchingMouse = false;

/** The controls (theme, language) show only while someone moves the mouse over the wall. */
export function watchMouse() {
  if (watchingMouse) return;
  watchingMouse = true;
  let hide = null;
  const show = () => {
    document.body.classList.add("wall-controls");
    clearTimeout(hide);
    hide = setTimeout(() => document.body.classList.remove("wall-controls"), 3000);
  };
  document.addEventListener("mousemove", show);
  document.addEventListener("keydown", show);
}

export function themeToggle(ctx) {
  const light = theme() === "light";
  return h(
    "button",
    {
      type: "button",
      class: "wall-theme",
      "aria-pressed": String(light),
      onclick: () => {
        setTheme(light ? "dark" : "light");
        ctx.render();
      },
    },
    t("screen.light"),
  );
}
