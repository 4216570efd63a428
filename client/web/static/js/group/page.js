// A group's page, opened with a personal link: the group's name, the next meeting first,
// the schedule, the members, and what the group keeps and never keeps. A begeleider also
// changes them here: members and their links, meetings, series. Every change is one call
// to /api/groups/mine…; the page then reads the group again, so what it shows is what the
// server holds.

import { language, pick, t } from "../i18n.js";
import { h } from "../ui.js";
import { call } from "./api.js";
import { checkDate, checkNumber, checkText, checkTime, errorText, field, formError, methodOptions, placeError } from "./forms.js";
import { myActions } from "./actions.js";
import { myGroupsSection } from "./views.js";
import { readSeries, seriesFields, seriesIds, today } from "./series.js";
import { sharePanel } from "./share.js";
import { meetingPanel } from "./meeting.js";
import { pathSection } from "./path.js";
import { callSection } from "./call.js";
import { ledgerSection } from "./ledger.js";
import { retentionSection } from "./retention.js";
import { trendSection } from "./trend.js";
import { members } from "./members.js";
import { clearErrors, linkGone, setUi, showErrors } from "./state.js";

// -- how a meeting reads -----------------------------------------------------------------

function longDate(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(language(), { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}

function endTime(start, minutes) {
  const [hh, mm] = start.split(":").map(Number);
  const end = (hh * 60 + mm + minutes) % (24 * 60);
  return `${String(Math.floor(end / 60)).padStart(2, "0")}:${String(end % 60).padStart(2, "0")}`;
}

function methodName(g, id) {
  return pick(g.templates.methods.find((m) => m.id === id)?.name) || id;
}

/** Still to come, or going on now: a meeting of today is "next" until its planned end, or
 * until it is held, if that is sooner. */
function coming(m) {
  if (m.ended) return false;
  const day = today();
  if (m.date !== day) return m.date > day;
  const [hh, mm] = m.start.split(":").map(Number);
  const d = new Date();
  return hh * 60 + mm + m.minutes >= d.getHours() * 60 + d.getMinutes();
}

/** The meetings still to come (by date and time, the next first) and those that were. */
export function split(meetings) {
  const key = (m) => `${m.date} ${m.start}`;
  const sorted = [...meetings].sort((a, b) => key(a).localeCompare(key(b)));
  return { coming: sorted.filter(coming), past: sorted.filter((m) => !coming(m)).reverse() };
}

function meetingFacts(g, m) {
  return [
    h("span", { class: "meeting-date" }, longDate(m.date)),
    h("span", { class: "meeting-time" }, t("group.meeting.time", { start: m.start, end: endTime(m.start, m.minutes), minutes: m.minutes })),
    h("span", { class: "meeting-method" }, methodName(g, m.method)),
    m.theme ? h("span", { class: "meeting-theme" }, m.theme) : null,
  ];
}

// -- the page ----------------------------------------------------------------------------

/** `g` is the page's state: {secret, answer, templates, limits, ui, reload, redraw, say}. */
export function groupPage(g) {
  const a = g.answer;
  const leads = a.me.role === "begeleider";
  const { coming, past } = split(a.meetings);
  return [
    h(
      "section",
      { class: "hero group-head", key: "head" },
      h("p", { class: "phase-step" }, t("group.kicker")),
      h("h1", { id: "group-name" }, a.group.name),
      h("p", { class: "lead" }, t(leads ? "group.you_lead" : "group.you_member", { name: a.me.name })),
    ),
    g.ui.notice ? h("p", { class: "done notice", role: "status", key: "notice" }, g.ui.notice) : null,
    g.ui.shared ? sharePanel(g.ui.shared, () => closeShare(g), g.redraw) : null,
    nextMeeting(g, coming[0]),
    schedule(g, coming, past, leads),
    pathSection(g),
    callSection(g),
    a.meetings.some((m) => m.ended) ? trendSection(g) : null,
    members(g, leads),
    myActions(g),
    ledgerSection(g),
    retentionSection(),
    myGroupsSection(g.secret, g.redraw),
    leads ? dangerZone(g) : null,
  ];
}

function closeShare(g) {
  g.ui.shared = null;
  g.redraw();
  document.getElementById("member-name")?.focus();
}

function nextMeeting(g, m) {
  return h(
    "section",
    { class: "next-meeting", "aria-labelledby": "next-title", key: "next" },
    h("h2", { id: "next-title" }, t("group.next.title")),
    m ? h("p", { class: "meeting-facts next-facts", "data-meeting": m.id }, meetingFacts(g, m)) : h("p", { class: "muted" }, t("group.next.none")),
    m ? meetingPanel(g, m, { next: true }) : null,
  );
}

// -- the schedule ------------------------------------------------------------------------

function schedule(g, coming, past, leads) {
  return h(
    "section",
    { class: "schedule", "aria-labelledby": "schedule-title", key: "schedule" },
    h("h2", { id: "schedule-title" }, t("group.schedule.title")),
    coming.length
      ? h("ol", { class: "meeting-list", "aria-label": t("group.schedule.coming") }, coming.map((m, i) => meetingItem(g, m, leads, i === 0)))
      : h("p", { class: "muted" }, t("group.schedule.empty")),
    past.length
      ? h(
          "details",
          { class: "past" },
          h("summary", {}, t("group.schedule.past", { n: past.length })),
          h("ol", { class: "meeting-list" }, past.map((m) => meetingItem(g, m, leads, false))),
        )
      : null,
    leads ? addMeeting(g) : null,
    leads ? addSeries(g) : null,
  );
}

function meetingItem(g, m, leads, next) {
  const ui = g.ui;
  const conflict = ui.conflicts[m.id];
  const editing = ui.editing === m.id;
  const deleting = ui.confirm?.kind === "meeting" && ui.confirm.id === m.id;
  return h(
    "li",
    { class: `meeting${next ? " is-next" : ""}`, key: m.id, "data-meeting": m.id },
    h("p", { class: "meeting-facts" }, next ? h("span", { class: "badge" }, t("group.next.badge")) : null, meetingFacts(g, m)),
    conflict ? conflictNote(g, m, conflict) : null,
    !next && !m.ended ? rotaToggle(g, m) : null,
    editing ? editForm(g, m) : null,
    deleting
      ? h(
          "div",
          { class: "confirm", role: "group", "aria-label": t("group.meeting.delete_confirm", { date: longDate(m.date) }) },
          h("p", {}, t("group.meeting.delete_confirm", { date: longDate(m.date) })),
          h(
            "div",
            { class: "row" },
            h("button", { type: "button", class: "danger", onClick: () => deleteMeeting(g, m) }, t("group.meeting.delete_yes")),
            h("button", { type: "button", class: "quiet", onClick: () => setUi(g, { confirm: null }) }, t("common.cancel")),
          ),
        )
      : null,
    // a running meeting is left alone; a held one stays as it happened (it can go while its
    // attendance is not confirmed: the server says so otherwise)
    leads && !editing && !deleting && !m.room
      ? h(
          "div",
          { class: "row person-actions" },
          m.ended ? null : h("button", { type: "button", class: "quiet", onClick: () => setUi(g, { editing: m.id, confirm: null }), "aria-label": t("group.meeting.edit_label", { date: longDate(m.date) }) }, t("group.meeting.edit")),
          h("button", { type: "button", class: "quiet danger-text", onClick: () => setUi(g, { confirm: { kind: "meeting", id: m.id }, editing: null }), "aria-label": t("group.meeting.delete_label", { date: longDate(m.date) }) }, t("group.meeting.delete")),
        )
      : null,
  );
}

/** A later meeting's rota and cases, opened on demand (the next meeting shows them at the top). */
function rotaToggle(g, m) {
  const open = Boolean(g.ui.open[m.id]);
  return [
    h(
      "button",
      { type: "button", class: "quiet", "aria-expanded": String(open), "aria-controls": `panel-${m.id}`, onClick: () => setUi(g, { open: { ...g.ui.open, [m.id]: !open } }) },
      t(open ? "group.rota.hide" : "group.rota.show"),
    ),
    h("div", { id: `panel-${m.id}` }, open ? meetingPanel(g, m) : null),
  ];
}

/** The date, time, length, werkvorm and theme of a meeting as fields (`m` fills them). */
function meetingFields(g, p, m) {
  const e = g.ui.errors;
  return [
    h(
      "div",
      { class: "field-row", key: `${p}-row` },
      field({ id: `${p}-date`, label: t("group.meeting.date"), type: "date", defaultValue: m?.date || "", error: e[`${p}-date`], required: true }),
      field({ id: `${p}-start`, label: t("group.meeting.start"), type: "time", defaultValue: m?.start || "16:00", error: e[`${p}-start`], required: true }),
      field({
        id: `${p}-minutes`,
        label: t("group.meeting.minutes"),
        type: "number",
        min: g.templates.minutes[0],
        max: g.templates.minutes[1],
        defaultValue: String(m?.minutes || 120),
        error: e[`${p}-minutes`],
      }),
    ),
    field({ id: `${p}-method`, label: t("group.meeting.method"), control: "select", options: methodOptions(g.templates, m?.method || g.templates.methods[0]?.id), error: e[`${p}-method`] }),
    field({ id: `${p}-theme`, label: t("group.meeting.theme"), hint: t("group.meeting.theme_hint"), defaultValue: m?.theme || "", error: e[`${p}-theme`] }),
  ];
}

function readMeeting(g, form, p) {
  const v = (name) => (form.querySelector(`#${p}-${name}`)?.value ?? "").trim();
  const body = { date: v("date"), start: v("start"), minutes: Number(v("minutes")), method: v("method"), theme: v("theme") || null };
  const errors = {
    [`${p}-date`]: checkDate(body.date),
    [`${p}-start`]: checkTime(body.start),
    [`${p}-minutes`]: checkNumber(v("minutes"), g.templates.minutes[0], g.templates.minutes[1]),
    [`${p}-theme`]: checkText(body.theme || "", g.limits.MAX_TITLE, false),
  };
  for (const k of Object.keys(errors)) if (!errors[k]) delete errors[k];
  return { body, errors };
}

const MEETING_IDS = (p) => ({ date: `${p}-date`, start: `${p}-start`, minutes: `${p}-minutes`, method: `${p}-method`, theme: `${p}-theme` });

/** Put field errors in place; focus the first. True if there were any. */
function editForm(g, m) {
  const p = `edit-${m.id}`;
  return h(
    "form",
    {
      class: "stack meeting-form",
      id: p,
      noValidate: true,
      "aria-label": t("group.meeting.edit_label", { date: longDate(m.date) }),
      onSubmit: async (e) => {
        e.preventDefault();
        const { body, errors } = readMeeting(g, e.currentTarget, p);
        if (showErrors(g, p, errors)) return;
        // only what this person changed: applied again after a conflict, it leaves the
        // other person's change to the rest of the meeting as it is
        const change = Object.fromEntries(Object.entries(body).filter(([k, v]) => v !== (m[k] ?? null)));
        if (!Object.keys(change).length) return setUi(g, { editing: null });
        await patchMeeting(g, m, change, p);
      },
    },
    meetingFields(g, p, m),
    formError(`${p}-error`, g.ui.formErrors[p]),
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary" }, t("group.meeting.save")),
      h("button", { type: "button", class: "quiet", onClick: () => { clearErrors(g, p); setUi(g, { editing: null }); } }, t("common.cancel")),
    ),
  );
}

async function patchMeeting(g, m, change, p) {
  const answer = await call("PATCH", `/mine/meetings/${m.id}`, { secret: g.secret, body: { version: m.version, ...change } });
  if (answer.status === 200) {
    clearErrors(g, p);
    delete g.ui.conflicts[m.id];
    g.ui.editing = null;
    await g.reload(t("group.meeting.saved", { date: longDate(answer.data.meeting.date) }));
    return;
  }
  if (linkGone(g, answer)) return;
  if (answer.error === "conflict" && answer.data?.meeting) {
    // someone changed it meanwhile: show the meeting as it is now, and offer to apply ours again
    g.ui.conflicts[m.id] = { change };
    g.ui.editing = null;
    g.ui.notice = null;
    clearErrors(g, p);
    g.answer.meetings = g.answer.meetings.map((x) => (x.id === m.id ? answer.data.meeting : x));
    g.redraw();
    g.say(t("group.conflict.title"));
    document.querySelector(`[data-meeting="${m.id}"] .conflict button`)?.focus();
    return;
  }
  showErrors(g, p, placeError(answer, MEETING_IDS(p)));
}

function conflictNote(g, m, conflict) {
  const mine = { ...m, ...conflict.change };
  return h(
    "div",
    { class: "conflict nudge", role: "group", "aria-labelledby": `conflict-${m.id}` },
    h("p", { class: "nudge-title", id: `conflict-${m.id}` }, t("group.conflict.title")),
    h("p", {}, t("group.conflict.now")),
    h("p", { class: "meeting-facts" }, meetingFacts(g, m)),
    h("p", {}, t("group.conflict.mine")),
    h("p", { class: "meeting-facts" }, meetingFacts(g, mine)),
    formError(`conflict-${m.id}-error`, g.ui.formErrors[`conflict-${m.id}`]),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "primary", onClick: () => patchMeeting(g, m, conflict.change, `conflict-${m.id}`) }, t("group.conflict.apply")),
      h("button", { type: "button", class: "quiet", onClick: () => { delete g.ui.conflicts[m.id]; g.redraw(); } }, t("group.conflict.keep")),
    ),
  );
}

async function deleteMeeting(g, m) {
  const answer = await call("DELETE", `/mine/meetings/${m.id}`, { secret: g.secret });
  g.ui.confirm = null;
  if (answer.status === 204 || answer.error === "not_found") return g.reload(t("group.meeting.deleted", { date: longDate(m.date) }));
  if (linkGone(g, answer)) return;
  g.ui.notice = /confirmed/.test(answer.detail || "") ? t("group.meeting.confirmed_stays", { date: longDate(m.date) }) : errorText(answer);
  g.say(g.ui.notice);
  g.redraw();
}

function addMeeting(g) {
  const p = "new-meeting";
  return h(
    "details",
    { class: "add", key: p, open: g.ui.open[p] || undefined, onToggle: (e) => (g.ui.open[p] = e.currentTarget.open) },
    h("summary", {}, t("group.meeting.add")),
    h(
      "form",
      {
        class: "stack",
        id: p,
        noValidate: true,
        onSubmit: async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const { body, errors } = readMeeting(g, form, p);
          if (showErrors(g, p, errors)) return;
          if (!body.theme) delete body.theme;
          const answer = await call("POST", "/mine/meetings", { secret: g.secret, body });
          if (answer.status === 201) {
            clearErrors(g, p);
            form.reset();
            g.ui.open[p] = false;
            return g.reload(t("group.meeting.added", { date: longDate(body.date) }));
          }
          if (!linkGone(g, answer)) showErrors(g, p, placeError(answer, MEETING_IDS(p)));
        },
      },
      meetingFields(g, p, null),
      formError(`${p}-error`, g.ui.formErrors[p]),
      h("button", { type: "submit", class: "primary" }, t("group.meeting.add_submit")),
    ),
  );
}

function addSeries(g) {
  const p = "add-series";
  return h(
    "details",
    { class: "add", key: p, open: g.ui.open[p] || undefined, onToggle: (e) => (g.ui.open[p] = e.currentTarget.open) },
    h("summary", {}, t("group.series.add")),
    h(
      "form",
      {
        class: "stack",
        id: p,
        noValidate: true,
        onSubmit: async (e) => {
          e.preventDefault();
          const { body, errors } = readSeries(e.currentTarget, p, g.ui.series, g.templates, g.limits);
          if (showErrors(g, p, errors)) return;
          const answer = await call("POST", "/mine/series", { secret: g.secret, body });
          if (answer.status === 201) {
            clearErrors(g, p);
            g.ui.open[p] = false;
            return g.reload(t("group.series.added", { count: answer.data.meetings.length }));
          }
          if (!linkGone(g, answer)) showErrors(g, p, placeError(answer, seriesIds(p)));
        },
      },
      seriesFields(p, g.ui.series, g.templates, g.ui.errors, g.redraw),
      formError(`${p}-error`, g.ui.formErrors[p]),
      h("button", { type: "submit", class: "primary" }, t("group.series.add_submit")),
    ),
  );
}

// -- what is kept ------------------------------------------------------------------------

function dangerZone(g) {
  const asking = g.ui.confirm?.kind === "group";
  return h(
    "section",
    { class: "danger-zone", "aria-labelledby": "delete-title", key: "danger" },
    h("h2", { id: "delete-title" }, t("group.delete.title")),
    h("p", {}, t("group.delete.lead")),
    formError("delete-group-error", g.ui.formErrors["delete-group"]),
    asking
      ? h(
          "div",
          { class: "row" },
          h("button", { type: "button", class: "danger", onClick: () => deleteGroup(g) }, t("group.delete.yes")),
          h("button", { type: "button", class: "quiet", onClick: () => setUi(g, { confirm: null }) }, t("common.cancel")),
        )
      : h("button", { type: "button", class: "danger-text", onClick: () => setUi(g, { confirm: { kind: "group" } }) }, t("group.delete.ask")),
  );
}

async function deleteGroup(g) {
  const answer = await call("DELETE", "/mine", { secret: g.secret });
  if (answer.status === 204) return g.deleted();
  if (linkGone(g, answer)) return;
  showErrors(g, "delete-group", { _form: errorText(answer) });
}
