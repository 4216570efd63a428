// A new personal link, shown once to the begeleider who made it: the link to copy and its
// QR code to scan, both made here in the browser (the link's secret never reaches the
// server, so the server's QR route cannot draw it). The QR code is qrcode-generator's
// (npm, served from /vendor like preact), drawn as SVG by Preact: no innerHTML.

import qrcode from "/vendor/qrcode/qrcode.mjs";
import { t } from "../i18n.js";
import { h } from "../ui.js";

const QUIET = 4; // modules of white around the code, as the standard asks

/** The QR code of `text` as an SVG element, labelled for a screen reader. */
export function qrSvg(text, label) {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const n = qr.getModuleCount();
  let d = "";
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + QUIET} ${r + QUIET}h1v1h-1z`;
  const size = n + 2 * QUIET;
  return h(
    "svg",
    { class: "link-qr", viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": label, xmlns: "http://www.w3.org/2000/svg" },
    h("rect", { width: size, height: size, fill: "#fff" }),
    h("path", { d, fill: "#111", "shape-rendering": "crispEdges" }),
  );
}

async function copy(link, input, setStatus) {
  try {
    await navigator.clipboard.writeText(link);
    setStatus(t("group.share.copied"));
  } catch {
    // no clipboard permission: select the link, so one keystroke copies it
    input.focus();
    input.select();
    setStatus(t("group.share.select"));
  }
}

/**
 * The panel for `shared` = {name, link, reissued}: heading, what to do with it, the link
 * with a copy button, the QR code and "done". `onDone` closes it for good.
 */
export function sharePanel(shared, onDone, redraw) {
  const id = "share-link";
  return h(
    "section",
    { class: "share-link", "aria-labelledby": "share-title", key: "share", id: "share" },
    h("h2", { id: "share-title", tabindex: "-1" }, t("group.share.title", { name: shared.name })),
    h("p", {}, t(shared.reissued ? "group.share.lead_reissued" : "group.share.lead", { name: shared.name })),
    h("p", { class: "hint" }, t("group.share.once")),
    h(
      "div",
      { class: "field" },
      h("label", { for: id }, t("group.share.link")),
      h(
        "div",
        { class: "row copy-row" },
        h("input", { id, type: "text", readOnly: true, value: shared.link, class: "link-text", spellcheck: false }),
        h(
          "button",
          {
            type: "button",
            class: "primary",
            onClick: () =>
              copy(shared.link, document.getElementById(id), (s) => {
                shared.status = s;
                redraw();
              }),
          },
          t("group.share.copy"),
        ),
      ),
      h("p", { class: "hint", role: "status" }, shared.status || ""),
    ),
    h("figure", { class: "qr-figure" }, qrSvg(shared.link, t("group.share.qr_label", { name: shared.name })), h("figcaption", { class: "hint" }, t("group.share.qr"))),
    h("button", { type: "button", onClick: onDone }, t("group.share.done")),
  );
}
