// A member's own actions: "what I will do before next time" (docs/GROUPS.md, "Actions and
// the terugblik"). Encrypted here, in the member's browser, with AES-GCM under the key their
// link derives (grouplink.js: deriveActionsKey, not extractable, never sent), and bound by
// the additional data to their group, themselves and the meeting. The server gets the nonce
// and the ciphertext only, over the group API: nothing of an action goes through a room.
//
// Three places use it: the room of a group's meeting (the closing phase, and the page
// shown once the meeting ended: write and delete; the terugblik of the next meeting: read
// again), and the group page (all of one's actions, to read and delete).

import { base64url, deriveActionsKey, fromBase64url, secretFromLink } from "../grouplink.js";
import { t } from "../i18n.js";
import { groupMeeting } from "../store.js";
import { h } from "../ui.js";
import { call } from "./api.js";
import { myGroups } from "./mine.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The most an action may hold, in bytes of UTF-8 (the server bounds the ciphertext to match). */
export const MAX_BYTES = 2000;
/** Actions one member may write for one meeting. */
export const MAX_PER_MEETING = 3;

/** What ties a ciphertext to its place: moved to another member or meeting, it does not decrypt. */
export function aadFor(group, member, meeting) {
  return `kring/action/v1|${group}|${member}|${meeting}`;
}

export async function seal(key, text, aad) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(aad) }, key, encoder.encode(text));
  return { iv: base64url(iv), ciphertext: base64url(new Uint8Array(data)) };
}

/** The text, or null when it cannot be opened with this key here (another link, another place). */
export async function unseal(key, action, aad) {
  try {
    const data = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64url(action.iv), additionalData: encoder.encode(aad) },
      key,
      fromBase64url(action.ciphertext),
    );
    return decoder.decode(data);
  } catch {
    return null;
  }
}

/**
 * One member's actions in one group, seen from one meeting (`meeting`: its id, or null on
 * the group page). Loads lazily, redraws the page with `render` when something arrives.
 */
class Book {
  constructor({ secret, group, meeting = null, member = null, render }) {
    Object.assign(this, { secret, group, meeting, member, render });
    this.state = "idle"; // loading, ready, failed
    this.mine = []; // [{id, meeting, created, text}] (text null: unreadable)
    this.back = null; // the terugblik: {meeting: {id, date, theme} | null, items: [...]}
    this.draft = ""; // only in this page's memory: the room's drafts are in localStorage
    this.error = null;
    this.busy = false;
    this.key = null;
  }

  async ready() {
    if (!this.key) this.key = await deriveActionsKey(this.secret);
    if (this.member === null) {
      const me = await call("GET", "/mine", { secret: this.secret });
      if (me.status !== 200) throw new Error(me.error);
      this.member = me.data.me.id;
    }
  }

  async open(actions) {
    return Promise.all(
      actions.map(async (a) => ({ ...a, text: await unseal(this.key, a, aadFor(this.group, this.member, a.meeting)) })),
    );
  }

  /** Load this meeting's actions (the whole list on the group page), once. */
  load() {
    if (this.state !== "idle") return;
    this.state = "loading";
    (async () => {
      try {
        await this.ready();
        const query = this.meeting === null ? "" : `?meeting=${this.meeting}`;
        const list = await call("GET", `/mine/actions${query}`, { secret: this.secret });
        if (list.status !== 200) throw new Error(list.error);
        this.mine = await this.open(list.data.actions);
        this.state = "ready";
      } catch {
        this.state = "failed";
      }
      this.render();
    })();
  }

  /** The terugblik's: the actions written at the meeting held last before this one, once. */
  lookBack() {
    if (this.back) return;
    this.back = { state: "loading", meeting: null, items: [] };
    (async () => {
      try {
        await this.ready();
        const answer = await call("GET", `/mine/meetings/${this.meeting}/terugblik`, { secret: this.secret });
        if (answer.status !== 200) throw new Error(answer.error);
        this.back = { state: "ready", meeting: answer.data.meeting, items: await this.open(answer.data.actions) };
      } catch {
        this.back = { state: "failed", meeting: null, items: [] };
      }
      this.render();
    })();
  }

  async add(text) {
    this.error = null;
    if (!text) return;
    if (encoder.encode(text).length > MAX_BYTES) {
      this.error = t("actions.too_long");
      return this.render();
    }
    this.busy = true;
    this.render();
    try {
      await this.ready();
      const body = await seal(this.key, text, aadFor(this.group, this.member, this.meeting));
      const answer = await call("POST", `/mine/meetings/${this.meeting}/actions`, { secret: this.secret, body });
      if (answer.status === 201) {
        this.mine.push({ ...answer.data.action, text });
        this.draft = "";
      } else {
        this.error = t(answer.error === "too_large" ? "actions.full" : "actions.failed");
      }
    } catch {
      this.error = t("actions.failed");
    }
    this.busy = false;
    this.render();
  }

  async remove(id) {
    this.error = null;
    const answer = await call("DELETE", `/mine/actions/${id}`, { secret: this.secret });
    if (answer.status === 204 || answer.status === 404) this.mine = this.mine.filter((a) => a.id !== id);
    else this.error = t("actions.failed");
    this.render();
  }

  async removeAll() {
    this.error = null;
    const answer = await call("DELETE", "/mine/actions", { secret: this.secret });
    if (answer.status === 200) this.mine = [];
    else this.error = t("actions.failed");
    this.render();
  }
}

/**
 * The actions of the room `code`, if it is a group's meeting this browser entered with a
 * link kept in "Mijn groepen" (store.js groupMeeting); null for any other room. Read once,
 * when the page opens: the room's keys in localStorage are wiped when it ends.
 */
export function roomBook(code, render) {
  const link = groupMeeting.get(code);
  if (!link || link.group === undefined || link.meeting === undefined) return null;
  const kept = myGroups().find((g) => g.id === link.group && !g.broken);
  const secret = kept ? secretFromLink(kept.secret) : null;
  if (!secret) return null;
  return new Book({ secret, group: link.group, meeting: link.meeting, render });
}

function actionList(book, items, { remove = true } = {}) {
  return h(
    "ul",
    { class: "note-list action-list" },
    items.map((a) =>
      h(
        "li",
        { class: "note own action-item", key: a.id, "data-action": a.id },
        a.text === null ? h("p", { class: "muted" }, t("actions.unreadable")) : h("p", { class: "action-text" }, a.text),
        remove
          ? h(
              "button",
              { type: "button", class: "quiet", onclick: () => book.remove(a.id), "aria-label": t("actions.delete_one", { text: (a.text || "").slice(0, 40) }) },
              t("actions.delete"),
            )
          : null,
      ),
    ),
  );
}

/** The closing phase's form and the page after the meeting: write, see and delete one's actions. */
export function actionsBlock(book) {
  if (!book) return null;
  book.load();
  const full = book.mine.length >= MAX_PER_MEETING;
  return h(
    "section",
    { class: "actions", "aria-labelledby": "actions-title", key: "actions" },
    h("h2", { id: "actions-title" }, t("actions.title")),
    h("p", { class: "hint", id: "action-hint" }, t("actions.hint")),
    book.state === "loading" ? h("p", { class: "muted" }, t("actions.loading")) : null,
    book.state === "failed" ? h("p", { class: "error" }, t("actions.load_failed")) : null,
    book.mine.length ? h("h3", {}, t("actions.saved_title")) : null,
    book.mine.length ? actionList(book, book.mine) : null,
    full
      ? h("p", { class: "muted" }, t("actions.full"))
      : h(
          "form",
          {
            id: "action-form",
            class: "stack",
            onsubmit: (e) => {
              e.preventDefault();
              book.add(book.draft.trim());
            },
          },
          h(
            "div",
            { class: "field" },
            h("label", { for: "action-text" }, t("actions.field")),
            h("textarea", {
              id: "action-text",
              name: "action-text",
              rows: 3,
              required: true,
              value: book.draft,
              "aria-describedby": book.error ? "action-hint action-error" : "action-hint",
              "aria-invalid": book.error ? "true" : null,
              oninput: (e) => {
                book.draft = e.target.value;
              },
            }),
          ),
          book.error ? h("p", { class: "error form-error", id: "action-error", role: "alert" }, book.error) : null,
          h("button", { type: "submit", class: "primary", disabled: book.busy }, t("actions.save")),
        ),
  );
}

function longDay(day) {
  return new Date(`${day}T12:00:00`).toLocaleDateString(document.documentElement.lang || "nl", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}

/** The terugblik: this member's own action(s) of last time, for their eyes only. */
export function terugblikPanel(book) {
  if (!book) return null;
  book.lookBack();
  const back = book.back;
  const when = back.meeting ? longDay(back.meeting.date) : null;
  return h(
    "section",
    { class: "terugblik-own", "aria-labelledby": "terugblik-title", key: "terugblik-own" },
    h("h2", { id: "terugblik-title" }, t("terugblik.title")),
    h("p", { class: "hint" }, t("terugblik.only_you")),
    back.state === "loading" ? h("p", { class: "muted" }, t("actions.loading")) : null,
    back.state === "failed" ? h("p", { class: "error" }, t("actions.load_failed")) : null,
    back.state === "ready" && back.items.length
      ? [when ? h("p", { class: "muted" }, t("terugblik.written", { date: when })) : null, actionList(book, back.items, { remove: false })]
      : null,
    back.state === "ready" && !back.items.length ? h("p", {}, t("terugblik.none")) : null,
    h("p", {}, t("terugblik.how")),
  );
}

/** The group page's part: all of one's actions in this group, to read and to delete. */
export function myActions(g) {
  if (!g.ui.actions || g.ui.actions.secret !== g.secret) {
    g.ui.actions = new Book({ secret: g.secret, group: g.answer.group.id, member: g.answer.me.id, render: g.redraw });
  }
  const book = g.ui.actions;
  book.load();
  const dates = new Map(g.answer.meetings.map((m) => [m.id, longDay(m.date)]));
  const byMeeting = new Map();
  for (const a of book.mine) byMeeting.set(a.meeting, [...(byMeeting.get(a.meeting) || []), a]);
  const asking = g.ui.confirm?.kind === "actions";
  return h(
    "section",
    { class: "my-actions", "aria-labelledby": "my-actions-title", key: "my-actions" },
    h("h2", { id: "my-actions-title" }, t("actions.mine_title")),
    h("p", {}, t("actions.mine_lead")),
    book.state === "loading" ? h("p", { class: "muted" }, t("actions.loading")) : null,
    book.state === "failed" ? h("p", { class: "error" }, t("actions.load_failed")) : null,
    book.state === "ready" && !book.mine.length ? h("p", { class: "muted" }, t("actions.mine_none")) : null,
    [...byMeeting.entries()].map(([meeting, items]) =>
      h("div", { class: "action-meeting", key: meeting }, h("h3", {}, dates.get(meeting) || ""), actionList(book, items)),
    ),
    book.error ? h("p", { class: "error", role: "alert" }, book.error) : null,
    book.mine.length
      ? asking
        ? h(
            "div",
            { class: "row" },
            h("button", { type: "button", class: "danger", onClick: () => { g.ui.confirm = null; book.removeAll(); } }, t("actions.delete_all_yes")),
            h("button", { type: "button", class: "quiet", onClick: () => { g.ui.confirm = null; g.redraw(); } }, t("common.cancel")),
          )
        : h("button", { type: "button", class: "danger-text", onClick: () => { g.ui.confirm = { kind: "actions" }; g.redraw(); } }, t("actions.delete_all"))
      : null,
  );
}
