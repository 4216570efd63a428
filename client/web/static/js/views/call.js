// The group's own video call: the facilitator shares its link (any https URL), and
// everyone who joins online gets one click to open it in a new tab. Kring does not embed
// or proxy the call and never contacts its host: the link is a plain anchor that opens
// without a referrer and without a hold on this page; nothing is prefetched, no icon of
// that site is loaded.

import { t } from "../i18n.js";
import { h } from "../ui.js";
import { button, checkFields, field, formStatus, titled } from "./shared.js";
import { personOf } from "./state.js";

/** The call's URL if it is one to offer (https only, whatever the server let through), else null. */
function safeLink(link) {
  if (!link) return null;
  try {
    const url = new URL(link);
    return url.protocol === "https:" && !url.username && !url.password ? url : null;
  } catch {
    return null;
  }
}

/** "Open de videoverbinding": a link to click, with the line that Kring only opens it. */
function openLink(url) {
  return [
    h(
      "a",
      {
        href: url.href,
        target: "_blank",
        rel: "noopener noreferrer",
        referrerpolicy: "no-referrer",
        class: "button-link primary call-open",
        key: "call-open",
        "aria-describedby": "call-note",
      },
      t("call.open"),
    ),
    h("p", { class: "hint call-note", id: "call-note", key: "call-note" }, t("call.note")),
  ];
}

/**
 * For everyone who joins online (or has not said where they are): the call, one click
 * away. Someone online without a link yet is told the facilitator has not shared one.
 */
export function callPanel(ctx) {
  const s = ctx.state;
  if (ctx.me.role === "screen") return null;
  const place = personOf(s, ctx.me.id)?.place ?? null;
  if (place === "room") return null;
  const url = safeLink(s.call_link);
  if (!url && place !== "online") return null;
  return titled("call", t("call.title"), url ? openLink(url) : h("p", { class: "muted" }, t("call.none")));
}

/**
 * The facilitator's field for the call's link: share it, change it, take it away. The
 * server checks it (https, not too long, no name and password in it); its refusal shows
 * under the field, which keeps what was typed.
 */
export function callLinkForm(ctx) {
  const s = ctx.state;
  const url = safeLink(s.call_link);
  const fieldId = "call-link-url";
  const formId = "call-link-form";
  const typed = ctx.draft(fieldId);
  return titled(
    "call",
    t("call.title"),
    h(
      "form",
      {
        id: formId,
        class: "stack",
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          if (!checkFields(ctx, formId, e.target, [fieldId])) return;
          const raw = e.target.elements[fieldId].value;
          ctx.submit(formId, "set_call_link", { url: raw.trim() }, { [fieldId]: raw });
        },
      },
      // a URL field: a phone shows its URL keyboard (the form leaves judging it to the server)
      field(ctx, { id: fieldId, label: t("call.label"), hint: t("call.hint"), max: ctx.limits.MAX_CALL_LINK ?? 500, value: typed || s.call_link || "", type: "url" }),
      formStatus(ctx, formId),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "secondary", key: "call-save" }, t("call.save")),
        s.call_link
          ? button(
              t("call.clear"),
              () => {
                ctx.saveDraft(fieldId, "");
                ctx.submit(formId, "set_call_link", { url: null });
              },
              { cls: "quiet", key: "call-clear" },
            )
          : null,
      ),
    ),
    url ? [h("p", { class: "call-shared", key: "call-shared" }, t("call.shared", { host: url.host })), openLink(url)] : null,
  );
}
