// The inbrenger shares the chosen case: the text and the people in it. Before it goes out,
// what looks like personal data (a name, a phone number, a BSN …) is shown back to them,
// to edit or to share anyway.

import { t } from "../i18n.js";
import { findPersonalData } from "../privacy.js";
import { h } from "../ui.js";
import { checkFields, field, formStatus, titled } from "./shared.js";

/** The share form, for the inbrenger once a case is chosen (again, to change what was shared). */
export function shareForm(ctx) {
  const s = ctx.state;
  const shared = Boolean(s.case_text);
  const lines = (value) =>
    value
      .split("\n")
      .map((x) => x.trim())
      .filter(Boolean)
      .slice(0, ctx.limits.MAX_PEOPLE);
  const read = (form) => {
    const raw = { "share-text": form.elements["share-text"].value, "share-people": form.elements["share-people"].value };
    return { text: raw["share-text"].trim(), people: lines(raw["share-people"]), raw };
  };
  const share = ({ text, people, raw }) => {
    ctx.ui.privacyCheck = null;
    ctx.submit("share-form", "share_case", { text, people }, raw);
  };
  const textValue = ctx.draft("share-text") || s.case_text || "";
  const peopleValue = ctx.draft("share-people") || s.people.join("\n");
  // the prompt stays only as long as the text it is about is what the fields hold
  const check = ctx.ui.privacyCheck;
  const current = check && check.key === shareKey({ text: textValue.trim(), people: lines(peopleValue) }) ? check : null;
  return titled(
    "share",
    t(shared ? "share.again_title" : "share.title"),
    h(
      "form",
      {
        id: "share-form",
        class: "stack",
        onsubmit: (e) => {
          e.preventDefault();
          if (!checkFields(ctx, "share-form", e.target, ["share-text", "share-people"])) return;
          const values = read(e.target);
          const found = dedupe([values.text, ...values.people].flatMap((x) => findPersonalData(x)));
          if (found.length) {
            ctx.saveDraft("share-text", e.target.elements["share-text"].value);
            ctx.saveDraft("share-people", e.target.elements["share-people"].value);
            ctx.ui.privacyCheck = { key: shareKey(values), values, found };
            ctx.render();
            document.getElementById("privacy-check")?.focus();
            return;
          }
          share(values);
        },
        oninput: (e) => {
          if (!ctx.ui.privacyCheck) return;
          if (ctx.ui.privacyCheck.key !== shareKey(read(e.currentTarget))) {
            ctx.ui.privacyCheck = null;
            ctx.render();
          }
        },
      },
      field(ctx, {
        id: "share-text",
        label: t("share.text"),
        hint: t("share.text_hint"),
        long: true,
        max: ctx.limits.MAX_LONG,
        value: textValue,
      }),
      field(ctx, {
        id: "share-people",
        label: t("share.people"),
        hint: t("share.people_hint"),
        long: true,
        required: false,
        max: ctx.limits.MAX_PEOPLE * (ctx.limits.MAX_PERSON + 1),
        value: peopleValue,
      }),
      current ? privacyPrompt(ctx, current, share) : null,
      formStatus(ctx, "share-form"),
      h("button", { type: "submit", class: "primary" }, t(shared ? "share.update" : "share.send")),
    ),
  );
}

function shareKey({ text, people }) {
  return JSON.stringify([text, people]);
}

function dedupe(found) {
  const seen = new Set();
  return found.filter((f) => !seen.has(`${f.kind}:${f.text}`) && seen.add(`${f.kind}:${f.text}`));
}

/** What looks like personal data, each found text as a text node; edit, or share anyway. */
function privacyPrompt(ctx, check, share) {
  return h(
    "div",
    { id: "privacy-check", class: "nudge", role: "status", tabindex: "-1", "aria-labelledby": "privacy-check-title" },
    h("p", { class: "nudge-title", id: "privacy-check-title" }, t("privacy.title")),
    h("p", {}, t("privacy.intro")),
    h(
      "ul",
      { class: "found-list" },
      check.found.map((f) =>
        h("li", { "data-kind": f.kind }, h("span", { class: "found-kind" }, t(`privacy.kind_${f.kind}`)), ": ", h("span", { class: "found-text" }, f.text)),
      ),
    ),
    h("p", { class: "hint" }, t("privacy.hint")),
    h(
      "div",
      { class: "row" },
      h(
        "button",
        {
          type: "button",
          id: "privacy-edit",
          class: "secondary",
          onclick: () => {
            ctx.ui.privacyCheck = null;
            ctx.render();
            document.getElementById("share-text")?.focus();
          },
        },
        t("privacy.edit"),
      ),
      h("button", { type: "button", id: "privacy-share", class: "quiet", onclick: () => share(check.values) }, t("privacy.share_anyway")),
    ),
  );
}
