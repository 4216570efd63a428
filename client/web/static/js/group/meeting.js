// One meeting on the group's page: who has which role (the rota, with swap and skip and the
// reasons the group sees), the cases members bring in beforehand, and the way in: the
// rota's facilitator or a begeleider starts the meeting, every member enters it with their
// link (no code to type). Each meeting's page comes from GET /api/groups/mine/meetings/{id},
// which also makes the rota's proposal the first time anyone looks.

import { t } from "../i18n.js";
import { groupMeeting, session } from "../store.js";
import { h } from "../ui.js";
import { call } from "./api.js";
import { linkGone } from "./state.js";
import { checkText, errorText, field, formError, placeError } from "./forms.js";

/** How often a page that waits for today's meeting to start asks again (ms). */
const WAIT_POLL = 15000;

const ROLE_ORDER = ["facilitator", "inbrenger", "timekeeper", "notes"];

// -- loading ---------------------------------------------------------------------------

/** The meeting's page as last read: {view} or {error}; read now when there is none yet. */
function pageOf(g, id) {
  g.meetings ||= {};
  const entry = g.meetings[id];
  if (!entry) {
    g.meetings[id] = { loading: true };
    queueMicrotask(() => load(g, id));
  }
  return g.meetings[id];
}

async function load(g, id) {
  const answer = await call("GET", `/mine/meetings/${id}`, { secret: g.secret });
  if (linkGone(g, answer)) return;
  g.meetings[id] = answer.status === 200 ? { view: answer.data } : { error: errorText(answer) };
  g.redraw();
}

function keep(g, id, view) {
  g.meetings[id] = { view };
  g.redraw();
}

/** While the next meeting is today and not started, look again now and then: the start
 * shows up on its own, without a reload. */
function waitForStart(g, m, view) {
  const today = new Date().toLocaleDateString("sv"); // YYYY-MM-DD in local time
  const waiting = m.date === today && !view.meeting.room && !view.meeting.ended;
  if (waiting && !g.poll) {
    g.poll = setTimeout(async () => {
      g.poll = null;
      if (!document.hidden) await load(g, m.id);
      else g.redraw();
    }, WAIT_POLL);
  }
}

// -- the panel -------------------------------------------------------------------------

/** The meeting `m` (a row of the schedule) with its rota, cases and the way in. */
export function meetingPanel(g, m, { next = false } = {}) {
  const entry = pageOf(g, m.id);
  const p = `m${m.id}`;
  if (entry.loading) return h("p", { class: "muted", key: `${p}-loading` }, t("group.rota.loading"));
  if (entry.error) {
    return h(
      "div",
      { class: "meeting-panel", key: `${p}-error` },
      h("p", { class: "error", role: "alert" }, entry.error),
      h("button", { type: "button", class: "quiet", onClick: () => load(g, m.id) }, t("group.rota.again")),
    );
  }
  const view = entry.view;
  if (next) waitForStart(g, m, view);
  return h(
    "div",
    { class: "meeting-panel", key: `${p}-panel`, "data-panel": m.id },
    view.meeting.ended ? null : wayIn(g, view, p),
    roles(g, view, p),
    view.meeting.ended ? null : cases(g, view, p),
  );
}

// -- the way in ------------------------------------------------------------------------

function facilitatorOf(view) {
  return view.roles.find((r) => r.role === "facilitator") || null;
}

function wayIn(g, view, p) {
  const me = g.answer.me;
  const lead = facilitatorOf(view);
  const running = Boolean(view.meeting.room);
  const mayStart = me.role === "begeleider" || lead?.member === me.id;
  const busy = g.ui.busy === `${p}-in`;
  let line;
  let button = null;
  // after the guided meetings a begeleider may watch a member-led meeting without taking part
  const mayObserve = running && me.role === "begeleider" && lead && lead.member !== me.id;
  if (running) {
    line = t("group.enter.running");
    button = h("button", { type: "button", class: "primary", id: `${p}-enter`, disabled: busy, onClick: () => enter(g, view, p) }, t("group.enter.go"));
  } else if (mayStart) {
    line = lead?.member === me.id ? t("group.enter.you_lead") : t("group.enter.you_may_start", { name: lead?.name || t("common.someone") });
    button = h("button", { type: "button", class: "primary", id: `${p}-start`, disabled: busy, onClick: () => start(g, view, p) }, t("group.enter.start"));
  } else {
    line = lead ? t("group.enter.wait_for", { name: lead.name }) : t("group.enter.wait");
  }
  return h(
    "div",
    { class: "way-in", key: `${p}-in` },
    h("p", { class: "way-in-line" }, line),
    button,
    mayObserve
      ? h("button", { type: "button", id: `${p}-observe`, disabled: busy, "aria-describedby": `${p}-observe-hint`, onClick: () => enter(g, view, p, true) }, t("group.enter.observe"))
      : null,
    mayObserve ? h("p", { class: "hint observe-hint", id: `${p}-observe-hint` }, t("group.enter.observe_hint", { name: lead.name })) : null,
    running ? h("p", { class: "hint guest-code" }, t("group.enter.guests", { code: `${view.meeting.room.slice(0, 3)}-${view.meeting.room.slice(3)}` })) : null,
    formError(`${p}-in-error`, g.ui.formErrors[`${p}-in`]),
  );
}

function refusal(g, p, answer) {
  if (linkGone(g, answer)) return;
  let text = errorText(answer);
  if (answer.error === "not_allowed") text = t("group.enter.not_allowed");
  else if (answer.error === "conflict") text = t("group.enter.conflict");
  g.ui.busy = null;
  g.ui.formErrors[`${p}-in`] = text;
  g.say(text);
  g.redraw();
}

async function start(g, view, p) {
  g.ui.busy = `${p}-in`;
  g.ui.formErrors[`${p}-in`] = null;
  g.redraw();
  const lang = document.documentElement.lang === "en" ? "en" : "nl";
  const answer = await call("POST", `/mine/meetings/${view.meeting.id}/start`, { secret: g.secret, body: { language: lang } });
  if (answer.status !== 200 && answer.status !== 201) return refusal(g, p, answer);
  await enter(g, { ...view, meeting: answer.data.meeting }, p);
}

/** Into the room as oneself (`observe`: a begeleider as a silent observer): the room token
 * goes where the room page looks for it. */
async function enter(g, view, p, observe = false) {
  g.ui.busy = `${p}-in`;
  g.redraw();
  const body = observe ? { as: "observer" } : undefined;
  const answer = await call("POST", `/mine/meetings/${view.meeting.id}/enter`, { secret: g.secret, body });
  if (answer.status !== 200) {
    if (answer.error === "conflict") await load(g, view.meeting.id); // held meanwhile
    return refusal(g, p, answer);
  }
  const { code, token } = answer.data;
  session.set(code, "room", { token });
  groupMeeting.set(code, { group: g.answer.group.id, meeting: view.meeting.id });
  location.assign(`/room/${code}`);
}

// -- the rota --------------------------------------------------------------------------

function roleLabel(r) {
  if (r.role === "inbrenger" && r.slot === 2) return t("group.rota.roles.inbrenger2");
  return t(`group.rota.roles.${r.role}`);
}

function roles(g, view, p) {
  const held = Boolean(view.meeting.ended);
  const sorted = [...view.roles].sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.slot - b.slot);
  return h(
    "div",
    { class: "rota", key: `${p}-rota` },
    h("h3", {}, t("group.rota.title")),
    sorted.length
      ? h("ul", { class: "rota-list" }, sorted.map((r) => roleItem(g, view, r, p, held)))
      : h("p", { class: "muted" }, t("group.rota.empty")),
    view.notes.length
      ? h(
          "ul",
          { class: "rota-notes", "aria-label": t("group.rota.notes") },
          view.notes.map((n, i) =>
            h(
              "li",
              { key: i },
              n.kind === "swap"
                ? t("group.rota.swapped", { with: n.with_name || t("common.someone"), role: t(`group.rota.roles.${n.role}`).toLowerCase(), name: n.name || t("common.someone"), reason: n.reason })
                : t("group.rota.skipped", { name: n.name || t("common.someone"), role: t(`group.rota.roles.${n.role}`).toLowerCase(), reason: n.reason }),
            ),
          ),
        )
      : null,
  );
}

function roleItem(g, view, r, p, held) {
  const id = `${p}-${r.role}-${r.slot}`;
  const open = g.ui.rota?.id === id ? g.ui.rota.kind : null;
  const me = g.answer.me;
  const label = roleLabel(r);
  return h(
    "li",
    { class: "rota-role", key: id, "data-role": `${r.role}-${r.slot}` },
    h("span", { class: "rota-label" }, label),
    h("span", { class: "rota-name" }, r.name || t("common.someone"), r.member === me.id ? h("span", { class: "person-meta" }, ` ${t("group.members.you")}`) : null),
    !held && !open
      ? h(
          "span",
          { class: "row person-actions" },
          h("button", { type: "button", class: "quiet", "aria-label": t("group.rota.swap_label", { role: label }), onClick: () => openChange(g, id, "swap") }, t("group.rota.swap")),
          h("button", { type: "button", class: "quiet", "aria-label": t("group.rota.skip_label", { role: label }), onClick: () => openChange(g, id, "skip") }, t("group.rota.skip")),
        )
      : null,
    open ? changeForm(g, view, r, id, open) : null,
  );
}

function openChange(g, id, kind) {
  g.ui.rota = { id, kind };
  g.ui.errors[`${id}-reason`] = null;
  g.ui.errors[`${id}-with`] = null;
  g.ui.formErrors[id] = null;
  g.redraw();
  requestAnimationFrame(() => document.getElementById(kind === "swap" ? `${id}-with` : `${id}-reason`)?.focus());
}

function changeForm(g, view, r, id, kind) {
  const e = g.ui.errors;
  const others = g.answer.members.filter((m) => m.id !== r.member);
  const swap = kind === "swap";
  return h(
    "form",
    {
      class: "stack rota-change",
      noValidate: true,
      onSubmit: (ev) => {
        ev.preventDefault();
        change(g, view, r, id, kind, ev.currentTarget);
      },
    },
    h("p", { class: "hint" }, swap ? t("group.rota.swap_hint", { role: roleLabel(r).toLowerCase() }) : t("group.rota.skip_hint", { role: roleLabel(r).toLowerCase() })),
    swap
      ? field({
          id: `${id}-with`,
          label: t("group.rota.with"),
          control: "select",
          options: [{ value: "", label: t("group.rota.choose") }, ...others.map((m) => ({ value: String(m.id), label: m.name }))],
          error: e[`${id}-with`],
        })
      : null,
    field({ id: `${id}-reason`, label: t("group.rota.reason"), hint: t("group.rota.reason_hint"), error: e[`${id}-reason`], autocomplete: "off" }),
    formError(`${id}-error`, g.ui.formErrors[id]),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary" }, swap ? t("group.rota.swap_submit") : t("group.rota.skip_submit")),
      h("button", { type: "button", class: "quiet", onClick: () => { g.ui.rota = null; g.redraw(); } }, t("common.cancel")),
    ),
  );
}

async function change(g, view, r, id, kind, form) {
  const reason = form.querySelector(`#${id}-reason`).value.trim();
  const errors = { [`${id}-reason`]: checkText(reason, g.limits.MAX_TITLE) };
  const body = { version: view.meeting.version, role: r.role, slot: r.slot, reason };
  if (kind === "swap") {
    const other = form.querySelector(`#${id}-with`).value;
    errors[`${id}-with`] = other ? null : t("group.rota.choose_error");
    body.with = Number(other);
  }
  Object.assign(g.ui.errors, errors);
  if (Object.values(errors).some(Boolean)) return g.redraw();
  const answer = await call("POST", `/mine/meetings/${view.meeting.id}/roles/${kind}`, { secret: g.secret, body });
  if (answer.status === 200) {
    g.ui.rota = null;
    const text = t(kind === "swap" ? "group.rota.swap_done" : "group.rota.skip_done", { role: roleLabel(r).toLowerCase() });
    g.say(text);
    return keep(g, view.meeting.id, answer.data);
  }
  if (linkGone(g, answer)) return;
  if (answer.error === "conflict" && answer.data?.rota) {
    // someone changed the rota meanwhile: show it as it is now; the form stays open
    g.ui.formErrors[id] = t("group.rota.conflict");
    g.say(g.ui.formErrors[id]);
    return keep(g, view.meeting.id, answer.data.rota);
  }
  const placed = placeError(answer, { reason: `${id}-reason`, with: `${id}-with` });
  g.ui.formErrors[id] = placed._form || null;
  delete placed._form;
  Object.assign(g.ui.errors, placed);
  g.redraw();
}

// -- prepared cases --------------------------------------------------------------------

function cases(g, view, p) {
  const me = g.answer.me;
  const mine = view.cases.filter((c) => c.member === me.id);
  const e = g.ui.errors;
  return h(
    "div",
    { class: "prepared", key: `${p}-cases` },
    h("h3", {}, t("group.cases.title")),
    view.cases.length
      ? h(
          "ul",
          { class: "case-list" },
          view.cases.map((c) =>
            h(
              "li",
              { key: c.id, class: "prepared-case", "data-case": c.id },
              h("span", { class: "case-title" }, c.title),
              h("span", { class: "person-meta" }, c.member === me.id ? t("group.cases.yours") : t("group.cases.by", { name: c.name || t("common.someone") })),
              c.question ? h("p", { class: "case-question" }, c.question) : null,
              c.member === me.id
                ? h("button", { type: "button", class: "quiet danger-text", "aria-label": t("group.cases.withdraw_label", { title: c.title }), onClick: () => withdraw(g, view, c) }, t("group.cases.withdraw"))
                : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, t("group.cases.none")),
    mine.length < 2
      ? h(
          "details",
          { class: "add", open: g.ui.formErrors[`${p}-case`] || e[`${p}-case-name`] || e[`${p}-case-question`] ? true : undefined },
          h("summary", {}, t("group.cases.add")),
          h(
            "form",
            {
              class: "stack prepare-case",
              noValidate: true,
              "aria-label": t("group.cases.add"),
              onSubmit: (ev) => {
                ev.preventDefault();
                prepare(g, view, p, ev.currentTarget);
              },
            },
            h("p", { class: "hint" }, t("group.cases.hint")),
            field({ id: `${p}-case-name`, label: t("group.cases.name"), error: e[`${p}-case-name`], autocomplete: "off" }),
            field({ id: `${p}-case-question`, label: t("group.cases.question"), control: "textarea", rows: 3, error: e[`${p}-case-question`] }),
            formError(`${p}-case-error`, g.ui.formErrors[`${p}-case`]),
            h("button", { type: "submit", class: "primary" }, t("group.cases.submit")),
          ),
        )
      : h("p", { class: "hint" }, t("group.cases.two")),
  );
}

async function prepare(g, view, p, form) {
  const title = form.querySelector(`#${p}-case-name`).value.trim();
  const question = form.querySelector(`#${p}-case-question`).value.trim();
  const errors = {
    [`${p}-case-name`]: checkText(title, g.limits.MAX_TITLE),
    [`${p}-case-question`]: checkText(question, g.limits.MAX_SHORT),
  };
  Object.assign(g.ui.errors, errors);
  g.ui.formErrors[`${p}-case`] = null;
  if (Object.values(errors).some(Boolean)) return g.redraw();
  const answer = await call("POST", `/mine/meetings/${view.meeting.id}/cases`, { secret: g.secret, body: { title, question } });
  if (answer.status === 201) {
    form.reset();
    g.say(t("group.cases.added", { title }));
    return load(g, view.meeting.id);
  }
  if (linkGone(g, answer)) return;
  const placed = placeError(answer, { title: `${p}-case-name`, question: `${p}-case-question` });
  g.ui.formErrors[`${p}-case`] = placed._form || null;
  delete placed._form;
  Object.assign(g.ui.errors, placed);
  g.redraw();
}

async function withdraw(g, view, c) {
  const answer = await call("DELETE", `/mine/meetings/${view.meeting.id}/cases/${c.id}`, { secret: g.secret });
  if (linkGone(g, answer)) return;
  if (answer.status === 204 || answer.error === "not_found") g.say(t("group.cases.withdrawn", { title: c.title }));
  else g.say(errorText(answer));
  await load(g, view.meeting.id);
}

/** After the group was read again: each meeting page shown is read again too, in place. */
export function refreshMeetings(g) {
  for (const id of Object.keys(g.meetings || {})) load(g, Number(id));
}
