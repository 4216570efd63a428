// The inbrenger's summary: shown as a printable page, and downloadable as one HTML file
// that holds only text (built with the DOM, so nothing in it can run).

import { h } from "./dom.js";
import { t } from "./i18n.js";

function section(title, ...body) {
  const content = body.flat().filter(Boolean);
  return content.length ? h("section", {}, h("h2", {}, title), content) : null;
}

export function summaryPage(summary, { code, onClose }) {
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
        ? h(
            "ol",
            {},
            summary.questions.map((q) =>
              h("li", {}, q.text, q.rating ? ` (${t(`questions.rating_${q.rating}`)})` : ""),
            ),
          )
        : null,
    ),
    section(t("essence.title"), summary.essence ? h("p", {}, summary.essence) : null),
    section(
      t("cards.revealed_title"),
      summary.perspectives.map((p) =>
        h("div", { class: "perspective" }, h("h3", {}, p.role), h("p", {}, `${t("cards.feel")} ${p.feel}`), h("p", {}, `${t("cards.think")} ${p.think}`)),
      ),
    ),
    section(
      t("advice.title"),
      summary.advice.length ? h("ul", {}, summary.advice.map((a) => h("li", {}, a.author ? `${a.author}: ${a.text}` : a.text))) : null,
    ),
    section(t("response.title"), summary.response ? h("p", {}, summary.response) : null),
    section(t("takeaway.title"), summary.takeaway ? h("p", {}, summary.takeaway) : null),
    h("p", { class: "muted" }, t("summary.confidential")),
  );
  const actions = h(
    "div",
    { class: "row no-print" },
    h("button", { type: "button", class: "primary", onclick: () => window.print() }, t("summary.print")),
    h("button", { type: "button", class: "secondary", onclick: () => download(page, code) }, t("summary.download")),
    h("button", { type: "button", class: "quiet", onclick: onClose }, t("common.close")),
  );
  return h("div", { class: "summary-wrap" }, actions, page);
}

function download(page, code) {
  const doc = document.implementation.createHTMLDocument(page.querySelector("h1").textContent);
  doc.documentElement.lang = document.documentElement.lang;
  const meta = doc.createElement("meta");
  meta.setAttribute("charset", "utf-8");
  doc.head.prepend(meta);
  const style = doc.createElement("style");
  style.textContent =
    "body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#111}h2{margin-top:1.5rem}.muted{color:#555}";
  doc.head.append(style);
  doc.body.append(doc.importNode(page, true));
  const blob = new Blob([`<!doctype html>\n${doc.documentElement.outerHTML}`], { type: "text/html" });
  const a = h("a", { href: URL.createObjectURL(blob), download: `kring-samenvatting-${code}.html` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
