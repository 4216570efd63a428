// The attendance ledger in the browser (docs/GROUPS.md, "The attendance ledger"):
//  - on the group page, "Aanwezigheid en bewijs": the links to one's proof (and, for a
//    begeleider, the group's list), and the held meetings the person may still confirm,
//    each with its list of who was there, to confirm as it is or corrected;
//  - the printable pages /groep/bewijs#S (a member's own proof) and /groep/presentielijst#S
//    (the begeleider's list), with "Afdrukken" and "Download CSV". The CSV is fetched with
//    the token in the Authorization header and saved from a Blob: the token never goes in
//    a URL, and the secret stays in the fragment.

import { authHeaders, base64url } from "../grouplink.js";
import { language, pick, t } from "../i18n.js";
import { h } from "../ui.js";
import { call, LINK_ERRORS } from "./api.js";
import { errorText, formError } from "./forms.js";


// -- how the ledger reads ----------------------------------------------------------------

function day(iso) {
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(language(), { day: "numeric", month: "long", year: "numeric" });
}

function moment(iso) {
  return new Date(iso).toLocaleDateString(language(), { day: "numeric", month: "long", year: "numeric" });
}

function hours(minutes) {
  return (minutes / 60).toLocaleString(language(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function role(r) {
  return t(`ledger.roles.${r}`, { defaultValue: r });
}

function confirmation(e) {
  if (!e.confirmed) return h("span", { class: "unconfirmed" }, t("ledger.page.unconfirmed"));
  const name = e.confirmed.by || t("ledger.page.former_confirmer");
  return t("ledger.page.confirmed_by", { name, date: moment(e.confirmed.at) });
}

function presentList(e) {
  return h(
    "ul",
    { class: "present-list" },
    e.present.map((p) => h("li", { key: p.member }, `${p.name} (${role(p.role)})`)),
    e.former ? h("li", { key: "former", class: "muted" }, t("ledger.former", { count: e.former })) : null,
  );
}

// -- on the group page -------------------------------------------------------------------

/** The section on the group page; `g` is the page's state (page.js). */
export function ledgerSection(g) {
  const leads = g.answer.me.role === "begeleider";
  const state = (g.ledger ||= { seen: null, entries: null, notice: null, errors: {} });
  if (state.seen !== g.answer) {
    state.seen = g.answer; // the group was read again: so is what waits for confirmation
    load(g, state);
  }
  const link = base64url(g.secret);
  return h(
    "section",
    { class: "ledger", "aria-labelledby": "ledger-title", key: "ledger" },
    h("h2", { id: "ledger-title" }, t("ledger.title")),
    h("p", {}, t("ledger.lead")),
    h(
      "p",
      { class: "row ledger-links" },
      h("a", { href: `/groep/bewijs#${link}`, class: "button-link" }, t("ledger.proof_link")),
      leads ? h("a", { href: `/groep/presentielijst#${link}`, class: "button-link" }, t("ledger.list_link")) : null,
    ),
    state.notice ? h("p", { class: "done", role: "status" }, state.notice) : null,
    state.entries && state.entries.length ? toConfirm(g, state) : null,
  );
}

async function load(g, state) {
  const answer = await call("GET", "/mine/confirmations", { secret: g.secret });
  if (answer.status === 200) state.entries = answer.data.entries;
  else if (LINK_ERRORS.includes(answer.error)) return g.broken(answer.error);
  g.redraw();
}

function toConfirm(g, state) {
  return h(
    "div",
    { class: "to-confirm" },
    h("h3", {}, t("ledger.to_confirm")),
    h("p", { class: "hint" }, t("ledger.to_confirm_lead")),
    h("ol", { class: "meeting-list" }, state.entries.map((e) => confirmItem(g, state, e))),
  );
}

function confirmItem(g, state, e) {
  const id = `confirm-${e.meeting}`;
  const when = day(e.date);
  return h(
    "li",
    { class: "meeting confirm-item", key: e.meeting },
    h(
      "p",
      { class: "meeting-facts" },
      h("span", { class: "meeting-date" }, t("ledger.held", { date: when, start: e.start, end: e.end, minutes: e.minutes })),
      h("span", { class: "meeting-method" }, pick(e.method_name)),
      e.theme ? h("span", { class: "meeting-theme" }, e.theme) : null,
    ),
    h("p", { class: "present-label" }, t("ledger.present")),
    presentList(e),
    formError(`${id}-error`, state.errors[e.meeting]),
    h(
      "div",
      { class: "row" },
      h(
        "button",
        { type: "button", class: "primary", "aria-label": t("ledger.confirm_label", { date: when }), onClick: () => confirm(g, state, e, null) },
        t("ledger.confirm"),
      ),
    ),
    h(
      "details",
      { class: "add correct" },
      h("summary", {}, t("ledger.correct")),
      h(
        "fieldset",
        { class: "choices correct-list" },
        h("legend", {}, t("ledger.correct_hint")),
        g.answer.members.map((m) => correctRow(g, e, m)),
      ),
      h("button", { type: "button", onClick: () => confirm(g, state, e, corrected(e, g.answer.members)) }, t("ledger.confirm_corrected")),
    ),
  );
}

function correctRow(g, e, m) {
  const was = e.present.find((p) => p.member === m.id);
  const box = `present-${e.meeting}-${m.id}`;
  const chooser = `role-${e.meeting}-${m.id}`;
  return h(
    "div",
    { class: "correct-row", key: m.id },
    h("input", { type: "checkbox", id: box, checked: Boolean(was) }),
    h("label", { for: box }, t("ledger.was_there", { name: m.name })),
    h("label", { for: chooser, class: "sr-only" }, t("ledger.role_of", { name: m.name })),
    h(
      "select",
      { id: chooser },
      g.templates.ledger_roles.map((r) => h("option", { value: r, key: r, selected: (was ? was.role : "participant") === r || undefined }, role(r))),
    ),
  );
}

/** The list as the person ticked it, read from the form. */
function corrected(e, members) {
  return members
    .filter((m) => document.getElementById(`present-${e.meeting}-${m.id}`)?.checked)
    .map((m) => ({ member: m.id, role: document.getElementById(`role-${e.meeting}-${m.id}`).value }));
}

async function confirm(g, state, e, present) {
  if (present && !present.length) {
    state.errors = { ...state.errors, [e.meeting]: t("ledger.nobody") };
    return g.redraw();
  }
  const body = present ? { version: e.version, present } : { version: e.version };
  const answer = await call("POST", `/mine/ledger/${e.meeting}/confirm`, { secret: g.secret, body });
  state.errors = { ...state.errors, [e.meeting]: null };
  if (answer.status === 200) {
    state.notice = t("ledger.confirmed", { date: day(e.date) });
    g.say(state.notice);
  } else if (LINK_ERRORS.includes(answer.error)) {
    return g.broken(answer.error);
  } else if (answer.error === "conflict") {
    state.notice = t("ledger.conflict");
    g.say(state.notice);
  } else {
    state.errors = { ...state.errors, [e.meeting]: errorText(answer) };
  }
  state.seen = null; // read again what is still to confirm
  g.redraw();
  document.getElementById("ledger-title")?.focus?.();
}

// -- the printable pages -----------------------------------------------------------------

function periods() {
  const year = new Date().getFullYear();
  return [
    { value: "this", label: t("ledger.page.this_year", { year }), query: `year=${year}` },
    { value: "last", label: t("ledger.page.last_year", { year: year - 1 }), query: `year=${year - 1}` },
    { value: "five", label: t("ledger.page.five_years", { from: year - 4, to: year }), query: `year=${year}&years=5` },
  ];
}

/**
 * /groep/bewijs#S (`kind` "proof") or /groep/presentielijst#S ("list"). `p` is what the
 * page shell gives: {secret, kind, show(draw), title(text), broken(reason), down(retry, error), redraw, say}.
 */
export async function ledgerPage(p) {
  const s = { period: "this", data: null, error: null, csvError: null, onlyLead: false };
  const load = async () => {
    const period = periods().find((x) => x.value === s.period);
    const path = p.kind === "proof" ? "/mine/proof" : "/mine/ledger";
    const answer = await call("GET", `${path}?${period.query}`, { secret: p.secret });
    if (answer.status === 200) {
      s.data = answer.data;
      s.onlyLead = false;
    } else if (LINK_ERRORS.includes(answer.error)) {
      return p.broken(answer.error);
    } else if (answer.status === 403) {
      s.onlyLead = true;
    } else if (!s.data) {
      return p.down(load, answer.error);
    } else {
      s.error = errorText(answer);
    }
    p.title(t(p.kind === "proof" ? "ledger.page.proof_title" : "ledger.page.list_title"));
    p.show(() => page(p, s, load));
  };
  await load();
}

function page(p, s, load) {
  const link = base64url(p.secret);
  const back = h("p", { class: "no-print back", key: "back" }, h("a", { href: `/groep#${link}` }, t("ledger.page.back")));
  if (s.onlyLead) {
    return [
      back,
      h(
        "section",
        { class: "ledger-page", key: "only" },
        h("h1", {}, t("ledger.page.list_title")),
        h("p", {}, t("ledger.page.only_lead")),
        h("p", {}, h("a", { href: `/groep/bewijs#${link}` }, t("ledger.proof_link"))),
      ),
    ];
  }
  const d = s.data;
  const proof = p.kind === "proof";
  return [
    back,
    h(
      "section",
      { class: `ledger-page ${proof ? "proof-page" : "list-page"}`, "aria-labelledby": "ledger-page-title", key: "page" },
      h("h1", { id: "ledger-page-title" }, t(proof ? "ledger.page.proof_title" : "ledger.page.list_title")),
      h(
        "dl",
        { class: "proof-facts" },
        h("dt", {}, t("ledger.page.group")),
        h("dd", {}, d.group),
        proof ? h("dt", {}, t("ledger.page.member")) : null,
        proof ? h("dd", {}, d.me.name) : null,
        h("dt", {}, t("ledger.page.period")),
        h("dd", {}, t("ledger.page.range", { from: day(d.from), to: day(d.to) })),
      ),
      periodForm(s, load),
      s.error ? h("p", { class: "error", role: "alert" }, s.error) : null,
      d.meetings.length ? (proof ? proofTable(d) : listTable(d)) : h("p", { class: "muted" }, t(proof ? "ledger.page.none" : "ledger.page.list_none")),
      proof ? totals(d) : null,
      h("p", { class: "hint" }, t(proof ? "ledger.page.note" : "ledger.page.list_note")),
      proof ? null : signature(),
      h("p", { class: "hint made" }, t("ledger.page.made", { date: moment(d.made) })),
      h(
        "div",
        { class: "row no-print ledger-actions" },
        h("button", { type: "button", class: "primary", onClick: () => window.print() }, t("ledger.page.print")),
        h("button", { type: "button", onClick: () => downloadCsv(p, s) }, t("ledger.page.csv")),
      ),
      formError("csv-error", s.csvError),
    ),
  ];
}

function periodForm(s, load) {
  return h(
    "form",
    {
      class: "row no-print period-form",
      onSubmit: (event) => {
        event.preventDefault();
        s.period = document.getElementById("period").value;
        s.error = null;
        load();
      },
    },
    h("label", { for: "period" }, t("ledger.page.period_label")),
    h(
      "select",
      { id: "period" },
      periods().map((x) => h("option", { value: x.value, key: x.value, selected: x.value === s.period || undefined }, x.label)),
    ),
    h("button", { type: "submit" }, t("ledger.page.show")),
  );
}

function cell(label, ...content) {
  return h("td", { "data-label": label }, ...content);
}

function meetingCells(e) {
  return [
    cell(t("ledger.page.date"), day(e.date)),
    cell(t("ledger.page.time"), `${e.start}–${e.end}`),
    cell(t("ledger.page.minutes"), t("ledger.page.minutes_value", { count: e.minutes })),
    cell(t("ledger.page.method"), pick(e.method_name)),
    cell(t("ledger.page.theme"), e.theme || "—"),
  ];
}

function head(columns) {
  return h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", key: c }, t(`ledger.page.${c}`)))));
}

function proofTable(d) {
  return h(
    "table",
    { class: "ledger-table" },
    h("caption", { class: "sr-only" }, t("ledger.page.table_label")),
    head(["date", "time", "minutes", "method", "theme", "role", "size", "confirmed"]),
    h(
      "tbody",
      {},
      d.meetings.map((e) =>
        h(
          "tr",
          { key: e.meeting, class: e.confirmed ? null : "is-unconfirmed" },
          meetingCells(e),
          cell(t("ledger.page.role"), role(e.role)),
          cell(t("ledger.page.size"), t("ledger.page.size_value", { count: e.group_size })),
          cell(t("ledger.page.confirmed"), confirmation(e)),
        ),
      ),
    ),
  );
}

function listTable(d) {
  return h(
    "table",
    { class: "ledger-table" },
    h("caption", { class: "sr-only" }, t("ledger.page.table_label")),
    head(["date", "time", "minutes", "method", "theme", "present", "size", "confirmed"]),
    h(
      "tbody",
      {},
      d.meetings.map((e) =>
        h(
          "tr",
          { key: e.meeting, class: e.confirmed ? null : "is-unconfirmed" },
          meetingCells(e),
          cell(t("ledger.page.present"), presentList(e)),
          cell(t("ledger.page.size"), t("ledger.page.size_value", { count: e.group_size })),
          cell(t("ledger.page.confirmed"), confirmation(e)),
        ),
      ),
    ),
  );
}

function totals(d) {
  const confirmedCount = d.meetings.length - d.unconfirmed.meetings;
  return h(
    "div",
    { class: "totals" },
    h("p", { class: "total" }, t("ledger.page.total", { count: confirmedCount, hours: hours(d.total.minutes), minutes: d.total.minutes })),
    d.unconfirmed.meetings
      ? h("p", { class: "open" }, t("ledger.page.open", { count: d.unconfirmed.meetings, hours: hours(d.unconfirmed.minutes) }))
      : null,
  );
}

function signature() {
  return h(
    "div",
    { class: "signature" },
    h("p", {}, h("span", {}, t("ledger.page.signature")), h("span", { class: "line", "aria-hidden": "true" })),
    h("p", {}, h("span", {}, t("ledger.page.signature_date")), h("span", { class: "line", "aria-hidden": "true" })),
  );
}

async function downloadCsv(p, s) {
  const period = periods().find((x) => x.value === s.period);
  const path = p.kind === "proof" ? "proof.csv" : "ledger.csv";
  s.csvError = null;
  try {
    const response = await fetch(`/api/groups/mine/${path}?${period.query}&lang=${language()}`, {
      headers: await authHeaders(p.secret),
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) throw new Error(String(response.status));
    const blob = await response.blob();
    const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = named ? named[1] : path;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  } catch {
    s.csvError = t("ledger.page.csv_failed");
  }
  p.redraw();
}
