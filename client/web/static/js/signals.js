// Signals for a person whose attention is elsewhere: the tab title ("● Jouw beurt — Kring",
// "● Nieuwe ronde — Kring" until the page is seen), and, only if they turned it on in this
// browser, a soft generated tone (WebAudio, no file) and a short phone vibration.

import { t } from "./i18n.js";
import { h } from "./ui.js";

const KEY = "kring:signals"; // not per room: a person's own choice on this device

export function signalsOn() {
  try {
    return localStorage.getItem(KEY) === "on";
  } catch {
    return false;
  }
}

function setSignals(on) {
  try {
    if (on) localStorage.setItem(KEY, "on");
    else localStorage.removeItem(KEY);
  } catch {
    /* storage disabled: the choice lasts as long as the page */
  }
}

let audio = null;

/** A soft two-note chime, made here; nothing is loaded. */
function chime() {
  try {
    audio = audio || new AudioContext();
    const now = audio.currentTime;
    [660, 880].forEach((freq, i) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      const start = now + i * 0.18;
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(0.08, start + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.4);
    });
  } catch {
    /* no audio here: the title still says it */
  }
}

/** Sound and vibration for a turn or a new round, if this person asked for them. */
export function signal() {
  if (!signalsOn()) return;
  chime();
  if (navigator.vibrate) navigator.vibrate([120, 60, 120]);
}

/** The small settings toggle: a checkbox in a fold, remembered in this browser. */
export function signalsToggle(ctx) {
  return h(
    "details",
    { class: "signals", key: "signals" },
    h("summary", {}, t("signals.title")),
    h(
      "div",
      { class: "field check" },
      h("input", {
        type: "checkbox",
        id: "signals-on",
        checked: signalsOn(),
        "aria-describedby": "signals-hint",
        onchange: (e) => {
          setSignals(e.target.checked);
          if (e.target.checked) chime(); // a sample, and the browser allows sound after a click
          ctx.render();
        },
      }),
      h("label", { for: "signals-on" }, t("signals.toggle")),
    ),
    h("p", { class: "hint", id: "signals-hint" }, t("signals.hint")),
  );
}

/** The tab title: your turn first, then (for a facilitator) who knocks, then an unseen new round, else the round's name. */
export function tabTitle({ myTurn, knock = null, unseenRound, phaseName }) {
  if (myTurn) return t("signals.turn_title");
  if (knock) return t("signals.knock_title", { name: knock });
  if (unseenRound) return t("signals.round_title");
  return `${phaseName} · Kring`;
}
