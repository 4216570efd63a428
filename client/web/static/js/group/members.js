// The group's members on its page, and, for a begeleider, their links: add a member (the
// browser makes the link and sends only its hash), give a new link, remove someone.

import { issueLink } from "../grouplink.js";
import { t } from "../i18n.js";
import { h } from "../ui.js";
import { call } from "./api.js";
import { checkText, errorText, field, formError, placeError } from "./forms.js";
import { clearErrors, linkGone, setUi, showErrors } from "./state.js";

// -- members and their links -------------------------------------------------------------

export function members(g, leads) {
  const a = g.answer;
  return h(
    "section",
    { class: "members", "aria-labelledby": "members-title", key: "members" },
    h("h2", { id: "members-title" }, t("group.members.title", { count: a.members.length })),
    h("ul", { class: "people-list" }, a.members.map((m) => memberItem(g, m, leads && m.id !== a.me.id, m.id === a.me.id))),
    leads ? addMember(g) : null,
  );
}

function memberItem(g, m, manage, me) {
  const confirm = g.ui.confirm && g.ui.confirm.id === m.id && ["reissue", "remove"].includes(g.ui.confirm.kind) ? g.ui.confirm.kind : null;
  return h(
    "li",
    { class: "person", key: m.id, "data-member": m.id },
    h("span", { class: "person-name" }, m.name),
    m.role === "begeleider" ? h("span", { class: "badge" }, t("group.members.begeleider")) : null,
    me ? h("span", { class: "person-meta" }, t("group.members.you")) : null,
    manage && !confirm
      ? h(
          "span",
          { class: "row person-actions" },
          h("button", { type: "button", class: "quiet", onClick: () => setUi(g, { confirm: { kind: "reissue", id: m.id } }), "aria-label": t("group.members.reissue_label", { name: m.name }) }, t("group.members.reissue")),
          h("button", { type: "button", class: "quiet danger-text", onClick: () => setUi(g, { confirm: { kind: "remove", id: m.id } }), "aria-label": t("group.members.remove_label", { name: m.name }) }, t("group.members.remove")),
        )
      : null,
    confirm === "reissue"
      ? h(
          "div",
          { class: "confirm nudge" },
          h("p", { class: "nudge-title" }, t("group.members.reissue_title", { name: m.name })),
          h("p", {}, t("group.members.reissue_warning", { name: m.name })),
          h("p", {}, t("group.members.reissue_actions", { name: m.name })),
          formError(`reissue-${m.id}-error`, g.ui.formErrors[`reissue-${m.id}`]),
          h(
            "div",
            { class: "row" },
            h("button", { type: "button", class: "primary", onClick: () => reissue(g, m) }, t("group.members.reissue_yes")),
            h("button", { type: "button", class: "quiet", onClick: () => setUi(g, { confirm: null }) }, t("common.cancel")),
          ),
        )
      : null,
    confirm === "remove"
      ? h(
          "div",
          { class: "confirm nudge" },
          h("p", { class: "nudge-title" }, t("group.members.remove_title", { name: m.name })),
          h("p", {}, t("group.members.remove_warning", { name: m.name })),
          h("p", {}, t("ledger.remove_note", { name: m.name })),
          formError(`remove-${m.id}-error`, g.ui.formErrors[`remove-${m.id}`]),
          h(
            "div",
            { class: "row" },
            h("button", { type: "button", class: "danger", onClick: () => remove(g, m) }, t("group.members.remove_yes")),
            h("button", { type: "button", class: "quiet", onClick: () => setUi(g, { confirm: null }) }, t("common.cancel")),
          ),
        )
      : null,
  );
}

function focusShare() {
  document.getElementById("share-title")?.focus();
}

async function reissue(g, m) {
  const made = await issueLink(location.origin);
  const answer = await call("POST", `/mine/members/${m.id}/link`, { secret: g.secret, body: { token_hash: made.tokenHash, generation: m.generation } });
  if (answer.status === 200) {
    g.ui.confirm = null;
    g.ui.shared = { name: m.name, link: made.link, reissued: true };
    await g.reload(t("group.members.reissued", { name: m.name }));
    return focusShare();
  }
  if (linkGone(g, answer)) return;
  // `conflict`: another begeleider gave a new link just now; that one is the link in use
  showErrors(g, `reissue-${m.id}`, { _form: answer.error === "conflict" ? t("group.members.reissue_conflict", { name: m.name }) : errorText(answer) });
  if (answer.error === "conflict") await g.reload();
}

async function remove(g, m) {
  const answer = await call("DELETE", `/mine/members/${m.id}`, { secret: g.secret });
  if (answer.status === 204 || answer.error === "not_found") {
    g.ui.confirm = null;
    return g.reload(t("group.members.removed", { name: m.name }));
  }
  if (linkGone(g, answer)) return;
  showErrors(g, `remove-${m.id}`, { _form: errorText(answer) });
}

function addMember(g) {
  const p = "member";
  const e = g.ui.errors;
  return h(
    "form",
    {
      class: "stack add-member",
      id: "add-member",
      noValidate: true,
      "aria-labelledby": "add-member-title",
      onSubmit: async (ev) => {
        ev.preventDefault();
        const form = ev.currentTarget;
        const name = form.querySelector("#member-name").value.trim();
        const role = form.querySelector("#member-role").checked ? "begeleider" : "member";
        const problem = checkText(name, g.limits.MAX_NAME);
        if (problem) return showErrors(g, "add-member", { "member-name": problem });
        const made = await issueLink(location.origin);
        const answer = await call("POST", "/mine/members", { secret: g.secret, body: { name, role, token_hash: made.tokenHash } });
        if (answer.status === 201) {
          clearErrors(g, "add-member");
          form.reset();
          g.ui.shared = { name: answer.data.member.name, link: made.link, reissued: false };
          await g.reload(t("group.members.added", { name }));
          return focusShare();
        }
        if (!linkGone(g, answer)) showErrors(g, "add-member", placeError(answer, { name: "member-name", role: "member-role" }));
      },
    },
    h("h3", { id: "add-member-title" }, t("group.members.add")),
    field({ id: `${p}-name`, label: t("group.members.name"), hint: t("group.members.name_hint"), error: e[`${p}-name`], autocomplete: "off" }),
    h(
      "div",
      { class: "field check" },
      h("input", { type: "checkbox", id: `${p}-role`, "aria-describedby": `${p}-role-hint` }),
      h("label", { for: `${p}-role` }, t("group.members.co_lead")),
      h("p", { class: "hint", id: `${p}-role-hint` }, t("group.members.co_lead_hint")),
    ),
    formError("add-member-error", g.ui.formErrors["add-member"]),
    h("button", { type: "submit", class: "primary" }, t("group.members.add_submit")),
  );
}
