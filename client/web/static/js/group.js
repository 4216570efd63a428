// The group pages (docs/GROUPS.md): /groep#<secret> opens a group with a personal link,
// /groep alone lists "Mijn groepen" on this device, /groep/nieuw makes a new group.
// The secret is read from the URL's fragment, which no request carries; the token derived
// from it goes to /api/groups in a header, never in a URL or a body.

import { base64url, secretFromLink } from "./grouplink.js";
import { languageSwitch, setup, t, translateStatic } from "./i18n.js";
import { draw, h } from "./ui.js";
import { call, LINK_ERRORS } from "./group/api.js";
import { createPage } from "./group/create.js";
import { forget, markBroken, remember } from "./group/mine.js";
import { refreshMeetings } from "./group/meeting.js";
import { groupPage } from "./group/page.js";
import { ledgerPage } from "./group/ledger.js";
import { brokenPage, downPage, myGroupsSection } from "./group/views.js";

const app = document.getElementById("app");
const view = document.getElementById("view");
const templates = JSON.parse(app.dataset.templates);
const limits = JSON.parse(document.body.dataset.limits);

let current = null; // what is drawn: () => elements

let first = true;

function redraw() {
  if (!current) return;
  if (first) view.replaceChildren(); // the server's "loading" line: Preact draws into an empty box
  first = false;
  draw(view, current());
}

function say(text) {
  const live = document.getElementById("announce");
  live.textContent = "";
  setTimeout(() => (live.textContent = text), 50); // a change, so a screen reader reads it again
}

function title(text) {
  document.title = `${text} — Kring`;
}

function freshUi() {
  return { errors: {}, formErrors: {}, conflicts: {}, confirm: null, editing: null, shared: null, notice: null, open: {}, series: { kind: "every", end: "count" } };
}

/** /groep#S: the group this link opens. */
async function openGroup(secret) {
  const g = { secret, templates, limits, answer: null, ui: freshUi(), redraw, say };
  const broken = (reason) => {
    markBroken(base64url(secret), reason);
    title(t("group.broken.title"));
    current = () => brokenPage(reason, redraw);
    redraw();
    document.getElementById("broken-title")?.focus();
  };
  g.broken = broken;
  g.deleted = () => {
    forget(base64url(secret));
    location.assign("/groep");
  };
  g.reload = async (notice = null) => {
    const answer = await call("GET", "/mine", { secret });
    if (answer.status === 200) {
      g.answer = answer.data;
      remember(base64url(secret), answer.data); // a link opened on a new device joins "Mijn groepen"
      if (notice !== null) {
        g.ui.notice = notice;
        say(notice);
      }
      title(answer.data.group.name);
      current = () => groupPage(g);
      redraw();
      refreshMeetings(g);
      return true;
    }
    if (LINK_ERRORS.includes(answer.error)) {
      broken(answer.error);
      return false;
    }
    if (g.answer) {
      // the group was shown: keep it, and say what failed
      g.ui.notice = t(`group.errors.${answer.error}`, { defaultValue: t("group.errors.unavailable") });
      say(g.ui.notice);
      redraw();
      return false;
    }
    title(t("group.down.title"));
    current = () => downPage(() => g.reload(), answer.error);
    redraw();
    return false;
  };
  await g.reload();
}

function route() {
  if (app.dataset.view === "new") {
    const c = { templates: { ...templates }, limits, ui: { errors: {}, formError: null, series: { kind: "every", end: "count" } }, made: null, busy: false, redraw };
    title(t("group.title_new"));
    current = () => createPage(c);
    redraw();
    return;
  }
  if (!location.hash || location.hash === "#") {
    title(t("group.mine.page_title"));
    current = () => [h("h1", { key: "h1" }, t("group.mine.page_title")), myGroupsSection(null, redraw)];
    redraw();
    return;
  }
  const secret = secretFromLink(location.hash);
  if (!secret) {
    title(t("group.broken.title"));
    current = () => brokenPage("bad_link", redraw);
    redraw();
    return;
  }
  if (app.dataset.view === "proof" || app.dataset.view === "list") return openLedger(secret, app.dataset.view);
  openGroup(secret);
}

/** /groep/bewijs#S and /groep/presentielijst#S: a proof, or the group's attendance list. */
function openLedger(secret, kind) {
  const show = (fn) => {
    current = fn;
    redraw();
  };
  const broken = (reason) => {
    markBroken(base64url(secret), reason);
    title(t("group.broken.title"));
    show(() => brokenPage(reason, redraw));
  };
  const down = (retry, error) => {
    title(t("group.down.title"));
    show(() => downPage(retry, error));
  };
  ledgerPage({ secret, kind, show, title, broken, down, redraw, say });
}

async function main() {
  await setup();
  translateStatic(document);
  languageSwitch(redraw);
  route();
  // a link to another group of "Mijn groepen" changes only the fragment
  window.addEventListener("hashchange", () => {
    window.scrollTo(0, 0);
    route();
  });
}

main();
