// "Hoe gaat het met de groep?": the anonymous "Was dit de tijd waard?" of each held meeting
// as a small line chart (SVG drawn here with h(): role="img", a title, and a description
// that says the trend in words), with the same numbers in a real table beside it: date,
// werkvorm, present, average and answers, the process question. The server shows an
// average only from three answers on (docs/GROUPS.md); below that the chart leaves a gap.

import { language, pick, t } from "../i18n.js";
import { h } from "../ui.js";
import { call } from "./api.js";

const W = 320; // the chart's own units; it scales to the width it gets
const H = 150;
const PAD = { left: 30, right: 26, top: 12, bottom: 26 };

/** Fetch the trend once per answer of /mine (so a reload of the group reads it again). */
function load(g) {
  const cache = g.ui.trend;
  if (cache && cache.of === g.answer) return cache;
  const fresh = { of: g.answer, data: null, error: null };
  g.ui.trend = fresh;
  call("GET", "/mine/trend", { secret: g.secret }).then((answer) => {
    if (g.ui.trend !== fresh) return;
    if (answer.status === 200) fresh.data = answer.data;
    else fresh.error = answer.error;
    g.redraw();
  });
  return fresh;
}

function shortDate(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(language(), { day: "numeric", month: "short" });
}

function tableDate(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(language(), { day: "numeric", month: "short", year: "numeric" });
}

function longDate(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(language(), { day: "numeric", month: "long", year: "numeric" });
}

function number(x) {
  return x.toLocaleString(language(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/** The trend in words, for the chart's description (and so for a screen reader). */
export function describe(meetings) {
  const shown = meetings.filter((m) => m.average !== null);
  if (!shown.length) return t("worth.trend.none");
  const first = shown[0];
  const last = shown[shown.length - 1];
  if (shown.length === 1) return t("worth.trend.one", { value: number(first.average), date: longDate(first.date) });
  const delta = last.average - first.average;
  const direction = delta >= 0.5 ? "up" : delta <= -0.5 ? "down" : "flat";
  return t("worth.trend.desc", {
    count: shown.length,
    first: number(first.average),
    first_date: longDate(first.date),
    last: number(last.average),
    last_date: longDate(last.date),
    direction: t(`worth.trend.${direction}`),
  });
}

function chart(meetings) {
  const n = meetings.length;
  const x = (i) => PAD.left + (n === 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (v) => PAD.top + ((5 - v) * (H - PAD.top - PAD.bottom)) / 4;
  // one line per run of meetings with an average: a meeting without one leaves a gap
  const runs = [];
  let run = [];
  meetings.forEach((m, i) => {
    if (m.average === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(`${x(i).toFixed(1)},${y(m.average).toFixed(1)}`);
  });
  if (run.length) runs.push(run);
  // across a meeting without an average: a dashed line, so the trend still reads as one
  const bridge = meetings.flatMap((m, i) => (m.average === null ? [] : [`${x(i).toFixed(1)},${y(m.average).toFixed(1)}`]));
  const label = Math.max(1, Math.ceil(n / 6)); // at most about six dates under the axis
  return h(
    "svg",
    {
      class: "trend-chart",
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-labelledby": "trend-chart-title trend-chart-desc",
      focusable: "false",
    },
    h("title", { id: "trend-chart-title" }, t("worth.trend.chart")),
    h("desc", { id: "trend-chart-desc" }, describe(meetings)),
    [1, 2, 3, 4, 5].map((v) =>
      h(
        "g",
        { key: `grid-${v}`, class: "trend-grid" },
        h("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }),
        h("text", { x: PAD.left - 8, y: y(v) + 4, "text-anchor": "end" }, String(v)),
      ),
    ),
    bridge.length > 1 ? h("polyline", { key: "bridge", class: "trend-bridge", points: bridge.join(" ") }) : null,
    runs.map((points, i) =>
      points.length > 1 ? h("polyline", { key: `run-${i}`, class: "trend-line", points: points.join(" ") }) : null,
    ),
    meetings.map((m, i) =>
      m.average === null
        ? null
        : h("circle", { key: `dot-${m.id}`, class: "trend-dot", cx: x(i), cy: y(m.average), r: 4 }),
    ),
    meetings.map((m, i) =>
      i % label === 0 || i === n - 1
        ? h("text", { key: `date-${m.id}`, class: "trend-date", x: x(i), y: H - 6, "text-anchor": "middle" }, shortDate(m.date))
        : null,
    ),
  );
}

function table(g, meetings) {
  const methodName = (id) => pick(g.templates.methods.find((m) => m.id === id)?.name) || id;
  const head = ["date", "method", "present", "worth", "answers", "process"];
  return h(
    "div",
    { class: "trend-table-wrap", tabindex: "0", role: "region", "aria-labelledby": "trend-caption" },
    h(
      "table",
      { class: "trend-table" },
      h("caption", { id: "trend-caption" }, t("worth.trend.caption")),
      h("thead", {}, h("tr", {}, head.map((k) => h("th", { scope: "col", key: k }, t(`worth.trend.${k}`))))),
      h(
        "tbody",
        {},
        meetings.map((m) => {
          // data-label: the column's name, which a phone shows beside each value (group.css)
          const cell = (k, text, cls = null) => h("td", { class: cls, "data-label": t(`worth.trend.${k}`) }, text);
          return h(
            "tr",
            { key: m.id, "data-meeting": m.id },
            h("th", { scope: "row" }, tableDate(m.date)),
            cell("method", methodName(m.method)),
            cell("present", String(m.present), "num"),
            cell("worth", m.average === null ? (m.answers ? t("worth.trend.few") : "–") : number(m.average), "num"),
            cell("answers", String(m.answers), "num"),
            cell("process", m.process ? t("worth.trend.process_counts", m.process) : m.process_answers ? t("worth.trend.few") : "–"),
          );
        }),
      ),
    ),
  );
}

/** The section on the group page; null until the group has held a meeting. */
export function trendSection(g) {
  const state = load(g);
  const meetings = state.data?.meetings || [];
  return h(
    "section",
    { class: "trend", "aria-labelledby": "trend-title", key: "trend" },
    h("h2", { id: "trend-title" }, t("worth.trend.title")),
    !state.data && !state.error ? h("p", { class: "muted" }, "…") : null,
    state.error ? h("p", { class: "error" }, t(`group.errors.${state.error}`, { defaultValue: t("group.errors.unavailable") })) : null,
    state.data && !meetings.length ? h("p", { class: "muted" }, t("worth.trend.empty")) : null,
    meetings.length ? h("figure", { class: "trend-figure" }, chart(meetings)) : null,
    meetings.length ? table(g, meetings) : null,
    meetings.length ? h("p", { class: "hint" }, t("worth.trend.threshold")) : null,
  );
}
