// The inbrenger's summary: shown as a printable page, and downloadable as one HTML file
// that holds only text (the page as drawn, whose user text is all text nodes, so nothing
// in it can run).

import { hhmm, pick, t } from "./i18n.js";
import { h } from "./ui.js";
import { ratingMark } from "./views/shared.js";

function section(title, ...body) {
  const content = body.flat().filter(Boolean);
  return content.length ? h("section", {}, h("h2", {}, title), content) : null;
}

/** "Naam: tekst (warm)": who gave it (absent when anonymous) and how the inbrenger weighed it. */
function line(item) {
  return `${item.author ? `${item.author}: ` : ""}${item.text}${ratingMark(item)}`;
}

/** The written notes, per phase in the order of the method (Balint, incident method, …). */
function notesByPhase(notes = [], phases = []) {
  const order = phases.map((p) => p.id);
  const ids = [...new Set(notes.map((n) => n.phase))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return ids.map((id) => {
    const phase = phases.find((p) => p.id === id);
    return h(
      "div",
      { class: "note-phase" },
      h("h3", {}, phase ? pick(phase.name) : id),
      h("ul", {}, notes.filter((n) => n.phase === id).map((n) => h("li", {}, line(n)))),
    );
  });
}

/**
 * What was written from the role cards, per phase in the method's order: each entry
 * under its card's name, each text under its field's label.
 */
function perspectivesByPhase(items = [], phases = []) {
  const order = phases.map((p) => p.id);
  const ids = [...new Set(items.map((p) => p.phase))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return ids.map((id) => {
    const phase = phases.find((p) => p.id === id);
    return h(
      "div",
      { class: "perspective-phase" },
      h("h3", {}, phase ? pick(phase.name) : id),
      items
        .filter((p) => p.phase === id)
        .map((p) =>
          h(
            "div",
            { class: "perspective" },
            h("h4", {}, pick(p.card)),
            p.texts.map((x) => h("p", {}, h("strong", {}, pick(x.label)), " ", x.text)),
          ),
        ),
    );
  });
}

/**
 * `onKept`: called when the person prints or downloads it (their page then tells the
 * server that the summary is saved, for the facilitator's end confirmation).
 */
export function summaryPage(summary, { code, phases = [], onClose, onKept = null }) {
  const dated = new Date().toLocaleDateString(document.documentElement.lang);
  const page = h(
    "article",
    { class: "summary-page", id: "summary", "aria-labelledby": "summary-title", tabindex: "-1" },
    h("h1", { id: "summary-title" }, t("summary.heading", { title: summary.title || "" })),
    h("p", { class: "muted" }, t("summary.meta", { date: dated, code })),
    section(t("summary.question"), summary.question ? h("p", {}, summary.question) : null),
    section(t("summary.case"), summary.case_text ? h("p", {}, summary.case_text) : null),
    section(t("case.people"), summary.people.length ? h("p", {}, summary.people.join(", ")) : null),
    section(
      t("summary.questions"),
      summary.questions.length
        ? h("ol", {}, summary.questions.map((q) => h("li", {}, line(q)))) // a question has no author here
        : null,
    ),
    section(t("essence.title"), summary.essence ? h("p", {}, summary.essence) : null),
    section(t("notes.title"), notesByPhase(summary.notes, phases)),
    section(t("cards.summary_title"), perspectivesByPhase(summary.perspectives, phases)),
    section(
      t("advice.title"),
      summary.advice.length ? h("ul", {}, summary.advice.map((a) => h("li", {}, line(a)))) : null,
    ),
    section(t("response.title"), summary.response ? h("p", {}, summary.response) : null),
    section(t("takeaway.title"), summary.takeaway ? h("p", {}, summary.takeaway) : null),
    h("p", { class: "muted" }, t("summary.confidential")),
  );
  const actions = h(
    "div",
    { class: "row no-print" },
    h("button", { type: "button", class: "primary", onclick: () => (onKept?.(), window.print()) }, t("summary.print")),
    h(
      "button",
      { type: "button", class: "secondary", onclick: (e) => (onKept?.(), download(e, `${t("summary.file")}-${code}`)) },
      t("summary.download"),
    ),
    h("button", { type: "button", class: "quiet", onclick: onClose }, t("common.close")),
  );
  return h("div", { class: "summary-wrap" }, actions, page);
}

/**
 * Proof of participation: date, duration, method, who agreed to be named. No case content.
 * One asked during the meeting (`ended_at` null) is provisional, and says so; the final one
 * comes when the facilitator ends the meeting.
 */
export function proofPage(proof, { code, onClose }) {
  const lang = document.documentElement.lang;
  const started = new Date(proof.started_at * 1000);
  const provisional = proof.ended_at === null || proof.ended_at === undefined;
  const page = h(
    "article",
    { class: `summary-page${provisional ? " provisional" : ""}`, id: "proof", "aria-labelledby": "proof-title", tabindex: "-1" },
    h("h1", { id: "proof-title" }, t("proof.heading")),
    provisional ? h("p", { class: "provisional-note" }, t("proof.provisional")) : null,
    h(
      "dl",
      { class: "proof" },
      h("dt", {}, t("proof.date")),
      h("dd", {}, started.toLocaleDateString(lang, { day: "numeric", month: "long", year: "numeric" })),
      h("dt", {}, t("proof.time")),
      h("dd", {}, provisional ? t("proof.since", { time: hhmm(started) }) : `${hhmm(started)}–${hhmm(new Date(proof.ended_at * 1000))}`),
      h("dt", {}, t("proof.duration")),
      h("dd", {}, t("proof.minutes", { count: proof.minutes })),
      h("dt", {}, t("proof.method")),
      h("dd", {}, pick(proof.method)),
      h("dt", {}, t("proof.cases")),
      h("dd", {}, String(proof.cases)),
      h("dt", {}, t("proof.facilitators")),
      h("dd", {}, proof.facilitators.length ? proof.facilitators.join(", ") : t("proof.no_facilitator")),
      h("dt", {}, t("proof.participants")),
      h("dd", {}, proof.participants.length ? proof.participants.join(", ") : t("proof.nobody")),
      proof.took_part ? [h("dt", {}, t("proof.took_part_label")), h("dd", {}, t("proof.took_part", { count: proof.took_part }))] : null,
    ),
    h("p", { class: "muted" }, t("proof.note")),
  );
  const actions = h(
    "div",
    { class: "row no-print" },
    h("button", { type: "button", class: "primary", onclick: () => window.print() }, t("summary.print")),
    h("button", { type: "button", class: "secondary", onclick: (e) => download(e, `${t("proof.file")}-${code}`) }, t("summary.download")),
    onClose ? h("button", { type: "button", class: "quiet", onclick: onClose }, t("common.close")) : null,
  );
  return h("div", { class: "summary-wrap" }, actions, page);
}

const PRINT_CSS =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#111}" +
  "h2{margin-top:1.5rem}.muted{color:#555}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1.2rem}" +
  "dt{font-weight:600}dd{margin:0}";

/** Text as HTML source: the browser escapes it for us (we read innerHTML, never set it). */
function escaped(text) {
  const holder = document.createElement("p");
  holder.textContent = text;
  return holder.innerHTML;
}

/** The page whose download button was pressed (`click`), as one HTML file named `name`.html, text only. */
function download(click, name) {
  const page = click.currentTarget.closest(".summary-wrap").querySelector("article");
  const lang = document.documentElement.lang === "en" ? "en" : "nl";
  const title = escaped(page.querySelector("h1").textContent);
  const html =
    `<!doctype html>\n<html lang="${lang}"><head><meta charset="utf-8"><title>${title}</title>` +
    `<style>${PRINT_CSS}</style></head><body>${page.outerHTML}</body></html>\n`;
  const blob = new Blob([html], { type: "text/html" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${name}.html`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
